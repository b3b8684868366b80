import Threading

// Ops that move data without arithmetic: reshape, permute, slice and its adjoint pad, concat.

extension Tensor {
    /// The same elements under a new shape (shares storage). One dimension may be −1.  ∂ = g reshaped back.
    public func reshaped(_ newShape: [Int]) -> Tensor {
        var resolved = newShape
        if let unknown = newShape.firstIndex(of: -1) {
            let known = newShape.enumerated().filter { $0.offset != unknown }.reduce(1) { $0 * $1.element }
            resolved[unknown] = known == 0 ? 0 : count / known
        }
        precondition(Shape.count(resolved) == count, "cannot reshape \(shape) to \(newShape)")
        if resolved == shape { return self }
        let sourceShape = shape
        return Tensor.record(storage, shape: resolved, inputs: [self]) { g, _, _ in [g.reshaped(sourceShape)] }
    }

    /// Reorders axes: result axis i is input axis `order[i]`.  ∂ = g permuted by the inverse order.
    public func permuted(_ order: [Int]) -> Tensor {
        precondition(order.sorted() == Array(0..<rank), "bad permutation \(order) for rank \(rank)")
        let outShape = order.map { shape[$0] }
        let inStrides = Shape.strides(shape)
        let out = TensorStorage(count: count)
        let loop = StridedLoop(shape: outShape, strides: [Shape.strides(outShape), order.map { inStrides[$0] }])
        let inner = loop.innerCount, si = loop.innerStride(1)
        let src = storage.pointer, dst = out.pointer
        loop.forEachRow { o, i, _ in
            for k in 0..<inner { dst[o + k] = src[i + k * si] }
        }
        var inverse = [Int](repeating: 0, count: rank)
        for (i, axis) in order.enumerated() { inverse[axis] = i }
        return Tensor.record(out, shape: outShape, inputs: [self]) { g, _, _ in [g.permuted(inverse)] }
    }

    /// Elements `range` along `axis`.  ∂ = g zero-padded back to the input's extent.
    public func slice(axis: Int, _ range: Range<Int>) -> Tensor {
        let axis = Shape.axis(axis, rank: rank)
        precondition(
            range.lowerBound >= 0 && range.upperBound <= shape[axis], "slice \(range) out of 0..<\(shape[axis])")
        if range.count == shape[axis] { return self }
        var outShape = shape
        outShape[axis] = range.count
        let out = TensorStorage(count: Shape.count(outShape))
        Tensor.copyBlocks(
            from: storage.pointer, fromAxisLength: shape[axis], fromOffset: range.lowerBound,
            to: out.pointer, toAxisLength: range.count, toOffset: 0,
            length: range.count, outer: shape[..<axis].reduce(1, *), inner: shape[(axis + 1)...].reduce(1, *))
        let extent = shape[axis]
        return Tensor.record(out, shape: outShape, inputs: [self]) { g, _, _ in
            [g.padded(axis: axis, before: range.lowerBound, after: extent - range.upperBound)]
        }
    }

    /// Zeros added before and after along `axis` (the adjoint of `slice`).  ∂ = the middle slice of g.
    public func padded(axis: Int, before: Int, after: Int) -> Tensor {
        let axis = Shape.axis(axis, rank: rank)
        if before == 0 && after == 0 { return self }
        var outShape = shape
        outShape[axis] += before + after
        let out = TensorStorage(count: Shape.count(outShape), zeroed: true)
        Tensor.copyBlocks(
            from: storage.pointer, fromAxisLength: shape[axis], fromOffset: 0,
            to: out.pointer, toAxisLength: outShape[axis], toOffset: before,
            length: shape[axis], outer: shape[..<axis].reduce(1, *), inner: shape[(axis + 1)...].reduce(1, *))
        let length = shape[axis]
        return Tensor.record(out, shape: outShape, inputs: [self]) { g, _, _ in
            [g.slice(axis: axis, before..<(before + length))]
        }
    }

    /// Joins tensors along `axis` (all other dimensions equal).  ∂ = the matching slice of g for each part.
    public static func concatenate(_ parts: [Tensor], axis: Int) -> Tensor {
        precondition(!parts.isEmpty, "concatenate needs at least one tensor")
        let rank = parts[0].rank
        let axis = Shape.axis(axis, rank: rank)
        var outShape = parts[0].shape
        outShape[axis] = parts.reduce(0) { $0 + $1.shape[axis] }
        for part in parts {
            precondition(
                part.rank == rank && (0..<rank).allSatisfy { $0 == axis || part.shape[$0] == outShape[$0] },
                "cannot concatenate \(part.shape) into \(outShape) along axis \(axis)")
        }
        let out = TensorStorage(count: Shape.count(outShape))
        let outer = outShape[..<axis].reduce(1, *), inner = outShape[(axis + 1)...].reduce(1, *)
        var offset = 0
        var ranges: [Range<Int>] = []
        for part in parts {
            copyBlocks(
                from: part.storage.pointer, fromAxisLength: part.shape[axis], fromOffset: 0,
                to: out.pointer, toAxisLength: outShape[axis], toOffset: offset,
                length: part.shape[axis], outer: outer, inner: inner)
            ranges.append(offset..<(offset + part.shape[axis]))
            offset += part.shape[axis]
        }
        return record(out, shape: outShape, inputs: parts) { g, _, needed in
            zip(ranges, needed).map { range, need in need ? g.slice(axis: axis, range) : nil }
        }
    }

    /// Copies `length` positions of an axis for each of `outer` blocks, `inner` contiguous floats per position.
    static func copyBlocks(
        from src: UnsafePointer<Float>, fromAxisLength: Int, fromOffset: Int,
        to dst: UnsafeMutablePointer<Float>, toAxisLength: Int, toOffset: Int,
        length: Int, outer: Int, inner: Int
    ) {
        let run = length * inner
        Parallel.forEachRange(outer, cost: run) { blocks in
            for o in blocks {
                (dst + (o * toAxisLength + toOffset) * inner).update(
                    from: src + (o * fromAxisLength + fromOffset) * inner, count: run)
            }
        }
    }
}
