import Testing

@testable import Tensor

/// The fused batch normalisation against its composed definition and finite differences.
@Suite struct BatchNormalizationTests {
    /// Big enough that the sums and passes split across threads; a shifted, scaled input so the
    /// statistics are not trivially 0 and 1.
    static let x = GradientCheck.random([4, 16, 16, 64], seed: 11) * 3 + 0.5
    static let gamma = GradientCheck.random([64], seed: 12, low: 0.5, high: 1.5)
    static let beta = GradientCheck.random([64], seed: 13)

    static func maxDifference(_ a: Tensor, _ b: Tensor) -> Float {
        zip(a.scalars, b.scalars).map { abs($0 - $1) }.max() ?? .infinity
    }

    @Test func forwardMatchesComposedDefinition() {
        let (y, mean, variance) = Tensor.batchNormalized(Self.x, gamma: Self.gamma, beta: Self.beta, epsilon: 1e-3)
        let reference = Tensor.batchNormalizedComposed(Self.x, gamma: Self.gamma, beta: Self.beta, epsilon: 1e-3)
        #expect(y.shape == Self.x.shape)
        #expect(Self.maxDifference(y, reference) < 1e-5)
        let axes = [0, 1, 2]
        #expect(Self.maxDifference(mean, Self.x.mean(axes: axes)) < 1e-5)
        #expect(Self.maxDifference(variance, (Self.x - Self.x.mean(axes: axes)).squared().mean(axes: axes)) < 1e-4)
    }

    @Test func fusedGradientsMatchComposedDefinition() {
        let inputs = [Self.x, Self.gamma, Self.beta].map { $0.requiringGradient() }
        let projection = GradientCheck.random(Self.x.shape, seed: 14)
        let fused = gradients(
            of: (Tensor.batchNormalized(inputs[0], gamma: inputs[1], beta: inputs[2], epsilon: 1e-3).output
                * projection).sum(), wrt: inputs)
        let composed = gradients(
            of: (Tensor.batchNormalizedComposed(inputs[0], gamma: inputs[1], beta: inputs[2], epsilon: 1e-3)
                * projection).sum(), wrt: inputs)
        for (which, (f, c)) in zip(fused, composed).enumerated() {
            let scale = max(1, c.scalars.map(abs).max() ?? 0)
            #expect(Self.maxDifference(f, c) < 2e-5 * scale, "input \(which)")
        }
    }

    /// First order through the fused rule; second order through the composed definition a
    /// recorded backward differentiates.
    @Test func gradientsMatchFiniteDifferences() {
        let x = GradientCheck.random([2, 3, 2, 3], seed: 15) * 2
        let gamma = GradientCheck.random([3], seed: 16, low: 0.5, high: 1.5), beta = GradientCheck.random([3], seed: 17)
        GradientCheck.expectFirstAndSecondOrder(
            { Tensor.batchNormalized($0[0], gamma: $0[1], beta: $0[2], epsilon: 1e-3).output },
            at: [x, gamma, beta])
    }
}
