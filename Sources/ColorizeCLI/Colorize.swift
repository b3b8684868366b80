import ArgumentParser
import Foundation
import Tensor

/// `colorize`: colorizes grey photographs; subcommands run every step of the training pipeline.
struct Colorize: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "colorize",
        abstract: "Colorize grey photographs with a CNN trained as the seed colorizer (CIELAB, U-Net, WGAN-GP).",
        discussion: """
            Exit codes: 0 success, 1 an input or file could not be processed (the message names it), 2 usage error, \
            130 stopped by Ctrl-C or SIGTERM (after finishing the files in flight).
            """,
        version: diagnostics,
        subcommands: [
            ColorizeImages.self, WeightsCommand.self, PretrainCommand.self, GanCommand.self, EvaluateCommand.self,
            SheetCommand.self, ExportCommand.self, ServeCommand.self, VideoCommand.self, EvaluateVideoCommand.self,
        ],
        defaultSubcommand: ColorizeImages.self)

    /// `colorize --version`: the CPU features the engine found (after any cap) and the precision
    /// `--precision auto` picks on this machine.
    static var diagnostics: String {
        """
        colorize
        \(CPUFeatures.summary)
        training precision: auto → \(PrecisionChoice.auto.resolved()) (pretrain, gan); inference: fp32
        """
    }
}

/// Entry point: runs the command and maps failures to the documented exit codes.
@main
enum ColorizeMain {
    static func main() async {
        ProcessStart.disableBacktracerUnlessInteractive()
        do {
            var command = try Colorize.parseAsRoot(ProcessStart.arguments())
            if var asynchronous = command as? AsyncParsableCommand {
                try await asynchronous.run()
            } else {
                try command.run()
            }
        } catch let exit as ExitCode {
            Foundation.exit(exit.rawValue)
        } catch {
            let code = Colorize.exitCode(for: error)
            if code == .success {
                Colorize.exit(withError: error)  // --help, --version: printed by ArgumentParser
            }
            let isUsage = code == .validationFailure || error is ValidationError
            FileHandle.standardError.write(
                Data("\(isUsage ? Colorize.fullMessage(for: error) : "error: \(error)")\n".utf8))
            Foundation.exit(isUsage ? 2 : 1)
        }
    }
}
