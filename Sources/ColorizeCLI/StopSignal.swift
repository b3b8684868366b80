import Foundation

/// Ctrl-C (SIGINT) and SIGTERM as a request to stop gently: no new file is started, the ones in
/// flight are finished and written, and the run ends with its summary (exit code 130). Outputs are
/// written atomically, so a second signal, for the impatient, quits at once and still leaves only
/// complete files (a temporary `.NAME.PID.tmp` at worst, which the next run removes).
///
/// The signals are ignored by the process and delivered to a dispatch source instead, whose handler
/// runs on an ordinary thread, so it may take a lock and write; a C signal handler could do neither.
/// (`@unchecked`: the sources are set once in `init`; the count is behind a lock.)
final class StopSignal: @unchecked Sendable {
    private let requests = Locked(0)
    private let sources: [any DispatchSourceSignal]

    /// Starts listening; `onRequest` runs once, on the first signal (to say that the run is stopping).
    init(onRequest: @escaping @Sendable () -> Void) {
        let requests = requests
        sources = [SIGINT, SIGTERM].map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                let count = requests.withLock { count in
                    count += 1
                    return count
                }
                if count == 1 {
                    onRequest()
                } else {
                    let newline = isatty(STDOUT_FILENO) != 0 ? "\n" : ""
                    FileHandle.standardError.write(Data((newline + "interrupted again: quitting now\n").utf8))
                    _exit(130)
                }
            }
            source.resume()
            return source
        }
    }

    deinit {
        for source in sources { source.cancel() }
    }

    /// Whether a stop was asked for.
    var isRequested: Bool { requests.current > 0 }
}
