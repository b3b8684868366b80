import Foundation

/// Runs blocking work (decode, network, encode; a test's socket client) on a thread of its own and
/// awaits it, `niceness` below the calling process in priority.
///
/// Swift's cooperative thread pool has one thread per core; a colorization that blocked one of them
/// would stall every other request on the server (health checks, 503 answers, page loads) until it
/// finished. Handlers therefore only await here and never compute on the pool themselves. The
/// server runs colorizations niced by 10 (Linux nice is per thread, and the OpenMP workers the
/// thread starts inherit it), so on a busy machine the threads that accept and answer requests
/// still run at once instead of waiting for a scheduler slice behind the network's.
func runBlocking<T: Sendable>(niceness: Int32 = 0, _ work: @escaping @Sendable () -> T) async -> T {
    await withCheckedContinuation { continuation in
        Thread {
            // glibc's nice() sets this thread's nice value on Linux (capped at 19).
            if niceness > 0 { _ = nice(niceness) }
            continuation.resume(returning: work())
        }.start()
    }
}
