/// An n-dimensional Float32 array: the value type every op of the engine takes and returns.
///
/// Storage is shared and copy-on-write. Images are NHWC. A tensor that takes part in
/// differentiation carries a `GradNode` linking it to the op (or leaf) that made it; all others
/// carry nothing, so inference and data handling pay no autodiff cost.
public struct Tensor: @unchecked Sendable {
    public let shape: [Int]
    @usableFromInline var storage: TensorStorage
    /// The autodiff record of this value; nil when it is not tracked.
    let node: GradNode?

    init(storage: TensorStorage, shape: [Int], node: GradNode? = nil) {
        precondition(storage.count == Shape.count(shape), "storage of \(storage.count) floats for shape \(shape)")
        self.storage = storage
        self.shape = shape
        self.node = node
    }

    /// A tensor holding `values` in row-major order.
    public init(shape: [Int], values: [Float]) {
        precondition(values.count == Shape.count(shape), "\(values.count) values for shape \(shape)")
        let storage = TensorStorage(count: values.count)
        values.withUnsafeBufferPointer { storage.pointer.update(from: $0.baseAddress!, count: values.count) }
        self.init(storage: storage, shape: shape)
    }

    /// A tensor with every element equal to `value`.
    public init(repeating value: Float, shape: [Int]) {
        let storage = TensorStorage(count: Shape.count(shape))
        storage.pointer.initialize(repeating: value, count: storage.count)
        self.init(storage: storage, shape: shape)
    }

    /// A rank-0 tensor.
    public init(_ scalar: Float) { self.init(repeating: scalar, shape: []) }

    public static func zeros(_ shape: [Int]) -> Tensor { Tensor(repeating: 0, shape: shape) }
    public static func ones(_ shape: [Int]) -> Tensor { Tensor(repeating: 1, shape: shape) }

    public var count: Int { storage.count }
    public var rank: Int { shape.count }

    /// All elements in row-major order.
    public var scalars: [Float] { Array(UnsafeBufferPointer(start: storage.pointer, count: count)) }

    /// The single element of a one-element tensor.
    public var item: Float {
        precondition(count == 1, "item of a tensor with shape \(shape)")
        return storage.pointer[0]
    }

    /// Whether gradients flow into this value.
    public var requiresGradient: Bool { node != nil }

    /// The same values as a new differentiation leaf (a parameter or an input to differentiate by).
    public func requiringGradient() -> Tensor { Tensor(storage: storage, shape: shape, node: GradNode(leaf: ())) }

    /// The same values, cut off from the autodiff graph (a constant).
    public func detached() -> Tensor { Tensor(storage: storage, shape: shape) }

    /// Read-only access to the elements.
    public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R {
        try body(UnsafeBufferPointer(start: storage.pointer, count: count))
    }

    /// Mutable access to the elements; copies the storage first if it is shared (copy-on-write).
    /// Mutation never touches the autodiff graph: use it for optimizer updates and data, not in models.
    public mutating func withUnsafeMutableBufferPointer<R>(
        _ body: (UnsafeMutableBufferPointer<Float>) throws -> R
    ) rethrows -> R {
        if !isKnownUniquelyReferenced(&storage) { storage = storage.copy() }
        return try body(storage.buffer)
    }

    /// Whether two tensors share their storage (used by tests of copy-on-write and by the optimizer).
    public func sharesStorage(with other: Tensor) -> Bool { storage === other.storage }
}

extension Tensor: CustomStringConvertible {
    public var description: String {
        let shown = scalars.prefix(8).map { String($0) }.joined(separator: ", ")
        return "Tensor(shape: \(shape), [\(shown)\(count > 8 ? ", …" : "")])"
    }
}
