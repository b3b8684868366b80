import ArgumentParser
import Colorization
import Foundation
import Imaging

/// The main job: colorize image files and folders at their own resolution.
struct ColorizeImages: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "images",
        abstract: "Colorize PNG/JPEG files or folders (the default command).",
        discussion: """
            Each input is converted to its lightness (colour inputs too, unless --keep-color-input) and \
            colorized at its own size; alpha is kept. Results are written as NAME_color.png beside the \
            input, or into --output. Inputs are never overwritten, whatever path reaches them; other existing \
            files are replaced only with --overwrite. Inputs that would share an output (x.png and x.jpg, or \
            the same name from two folders with --output) are all refused before anything is colorized.
            """)

    @Argument(help: "Image files (.png, .jpg, .jpeg) and folders of them.")
    var inputs: [String] = []

    @Option(
        name: [.short, .customLong("output")],
        help: "Output folder, or an output file name (.png/.jpg) when there is one input.")
    var output: String?

    @Option(help: "Model file (safetensors). Default: the shipped Models/default.safetensors.")
    var model: String?

    @Option(help: "Colour temperature: lower is more vivid, higher is safer (default: the model's, 0.38).")
    var temperature: Double?

    @Option(help: "Network working size in pixels (default: the model's training size).")
    var size: Int?

    @Flag(help: "Also colorize images in sub-folders of folder inputs.")
    var recursive = false

    @Flag(help: "Copy inputs that already have colour unchanged instead of re-colorizing their lightness.")
    var keepColorInput = false

    /// Off by default so a user's own `NAME_color.png` (or a reused -o file) is never lost by accident; inputs
    /// themselves are refused even with it.
    @Flag(help: "Replace output files that already exist (never an input). Without it such inputs fail.")
    var overwrite = false

    func validate() throws {
        guard !inputs.isEmpty else { throw ValidationError("give at least one image file or folder (see --help)") }
        try validateTemperatures(temperature.map { [$0] } ?? [])
        if let size, !(64...1024).contains(size) {
            throw ValidationError("--size must be between 64 and 1024 (got \(size))")
        }
    }

    func run() throws {
        let started = Date()
        let colorizer = try DefaultModel.colorizer(model)
        let (files, scanFailures) = collectInputs()
        let plan = OutputPlan(
            files: files, output: output, single: files.count == 1 && inputs.count == 1, overwrite: overwrite)
        for refusal in plan.refusals { TerminalText.printError("error: \(refusal)") }
        var failures = scanFailures + plan.refusals, colorized = 0
        // Output folders are made (or found unusable) before any work, and cleared of temporary files
        // that a killed earlier run left behind.
        var unusableFolders: [String: String] = [:]
        for folder in Set(plan.jobs.map { ($0.output as NSString).deletingLastPathComponent }) {
            let directory = folder.isEmpty ? "." : folder
            do {
                if output != nil { try AtomicFile.makeFolder(directory) }
                AtomicFile.removeStaleTemporaries(in: directory)
            } catch {
                if case .writeFailed(let path, let reason) = error {
                    unusableFolders[folder] = "\(path) \(reason)"
                } else {
                    unusableFolders[folder] = "\(error)"
                }
            }
        }
        for (index, job) in plan.jobs.enumerated() {
            let fileStart = Date()
            let progress = "[\(index + 1)/\(plan.jobs.count)]"
            do {
                if let reason = unusableFolders[(job.output as NSString).deletingLastPathComponent] {
                    throw CLIError("\(job.input): cannot write \(job.output): \(reason)")
                }
                let image = try ImageCodec.read(path: job.input)
                let result =
                    keepColorInput && !image.isGrey
                    ? image : colorizer.colorize(image, temperature: temperature, networkSize: size)
                // Checked again at the last moment: something may have appeared there while colorizing.
                if !overwrite, OutputPlan.exists(job.output) {
                    throw CLIError("\(job.input): \(job.output) already exists (use --overwrite to replace it)")
                }
                try ImageCodec.write(result, to: job.output)
                colorized += 1
                TerminalText.print(
                    "\(progress) \(job.input) → \(job.output) (\(image.width)×\(image.height), "
                        + String(format: "%.2f s)", Date().timeIntervalSince(fileStart)))
            } catch {
                failures.append("\(error)")
                TerminalText.printError("\(progress) error: \(error)")
            }
        }
        let seconds = Date().timeIntervalSince(started)
        print(String(format: "%d colorized, %d failed, %.1f s", colorized, failures.count, seconds))
        for failure in failures { TerminalText.print("  failed: \(failure)") }
        if !failures.isEmpty { throw ExitCode(1) }
    }

    /// Files named directly, plus images found in folders; problems with the arguments themselves.
    func collectInputs() -> (files: [String], failures: [String]) {
        var files: [String] = [], failures: [String] = []
        func fail(_ message: String) {
            failures.append(message)
            TerminalText.printError("error: \(message)")
        }
        for input in inputs {
            var info = stat()
            guard stat(input, &info) == 0 else {
                let code = errno
                fail(
                    "\(input): "
                        + (code == ENOENT || code == ENOTDIR
                            ? "no such file or folder" : ImageError.reason(errno: code)))
                continue
            }
            guard info.st_mode & S_IFMT == S_IFDIR else { files.append(input); continue }
            guard access(input, R_OK | X_OK) == 0 else {
                fail("\(input): cannot list the folder: \(ImageError.reason(errno: errno))")
                continue
            }
            let images = recursive ? PhotoFolder.scan(input) : topLevelImages(input)
            let found = images.filter { !$0.contains("_color.") }
            if images.isEmpty {
                fail("\(input): folder contains no .png, .jpg or .jpeg images")
            } else if found.isEmpty {
                fail("\(input): folder holds only earlier outputs (\(images.count) *_color.* files, skipped)")
            }
            files += found
        }
        return (files, failures)
    }

    func topLevelImages(_ folder: String) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        return names.filter { PhotoFolder.extensions.contains(URL(fileURLWithPath: $0).pathExtension.lowercased()) }
            .sorted().map { (folder as NSString).appendingPathComponent($0) }
    }
}

/// A failure to report as it is (exit code 1).
struct CLIError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
