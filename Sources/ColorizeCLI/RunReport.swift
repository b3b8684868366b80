import Foundation
import Imaging

/// `--report FILE.jsonl`: one JSON object per input, written the moment it is finished, so a long
/// run can be followed (`tail -f`) and a killed one keeps every line up to the kill. Each line holds
/// the process's resident memory (`rss_mb`), which shows that memory stays flat over a long run.
///
/// Lines are `{"input", "output", "status", "width", "height", "seconds", "error", "rss_mb", "peak_rss_mb"}`, keys
/// in that order; unknown values are `null`. The file is replaced at the start of a run.
final class RunReport {
    let path: String
    private let descriptor: Int32
    /// Why a line could not be written (the first failure), or nil: the run goes on, and reports
    /// the loss at its end with exit code 1.
    private(set) var lostLines: String?

    init(path: String) throws(CLIError) {
        self.path = path
        descriptor = FileSystemPath.withRawPath(path) { open($0, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644) }
        guard descriptor >= 0 else {
            throw CLIError("\(path): cannot write the report: \(ImageError.reason(errno: errno))")
        }
    }

    deinit { close(descriptor) }

    /// Appends the line for `outcome` with one `write` call (nothing is left in a buffer).
    func append(_ outcome: FileOutcome) {
        let bytes = Array((Self.line(for: outcome, residentMegabytes: Self.residentMegabytes()) + "\n").utf8)
        var written = 0
        while written < bytes.count {
            let count = bytes[written...].withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else {
                // A full disk must not stop the colorizing itself; the loss is reported at the end.
                if lostLines == nil { lostLines = count < 0 ? ImageError.reason(errno: errno) : "nothing written" }
                return
            }
            written += count
        }
    }

    /// The JSON object for `outcome`, on one line.
    static func line(
        for outcome: FileOutcome, residentMegabytes: Double?, peakMegabytes: Double? = peakResidentMegabytes()
    ) -> String {
        let fields: [(String, String)] = [
            ("input", string(outcome.input)),
            ("output", outcome.output.map(string) ?? "null"),
            ("status", string(outcome.status.rawValue)),
            ("width", outcome.width.map(String.init) ?? "null"),
            ("height", outcome.height.map(String.init) ?? "null"),
            ("seconds", outcome.seconds.map { String(format: "%.3f", $0) } ?? "null"),
            ("error", outcome.error.map(string) ?? "null"),
            ("rss_mb", residentMegabytes.map { String(format: "%.1f", $0) } ?? "null"),
            ("peak_rss_mb", peakMegabytes.map { String(format: "%.1f", $0) } ?? "null"),
        ]
        return "{" + fields.map { "\"\($0.0)\": \($0.1)" }.joined(separator: ", ") + "}"
    }

    /// `text` as a JSON string literal (quotes, backslashes and control characters escaped).
    static func string(_ text: String) -> String {
        var result = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            case _ where scalar.value < 0x20: result += String(format: "\\u%04x", scalar.value)
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result + "\""
    }

    /// The process's peak resident set in MB so far (`VmHWM` of /proc/self/status): the peak of this
    /// program alone, since it starts anew at exec — unlike `wait4`'s `ru_maxrss`, which on Linux also
    /// keeps the peak of the process that spawned it (a large test runner, say). Nil where unknown.
    static func peakResidentMegabytes() -> Double? {
        guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
            let line = text.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
            let kilobytes = line.split(separator: " ").dropFirst().first.flatMap({ Double($0) })
        else { return nil }
        return kilobytes / 1024
    }

    /// The process's resident set in MB, from `/proc/self/statm` (its second field, in pages); nil
    /// where there is no such file.
    static func residentMegabytes() -> Double? {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return nil }
        let fields = text.split(separator: " ")
        guard fields.count >= 2, let pages = Double(fields[1]) else { return nil }
        return pages * Double(sysconf(Int32(_SC_PAGESIZE))) / 1_048_576
    }
}
