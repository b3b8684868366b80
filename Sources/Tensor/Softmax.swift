import Glibc

// Softmax over the last axis, computed stably by subtracting each row's maximum.

extension Tensor {
    /// log softmax over the last axis: y = x − max − log Σ exp(x − max).
    /// ∂ = g − softmax(x)·Σg, with softmax = exp(y) taken from the output so it stays differentiable.
    public func logSoftmax() -> Tensor {
        let width = shape.last ?? 1
        let rows = count / max(width, 1)
        let out = TensorStorage(count: count)
        let src = storage.pointer, dst = out.pointer
        for r in 0..<rows {
            let x = src + r * width, y = dst + r * width
            var maximum = -Float.infinity
            for i in 0..<width { maximum = Swift.max(maximum, x[i]) }
            for i in 0..<width { y[i] = Glibc.expf(x[i] - maximum) }
            let logSum = Glibc.logf(ElementwiseKernels.sum(y, width))
            for i in 0..<width { y[i] = (x[i] - maximum) - logSum }
        }
        return Tensor.record(out, shape: shape, inputs: [self], savesOutput: true) { g, y, _ in
            [g - y!.exp() * g.sum(axes: [-1], keepingDimensions: true)]
        }
    }

    /// softmax over the last axis, as exp(logSoftmax) so its gradient needs no rule of its own.
    public func softmax() -> Tensor { logSoftmax().exp() }
}
