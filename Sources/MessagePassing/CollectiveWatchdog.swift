import Foundation

/// Ends the process when one collective operation has waited longer than `timeout` seconds, so a job
/// whose peer hangs without dying fails with a message instead of waiting for ever. It runs on a
/// thread of its own and never calls MPI (MPI is funneled through the training thread); the launcher
/// sees this rank exit non-zero and ends the rest of the job.
final class CollectiveWatchdog: @unchecked Sendable {
    private let lock = NSLock()
    private var current: (operation: String, since: Date)?
    private let timeout: Double
    private let rank: Int

    init(rank: Int, timeout: Double) {
        self.rank = rank
        self.timeout = timeout
        guard timeout > 0 else { return }
        let thread = Thread { [weak self] in
            while let self {
                let expired = self.lock.withLock { () -> String? in
                    guard let current = self.current, Date().timeIntervalSince(current.since) > self.timeout
                    else { return nil }
                    return current.operation
                }
                if let expired {
                    FileHandle.standardError.write(
                        Data(
                            ("error: rank \(self.rank): \(expired) waited more than \(Int(self.timeout)) s for the "
                                + "other ranks (COLORIZE_MPI_TIMEOUT); ending the job\n").utf8))
                    _exit(1)
                }
                Thread.sleep(forTimeInterval: min(1, self.timeout / 4))
            }
        }
        thread.start()
    }

    /// Runs `body` (one collective call), watched.
    func guarding<Result>(_ operation: String, _ body: () -> Result) -> Result {
        lock.withLock { current = (operation, Date()) }
        defer { lock.withLock { current = nil } }
        return body()
    }
}
