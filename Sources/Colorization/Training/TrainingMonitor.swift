import Foundation
import MessagePassing

/// What a long training run shows and keeps: a one-line progress display with ETA (redrawn in place
/// on a terminal, plain lines otherwise), a JSON-lines log, and a Ctrl-C flag that lets the loop
/// save a checkpoint before exiting. SIGUSR1 sets the same flag: mpirun forwards it to every rank
/// (Ctrl-C on mpirun ends the ranks at once) and SLURM sends it before a time limit (`--signal`).
public final class TrainingMonitor: @unchecked Sendable {
    private let log: FileHandle?
    /// Redraws in place on a terminal; plain lines otherwise, and always under an MPI launcher, which
    /// gives every rank a pseudo-terminal even when the job's output goes to a file.
    private let interactive = isatty(STDOUT_FILENO) == 1 && !LaunchEnvironment().isMPILaunch
    private let started = Date()
    private let firstStep: Int
    private let lastStep: Int
    private var signalSources: [DispatchSourceSignal] = []
    private let lock = NSLock()
    private var interrupted = false
    private let silent: Bool

    /// - Parameters:
    ///   - logPath: JSON-lines file, appended to (so a resumed run continues the same log); nil for a
    ///     silent monitor (the ranks of a data-parallel run other than rank 0) that only notes Ctrl-C.
    public init(logPath: String?, firstStep: Int, lastStep: Int) {
        if let logPath {
            if !FileManager.default.fileExists(atPath: logPath) {
                _ = FileManager.default.createFile(atPath: logPath, contents: nil)
            }
            log = FileHandle(forWritingAtPath: logPath)
            _ = try? log?.seekToEnd()
        } else {
            log = nil
        }
        silent = logPath == nil
        self.firstStep = firstStep
        self.lastStep = lastStep
        signal(SIGINT, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
        source.setEventHandler { [weak self] in
            self?.lock.withLock { self?.interrupted = true }
            FileHandle.standardError.write(
                Data("\ninterrupted: saving a checkpoint, then stopping (Ctrl-C again to abort)\n".utf8))
            signal(SIGINT, SIG_DFL)
        }
        source.resume()
        signal(SIGUSR1, SIG_IGN)
        let user = DispatchSource.makeSignalSource(signal: SIGUSR1, queue: .global())
        user.setEventHandler { [weak self] in
            let first = self?.lock.withLock { () -> Bool in
                defer { self?.interrupted = true }
                return self?.interrupted == false
            }
            if first == true {
                FileHandle.standardError.write(Data("\nSIGUSR1: saving a checkpoint, then stopping\n".utf8))
            }
        }
        user.resume()
        signalSources = [source, user]
    }

    deinit {
        signalSources.forEach { $0.cancel() }
        try? log?.close()
    }

    /// Whether Ctrl-C was pressed.
    public var wasInterrupted: Bool { lock.withLock { interrupted } }

    /// Appends one JSON object to the log.
    public func record(_ fields: [String: Any]) {
        guard let data = try? JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys]) else { return }
        log?.write(data + Data("\n".utf8))
    }

    /// Shows progress for `step` (1-based count of steps done) with a summary text.
    public func show(step: Int, _ summary: String, final: Bool = false) {
        guard !silent else { return }
        let done = step - firstStep
        let elapsed = Date().timeIntervalSince(started)
        let remaining = done > 0 ? elapsed / Double(done) * Double(lastStep - step) : 0
        let line =
            "step \(step)/\(lastStep)  \(summary)  elapsed \(Self.duration(elapsed))  ETA \(Self.duration(remaining))"
        if interactive {
            print("\r\u{1B}[K" + line, terminator: final ? "\n" : "")
        } else {
            print(line)
        }
        fflush(nil)
    }

    /// A message on its own line (keeps the progress line intact on a terminal).
    public func note(_ message: String) {
        guard !silent else { return }
        print((interactive ? "\r\u{1B}[K" : "") + message)
        fflush(nil)
    }

    static func duration(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        return s >= 3600
            ? String(format: "%dh%02dm", s / 3600, s % 3600 / 60) : String(format: "%dm%02ds", s / 60, s % 60)
    }
}
