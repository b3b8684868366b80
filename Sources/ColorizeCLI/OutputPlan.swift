import Foundation
import Imaging

/// Where every input of a run is written, decided for the whole run before anything is colorized.
///
/// Paths are compared by file identity (device and inode), not as strings, because `C//x.png`,
/// `Clink/x.png` (a symlink to `C`) and hard links all name the same file. An input is refused, and
/// nothing is written for it, when its output would replace:
/// - any input of the run (always refused, even with `--overwrite`);
/// - the output of another input (every input of such a collision is refused, so none wins by order);
/// - a file that already exists, which this run did not create (unless `--overwrite`).
struct OutputPlan {
    /// One input and the file its colorized image is written to.
    struct Job: Equatable {
        let input: String
        let output: String
    }

    /// The inputs to colorize, in order; each writes its own output, which no other job writes.
    private(set) var jobs: [Job] = []
    /// One message per refused input, naming the input and the file it would have replaced.
    private(set) var refusals: [String] = []

    /// Plans `files` (images already found), written beside themselves or into `output`.
    /// `single` lets `output` be a file name (.png/.jpg) instead of a folder.
    init(files: [String], output: String?, single: Bool, overwrite: Bool) {
        var candidates: [Candidate] = []
        for file in files {
            let candidate = Candidate(input: file, output: Self.destination(for: file, output: output, single: single))
            // The same file named twice (or through an alias) into the same place is one job, not a collision.
            let isRepeat = candidates.contains {
                $0.outputKey == candidate.outputKey && $0.inputIdentity != nil
                    && $0.inputIdentity == candidate.inputIdentity
            }
            if !isRepeat { candidates.append(candidate) }
        }
        var inputsByIdentity: [FileIdentity: String] = [:]
        for candidate in candidates {
            if let identity = candidate.inputIdentity, inputsByIdentity[identity] == nil {
                inputsByIdentity[identity] = candidate.input
            }
        }
        let sharing = Dictionary(grouping: candidates.indices, by: { candidates[$0].outputKey })
        for (index, candidate) in candidates.enumerated() {
            let job = Job(input: candidate.input, output: candidate.output)
            let others = (sharing[candidate.outputKey] ?? []).filter { $0 != index }.map { candidates[$0].input }
            if case .file(let identity) = candidate.outputKey, let input = inputsByIdentity[identity] {
                refusals.append(
                    "\(job.input): output \(job.output) is the input \(input); inputs are never overwritten")
            } else if !others.isEmpty {
                refusals.append(
                    "\(job.input): output \(job.output) would also be written by \(others.joined(separator: ", "))"
                        + "; \(others.count == 1 ? "neither" : "none of them") is colorized"
                        + " (rename one or colorize them separately)")
            } else if !overwrite, Self.exists(job.output) {
                refusals.append("\(job.input): \(job.output) already exists (use --overwrite to replace it)")
            } else {
                jobs.append(job)
            }
        }
    }

    /// `NAME_color.png` beside `file` or in the `output` folder, or `output` itself for a single input.
    static func destination(for file: String, output: String?, single: Bool) -> String {
        let url = URL(fileURLWithPath: file)
        let name = url.deletingPathExtension().lastPathComponent + "_color.png"
        guard let output else { return url.deletingLastPathComponent().appendingPathComponent(name).path }
        if single, ImageFormat(pathExtension: URL(fileURLWithPath: output).pathExtension) != nil { return output }
        return (output as NSString).appendingPathComponent(name)
    }

    /// Whether anything is at `path`, a dangling symbolic link included (writing would replace the link).
    static func exists(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0
    }
}

extension OutputPlan {
    /// Device and inode of a file, following symbolic links: equal exactly when two paths reach one file.
    struct FileIdentity: Hashable {
        let device: UInt64
        let inode: UInt64

        init?(path: String) {
            var info = stat()
            guard stat(path, &info) == 0 else { return nil }
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

    /// An input and its output, identified before the checks.
    struct Candidate {
        let input: String
        let output: String
        let inputIdentity: FileIdentity?
        let outputKey: OutputKey

        init(input: String, output: String) {
            self.input = input
            self.output = output
            inputIdentity = FileIdentity(path: input)
            outputKey = OutputKey(output)
        }
    }
}
