import Foundation

/// A value that several threads read and change, each access under one lock. Small and blocking on
/// purpose: it guards a flag or a few counters touched a few times per image, never a hot loop.
final class Locked<Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value

    init(_ value: Value) { self.value = value }

    /// Runs `body` on the value with the lock held; keep it short (no I/O).
    func withLock<Result>(_ body: (inout Value) -> Result) -> Result {
        lock.lock()
        defer { lock.unlock() }
        return body(&value)
    }

    /// The value now.
    var current: Value { withLock { $0 } }
}
