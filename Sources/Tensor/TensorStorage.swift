import Glibc

/// A reference-counted, 64-byte-aligned Float32 buffer: the memory behind one or more `Tensor` values.
///
/// Memory comes from `BufferPool`, which recycles large buffers across training steps.
/// Alignment keeps AVX-512 loads in the kernels and oneDNN on their fast paths.
/// Copy-on-write happens in `Tensor`, which checks uniqueness of this object before mutating.
public final class TensorStorage: @unchecked Sendable {
    public let pointer: UnsafeMutablePointer<Float>
    public let count: Int

    /// Allocates `count` floats; the contents are uninitialised unless `zeroed`.
    public init(count: Int, zeroed: Bool = false) {
        precondition(count >= 0, "negative element count")
        self.count = count
        let raw = BufferPool.shared.allocate(bytes: count * MemoryLayout<Float>.stride)
        pointer = raw.bindMemory(to: Float.self, capacity: max(count, 1))
        if zeroed { pointer.initialize(repeating: 0, count: count) }
    }

    deinit { BufferPool.shared.release(UnsafeMutableRawPointer(pointer), bytes: count * MemoryLayout<Float>.stride) }

    public var buffer: UnsafeMutableBufferPointer<Float> { UnsafeMutableBufferPointer(start: pointer, count: count) }

    /// A new storage holding the same values.
    func copy() -> TensorStorage {
        let result = TensorStorage(count: count)
        result.pointer.update(from: pointer, count: count)
        return result
    }
}
