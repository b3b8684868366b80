import Tensor
import Testing

@testable import NeuralNetwork

/// Central differences of a scalar function of one tensor.
func numericGradient(_ f: (Tensor) -> Float, at x: Tensor, h: Float = 1e-2) -> [Float] {
    (0..<x.count).map { i in
        var plus = x, minus = x
        plus.withUnsafeMutableBufferPointer { $0[i] += h }
        minus.withUnsafeMutableBufferPointer { $0[i] -= h }
        return (f(plus) - f(minus)) / (2 * h)
    }
}

func maxDifference(_ a: [Float], _ b: [Float]) -> Float { zip(a, b).map { abs($0 - $1) }.max() ?? 0 }

@Suite struct LayerTests {
    @Test func denseForwardAndGradient() {
        var random = TensorRandom(seed: 3)
        let dense = Dense(3, 2, using: &random)
        dense.bias.assign(Tensor(shape: [2], values: [0.5, -1]))
        let x = Tensor.uniform([4, 3], low: -1, high: 1, using: &random)
        let y = dense(x)
        // Row 0 by hand: x₀·W + b.
        let w = dense.weight.value.scalars, xs = x.scalars
        let expected0 = xs[0] * w[0] + xs[1] * w[2] + xs[2] * w[4] + 0.5
        #expect(abs(y.scalars[0] - expected0) < 1e-6)
        let projection = Tensor.uniform([4, 2], low: -1, high: 1, using: &random)
        let (_, grads) = valueAndGradients(of: dense) { (dense(x) * projection).sum() }
        let numeric = numericGradient(
            { w in (Tensor.matmul(x, w) * projection).sum().item }, at: dense.weight.value.detached())
        #expect(maxDifference(grads["weight"]!.scalars, numeric) < 1e-3)
        #expect(maxDifference(grads["bias"]!.scalars, projection.sum(axes: [0]).scalars) < 1e-5)
    }

    @Test func batchNormTrainingNormalisesAndHasCorrectGradient() {
        var random = TensorRandom(seed: 4)
        let norm = BatchNorm(3)
        let x = Tensor.normal([2, 4, 4, 3], mean: 2, standardDeviation: 3, using: &random)
        let y = norm(x, training: true)
        let mean = y.mean(axes: [0, 1, 2]).scalars
        let variance = y.squared().mean(axes: [0, 1, 2]).scalars
        #expect(mean.allSatisfy { abs($0) < 1e-4 })
        #expect(variance.allSatisfy { abs($0 - 1) < 2e-3 })  // ε = 1e-3 shrinks it slightly
        // Running statistics moved 1% towards the batch's.
        #expect(abs(norm.movingMean.value.scalars[0] - 0.01 * x.mean(axes: [0, 1, 2]).scalars[0]) < 1e-5)

        let projection = Tensor.uniform([2, 4, 4, 3], low: -1, high: 1, using: &random)
        let tracked = x.requiringGradient()
        let analytic = gradients(of: (BatchNorm(3)(tracked, training: true) * projection).sum(), wrt: [tracked])[0]
        let numeric = numericGradient({ (BatchNorm(3)($0, training: true) * projection).sum().item }, at: x, h: 1e-2)
        #expect(maxDifference(analytic.scalars, numeric) < 2e-3)
    }

    @Test func batchNormInferenceUsesRunningStatistics() {
        let norm = BatchNorm(2)
        norm.movingMean.assign(Tensor(shape: [2], values: [1, -1]))
        norm.movingVariance.assign(Tensor(shape: [2], values: [4, 1]))
        let y = norm(Tensor(shape: [1, 1, 1, 2], values: [3, 0]), training: false).scalars
        #expect(abs(y[0] - 2 / Float(4.001).squareRoot()) < 1e-6 && abs(y[1] - 1 / Float(1.001).squareRoot()) < 1e-6)
    }

    @Test func convolutionLayerMatchesEngine() throws {
        var random = TensorRandom(seed: 5)
        let conv = Conv2D(2, 3, kernel: 3, stride: 2, using: &random)
        let bias = try #require(conv.bias)
        bias.assign(Tensor(shape: [3], values: [0.5, -1, 2]))
        let x = Tensor.uniform([1, 5, 5, 2], using: &random)
        let y = conv(x)
        #expect(y.shape == [1, 3, 3, 3])
        let reference = Tensor.conv2d(x, conv.weight.value.detached(), stride: 2) + bias.value.detached()
        // The layer may add its bias inside the convolution (a fused post-op) and run another kernel
        // than the reference, so the 18 products and the bias are summed in another order (it differs
        // between CPUs, AVX-512 or AVX2, and between runs as threads split the work). Each sum of
        // n = 19 terms is within γ_n·Σ|terms| of the exact one, γ_n = n·u/(1 − n·u), u = 2⁻²⁴, so
        // the two agree to 2·γ_n·(Σ|w·x| + |b|) at every output.
        let magnitudes =
            Tensor.conv2d(
                Tensor(shape: x.shape, values: x.scalars.map(abs)),
                Tensor(shape: conv.weight.value.shape, values: conv.weight.value.scalars.map(abs)), stride: 2)
            + Tensor(shape: [3], values: bias.value.scalars.map(abs))
        let u = Float(1) / Float(1 << 24), gamma = 19 * u / (1 - 19 * u)
        for (k, (got, expected)) in zip(y.scalars, reference.scalars).enumerated() {
            #expect(abs(got - expected) <= 2 * gamma * magnitudes.scalars[k], "output \(k): \(got) vs \(expected)")
        }
        // Glorot-uniform limit √(6 / (9·2 + 9·3)).
        let limit = Float((6.0 / 45).squareRoot())
        #expect(conv.weight.value.scalars.allSatisfy { abs($0) <= limit })
    }

    @Test func aConvolutionWithoutBiasMapsZeroToZero() {
        var random = TensorRandom(seed: 6)
        let conv = Conv2D(4, 3, kernel: 3, bias: false, using: &random)
        #expect(conv.namedParameters.map(\.name) == ["weight"])
        #expect(conv(.zeros([2, 4, 4, 4]), leakyReLU: 0.1).scalars.allSatisfy { $0 == 0 })
        let x = Tensor.uniform([1, 4, 4, 4], using: &random)
        let reference = Tensor.conv2d(x, conv.weight.value.detached())
        #expect(maxDifference(conv(x).scalars, reference.scalars) == 0)
    }
}

@Suite struct AdamTests {
    final class One: ParameterGroup, @unchecked Sendable {
        let p = Parameter(Tensor(shape: [2], values: [1, -2]))
        var namedParameters: [(name: String, parameter: Parameter)] { [("p", p)] }
    }

    @Test func twoStepsByHand() {
        let model = One()
        let adam = Adam(learningRate: 0.1)
        // Step 1, g = (0.5, −1): m = 0.5g, v = 0.1g², rate = 0.1·√0.1/0.5; update = rate·m/(√v + ε).
        adam.update(model, gradients: ["p": Tensor(shape: [2], values: [0.5, -1])])
        let rate1 = 0.1 * Double(0.1).squareRoot() / 0.5
        let expected1 = [
            1 - rate1 * 0.25 / ((0.1 * 0.25).squareRoot() + 1e-7), -2 + rate1 * 0.5 / ((0.1).squareRoot() + 1e-7),
        ]
        for (a, e) in zip(model.p.value.scalars, expected1) { #expect(abs(Double(a) - e) < 1e-6) }
        // Step 2, g = (0.5, −1) again: m = 0.75g, v = 0.19g², rate = 0.1·√0.19/0.75.
        adam.update(model, gradients: ["p": Tensor(shape: [2], values: [0.5, -1])])
        let rate2 = 0.1 * Double(0.19).squareRoot() / 0.75
        let expected2 = [
            expected1[0] - rate2 * 0.375 / ((0.19 * 0.25).squareRoot() + 1e-7),
            expected1[1] + rate2 * 0.75 / ((0.19).squareRoot() + 1e-7),
        ]
        for (a, e) in zip(model.p.value.scalars, expected2) { #expect(abs(Double(a) - e) < 1e-5) }
        #expect(adam.step == 2)
    }

    @Test func frozenParametersStayBitIdentical() {
        let model = One()
        model.p.isFrozen = true
        let before = model.p.value.scalars
        let adam = Adam(learningRate: 0.1)
        for _ in 0..<3 { adam.update(model, gradients: ["p": Tensor(shape: [2], values: [1, 1])]) }
        #expect(model.p.value.scalars == before)
        #expect(!model.p.value.requiresGradient)
        model.p.isFrozen = false
        adam.update(model, gradients: ["p": Tensor(shape: [2], values: [1, 1])])
        #expect(model.p.value.scalars != before)
    }
}
