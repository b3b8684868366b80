import Tensor

/// The WGAN-GP critic objective (Gulrajani et al. 2017), with the penalty's gradient taken exactly:
/// the input-gradient is built with `createGraph`, so differentiating the penalty by the critic's
/// parameters runs through the critic's backward pass (second order), not a finite-difference shortcut.
///
///   loss = mean D(fake) − mean D(real) + λ · mean_i (‖∇ₓ̂ D(x̂_i)‖₂ − 1)²,   x̂ = ε·real + (1 − ε)·fake
///
/// The fakes carry the real L channel, so the interpolates only mix a and b.
public enum GradientPenalty {
    public struct CriticObjective {
        /// The scalar to minimise (differentiable by the critic's parameters).
        public let loss: Tensor
        /// The Wasserstein estimate mean D(real) − mean D(fake), for the schedule and the log.
        public let wasserstein: Float
        /// The penalty term before λ.
        public let penalty: Float

        /// The same loss with the reported numbers replaced (the global batch's, in data-parallel runs).
        func replacing(wasserstein: Float, penalty: Float) -> CriticObjective {
            CriticObjective(loss: loss, wasserstein: wasserstein, penalty: penalty)
        }
    }

    /// - Parameters:
    ///   - critic: maps a Lab batch [N, H, W, 3] to scores [N, 1].
    ///   - real, fake: batches of the same shape; `fake` should be detached from the generator.
    ///   - epsilon: per-sample mixing weights [N, 1, 1, 1] drawn from U(0, 1).
    public static func criticObjective(
        critic: (Tensor) -> Tensor, real: Tensor, fake: Tensor,
        epsilon: Tensor, lambda: Float
    ) -> CriticObjective {
        precondition(
            real.shape == fake.shape && epsilon.shape == [real.shape[0], 1, 1, 1],
            "real \(real.shape), fake \(fake.shape), epsilon \(epsilon.shape)")
        let realScore = critic(real).mean()
        let fakeScore = critic(fake).mean()
        let interpolated = (real * epsilon + fake * (1 - epsilon)).detached().requiringGradient()
        let penalty = penaltyTerm(critic: critic, at: interpolated)
        let loss = fakeScore - realScore + penalty * lambda
        return CriticObjective(loss: loss, wasserstein: realScore.item - fakeScore.item, penalty: penalty.item)
    }

    /// mean_i (‖∇ₓ D(x_i)‖₂ − 1)², differentiable by the critic's parameters. `x` must require gradients.
    public static func penaltyTerm(critic: (Tensor) -> Tensor, at x: Tensor) -> Tensor {
        let inputGradient = gradients(of: critic(x).sum(), wrt: [x], createGraph: true)[0]
        let axes = Array(1..<x.rank)
        let norms = (inputGradient.squared().sum(axes: axes) + 1e-12).sqrt()
        return (norms - 1).squared().mean()
    }
}
