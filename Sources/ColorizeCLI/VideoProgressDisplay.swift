import Colorization
import Foundation

/// Progress of `colorize video`. On a terminal one line redrawn in place (at most five times a
/// second): `[frames/total] N.N frames/s, ETA m:ss`; in a log, a line every 10 s. The total is
/// ffprobe's estimate, so the ETA is one too. Called from the pipeline's writer thread.
final class VideoProgressDisplay: @unchecked Sendable {
    private let onTerminal: Bool
    private let lock = NSLock()
    private var lastDrawn = Date.distantPast
    private var lastLogged = Date()
    private var shown = false
    private var latest: VideoColorizer.Progress?

    init(onTerminal: Bool = isatty(STDOUT_FILENO) != 0) {
        self.onTerminal = onTerminal
    }

    func show(_ progress: VideoColorizer.Progress) {
        lock.lock()
        defer { lock.unlock() }
        latest = progress
        let now = Date()
        if onTerminal {
            guard now.timeIntervalSince(lastDrawn) >= 0.2 else { return }
            lastDrawn = now
            Swift.print("\r" + Self.line(progress) + "\u{1B}[K", terminator: "")
            fflush(nil)
            shown = true
        } else if now.timeIntervalSince(lastLogged) >= 10 {
            lastLogged = now
            Swift.print(Self.line(progress))
            fflush(nil)
        }
    }

    /// Ends the status line so what follows starts on a line of its own.
    func finish() {
        lock.lock()
        defer { lock.unlock() }
        guard onTerminal, shown else { return }
        if let latest { Swift.print("\r" + Self.line(latest) + "\u{1B}[K", terminator: "") }
        Swift.print("")
        shown = false
    }

    static func line(_ progress: VideoColorizer.Progress) -> String {
        let rate = progress.seconds > 0 ? Double(progress.frames) / progress.seconds : 0
        let total = progress.estimatedTotal.map { max($0, progress.frames) }
        let left = total.flatMap { total -> String? in
            guard rate > 0 else { return nil }
            let seconds = Int((Double(total - progress.frames) / rate).rounded(.up))
            return String(format: "%d:%02d", seconds / 60, seconds % 60)
        }
        return "[\(progress.frames)/\(total.map(String.init) ?? "?")] " + String(format: "%.1f frames/s", rate)
            + ", ETA \(left ?? "-:--")"
    }
}
