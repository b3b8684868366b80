import Foundation

/// How a run's progress is shown. On a terminal: one line redrawn in place with the rate and the time
/// left, since 50,000 scrolling lines help no one; errors still appear on standard error as they
/// happen. Otherwise (a log file, a pipe): one plain line per file, which is what a log wants.
final class ProgressDisplay {
    /// Files the pipeline will go through (not those skipped or refused up front).
    let total: Int
    let onTerminal: Bool
    private var done = 0
    private var started = Date()
    private var lastDrawn = Date.distantPast
    private var statusShown = false

    init(total: Int, onTerminal: Bool = isatty(STDOUT_FILENO) != 0) {
        self.total = total
        self.onTerminal = onTerminal
    }

    /// Starts the clock of the rate and the time left (after the model is loaded and inputs planned).
    func begin() { started = Date() }

    /// Shows `outcome`: numbered `position` of `total` when it went through the pipeline, else an
    /// error found before it (a missing file, a refused output). Skips up front are only counted.
    func show(_ outcome: FileOutcome, position: Int?) {
        guard let position else {
            if let error = outcome.error { showError("error: \(error)") }
            return
        }
        done += 1
        let number = "[\(position)/\(total)]"
        switch outcome.status {
        case .failed:
            showError("\(number) error: \(outcome.error ?? "failed")")
        case .skipped where !onTerminal:
            TerminalText.print("\(number) \(outcome.input): skipped, \(outcome.output ?? "its output") already exists")
        case .colorized where !onTerminal:
            let size = "\(outcome.width ?? 0)×\(outcome.height ?? 0)"
            TerminalText.print(
                "\(number) \(outcome.input) → \(outcome.output ?? "?") (\(size), "
                    + String(format: "%.2f s)", outcome.seconds ?? 0))
        case .skipped, .colorized:
            break
        }
        if onTerminal { drawStatus(force: done == total) }
    }

    /// Ends the status line (so the summary starts on a line of its own).
    func finish() {
        guard onTerminal, statusShown else { return }
        drawStatus(force: true)
        Swift.print("")
        statusShown = false
    }

    /// `text` on standard error, after clearing the status line it would otherwise run into.
    private func showError(_ text: String) {
        if statusShown {
            Swift.print("\r\u{1B}[K", terminator: "")
            fflush(nil)
            statusShown = false
        }
        TerminalText.printError(text)
    }

    /// `\r[done/total] N.N images/s, ETA m:ss`, at most five times a second unless `force`.
    private func drawStatus(force: Bool) {
        let now = Date()
        guard force || now.timeIntervalSince(lastDrawn) >= 0.2 else { return }
        lastDrawn = now
        let elapsed = now.timeIntervalSince(started)
        let rate = elapsed > 0 ? Double(done) / elapsed : 0
        let left = rate > 0 ? Self.minutesAndSeconds(Double(total - done) / rate) : "-:--"
        Swift.print(
            "\r[\(done)/\(total)] " + String(format: "%.1f", rate) + " images/s, ETA \(left)\u{1B}[K", terminator: "")
        fflush(nil)  // no newline, so the line buffer would hold it
        statusShown = true
    }

    /// `m:ss` (minutes unbounded: `125:04`).
    static func minutesAndSeconds(_ seconds: Double) -> String {
        let whole = Int(seconds.rounded(.up))
        return String(format: "%d:%02d", whole / 60, whole % 60)
    }
}
