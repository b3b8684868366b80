import Threading

// Batch normalisation with batch statistics as one op, over the last (channel) axis of x viewed
// as [M, C] (M = every other axis):
//   μ = Σₘ x / M,  σ² = Σₘ (x − μ)² / M,  r = 1/√(σ² + ε),  x̂ = (x − μ)·r,  y = γ·x̂ + β
// backward, with g = ∂L/∂y:
//   ∂β = Σₘ g,  ∂γ = Σₘ g·x̂,  ∂x = γ·r·(g − ∂β/M − x̂·∂γ/M)
// Composed from elementwise ops the forward pass reads or writes the full tensor ten times and its
// backward more; fused, the forward makes three passes (mean, variance, output) and the backward
// two (the two sums, then ∂x).
//
// Synchronised across replicas (data-parallel ranks), M counts the rows of every replica and the four
// sums (Σx, Σ(x − μ)², Σg, Σg·(x − μ)) are summed across them, so μ, σ² and ∂x are those of the global
// batch; ∂γ and ∂β stay this replica's share, as every parameter gradient does until the trainer sums
// them across replicas. Replicas whose local gradient is scaled by the world size N (the trainer's
// loss weighting) get N × the global ∂x, consistent with the rest of their backward pass.

extension Tensor {
    /// Normalises `x` by its batch statistics per channel and applies γ, β (both [C]). Returns the
    /// output and the batch mean and (biased) variance, untracked, for the running statistics.
    /// With `replicas` the statistics are those of every replica's batch together (synchronised BatchNorm).
    public static func batchNormalized(
        _ x: Tensor, gamma: Tensor, beta: Tensor, epsilon: Float, replicas: (any CrossReplicaSum)? = nil
    ) -> (output: Tensor, mean: Tensor, variance: Tensor) {
        let channels = x.shape.last ?? 1
        precondition(
            x.rank >= 2 && gamma.shape == [channels] && beta.shape == [channels],
            "batchNormalized: x \(x.shape), γ \(gamma.shape), β \(beta.shape) need γ, β of [channels]")
        let rows = x.count / channels
        let mean = TensorStorage(count: channels), variance = TensorStorage(count: channels)
        let out = TensorStorage(count: x.count)
        let (px, pm, pv, py) = (x.storage.pointer, mean.pointer, variance.pointer, out.pointer)
        var m = Float(rows)
        BatchNormKernels.channelSums(rows: rows, channels: channels, into: pm) { row, sums in
            let p = px + row * channels
            for c in 0..<channels { sums[c] += p[c] }
        }
        if let replicas {
            // Σx and the row count of every replica in one reduction (counts stay exact below 2²⁴).
            var sums = [Float](UnsafeBufferPointer(start: pm, count: channels)) + [m]
            sums.withUnsafeMutableBufferPointer { replicas.sumAcrossReplicas($0) }
            for c in 0..<channels { pm[c] = sums[c] }
            m = sums[channels]
        }
        for c in 0..<channels { pm[c] /= m }
        BatchNormKernels.channelSums(rows: rows, channels: channels, into: pv) { row, sums in
            let p = px + row * channels
            for c in 0..<channels { let d = p[c] - pm[c]; sums[c] += d * d }
        }
        replicas?.sumAcrossReplicas(UnsafeMutableBufferPointer(start: pv, count: channels))
        for c in 0..<channels { pv[c] /= m }
        let globalRows = m
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
        let meanTensor = Tensor(storage: mean, shape: [channels]),
            varianceTensor = Tensor(storage: variance, shape: [channels])
        let output = record(out, shape: x.shape, inputs: [x, gamma, beta]) { g, _, needed in
            // A recorded backward (create-graph) differentiates the composed definition instead, so
            // that it can be differentiated again; the fused rule below is first-order only.
            if Autodiff.isRecording {
                precondition(replicas == nil, "synchronised BatchNorm has a first-order backward only")
                let y = batchNormalizedComposed(x, gamma: gamma, beta: beta, epsilon: epsilon)
                return gradients(of: (y * g).sum(), wrt: [x, gamma, beta], createGraph: true).enumerated().map {
                    needed[$0] ? $1 : nil
                }
            }
            return BatchNormKernels.backward(
                g, x, mean: meanTensor, variance: varianceTensor, gamma: gamma, epsilon: epsilon, needed: needed,
                replicas: replicas, globalRows: globalRows)
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
    static func channelSums(
        rows: Int, channels: Int, into sums: UnsafeMutablePointer<Float>,
        _ body: (Int, UnsafeMutablePointer<Float>) -> Void
    ) {
        sums.initialize(repeating: 0, count: channels)
        Parallel.sumOfParts(rows, cost: channels, count: channels, into: sums) { range, partial in
            for row in range { body(row, partial) }
        }
    }

    /// ∂x, ∂γ, ∂β by the rule at the top of the file: one pass for Σ g and Σ g·(x − μ), one for
    ///   ∂x = s·g + (x − μ)·k + j  with s = γ·r, k = −s·r²·Σ g·(x − μ)/M = −s·r·∂γ/M, j = −s·∂β/M.
    /// With `replicas`, Σg and Σg·(x − μ) are summed across them for ∂x (over `globalRows` rows) while
    /// ∂γ, ∂β keep this replica's own sums.
    static func backward(
        _ g: Tensor, _ x: Tensor, mean: Tensor, variance: Tensor, gamma: Tensor, epsilon: Float, needed: [Bool],
        replicas: (any CrossReplicaSum)?, globalRows: Float
    ) -> [Tensor?] {
        let channels = gamma.count, rows = x.count / channels, m = globalRows
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
        // The sums ∂x needs: this replica's, or (synchronised) every replica's; reduced whether or not
        // this replica needs ∂x, so that all replicas make the same collective calls.
        var global = [Float](UnsafeBufferPointer(start: both, count: 2 * channels))
        if let replicas { global.withUnsafeMutableBufferPointer { replicas.sumAcrossReplicas($0) } }
        var dx: Tensor?
        if needed[0] {
            let out = TensorStorage(count: x.count)
            let po = out.pointer
            let s = (0..<channels).map { c in gamma.storage.pointer[c] * r[c] }
            let k = (0..<channels).map { c in -s[c] * r[c] * (global[channels + c] * r[c]) / m }
            let j = (0..<channels).map { c in -s[c] * global[c] / m }
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
        return [
            dx, needed[1] ? Tensor(storage: sumGX, shape: [channels]) : nil,
            needed[2] ? Tensor(storage: sumG, shape: [channels]) : nil,
        ]
    }
}
