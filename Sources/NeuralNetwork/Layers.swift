import Foundation
import Tensor

/// Keras' glorot_uniform: U(−l, l) with l = √(6 / (fan_in + fan_out)).
func glorotUniform(_ shape: [Int], fanIn: Int, fanOut: Int, using random: inout TensorRandom) -> Tensor {
    let limit = Float((6 / Double(fanIn + fanOut)).squareRoot())
    return Tensor.uniform(shape, low: -limit, high: limit, using: &random)
}

/// A building block of a model: named parameters and a forward pass that may behave differently
/// in training (BatchNorm's batch statistics) and inference.
public protocol Layer: ParameterGroup {
    func callAsFunction(_ input: Tensor, training: Bool) -> Tensor
}

/// 2-D convolution with "same" padding and a bias: y = conv(x, W) + b, W in HWIO layout. Without
/// the bias (`bias: false`) a zero input gives exactly zero, which an additive side branch needs.
public final class Conv2D: Layer, @unchecked Sendable {
    public let weight: Parameter
    public let bias: Parameter?
    public let stride: Int

    public init(
        _ inChannels: Int, _ outChannels: Int, kernel: Int, stride: Int = 1, bias: Bool = true,
        using random: inout TensorRandom
    ) {
        weight = Parameter(
            glorotUniform(
                [kernel, kernel, inChannels, outChannels], fanIn: kernel * kernel * inChannels,
                fanOut: kernel * kernel * outChannels, using: &random))
        self.bias = bias ? Parameter(.zeros([outChannels])) : nil
        self.stride = stride
    }

    public var namedParameters: [(name: String, parameter: Parameter)] {
        [("weight", weight)] + (bias.map { [("bias", $0)] } ?? [])
    }

    public func callAsFunction(_ x: Tensor, training: Bool = false) -> Tensor {
        Tensor.conv2d(x, weight.value, bias: bias?.value, stride: stride, padding: .same)
    }

    /// The convolution followed by LeakyReLU(α), fused into one kernel.
    public func callAsFunction(_ x: Tensor, leakyReLU alpha: Float) -> Tensor {
        Tensor.conv2d(x, weight.value, bias: bias?.value, stride: stride, padding: .same, leakyReLU: alpha)
    }

    /// Multiply-adds of one call on an input of spatial size h×w, batch n.
    public func multiplyAdds(n: Int, h: Int, w: Int) -> Int {
        ConvolutionGeometry(
            inputShape: [n, h, w, weight.value.shape[2]], filterShape: weight.value.shape, stride: stride,
            padding: .same
        ).multiplyAdds
    }
}

/// Fully connected layer: y = x·W + b for x of shape [N, in].
public final class Dense: Layer, @unchecked Sendable {
    public let weight: Parameter
    public let bias: Parameter

    public init(_ inputs: Int, _ outputs: Int, using random: inout TensorRandom) {
        weight = Parameter(glorotUniform([inputs, outputs], fanIn: inputs, fanOut: outputs, using: &random))
        bias = Parameter(.zeros([outputs]))
    }

    public var namedParameters: [(name: String, parameter: Parameter)] { [("weight", weight), ("bias", bias)] }

    public func callAsFunction(_ x: Tensor, training: Bool = false) -> Tensor {
        Tensor.matmul(x, weight.value) + bias.value
    }
}

/// Batch normalisation over the last (channel) axis, as Keras: in training the batch statistics
/// normalise, y = γ·(x − μ)/√(σ² + ε) + β, and the running statistics move by momentum 0.99;
/// in inference the running statistics normalise. ε = 1e-3 (Keras' default).
public final class BatchNorm: Layer, @unchecked Sendable {
    public let gamma: Parameter
    public let beta: Parameter
    public let movingMean: Parameter
    public let movingVariance: Parameter
    public let momentum: Float
    public let epsilon: Float

    public init(_ channels: Int, momentum: Float = 0.99, epsilon: Float = 1e-3) {
        gamma = Parameter(.ones([channels]))
        beta = Parameter(.zeros([channels]))
        movingMean = Parameter(.zeros([channels]), trainable: false)
        movingVariance = Parameter(.ones([channels]), trainable: false)
        self.momentum = momentum
        self.epsilon = epsilon
    }

    public var namedParameters: [(name: String, parameter: Parameter)] {
        [("gamma", gamma), ("beta", beta), ("moving_mean", movingMean), ("moving_variance", movingVariance)]
    }

    /// Training normalises by the batch statistics in one fused op (`Tensor.batchNormalized`), those
    /// of every data-parallel replica's batch when a trainer synchronises them
    /// (`BatchStatisticsReplicas.current`, `--sync-batchnorm`); inference computes (x − m)·(γ/√(v + ε)) + β from the running statistics, whose per-channel
    /// factor costs only C values.
    public func callAsFunction(_ x: Tensor, training: Bool) -> Tensor {
        guard training else {
            return (x - movingMean.value) * (gamma.value / (movingVariance.value + epsilon).sqrt()) + beta.value
        }
        let (output, mean, variance) = Tensor.batchNormalized(
            x, gamma: gamma.value, beta: beta.value, epsilon: epsilon, replicas: BatchStatisticsReplicas.current)
        movingMean.assign(movingMean.value * momentum + mean * (1 - momentum))
        movingVariance.assign(movingVariance.value * momentum + variance * (1 - momentum))
        return output
    }
}
