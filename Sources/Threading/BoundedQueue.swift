import Foundation

/// A first-in, first-out queue between two threads that holds at most `capacity` items: a producer
/// that runs ahead blocks instead of filling memory (50,000 decoded photos, or a film's frames, would
/// not fit). The batch pipeline of `colorize` and the video pipeline both hand work over through it.
///
/// `close()` ends the stream: producers stop being accepted, consumers drain what is left and then get
/// nothing. Locking is one `NSCondition`, since the queue moves a few items a second, not millions.
public final class BoundedQueue<Element: Sendable>: @unchecked Sendable {
    public let capacity: Int
    private let condition = NSCondition()
    private var items: [Element] = []
    private var closed = false

    public init(capacity: Int) {
        precondition(capacity >= 1, "a bounded queue holds at least one item")
        self.capacity = capacity
    }

    /// Appends `item`, waiting while the queue is full. Returns false (dropping `item`) once closed.
    @discardableResult
    public func put(_ item: Element) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while !closed && items.count >= capacity { condition.wait() }
        guard !closed else { return false }
        items.append(item)
        condition.broadcast()
        return true
    }

    /// The oldest item, waiting while the queue is empty; nil once it is closed and drained.
    public func take() -> Element? {
        takeBatch(max: 1).first
    }

    /// Up to `max` items that are ready: waits only for the first, then takes whatever else is there,
    /// so a consumer never idles for a batch to fill. Empty once the queue is closed and drained.
    public func takeBatch(max: Int) -> [Element] {
        precondition(max >= 1, "take at least one item")
        condition.lock()
        defer { condition.unlock() }
        while !closed && items.isEmpty { condition.wait() }
        // Removing from the front is O(capacity), a handful of moves; taken items are released at once.
        let taken = Array(items.prefix(max))
        items.removeFirst(taken.count)
        condition.broadcast()
        return taken
    }

    /// Ends the stream; waiting producers return false and waiting consumers drain what is left.
    public func close() {
        condition.lock()
        closed = true
        condition.broadcast()
        condition.unlock()
    }
}
