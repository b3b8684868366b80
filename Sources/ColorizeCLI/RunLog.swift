import Foundation

/// The record of one `colorize images` run: each input's outcome counted once, shown, and written to
/// the `--report`, whichever thread finished it (the writer stage, or the main thread for inputs
/// refused up front); then the summary.
final class RunLog: @unchecked Sendable {
    private let lock = NSLock()
    private let display: ProgressDisplay
    private let report: RunReport?
    private var colorized = 0
    private var skipped = 0
    private var failures: [String] = []

    /// Why report lines were lost (`RunReport.lostLines`), with the report's path.
    var reportFailure: String? {
        lock.lock()
        defer { lock.unlock() }
        return report.flatMap { report in report.lostLines.map { "\(report.path): report lines lost: \($0)" } }
    }

    init(display: ProgressDisplay, report: RunReport?) {
        self.display = display
        self.report = report
    }

    /// Starts the clock of the progress line.
    func begin() { locked { display.begin() } }

    /// Counts, shows and reports `outcome`; `position` (1…total) when it went through the pipeline.
    func record(_ outcome: FileOutcome, position: Int? = nil) {
        locked {
            switch outcome.status {
            case .colorized: colorized += 1
            case .skipped: skipped += 1
            case .failed: failures.append(outcome.error ?? "\(outcome.input): failed")
            }
            display.show(outcome, position: position)
            report?.append(outcome)
        }
    }

    var failureCount: Int { locked { failures.count } }

    /// `N colorized, M skipped, K failed, T s` (and, when stopped, how many inputs were not started),
    /// then every failure again, so a long run's problems are found at its end.
    func printSummary(seconds: Double, interrupted: Bool, notStarted: Int) {
        locked {
            display.finish()
            var line = String(
                format: "%d colorized, %d skipped, %d failed, %.1f s", colorized, skipped, failures.count, seconds)
            if interrupted { line += "; interrupted, \(notStarted) not started" }
            Swift.print(line)
            for failure in failures { TerminalText.print("  failed: \(failure)") }
        }
    }

    private func locked<Result>(_ body: () -> Result) -> Result {
        lock.lock()
        defer { lock.unlock() }
        return body()
    }
}
