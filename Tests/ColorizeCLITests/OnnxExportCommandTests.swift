import Colorization
import Foundation
import Imaging
import Testing

/// `colorize export --format onnx` as a user runs it: the files it writes, and the exit code 1 with
/// a message naming the file for inputs it cannot export.
@Suite struct OnnxExportCommandTests {
    typealias CLI = ColorizeCommandTests

    @Test func writesTheAutomaticAndTheHintGraphs() throws {
        let directory = CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let output = directory + "/colorize.onnx"
        let result = try CLI.run(["export", CLI.model, "--format", "onnx", "-o", output])
        #expect(result.status == 0, "\(result.errors)")
        #expect(result.output.contains("wrote \(output): automatic graph"))
        #expect(result.output.contains("wrote \(directory)/colorize-hints.onnx: graph with hints"))
        for path in [output, directory + "/colorize-hints.onnx"] {
            let bytes = try #require(FileManager.default.contents(atPath: path), "\(path) was not written")
            // ModelProto field 1 (ir_version) = 8 comes first.
            #expect(Array(bytes.prefix(2)) == [0x08, 0x08] && bytes.count > 10_000_000, "\(path)")
        }
    }

    /// docs/examples/onnx/colorize_onnx.py (onnxruntime, numpy, Pillow) on the example photo gives
    /// `colorize`'s own picture: within one level per channel on at least 99 % of the pixels.
    @Test func theExampleScriptGivesColorizesPicture() throws {
        guard Self.pythonHasExampleModules() else { return }
        let directory = CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let graph = directory + "/colorize.onnx", photo = CLI.repository.path + "/docs/examples/ladybird-grey.jpg"
        let export = try CLI.run(["export", CLI.model, "--format", "onnx", "-o", graph])
        #expect(export.status == 0, "\(export.errors)")
        let ours = directory + "/ours.png", theirs = directory + "/onnx.png"
        let colorized = try CLI.run([photo, "-o", ours])
        #expect(colorized.status == 0, "\(colorized.errors)")
        let script = CLI.repository.path + "/docs/examples/onnx/colorize_onnx.py"
        let example = Self.python([script, graph, photo, theirs])
        #expect(example.status == 0, "\(example.errors)")
        let a = try ImageCodec.readPixels(path: ours), b = try ImageCodec.readPixels(path: theirs)
        try #require(a.width == b.width && a.height == b.height && a.channels == b.channels)
        let pixels = a.width * a.height, channels = a.channels
        var close = 0, worst = 0
        for pixel in 0..<pixels {
            var largest = 0
            for c in 0..<channels {
                let i = pixel * channels + c
                largest = max(largest, abs(Int(a.bytes[i]) - Int(b.bytes[i])))
            }
            if largest <= 1 { close += 1 }
            worst = max(worst, largest)
        }
        let share = Double(close) / Double(pixels)
        print("onnx example vs colorize: \(share * 100) % of pixels within 1 level, worst \(worst) levels")
        #expect(share >= 0.99, "only \(share * 100) % within one level (worst \(worst))")
    }

    /// Whether Python has what the example needs; under `COLORIZE_REQUIRE_DATA=1` (CI) its absence
    /// is a failure, elsewhere the test is skipped with a note.
    static func pythonHasExampleModules() -> Bool {
        if python(["-c", "import onnxruntime, numpy, PIL"]).status == 0 { return true }
        if ProcessInfo.processInfo.environment["COLORIZE_REQUIRE_DATA"] == "1" {
            Issue.record("COLORIZE_REQUIRE_DATA=1 requires Python with onnxruntime, numpy and Pillow")
        } else {
            print(
                "skipping: Python with onnxruntime, numpy and Pillow is not installed (pip install onnxruntime pillow)")
        }
        return false
    }

    /// Runs the `python3` found on PATH; its stderr goes to a file so it cannot block on a full pipe.
    static func python(_ arguments: [String]) -> (status: Int32, errors: String) {
        let errorsPath = CLI.temporaryDirectory() + "/stderr"
        guard FileManager.default.createFile(atPath: errorsPath, contents: nil),
            let errorsFile = FileHandle(forWritingAtPath: errorsPath)
        else { return (-1, "cannot create \(errorsPath)") }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3"] + arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = errorsFile
        guard (try? process.run()) != nil else { return (-1, "python3 could not be started") }
        process.waitUntilExit()
        try? errorsFile.close()
        let errors = String(decoding: FileManager.default.contents(atPath: errorsPath) ?? Data(), as: UTF8.self)
        return (process.terminationStatus, errors)
    }

    @Test func aFileThatIsNotAModelFailsNamingIt() throws {
        let directory = CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/photo.jpg"
        try Data("JFIF? no.".utf8).write(to: URL(fileURLWithPath: path))
        for model in [path, directory + "/missing.safetensors"] {
            let result = try CLI.run(["export", model, "--format", "onnx", "-o", directory + "/out.onnx"])
            #expect(result.status == 1)
            #expect(
                result.errors.contains("error: \(model): not a Colorize model that can be exported"), "\(result.errors)"
            )
        }
        #expect(!FileManager.default.fileExists(atPath: directory + "/out.onnx"))
    }

    @Test func anUnexportableArchitectureFailsNamingIt() throws {
        let directory = CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/seed.safetensors"
        try ModelFile.save(
            Generator(ModelConfiguration(size: 64, widthMultiplier: 0.125)), magicWeights: nil, step: 1,
            stage: "test", to: path)
        let result = try CLI.run(["export", path, "--format", "onnx", "-o", directory + "/seed.onnx"])
        #expect(result.status == 1)
        #expect(
            result.errors.contains("error: \(path): architecture \"seed\" cannot be exported to ONNX"),
            "\(result.errors)")
        #expect(!FileManager.default.fileExists(atPath: directory + "/seed.onnx"))
    }
}
