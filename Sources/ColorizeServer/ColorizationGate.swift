/// Admits at most `limit` colorizations at once and queues up to `queueLimit` more; beyond that a
/// request is refused at once (the server answers 503) instead of piling up memory and latency.
actor ColorizationGate {
    private let limit: Int
    private let queueLimit: Int
    private(set) var running = 0
    private var waiting: [CheckedContinuation<Void, Never>] = []

    init(limit: Int, queueLimit: Int) {
        self.limit = max(1, limit)
        self.queueLimit = max(0, queueLimit)
    }

    /// Runs `work` when a slot is free; returns nil without running it when the queue is full.
    func run<T: Sendable>(_ work: @Sendable () async throws -> T) async rethrows -> T? {
        if running >= limit {
            guard waiting.count < queueLimit else { return nil }
            await withCheckedContinuation { waiting.append($0) }
        } else {
            running += 1
        }
        defer {
            if waiting.isEmpty { running -= 1 } else { waiting.removeFirst().resume() }
        }
        return try await work()
    }
}
