import Colorization
import Foundation

/// Where the shipped model is: `COLORIZE_MODEL` if set, else `Models/default.safetensors` in the
/// repository the binary was built in (found by walking up from the executable), else in the
/// current directory.
enum DefaultModel {
    static let relativePath = "Models/default.safetensors"

    static var path: String {
        if let fromEnvironment = ProcessInfo.processInfo.environment["COLORIZE_MODEL"] { return fromEnvironment }
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
            .deletingLastPathComponent()
        for _ in 0..<6 {
            let candidate = directory.appendingPathComponent(relativePath).path
            if FileManager.default.fileExists(atPath: candidate) { return candidate }
            directory.deleteLastPathComponent()
        }
        return relativePath
    }

    /// The colorizer for `--model PATH`, or the shipped model; a failure names the file, as does
    /// `hints` given to a model that takes none.
    static func colorizer(
        _ path: String?, hints: [ColorHint] = [], decoding: ChromaDecoding = .standard,
        matching: ReferenceMatcher.Settings = .init()
    ) throws -> Colorizer {
        let colorizer: Colorizer
        do {
            colorizer = try Colorizer(modelPath: path ?? self.path, decoding: decoding, referenceSettings: matching)
        } catch {
            throw CLIError("cannot load the model: \(error)")
        }
        if !hints.isEmpty && !colorizer.acceptsHints { throw HintError.modelTakesNoHints(path ?? self.path) }
        return colorizer
    }
}
