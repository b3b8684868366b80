import Foundation
import Imaging
import Testing

/// `colorize --hint` / `--hints FILE.json` on the built binary with the shipped model.
@Suite struct HintOptionTests {
    typealias CLI = ColorizeCommandTests

    /// A grey 300×200 scene: a mid-grey disc on a lighter ground.
    static func greyScene(in directory: String) throws -> String {
        let (w, h) = (300, 200)
        var samples = [Float](repeating: 0.7, count: w * h)
        for y in 0..<h {
            for x in 0..<w where (x - 90) * (x - 90) + (y - 100) * (y - 100) < 60 * 60 {
                samples[y * w + x] = 0.45
            }
        }
        let path = directory + "/scene.png"
        try ImageCodec.write(Image(samples: samples, width: w, height: h, channels: 1), to: path)
        return path
    }

    @Test func hintsColourTheirRegion() throws {
        let directory = CLI.temporaryDirectory()
        let input = try Self.greyScene(in: directory)
        let plain = try CLI.run([input, "-o", directory + "/plain.png"])
        #expect(plain.status == 0, "\(plain.errors)")
        try Data(##"{"hints": [{"x": 250, "y": 40, "color": "#2050d0"}]}"##.utf8).write(
            to: URL(fileURLWithPath: directory + "/hints.json"))
        let hinted = try CLI.run([
            input, "--hint", "90,100,#d02020", "--hints", directory + "/hints.json", "-o", directory + "/hinted.png",
        ])
        #expect(hinted.status == 0, "\(hinted.errors)")
        let before = try ImageCodec.read(path: directory + "/plain.png").rgb
        let after = try ImageCodec.read(path: directory + "/hinted.png").rgb
        func redness(_ image: Raster, _ x: Int, _ y: Int) -> Float {
            let i = 3 * (y * image.width + x)
            return image.values[i] - image.values[i + 2]
        }
        // Inside the disc, away from the click: redder; at the blue click: bluer.
        #expect(redness(after, 110, 110) > redness(before, 110, 110) + 0.08)
        #expect(redness(after, 250, 40) < redness(before, 250, 40) - 0.08)
    }

    @Test func badHintsAreClearErrors() throws {
        let directory = CLI.temporaryDirectory()
        let input = try Self.greyScene(in: directory)
        let unparsable = try CLI.run([input, "--hint", "10,ten,#fff", "-o", directory + "/a.png"])
        #expect(unparsable.status == 2)  // a usage error
        #expect(unparsable.errors.contains("hint \"10,ten,#fff\": expected X,Y,COLOR"), "\(unparsable.errors)")
        let colour = try CLI.run([input, "--hint", "10,10,#ggg", "-o", directory + "/a.png"])
        #expect(
            colour.status == 2 && colour.errors.contains("colours are #rrggbb, #rgb or lab:A,B"), "\(colour.errors)")
        let outside = try CLI.run([input, "--hint", "300,10,#fff", "-o", directory + "/a.png"])
        #expect(outside.status == 1)
        #expect(
            outside.errors.contains("scene.png: hint at (300, 10) is outside the 300×200 image"),
            "\(outside.errors)")
        #expect(!FileManager.default.fileExists(atPath: directory + "/a.png"))
        let missing = try CLI.run([input, "--hints", directory + "/none.json", "-o", directory + "/a.png"])
        #expect(missing.status != 0 && missing.errors.contains("none.json: cannot read hints"), "\(missing.errors)")
    }
}
