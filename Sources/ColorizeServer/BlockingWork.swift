import Dispatch

/// Runs CPU-bound, blocking work (decode, network, encode) on a Dispatch thread and awaits it.
///
/// Swift's cooperative thread pool has one thread per core; a colorization that blocked one of them
/// would stall every other request on the server (health checks, 503 answers, page loads) until it
/// finished. Handlers therefore only await here and never compute on the pool themselves.
func runBlocking<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
    await withCheckedContinuation { continuation in
        DispatchQueue.global(qos: .userInitiated).async { continuation.resume(returning: work()) }
    }
}
