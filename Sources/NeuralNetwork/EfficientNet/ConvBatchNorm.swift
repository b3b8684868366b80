import Tensor

/// A bias-free convolution, BatchNorm and an optional activation: the unit EfficientNet is built
/// of. With the running statistics (inference, or `usesBatchStatistics` off) BatchNorm is folded
/// into the convolution, one fused oneDNN call instead of three passes over the output:
///   s = γ / √(v + ε),  y = act(conv(x, w·s) + (β − m·s))
/// The folding is written in engine ops, so gradients still reach w, γ and β exactly.
public final class ConvBatchNorm: Layer, @unchecked Sendable {
    public let weight: Parameter
    public let norm: BatchNorm
    public let stride: Int
    public let groups: Int
    public let activation: Activation?
    /// Whether training normalises by the batch statistics (and moves the running ones); off, the
    /// pretrained statistics stay as they are, as is usual when fine-tuning on small batches.
    public var usesBatchStatistics = false

    /// `weight` is HWIO ([kh, kw, in / groups, out]); the BatchNorm starts at identity.
    public init(weight: Tensor, stride: Int = 1, groups: Int = 1, activation: Activation?, epsilon: Float = 1e-3) {
        self.weight = Parameter(weight)
        norm = BatchNorm(weight.shape[3], epsilon: epsilon)
        self.stride = stride
        self.groups = groups
        self.activation = activation
    }

    public var namedParameters: [(name: String, parameter: Parameter)] {
        [("conv.weight", weight)] + parameters(of: norm, prefix: "bn")
    }

    public func callAsFunction(_ x: Tensor, training: Bool) -> Tensor {
        if training && usesBatchStatistics {
            let z = norm(Tensor.conv2d(x, weight.value, stride: stride, padding: .same, groups: groups), training: true)
            return activation.map { z.activated($0) } ?? z
        }
        let scale = norm.gamma.value / (norm.movingVariance.value + norm.epsilon).sqrt()
        let bias = norm.beta.value - norm.movingMean.value * scale
        return Tensor.conv2d(
            x, weight.value * scale, bias: bias, stride: stride, padding: .same, groups: groups,
            activation: activation)
    }

    /// Multiply-adds of one call on an input of spatial size h×w, batch n.
    public func multiplyAdds(n: Int, h: Int, w: Int) -> Int {
        let inChannels = weight.value.shape[2] * groups
        return ConvolutionGeometry(
            inputShape: [n, h, w, inChannels], filterShape: weight.value.shape, stride: stride,
            padding: .same, groups: groups
        ).multiplyAdds
    }
}
