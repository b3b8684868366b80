import Glibc
import Synchronization

/// Recycles the large buffers behind tensors.
///
/// A training step allocates the same activation and gradient shapes every time; without reuse
/// each one is a fresh `mmap` whose pages the kernel faults in and zeroes again on every step.
/// Freed buffers of at least `minimumBytes` are kept here, bucketed by their size rounded up to
/// whole pages, and handed out again for the next request of that bucket. `COLORIZE_POOL_MB`
/// caps what the pool keeps idle (default 1024; 0 turns reuse off).
public final class BufferPool: Sendable {
    /// Counters for benchmarks and tests.
    public struct Statistics: Sendable, Equatable {
        /// Large requests served from the pool / by a fresh allocation.
        public var reused = 0, allocated = 0
        /// Bytes currently held by live tensors, the most ever held, and bytes idle in the pool.
        public var liveBytes = 0, peakLiveBytes = 0, idleBytes = 0
    }

    public static let shared: BufferPool = {
        let setting = Glibc.getenv("COLORIZE_POOL_MB").flatMap { Int(String(cString: $0)) }
        return BufferPool(capacityBytes: (setting ?? 1024) << 20, fromEnvironment: setting != nil)
    }()

    /// Smaller buffers go straight to malloc, which already recycles them cheaply.
    static let minimumBytes = 64 << 10
    private static let page = 4096

    /// A block owned by the pool while idle; only one thread holds it at a time.
    private struct Block: @unchecked Sendable { let pointer: UnsafeMutableRawPointer }

    private struct State {
        var idle: [Int: [Block]] = [:]
        var statistics = Statistics()
        var capacityBytes: Int
    }

    private let state: Mutex<State>
    /// Whether `COLORIZE_POOL_MB` set the capacity (then nothing else changes it).
    private let capacityFromEnvironment: Bool

    init(capacityBytes: Int, fromEnvironment: Bool = false) {
        state = Mutex(State(capacityBytes: max(0, capacityBytes)))
        capacityFromEnvironment = fromEnvironment
    }

    public var statistics: Statistics { state.withLock { $0.statistics } }

    /// Bytes actually reserved for a request of `bytes` (a whole number of pages when pooled).
    static func bucket(_ bytes: Int) -> Int {
        bytes < minimumBytes ? bytes : (bytes + page - 1) / page * page
    }

    /// A 64-byte-aligned block of at least `bytes`, reused when one of its bucket is idle.
    func allocate(bytes: Int) -> UnsafeMutableRawPointer {
        let size = Self.bucket(max(bytes, 1))
        let reused: Block? = state.withLock { state in
            state.statistics.liveBytes += size
            state.statistics.peakLiveBytes = max(state.statistics.peakLiveBytes, state.statistics.liveBytes)
            guard size >= Self.minimumBytes else { return nil }
            guard let block = state.idle[size]?.popLast() else {
                state.statistics.allocated += 1
                return nil
            }
            state.statistics.idleBytes -= size
            state.statistics.reused += 1
            return block
        }
        if let reused { return reused.pointer }
        var raw: UnsafeMutableRawPointer?
        guard posix_memalign(&raw, 64, size) == 0, let raw else {
            fatalError("BufferPool: out of memory allocating \(size) bytes")
        }
        return raw
    }

    /// Takes back a block from `allocate(bytes:)`; keeps it for reuse while under the capacity.
    func release(_ block: UnsafeMutableRawPointer, bytes: Int) {
        let size = Self.bucket(max(bytes, 1))
        let kept = state.withLock { state in
            state.statistics.liveBytes -= size
            guard size >= Self.minimumBytes, state.statistics.idleBytes + size <= state.capacityBytes else {
                return false
            }
            state.idle[size, default: []].append(Block(pointer: block))
            state.statistics.idleBytes += size
            return true
        }
        if !kept { free(block) }
    }

    /// Sets how much the pool keeps idle, freeing what is over (unless `COLORIZE_POOL_MB` chose).
    /// Inference turns reuse off: one forward pass allocates each activation shape once, so idle
    /// blocks are never asked for again and would only add to a large photo's peak memory
    /// (measured: 12-MP JPEG → JPEG 251 MiB peak with the training default, 193 MiB without).
    public func limitIdle(toBytes bytes: Int) {
        guard !capacityFromEnvironment else { return }
        let blocks = state.withLock { state in
            state.capacityBytes = max(0, bytes)
            var freed: [UnsafeMutableRawPointer] = []
            while state.statistics.idleBytes > state.capacityBytes,
                let size = state.idle.first(where: { !$0.value.isEmpty })?.key,
                let block = state.idle[size]?.popLast()
            {
                freed.append(block.pointer)
                state.statistics.idleBytes -= size
            }
            return freed
        }
        blocks.forEach { free($0) }
    }
}
