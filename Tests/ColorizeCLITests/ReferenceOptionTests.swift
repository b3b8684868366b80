import Foundation
import Imaging
import Testing

/// `colorize --reference` and `colorize video --keyframe` on the built binary with the shipped model.
@Suite struct ReferenceOptionTests {
    typealias CLI = ColorizeCommandTests

    /// A colour 160×120 picture: a red disc on a blue-green ground.
    static func colourScene(in directory: String) throws -> String {
        let (w, h) = (160, 120)
        var samples = [Float]()
        for y in 0..<h {
            for x in 0..<w {
                let inside = (x - 50) * (x - 50) + (y - 60) * (y - 60) < 35 * 35
                samples += inside ? [0.8, 0.15, 0.1] : [0.2, 0.55, 0.6]
            }
        }
        let path = directory + "/reference.png"
        try ImageCodec.write(Image(samples: samples, width: w, height: h, channels: 3), to: path)
        return path
    }

    @Test func aReferenceColoursTheMatchingScene() throws {
        let directory = CLI.temporaryDirectory()
        let input = try HintOptionTests.greyScene(in: directory)
        let reference = try Self.colourScene(in: directory)
        let result = try CLI.run([input, "--reference", reference, "-o", directory + "/out.png"])
        #expect(result.status == 0, "\(result.errors)")
        let out = try ImageCodec.read(path: directory + "/out.png").rgb
        #expect(out.width == 300 && out.height == 200)
    }

    @Test func unusableReferencesAreUsageErrorsNamingTheFile() throws {
        let directory = CLI.temporaryDirectory()
        let input = try HintOptionTests.greyScene(in: directory)
        // A grey photo has no colours to carry.
        let grey = try CLI.run([input, "--reference", input, "-o", directory + "/a.png"])
        #expect(grey.status == 2, "\(grey.errors)")
        #expect(grey.errors.contains("scene.png: the reference is grey"), "\(grey.errors)")
        let missing = try CLI.run([input, "--reference", directory + "/none.jpg", "-o", directory + "/a.png"])
        #expect(
            missing.status == 2 && missing.errors.contains("none.jpg: cannot read the reference"), "\(missing.errors)")
        let tiny = directory + "/tiny.png"
        try ImageCodec.write(
            Image(samples: .init(repeating: 0.5, count: 20 * 20 * 3), width: 20, height: 20, channels: 3), to: tiny)
        let small = try CLI.run([input, "--reference", tiny, "-o", directory + "/a.png"])
        #expect(
            small.status == 2 && small.errors.contains("tiny.png: the reference is 20×20, too small"), "\(small.errors)"
        )
        #expect(!FileManager.default.fileExists(atPath: directory + "/a.png"))
    }

    @Test func theKeyframeParserRefusesBadFramesAndMissingFiles() throws {
        let directory = CLI.temporaryDirectory()
        let reference = try Self.colourScene(in: directory)
        let video = directory + "/clip.mp4"  // never opened: the arguments are refused first
        let cases: [(String, String)] = [
            ("-1:\(reference)", "the frame number must be a whole number from 0"),
            ("x:\(reference)", "the frame number must be a whole number from 0"),
            ("2.5:\(reference)", "the frame number must be a whole number from 0"),
            (reference, "expected N:FILE"),
            ("3:", "no image file"),
            ("3:\(directory)/none.png", "none.png: no such image file"),
        ]
        for (argument, message) in cases {
            // `--keyframe=…`: as a separate word, "-1:…" would read as an option.
            let result = try CLI.run(["video", video, "--keyframe=\(argument)"])
            #expect(result.status == 2, "\(argument): \(result.errors)")
            #expect(result.errors.contains(message), "\(argument): \(result.errors)")
        }
        let twice = try CLI.run(["video", video, "--keyframe", "4:\(reference)", "--keyframe", "4:\(reference)"])
        #expect(twice.status == 2 && twice.errors.contains("frame 4 is given twice"), "\(twice.errors)")
    }
}
