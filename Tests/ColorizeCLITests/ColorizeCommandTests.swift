import Foundation
import Imaging
import Testing

/// End-to-end runs of the built `colorize` executable with the shipped model.
@Suite struct ColorizeCommandTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let model = repository.appendingPathComponent("Models/default.safetensors").path

    /// The `colorize` binary built beside the test bundle.
    static var executable: String {
        var directory = Bundle.main.bundleURL
        for _ in 0..<3 {
            let candidate = directory.appendingPathComponent("colorize").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            directory.deleteLastPathComponent()
        }
        return repository.appendingPathComponent(".build/debug/colorize").path
    }

    static func run(_ arguments: [String]) throws -> (status: Int32, output: String, errors: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let output = out.fileHandleForReading.readDataToEndOfFile(),
            errors = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (
            process.terminationStatus, String(decoding: output, as: UTF8.self), String(decoding: errors, as: UTF8.self)
        )
    }

    static func temporaryDirectory() -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("colorize-cli-\(UUID().uuidString)")
            .path
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// An odd-sized RGBA picture with structure, colour and a varying alpha.
    static func oddImage(width: Int = 333, height: Int = 517) -> Image {
        var samples: [Float] = []
        for y in 0..<height {
            for x in 0..<width {
                let t = Float(x) / Float(width), u = Float(y) / Float(height)
                samples += [0.5 + 0.5 * sinf(9 * t), u, (t + u) / 2, Float((x + y) % 256) / 255]
            }
        }
        return Image(samples: samples, width: width, height: height, channels: 4)
    }

    @Test func colorizesAnOddSizedRGBAImage() throws {
        let directory = Self.temporaryDirectory()
        let input = directory + "/odd.png", outputDirectory = directory + "/out"
        let image = Self.oddImage()
        try ImageCodec.write(image, to: input)
        let result = try Self.run([input, "-o", outputDirectory, "--model", Self.model])
        #expect(result.status == 0, "\(result.errors)")
        #expect(result.output.contains("1 colorized, 0 skipped, 0 failed"))
        let output = try ImageCodec.read(path: outputDirectory + "/odd_color.png")
        #expect(output.width == 333 && output.height == 517)
        #expect(output.alpha?.values == image.alpha?.values)
        // Lightness is the input's (within 8-bit rounding); chroma is not all zero.
        let inputLab = ColorSpace.lab(fromRGB: try ImageCodec.read(path: input).color)
        let outputLab = ColorSpace.lab(fromRGB: output.color)
        var worstL: Float = 0, chroma: Float = 0
        for i in 0..<outputLab.pixelCount {
            worstL = max(worstL, abs(outputLab.values[3 * i] - inputLab.values[3 * i]))
            chroma = max(chroma, abs(outputLab.values[3 * i + 1]) + abs(outputLab.values[3 * i + 2]))
        }
        #expect(worstL < 1.5, "L differs by up to \(worstL)")
        #expect(chroma > 1, "output has no colour")
    }

    @Test func badInputsAreReportedWithoutStoppingTheBatch() throws {
        let directory = Self.temporaryDirectory()
        let good = directory + "/good.jpg"
        try ImageCodec.write(Self.oddImage(width: 70, height: 50), to: good)
        let jpeg = try ImageCodec.encodeJPEG(Self.oddImage(width: 64, height: 64))
        try Data(jpeg.prefix(jpeg.count / 2)).write(to: URL(fileURLWithPath: directory + "/truncated.jpg"))
        try Data("just some text".utf8).write(to: URL(fileURLWithPath: directory + "/notes.png"))
        try FileManager.default.createDirectory(atPath: directory + "/empty", withIntermediateDirectories: true)
        let result = try Self.run([
            directory + "/notes.png", directory + "/truncated.jpg", directory + "/missing.jpg",
            directory + "/empty", good, "--model", Self.model,
        ])
        #expect(result.status == 1)
        #expect(FileManager.default.fileExists(atPath: directory + "/good_color.jpg"))
        #expect(result.errors.contains("notes.png: not a PNG or JPEG image"))
        #expect(result.errors.contains("truncated.jpg: corrupt or truncated image"))
        #expect(result.errors.contains("missing.jpg: no such file or folder"))
        #expect(result.errors.contains("empty: folder contains no .png, .jpg or .jpeg images"))
        #expect(result.output.contains("1 colorized, 0 skipped, 4 failed"))
    }

    @Test func usageErrorsExitWithTwo() throws {
        // Temperatures outside 0.01…10 or not numbers are usage errors, not NaN or silence.
        for bad in ["-1", "0", "1e-40", "nan", "inf", "abc", "10.5"] {
            let result = try Self.run(["--temperature", bad, "x.png"])
            #expect(result.status == 2, "temperature \(bad)")
        }
        #expect(try Self.run(["--no-such-option"]).status == 2)
        #expect(try Self.run([]).status == 2)
        let help = try Self.run(["--help"])
        #expect(help.status == 0 && help.output.contains("pretrain") && help.output.contains("evaluate"))
    }

    @Test func aMissingModelIsAClearError() throws {
        let directory = Self.temporaryDirectory()
        try ImageCodec.write(Self.oddImage(width: 20, height: 20), to: directory + "/a.png")
        let result = try Self.run([directory + "/a.png", "--model", directory + "/nope.safetensors"])
        #expect(result.status == 1)
        #expect(result.errors.contains("nope.safetensors: no such checkpoint"))
    }
}
