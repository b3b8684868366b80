import Foundation
import Imaging

/// Where every input of a run is written, and in which format, decided for the whole run before
/// anything is colorized.
///
/// Outputs are `NAME_color.png` or `NAME_color.jpg` (the input's own format, found from its bytes,
/// unless a format is asked for) beside the input, or under the output folder, where the sub-folders
/// of a folder argument are mirrored so that `F/a/x.png` and `F/b/x.png` never meet.
///
/// Paths are compared by file identity (device and inode), not as strings, because `C//x.png`,
/// `Clink/x.png` (a symlink to `C`) and hard links all name the same file. An input is refused, and
/// nothing is written for it, when its output is too long for the file system (name or path), or
/// would replace:
/// - any input of the run (always refused, even with `--overwrite`);
/// - the output of another input (every input of such a collision is refused, so none wins by order);
/// - a file that already exists, which this run did not create (unless `--overwrite`; with
///   `--skip-existing` the input is skipped instead, which is how an interrupted run is resumed).
struct OutputPlan {
    /// An input file and the sub-folder of its folder argument it was found in ("" for a file named
    /// directly or at the top of its folder), which an output folder mirrors.
    struct Input: Equatable {
        let path: String
        var subfolder = ""
    }

    /// One input, the file its colorized image is written to, and that file's format.
    struct Job: Equatable {
        let input: String
        let output: String
        let format: ImageFormat
    }

    /// An input that is not colorized, with the message that names it and the file it would replace.
    struct Refusal: Equatable {
        let input: String
        let output: String
        let message: String
    }

    /// The inputs to colorize, in order; each writes its own output, which no other job writes.
    private(set) var jobs: [Job] = []
    /// Inputs whose output already exists, left alone because of `--skip-existing`.
    private(set) var skipped: [Job] = []
    private(set) var refusals: [Refusal] = []

    /// Plans `files` (images already found), written beside themselves or into `output`, in `format`
    /// (nil: each input's own). `single` lets `output` be a file name (.png/.jpg) instead of a folder.
    init(
        files: [Input], output: String?, single: Bool, format: ImageFormat? = nil, overwrite: Bool,
        skipExisting: Bool = false
    ) {
        var candidates: [Candidate] = []
        // The same file named twice (or through an alias) into the same place is one job, not a collision.
        // A set, not a search of the candidates so far, which would be quadratic in 50,000 files.
        var placed = Set<Placement>()
        for file in files {
            let (path, outputFormat) = Self.destination(for: file, output: output, single: single, format: format)
            let candidate = Candidate(input: file.path, output: path, format: outputFormat)
            if let identity = candidate.inputIdentity {
                guard placed.insert(Placement(input: identity, output: candidate.outputKey)).inserted else { continue }
            }
            candidates.append(candidate)
        }
        var inputsByIdentity: [FileIdentity: String] = [:]
        for candidate in candidates {
            if let identity = candidate.inputIdentity, inputsByIdentity[identity] == nil {
                inputsByIdentity[identity] = candidate.input
            }
        }
        let sharing = Dictionary(grouping: candidates.indices, by: { candidates[$0].outputKey })
        for (index, candidate) in candidates.enumerated() {
            let job = Job(input: candidate.input, output: candidate.output, format: candidate.format)
            let others = (sharing[candidate.outputKey] ?? []).filter { $0 != index }.map { candidates[$0].input }
            func refuse(_ message: String) {
                refusals.append(Refusal(input: job.input, output: job.output, message: message))
            }
            if let problem = Self.lengthProblem(of: job.output) {
                refuse("\(job.input): cannot write \(job.output): \(problem)")
            } else if case .file(let identity) = candidate.outputKey, let input = inputsByIdentity[identity] {
                refuse("\(job.input): output \(job.output) is the input \(input); inputs are never overwritten")
            } else if !others.isEmpty {
                refuse(
                    "\(job.input): output \(job.output) would also be written by \(others.joined(separator: ", "))"
                        + "; \(others.count == 1 ? "neither" : "none of them") is colorized"
                        + " (rename one or colorize them separately)")
            } else if !overwrite, Self.exists(job.output) {
                if skipExisting {
                    skipped.append(job)
                } else {
                    refuse("\(job.input): \(job.output) already exists (use --overwrite to replace it)")
                }
            } else {
                jobs.append(job)
            }
        }
    }

    /// Where `file` is written and in which format: `output` itself for a single input whose `output`
    /// names an image file (its extension decides), else `NAME_color.png|jpg` beside `file` or in the
    /// `output` folder below `file`'s mirrored sub-folder.
    static func destination(
        for file: Input, output: String?, single: Bool, format: ImageFormat? = nil
    ) -> (path: String, format: ImageFormat) {
        if single, let output, let named = ImageFormat(pathExtension: URL(fileURLWithPath: output).pathExtension) {
            return (output, named)
        }
        let url = URL(fileURLWithPath: file.path)
        let format = format ?? detectFormat(file.path) ?? ImageFormat(pathExtension: url.pathExtension) ?? .png
        let name = url.deletingPathExtension().lastPathComponent + "_color." + (format == .jpeg ? "jpg" : "png")
        guard let output else { return (url.deletingLastPathComponent().appendingPathComponent(name).path, format) }
        let folder = file.subfolder.isEmpty ? output : (output as NSString).appendingPathComponent(file.subfolder)
        return ((folder as NSString).appendingPathComponent(name), format)
    }

    /// The format of the file at `path` from its first bytes, if it is a readable regular file that
    /// starts like a PNG or JPEG (a FIFO or device is not read: it could block or never end).
    static func detectFormat(_ path: String) -> ImageFormat? {
        let descriptor = FileSystemPath.withRawPath(path) { open($0, O_RDONLY | O_NONBLOCK | O_CLOEXEC) }
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { return nil }
        var signature = [UInt8](repeating: 0, count: 8)
        let count = signature.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
        return count > 0 ? ImageFormat.detect(Array(signature.prefix(count))) : nil
    }

    /// Whether anything is at `path`, a dangling symbolic link included (writing would replace the link).
    static func exists(_ path: String) -> Bool {
        var info = stat()
        return FileSystemPath.withRawPath(path) { lstat($0, &info) } == 0
    }

    /// Why `output` cannot be written because of its length, if it cannot: its name longer than the
    /// folder's file system allows (`pathconf` NAME_MAX, 255 bytes when the folder does not exist yet),
    /// or the path (or its temporary sibling) beyond PATH_MAX. Checked up front, so the message names
    /// the input and the output, not the temporary file, and comes before any colorizing.
    static func lengthProblem(of output: String) -> String? {
        let folder = AtomicFile.parentFolder(of: output)
        let name = folder.isEmpty ? output : String(output.dropFirst(folder.count).drop { $0 == "/" })
        let nameBytes = FileSystemPath.rawBytes(of: name).count
        var nameLimit = AtomicFile.maximumNameBytes
        let reported = FileSystemPath.withRawPath(folder.isEmpty ? "." : folder) { pathconf($0, Int32(_PC_NAME_MAX)) }
        if reported > 0 { nameLimit = min(nameLimit, reported) }
        if nameBytes > nameLimit {
            return "output name is longer than the file system allows (\(nameBytes) bytes, at most \(nameLimit))"
        }
        // PATH_MAX counts the terminating NUL; the temporary sibling is the longer of the two.
        let pathLimit = Int(PATH_MAX) - 1
        let pathBytes = FileSystemPath.rawBytes(of: output).count
        let temporaryBytes = FileSystemPath.rawBytes(of: AtomicFile.temporaryPath(for: output, process: getpid())).count
        if max(pathBytes, temporaryBytes) > pathLimit {
            return "output path is longer than the file system allows (\(pathBytes) bytes; at most \(pathLimit)"
                + " with its temporary file, which is \(temporaryBytes))"
        }
        return nil
    }
}

extension OutputPlan {
    /// Device and inode of a file, following symbolic links: equal exactly when two paths reach one file.
    struct FileIdentity: Hashable {
        let device: UInt64
        let inode: UInt64

        init?(path: String) {
            var info = stat()
            guard FileSystemPath.withRawPath(path, { stat($0, &info) }) == 0 else { return nil }
            device = UInt64(truncatingIfNeeded: info.st_dev)
            inode = UInt64(truncatingIfNeeded: info.st_ino)
        }
    }

    /// What an output path will replace: an existing file, a name in an existing folder, or (when the
    /// folder does not exist yet, so no input can be there) the normalized path itself.
    enum OutputKey: Hashable {
        case file(FileIdentity)
        case entry(folder: FileIdentity, name: String)
        case path(String)

        init(_ path: String) {
            let url = URL(fileURLWithPath: path)
            if let identity = FileIdentity(path: path) {
                self = .file(identity)
            } else if let folder = FileIdentity(path: url.deletingLastPathComponent().path) {
                self = .entry(folder: folder, name: url.lastPathComponent)
            } else {
                self = .path(url.standardizedFileURL.path)
            }
        }
    }

    /// An input file written to an output place: seen twice, it is one job named twice.
    struct Placement: Hashable {
        let input: FileIdentity
        let output: OutputKey
    }

    /// An input and its output, identified before the checks.
    struct Candidate {
        let input: String
        let output: String
        let format: ImageFormat
        let inputIdentity: FileIdentity?
        let outputKey: OutputKey

        init(input: String, output: String, format: ImageFormat) {
            self.input = input
            self.output = output
            self.format = format
            inputIdentity = FileIdentity(path: input)
            outputKey = OutputKey(output)
        }
    }
}
