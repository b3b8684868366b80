import Testing

@testable import Tensor

/// The WGAN-GP penalty's parameter gradient through a tiny critic, against finite differences.
@Suite struct SecondOrderPenaltyTests {
    /// D(x) = mean(conv₂(leakyReLU(conv₁(x) + b₁), stride 2)), with the first layer's epilogue
    /// fused into the convolution or as separate ops.
    static func critic(_ x: Tensor, _ w1: Tensor, _ b1: Tensor, _ w2: Tensor, fused: Bool) -> Tensor {
        let h = fused ? Tensor.conv2d(x, w1, bias: b1, leakyReLU: 0.2) : (Tensor.conv2d(x, w1) + b1).leakyReLU(0.2)
        return Tensor.conv2d(h, w2, stride: 2).mean()
    }

    /// (‖∇ₓD(x)‖₂ − 1)² per sample, averaged.
    static func penalty(_ x: Tensor, _ w1: Tensor, _ b1: Tensor, _ w2: Tensor, fused: Bool) -> Tensor {
        let tracked = x.requiresGradient ? x : x.requiringGradient()
        let gx = gradients(of: critic(tracked, w1, b1, w2, fused: fused), wrt: [tracked], createGraph: true)[0]
        let norms = gx.squared().sum(axes: [1, 2, 3]).sqrt()
        return (norms - 1).squared().mean()
    }

    @Test(arguments: [ConvolutionBackend.oneDNN, .im2col], [false, true])
    func penaltyGradientMatchesFiniteDifferences(backend: ConvolutionBackend, fused: Bool) {
        ConvolutionBackend.$current.withValue(backend) {
            let x = GradientCheck.random([2, 7, 6, 2], seed: 70)
            let w1 = GradientCheck.random([3, 3, 2, 3], seed: 71)
            let b1 = GradientCheck.random([3], seed: 72, low: -0.1, high: 0.1)
            let w2 = GradientCheck.random([3, 3, 3, 1], seed: 73)
            // Differentiate by the critic's parameters (and x): the exact second-order path.
            GradientCheck.expectMatches(
                { Self.penalty($0[0], $0[1], $0[2], $0[3], fused: fused) }, at: [x, w1, b1, w2], h: 2e-3,
                tolerance: 5e-3)
        }
    }
}
