import Threading

// Nearest-neighbour upsampling and sum pooling of NHWC images: each is the other's adjoint.

extension Tensor {
    /// Repeats every pixel `factor`×`factor` times (NHWC).  ∂ = sumPooled(g, factor).
    public func upsampledNearest(_ factor: Int) -> Tensor {
        precondition(rank == 4, "upsampledNearest expects NHWC, got \(shape)")
        let (n, h, w, c) = (shape[0], shape[1], shape[2], shape[3])
        let out = TensorStorage(count: n * h * factor * w * factor * c)
        let src = storage.pointer, dst = out.pointer
        let outW = w * factor
        // Rows of all images in one range (row r is image r / h, row r % h): each fills its own output rows.
        Parallel.forEachRange(n * h, cost: w * c * factor * factor) { rows in
            for row in rows {
                let (b, y) = (row / h, row % h)
                let inRow = src + ((b * h + y) * w) * c
                let firstOutRow = dst + ((b * h * factor + y * factor) * outW) * c
                for x in 0..<w {
                    for f in 0..<factor { (firstOutRow + (x * factor + f) * c).update(from: inRow + x * c, count: c) }
                }
                for f in 1..<max(factor, 1) { (firstOutRow + f * outW * c).update(from: firstOutRow, count: outW * c) }
            }
        }
        return Tensor.record(out, shape: [n, h * factor, w * factor, c], inputs: [self]) { g, _, _ in
            [g.sumPooled(factor)]
        }
    }

    /// Sums each non-overlapping `factor`×`factor` window (NHWC; sizes must divide).  ∂ = upsampledNearest(g, factor).
    public func sumPooled(_ factor: Int) -> Tensor {
        precondition(
            rank == 4 && shape[1] % factor == 0 && shape[2] % factor == 0,
            "sumPooled(\(factor)) needs NHWC with divisible sizes, got \(shape)")
        let (n, h, w, c) = (shape[0], shape[1], shape[2], shape[3])
        let (oh, ow) = (h / factor, w / factor)
        let out = TensorStorage(count: n * oh * ow * c, zeroed: true)
        let src = storage.pointer, dst = out.pointer
        // Split by output row: each sums the `factor` input rows that fall into it.
        Parallel.forEachRange(n * oh, cost: factor * w * c) { outRows in
            for outRowIndex in outRows {
                let (b, oy) = (outRowIndex / oh, outRowIndex % oh)
                let outRow = dst + ((b * oh + oy) * ow) * c
                for y in oy * factor..<(oy + 1) * factor {
                    let inRow = src + ((b * h + y) * w) * c
                    for x in 0..<w {
                        let o = outRow + (x / factor) * c, i = inRow + x * c
                        for k in 0..<c { o[k] += i[k] }
                    }
                }
            }
        }
        return Tensor.record(out, shape: [n, oh, ow, c], inputs: [self]) { g, _, _ in [g.upsampledNearest(factor)] }
    }
}
