// Reductions and their adjoint, broadcasting. `sum(toShape:)` and `broadcast(to:)` are each
// other's backward, so the pair is closed under differentiation.

extension Tensor {
    /// Sums the axes along which `self` was broadcast from `target` (the adjoint of broadcasting).
    /// ∂ = g broadcast back to `self.shape`.
    public func sum(toShape target: [Int]) -> Tensor {
        if target == shape { return self }
        let out = TensorStorage(count: Shape.count(target), zeroed: true)
        ElementwiseKernels.reduce(storage.pointer, shape, into: out.pointer, target)
        let sourceShape = shape
        return Tensor.record(out, shape: target, inputs: [self]) { g, _, _ in [g.broadcast(to: sourceShape)] }
    }

    /// Repeats `self` along broadcast axes to `target`. ∂ = g summed back to `self.shape`.
    public func broadcast(to target: [Int]) -> Tensor {
        if target == shape { return self }
        precondition(Shape.broadcast(shape, target) == target, "cannot broadcast \(shape) to \(target)")
        let out = TensorStorage(count: Shape.count(target))
        let zero = Tensor(0)
        ElementwiseKernels.zip(storage.pointer, shape, zero.storage.pointer, [], out.pointer, target) { a, _ in a }
        let sourceShape = shape
        return Tensor.record(out, shape: target, inputs: [self]) { g, _, _ in [g.sum(toShape: sourceShape)] }
    }

    /// Sum over `axes` (all axes when nil). With `keepingDimensions` the reduced axes stay as 1.
    public func sum(axes: [Int]? = nil, keepingDimensions: Bool = false) -> Tensor {
        let reduced = Set((axes ?? Array(0..<rank)).map { Shape.axis($0, rank: rank) })
        let kept = shape.enumerated().map { reduced.contains($0.offset) ? 1 : $0.element }
        let result = sum(toShape: kept)
        return keepingDimensions
            ? result : result.reshaped(shape.enumerated().filter { !reduced.contains($0.offset) }.map(\.element))
    }

    /// Mean over `axes` (all axes when nil).
    public func mean(axes: [Int]? = nil, keepingDimensions: Bool = false) -> Tensor {
        let reduced = (axes ?? Array(0..<rank)).map { Shape.axis($0, rank: rank) }
        let n = Set(reduced).reduce(1) { $0 * shape[$1] }
        return sum(axes: axes, keepingDimensions: keepingDimensions) * (1 / Float(n))
    }
}
