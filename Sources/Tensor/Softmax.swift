import Glibc
import Threading

// Softmax over the last axis, computed stably by subtracting each row's maximum.

extension Tensor {
    /// log softmax over the last axis: y = x − max − log Σ exp(x − max).
    /// ∂ = g − softmax(x)·Σg, with softmax = exp(y) taken from the output so it stays differentiable.
    public func logSoftmax() -> Tensor {
        let width = shape.last ?? 1
        let rows = count / max(width, 1)
        let out = TensorStorage(count: count)
        let src = storage.pointer, dst = out.pointer
        Parallel.forEachRange(rows, cost: 8 * width) { rows in
            for r in rows {
                let x = src + r * width, y = dst + r * width
                var maximum = -Float.infinity
                for i in 0..<width { maximum = Swift.max(maximum, x[i]) }
                for i in 0..<width { y[i] = Glibc.expf(x[i] - maximum) }
                let logSum = Glibc.logf(ElementwiseKernels.sum(y, width))
                for i in 0..<width { y[i] = (x[i] - maximum) - logSum }
            }
        }
        return Tensor.record(out, shape: shape, inputs: [self], savesOutput: true) { g, y, _ in
            [g - y!.exp() * g.sum(axes: [-1], keepingDimensions: true)]
        }
    }

    /// softmax over the last axis, as exp(logSoftmax) so its gradient needs no rule of its own.
    public func softmax() -> Tensor { logSoftmax().exp() }

    /// The expectation of `values` [K] under softmax(x/T) over the last axis (of width K), keeping
    /// that axis as 1: E = Σ_k p_k·v_k with p = softmax(x/T). One pass forward;
    /// ∂x_k = g·p_k·(v_k − E)/T, built from ops (p recomputed) so it is differentiable again.
    public func softmaxExpectation(of values: Tensor, temperature: Float) -> Tensor {
        let width = shape.last ?? 1
        precondition(values.shape == [width], "softmaxExpectation: values \(values.shape) for rows of \(width)")
        let rows = count / max(width, 1)
        let out = TensorStorage(count: rows)
        let src = storage.pointer, v = values.storage.pointer, e = out.pointer, inverse = 1 / temperature
        Parallel.forEachRange(rows, cost: 8 * width) { rows in
            for r in rows {
                let x = src + r * width
                var maximum = -Float.infinity
                for i in 0..<width { maximum = Swift.max(maximum, x[i]) }
                var total: Float = 0, weighted: Float = 0
                for i in 0..<width {
                    let w = Glibc.expf((x[i] - maximum) * inverse)
                    total += w
                    weighted += w * v[i]
                }
                e[r] = weighted / total
            }
        }
        let x = self
        return Tensor.record(out, shape: Array(shape.dropLast()) + [1], inputs: [self], savesOutput: true) { g, e, _ in
            [g * (x * inverse).softmax() * (values - e!) * inverse]
        }
    }
}
