import Foundation

/// Runs CPU-bound, blocking work (decode, network, encode) on a thread of its own, below the
/// server's other threads in priority, and awaits it.
///
/// Swift's cooperative thread pool has one thread per core; a colorization that blocked one of them
/// would stall every other request on the server (health checks, 503 answers, page loads) until it
/// finished. Handlers therefore only await here and never compute on the pool themselves. The work
/// runs niced by 10 (Linux nice is per thread, and the OpenMP workers this thread starts inherit
/// it), so on a busy machine the threads that accept and answer requests still run at once instead
/// of waiting for a scheduler slice behind the network's.
func runBlocking<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
    await withCheckedContinuation { continuation in
        Thread {
            // `who` 0 is the calling thread on Linux.
            errno = 0
            let nice = getpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0)
            if errno == 0 { setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, min(nice + 10, 19)) }
            continuation.resume(returning: work())
        }.start()
    }
}
