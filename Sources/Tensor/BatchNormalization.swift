import Threading

// Batch normalisation with batch statistics as one op, over the last (channel) axis of x viewed
// as [M, C] (M = every other axis):
//   μ = Σₘ x / M,  σ² = Σₘ (x − μ)² / M,  r = 1/√(σ² + ε),  x̂ = (x − μ)·r,  y = γ·x̂ + β
// backward, with g = ∂L/∂y:
//   ∂β = Σₘ g,  ∂γ = Σₘ g·x̂,  ∂x = γ·r·(g − ∂β/M − x̂·∂γ/M)
// Composed from elementwise ops the forward pass reads or writes the full tensor ten times and its
// backward more; fused, the forward makes three passes (mean, variance, output) and the backward
// two (the two sums, then ∂x).

extension Tensor {
    /// Normalises `x` by its batch statistics per channel and applies γ, β (both [C]). Returns the
    /// output and the batch mean and (biased) variance, untracked, for the running statistics.
    public static func batchNormalized(_ x: Tensor, gamma: Tensor, beta: Tensor,
                                       epsilon: Float) -> (output: Tensor, mean: Tensor, variance: Tensor) {
        let channels = x.shape.last ?? 1
        precondition(x.rank >= 2 && gamma.shape == [channels] && beta.shape == [channels],
                     "batchNormalized: x \(x.shape), γ \(gamma.shape), β \(beta.shape) need γ, β of [channels]")
        let rows = x.count / channels
        let mean = TensorStorage(count: channels), variance = TensorStorage(count: channels)
        let out = TensorStorage(count: x.count)
        let (px, pm, pv, py) = (x.storage.pointer, mean.pointer, variance.pointer, out.pointer)
        let m = Float(rows)
        BatchNormKernels.channelSums(rows: rows, channels: channels, into: pm) { row, sums in
            let p = px + row * channels
            for c in 0..<channels { sums[c] += p[c] }
        }
        for c in 0..<channels { pm[c] /= m }
        BatchNormKernels.channelSums(rows: rows, channels: channels, into: pv) { row, sums in
            let p = px + row * channels
            for c in 0..<channels { let d = p[c] - pm[c]; sums[c] += d * d }
        }
        for c in 0..<channels { pv[c] /= m }
        // y = (x − μ)·s + β with s = γ·r.
        let scale = (0..<channels).map { c in gamma.storage.pointer[c] / (pv[c] + epsilon).squareRoot() }
        let pb = beta.storage.pointer
        scale.withUnsafeBufferPointer { s in
            Parallel.forEachRange(rows, cost: channels) { range in
                for row in range {
                    let p = px + row * channels, q = py + row * channels
                    for c in 0..<channels { q[c] = (p[c] - pm[c]) * s[c] + pb[c] }
                }
            }
        }
        let meanTensor = Tensor(storage: mean, shape: [channels]), varianceTensor = Tensor(storage: variance, shape: [channels])
        let output = record(out, shape: x.shape, inputs: [x, gamma, beta]) { g, _, needed in
            // A recorded backward (create-graph) differentiates the composed definition instead, so
            // that it can be differentiated again; the fused rule below is first-order only.
            if Autodiff.isRecording {
                let y = batchNormalizedComposed(x, gamma: gamma, beta: beta, epsilon: epsilon)
                return gradients(of: (y * g).sum(), wrt: [x, gamma, beta], createGraph: true).enumerated().map { needed[$0] ? $1 : nil }
            }
            return BatchNormKernels.backward(g, x, mean: meanTensor, variance: varianceTensor, gamma: gamma, epsilon: epsilon, needed: needed)
        }
        return (output, meanTensor, varianceTensor)
    }

    /// The same normalisation written with elementwise ops and reductions: the definition the fused
    /// op is tested against, and what a recorded (create-graph) backward differentiates.
    static func batchNormalizedComposed(_ x: Tensor, gamma: Tensor, beta: Tensor, epsilon: Float) -> Tensor {
        let axes = Array(0..<(x.rank - 1))
        let centered = x - x.mean(axes: axes)
        let variance = centered.squared().mean(axes: axes)
        return centered * (gamma / (variance + epsilon).sqrt()) + beta
    }
}

/// The loops of the fused batch normalisation, over x viewed as [rows, channels].
private enum BatchNormKernels {
    /// sums[c] = Σ over rows of what `body(row, sums)` adds: rows split across the threads, each into
    /// its own zeroed partial sums, added in part order (so the result does not depend on timing).
    static func channelSums(rows: Int, channels: Int, into sums: UnsafeMutablePointer<Float>,
                            _ body: (Int, UnsafeMutablePointer<Float>) -> Void) {
        sums.initialize(repeating: 0, count: channels)
        Parallel.sumOfParts(rows, cost: channels, count: channels, into: sums) { range, partial in
            for row in range { body(row, partial) }
        }
    }

    /// ∂x, ∂γ, ∂β by the rule at the top of the file: one pass for Σ g and Σ g·(x − μ), one for
    ///   ∂x = s·g + (x − μ)·k + j  with s = γ·r, k = −s·r²·Σ g·(x − μ)/M = −s·r·∂γ/M, j = −s·∂β/M.
    static func backward(_ g: Tensor, _ x: Tensor, mean: Tensor, variance: Tensor, gamma: Tensor, epsilon: Float,
                         needed: [Bool]) -> [Tensor?] {
        let channels = gamma.count, rows = x.count / channels, m = Float(rows)
        let (pg, px, pm) = (g.storage.pointer, x.storage.pointer, mean.storage.pointer)
        let sumG = TensorStorage(count: channels), sumGX = TensorStorage(count: channels)
        let (sg, sgx) = (sumG.pointer, sumGX.pointer)
        let both = UnsafeMutablePointer<Float>.allocate(capacity: 2 * channels)
        defer { both.deallocate() }
        channelSums(rows: rows, channels: 2 * channels, into: both) { row, sums in
            let pgr = pg + row * channels, pxr = px + row * channels
            for c in 0..<channels {
                sums[c] += pgr[c]
                sums[channels + c] += pgr[c] * (pxr[c] - pm[c])
            }
        }
        let r = (0..<channels).map { c in 1 / (variance.storage.pointer[c] + epsilon).squareRoot() }
        for c in 0..<channels {
            sg[c] = both[c]
            sgx[c] = both[channels + c] * r[c]  // Σ g·x̂ = ∂γ
        }
        var dx: Tensor?
        if needed[0] {
            let out = TensorStorage(count: x.count)
            let po = out.pointer
            let s = (0..<channels).map { c in gamma.storage.pointer[c] * r[c] }
            let k = (0..<channels).map { c in -s[c] * r[c] * sgx[c] / m }
            let j = (0..<channels).map { c in -s[c] * sg[c] / m }
            s.withUnsafeBufferPointer { s in
                k.withUnsafeBufferPointer { k in
                    j.withUnsafeBufferPointer { j in
                        Parallel.forEachRange(rows, cost: channels) { range in
                            for row in range {
                                let pgr = pg + row * channels, pxr = px + row * channels, por = po + row * channels
                                for c in 0..<channels { por[c] = s[c] * pgr[c] + (pxr[c] - pm[c]) * k[c] + j[c] }
                            }
                        }
                    }
                }
            }
            dx = Tensor(storage: out, shape: x.shape)
        }
        return [dx, needed[1] ? Tensor(storage: sumGX, shape: [channels]) : nil, needed[2] ? Tensor(storage: sumG, shape: [channels]) : nil]
    }
}
