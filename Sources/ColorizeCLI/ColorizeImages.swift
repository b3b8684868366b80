import ArgumentParser
import Colorization
import Foundation
import Imaging
import MessagePassing

/// The main job: colorize image files and folders at their own resolution, from one photo to tens of
/// thousands (decoding, the network and encoding overlap; memory stays flat; a stopped run resumes).
struct ColorizeImages: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "images",
        abstract: "Colorize PNG/JPEG files or folders (the default command).",
        discussion: """
            Each input is converted to its lightness (colour inputs too, unless --keep-color-input) and \
            colorized at its own size; alpha is kept (JPEG output has none). Results are written as \
            NAME_color.jpg for JPEG inputs and NAME_color.png for PNG inputs (or --format), beside the input \
            or into --output, where the sub-folders of folder inputs are mirrored. Inputs are never overwritten, \
            whatever path reaches them; other existing files are replaced only with --overwrite, or skipped \
            with --skip-existing. Inputs that would share an output (x.jpg and x.jpeg, or the same name from \
            two folders with --output) are all refused before anything is colorized. Files are written \
            atomically; Ctrl-C (or SIGTERM) stops taking new files, finishes those in flight and exits with \
            code 130 (a second Ctrl-C quits at once); rerun with --skip-existing to do only what is missing. \
            --shard K/N (or mpirun, which gives each rank its own) colorizes the K-th of N disjoint slices of \
            the sorted inputs, so several processes or machines share one batch.
            """)

    @Argument(help: "Image files (.png, .jpg, .jpeg) and folders of them.")
    var inputs: [String] = []

    @Option(
        name: [.short, .customLong("output")],
        help: """
            Output folder (sub-folders of folder inputs are mirrored), or an output file name (.png/.jpg, \
            whose extension sets the format) when there is one input.
            """)
    var output: String?

    @Option(help: "Output format: png or jpg (default: the input's own format).")
    var format: OutputFormat?

    @Option(help: "JPEG output quality, 1 to 100.")
    var jpegQuality = 95

    /// 1 by default: a colorized 12-MP PNG took 0.46 s (7.2 MB) against 2.0 s (6.9 MB) at zlib's
    /// usual 6; with the network this fast, compression would otherwise dominate.
    @Option(help: "PNG compression level, 0 to 9: 1 is fast, 9 is smallest and slowest.")
    var pngCompression = 1

    @Option(help: "Model file (safetensors). Default: the shipped Models/default.safetensors.")
    var model: String?

    @Option(help: "Colour temperature: lower is more vivid, higher is safer (default: the model's; shipped: 0.45).")
    var temperature: Double?

    @Option(help: "Network working size in pixels (default: the model's training size).")
    var size: Int?

    @Option(
        name: .customLong("hint"),
        help: ArgumentHelp(
            "A colour hint: pixel X,Y of the input (0-based, from the top left) should be COLOR.",
            discussion: """
                COLOR is #rrggbb or #rgb (sRGB; its chroma is used at the photo's own lightness) or lab:A,B \
                (Lab a and b). Repeat for more hints. They apply to every input, and need a model trained \
                with hints (the shipped one is), e.g. --hint 120,45,#c0392b --hint 300,200,lab:-40,35.
                """, valueName: "X,Y,COLOR"))
    var hint: [String] = []

    @Option(
        name: .customLong("hints"),
        help: ArgumentHelp(
            "A JSON file of colour hints, as the web page downloads them.",
            discussion: ##"Either [{"x": 120, "y": 45, "color": "#c0392b"}, …] or {"hints": [...]}; added to --hint."##,
            valueName: "FILE.json"))
    var hintsFile: String?

    @OptionGroup(title: "Colour reference") var references: ReferenceOptions

    @Option(help: "Most images run through the network together (of those already decoded), 1 to 64.")
    var batch = 4

    /// Bounds memory per image (a 100-MP photo takes a few hundred MB on its way through).
    @Option(help: "Refuse images with more pixels than this (width × height).")
    var maxPixels = ImageCodec.defaultPixelLimit

    @Flag(name: [.short, .long], help: "Also colorize images in sub-folders of folder inputs.")
    var recursive = false

    @Flag(help: "Copy inputs that already have colour unchanged instead of re-colorizing their lightness.")
    var keepColorInput = false

    /// Off by default so a user's own `NAME_color.png` (or a reused -o file) is never lost by accident; inputs
    /// themselves are refused even with it.
    @Flag(help: "Replace output files that already exist (never an input). Without it such inputs fail.")
    var overwrite = false

    @Flag(help: "Skip inputs whose output already exists (to resume a stopped run); not with --overwrite.")
    var skipExisting = false

    @Option(
        help: """
            Write one JSON line per input to this file (replaced) as each finishes: input, output, status \
            (colorized, skipped or failed), width, height, seconds, error, rss_mb (the process's memory).
            """)
    var report: String?

    @Option(
        help: """
            Colorize only the K-th (0 … N−1) of N disjoint slices of the sorted inputs (SLURM job arrays, \
            GNU parallel, shell loops). Default under mpirun: the rank's own slice.
            """)
    var shard: Shard?

    @OptionGroup(title: "Colour decoding") var chroma: DecodingOptions

    func validate() throws {
        guard !inputs.isEmpty else { throw ValidationError("give at least one image file or folder (see --help)") }
        try validateTemperatures(temperature.map { [$0] } ?? [])
        if let size, !(64...1024).contains(size) {
            throw ValidationError("--size must be between 64 and 1024 (got \(size))")
        }
        guard (1...100).contains(jpegQuality) else {
            throw ValidationError("--jpeg-quality must be between 1 and 100 (got \(jpegQuality))")
        }
        guard (0...9).contains(pngCompression) else {
            throw ValidationError("--png-compression must be between 0 and 9 (got \(pngCompression))")
        }
        guard (1...64).contains(batch) else { throw ValidationError("--batch must be between 1 and 64 (got \(batch))") }
        guard maxPixels >= 1 else { throw ValidationError("--max-pixels must be at least 1 (got \(maxPixels))") }
        for text in hint {
            do { _ = try ColorHint(parsing: text) } catch { throw ValidationError(error.description) }
        }
        if skipExisting && overwrite {
            throw ValidationError(
                "--skip-existing and --overwrite exclude each other (keep or replace existing outputs)")
        }
    }

    func run() throws {
        Colorizer.configureProcessForPhotos()
        let started = Date()
        let stop = StopSignal {
            // On a terminal the message starts below the progress line (and the echoed ^C).
            let newline = isatty(STDOUT_FILENO) != 0 ? "\n" : ""
            FileHandle.standardError.write(
                Data((newline + "stopping: finishing the images in flight (Ctrl-C again quits at once)\n").utf8))
        }
        let hints = try readHints()
        let colorizer = try DefaultModel.colorizer(
            model, hints: hints, decoding: chroma.decoding, matching: references.matching.settings)
        let references = try self.references.load(for: colorizer, networkSize: size)
        let (files, allScanFailures) = collectInputs()
        // The plan covers every input (so collisions are found alike in every shard); this process then
        // works on, and reports, its own slice only; problems with the arguments, in shard 0.
        let shard = Shard.resolve(shard)
        let mine = shard?.select(files.map(\.path))
        let scanFailures = (shard?.index ?? 0) == 0 ? allScanFailures : []
        let ours = { (input: String) in mine?.contains(input) ?? true }
        let single = files.count == 1 && inputs.count == 1
        if single, let output, let named = ImageFormat(pathExtension: URL(fileURLWithPath: output).pathExtension),
            let format, format.imageFormat != named
        {
            throw ValidationError("--format \(format.rawValue) contradicts the output file name \(output)")
        }
        let plan = OutputPlan(
            files: files, output: output, single: single, format: format?.imageFormat, overwrite: overwrite,
            skipExisting: skipExisting)
        let jobs = plan.jobs.filter { ours($0.input) }, skipped = plan.skipped.filter { ours($0.input) }
        if let shard, let mine {
            TerminalText.print("shard \(shard): \(mine.count) of \(Set(files.map(\.path)).count) inputs")
            if self.shard == nil {
                // A launcher's variables left in the environment would otherwise halve a plain run in silence.
                TerminalText.printError(
                    "note: started as rank \(shard.index) of \(shard.count) by an MPI launcher (its environment "
                        + "says so): colorizing only this rank's inputs; --shard 0/1 colorizes all of them")
            }
        }
        // Under mpirun every rank's output shares one stream: plain lines, not a redrawn status line.
        let display = ProgressDisplay(
            total: jobs.count, onTerminal: isatty(STDOUT_FILENO) != 0 && !LaunchEnvironment().isMPILaunch)
        let log = RunLog(display: display, report: try openReport(inputs: files))
        for failure in scanFailures { log.record(failure) }
        for refusal in plan.refusals where ours(refusal.input) {
            log.record(.failed(refusal.input, output: refusal.output, refusal.message))
        }
        for job in skipped { log.record(FileOutcome(input: job.input, output: job.output, status: .skipped)) }
        if !skipped.isEmpty {
            TerminalText.print("\(skipped.count) skipped: output already exists (--skip-existing)")
        }
        let stages = ImageStages(
            pixelLimit: maxPixels, hints: hints, keepColorInput: keepColorInput, overwrite: overwrite,
            skipExisting: skipExisting,
            encoding: ImageCodec.EncodingOptions(jpegQuality: jpegQuality, pngCompression: pngCompression),
            unusableFolders: prepareFolders(jobs, removingStaleTemporaries: shard == nil))
        let pipeline = BatchPipeline<ImageWork, ImageWork, ImageWork>(batchSize: batch) { stop.isRequested }
        log.begin()
        let startedCount = pipeline.run(
            jobs.enumerated().map { ImageWork(job: $0.element, position: $0.offset + 1) },
            load: { stages.load($0) },
            process: { batch in
                stages.colorize(batch) { pixels in
                    colorizer.colorize(
                        batch: pixels, hints: hints.isEmpty ? [] : Array(repeating: hints, count: pixels.count),
                        references: references, temperature: temperature, networkSize: size)
                }
            },
            store: { log.record(stages.store($0), position: $0.position) })
        log.printSummary(
            seconds: Date().timeIntervalSince(started), interrupted: stop.isRequested,
            notStarted: jobs.count - startedCount)
        if stop.isRequested { throw ExitCode(130) }
        if let lost = log.reportFailure { TerminalText.printError("error: \(lost)") }
        if log.failureCount > 0 || log.reportFailure != nil { throw ExitCode(1) }
    }

    /// The --hint options, then the --hints file's.
    func readHints() throws -> [ColorHint] {
        var hints = try hint.map { text throws(HintError) in try ColorHint(parsing: text) }
        if let hintsFile {
            guard let contents = FileManager.default.contents(atPath: hintsFile) else {
                throw HintError.unreadableFile(
                    hintsFile,
                    reason: FileManager.default.fileExists(atPath: hintsFile) ? "not readable" : "no such file")
            }
            hints += try ColorHint.list(json: contents, source: hintsFile)
        }
        try ColorHint.checkCount(hints.count, source: "--hint and --hints")
        return hints
    }

    /// The `--report` file, opened (and emptied) before any work; never one of the inputs.
    func openReport(inputs files: [OutputPlan.Input]) throws -> RunReport? {
        guard let report else { return nil }
        if let identity = OutputPlan.FileIdentity(path: report),
            files.contains(where: { OutputPlan.FileIdentity(path: $0.path) == identity })
        {
            throw ValidationError("--report \(report) is one of the inputs; inputs are never overwritten")
        }
        return try RunReport(path: report)
    }

    /// Makes the output folders (or finds them unusable, with the reason) before any work, and clears
    /// them of temporary files that a killed earlier run left behind. Shards leave them: a temporary's
    /// process id says nothing about a live shard on another machine writing to the same folder.
    func prepareFolders(_ jobs: [OutputPlan.Job], removingStaleTemporaries: Bool = true) -> [String: String] {
        var unusable: [String: String] = [:]
        for folder in Set(jobs.map { AtomicFile.parentFolder(of: $0.output) }) {
            let directory = folder.isEmpty ? "." : folder
            do {
                if output != nil { try AtomicFile.makeFolder(directory) }
                if removingStaleTemporaries { AtomicFile.removeStaleTemporaries(in: directory) }
            } catch {
                if case .writeFailed(let path, let reason) = error {
                    unusable[folder] = "\(path) \(reason)"
                } else {
                    unusable[folder] = "\(error)"
                }
            }
        }
        return unusable
    }

    /// Files named directly, plus images found in folders (with their sub-folder, for mirroring);
    /// problems with the arguments themselves, as failed outcomes.
    func collectInputs() -> (files: [OutputPlan.Input], failures: [FileOutcome]) {
        var files: [OutputPlan.Input] = [], failures: [FileOutcome] = []
        func fail(_ input: String, _ message: String) { failures.append(.failed(input, output: nil, message)) }
        for input in inputs {
            var info = stat()
            guard FileSystemPath.withRawPath(input, { stat($0, &info) }) == 0 else {
                let code = errno
                fail(
                    input,
                    "\(input): "
                        + (code == ENOENT || code == ENOTDIR
                            ? "no such file or folder" : ImageError.reason(errno: code)))
                continue
            }
            guard info.st_mode & S_IFMT == S_IFDIR else {
                files.append(OutputPlan.Input(path: input))
                continue
            }
            guard FileSystemPath.withRawPath(input, { access($0, R_OK | X_OK) }) == 0 else {
                fail(input, "\(input): cannot list the folder: \(ImageError.reason(errno: errno))")
                continue
            }
            let images = folderImages(input)
            let found = images.filter { !URL(fileURLWithPath: $0.path).lastPathComponent.contains("_color.") }
            if images.isEmpty {
                fail(input, "\(input): folder contains no .png, .jpg or .jpeg images")
            } else if found.isEmpty {
                fail(input, "\(input): folder holds only earlier outputs (\(images.count) *_color.* files, skipped)")
            }
            files += found
        }
        return (files, failures)
    }

    /// The images in `folder` (and below it with --recursive), sorted, each with its sub-folder. Listed
    /// with `FolderListing`, so names that are not valid UTF-8 are found as they are.
    func folderImages(_ folder: String) -> [OutputPlan.Input] {
        let relatives = (try? FolderListing.relativePaths(below: folder, recursive: recursive)) ?? []
        return
            relatives
            .filter { PhotoFolder.extensions.contains(URL(fileURLWithPath: $0).pathExtension.lowercased()) }
            .sorted()
            .map {
                OutputPlan.Input(
                    path: FolderListing.join(folder, $0), subfolder: AtomicFile.parentFolder(of: $0))
            }
    }
}

/// A failure to report as it is (exit code 1).
struct CLIError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
