import ArgumentParser
import Foundation

/// The rule for a command that writes one named file (`sheet`, `export`, `video`): never one of its
/// inputs, whatever path reaches it, and never a file that exists unless `--overwrite` says so.
enum OutputFileCheck {
    /// Throws naming `output` when writing it would replace an input or, without `overwrite`, any file.
    static func check(_ output: String, inputs: [String], overwrite: Bool) throws {
        if let identity = OutputPlan.FileIdentity(path: output),
            let input = inputs.first(where: { OutputPlan.FileIdentity(path: $0) == identity })
        {
            throw CLIError("\(output): is the input \(input); inputs are never overwritten")
        }
        if FileManager.default.fileExists(atPath: output) && !overwrite {
            throw CLIError("\(output): already exists (use --overwrite to replace it)")
        }
    }
}
