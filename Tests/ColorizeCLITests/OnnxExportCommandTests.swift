import Colorization
import Foundation
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
