import NeuralNetwork
import Tensor

/// One optimizer step of each stage of the seed's pipeline. The trainers loop over these and the
/// benchmark times them, so what is measured is exactly what trains.
public enum TrainingSteps {
    /// Pre-training: class-rebalanced cross-entropy on both heads, generator in training mode
    /// (batch statistics). Returns the two heads' losses. Data-parallel (`parallel`), the batch is this
    /// rank's share of a global batch of `globalBatch` and the losses returned are the global batch's.
    @discardableResult
    public static func pretrain(
        _ generator: any ColorizationNetwork, lightness: Tensor, hints: Tensor? = nil, targetsA: Tensor,
        targetsB: Tensor, optimizer: Adam, parallel: DataParallel = .single, globalBatch: Int? = nil
    ) -> (a: Float, b: Float) {
        let weight = parallel.lossWeight(localCount: lightness.shape[0], globalCount: globalBatch)
        var lossA = Tensor(0), lossB = Tensor(0)
        var (_, grads) = parallel.withBatchStatistics {
            valueAndGradients(of: generator) {
                (lossA, lossB) = pretrainingLosses(
                    generator, lightness: lightness, hints: hints, targetsA: targetsA, targetsB: targetsB)
                return weight == 1 ? lossA + lossB : (lossA + lossB) * weight
            }
        }
        parallel.averageGradients(&grads, of: generator)
        optimizer.update(generator, gradients: grads)
        let losses = parallel.globalMeans([lossA.item, lossB.item], weight: weight)
        return (losses[0], losses[1])
    }

    /// The pre-training objective's two terms: each head's rebalanced cross-entropy, the generator
    /// in training mode.
    public static func pretrainingLosses(
        _ generator: any ColorizationNetwork, lightness: Tensor, hints: Tensor? = nil, targetsA: Tensor,
        targetsB: Tensor
    ) -> (a: Tensor, b: Tensor) {
        let output = generator(lightness, hints: hints, training: true)
        return (
            RebalancedCrossEntropy.loss(logits: output.logitsA, targets: targetsA),
            RebalancedCrossEntropy.loss(logits: output.logitsB, targets: targetsB)
        )
    }

    /// Critic: real Lab crops against the generator's colours on their L (`lightness`, channel 0
    /// of `lab`, and `hints` if any; the generator runs without a tape, so it is fixed), WGAN-GP
    /// loss with the exact penalty at interpolates mixed by `epsilon` [N, 1, 1, 1].
    /// Data-parallel (`parallel`), the batch is this rank's share of a global batch of `globalBatch` and
    /// the objective returned is the global batch's.
    @discardableResult
    public static func critic(
        _ critic: Critic, generator: any ColorizationNetwork, lab: Tensor, lightness: Tensor, hints: Tensor? = nil,
        epsilon: Tensor, lambda: Float, optimizer: Adam, parallel: DataParallel = .single, globalBatch: Int? = nil
    ) -> GradientPenalty.CriticObjective {
        let weight = parallel.lossWeight(localCount: lightness.shape[0], globalCount: globalBatch)
        let fake = Tensor.concatenate(
            [lightness, Colorizer.predictAB(generator, lightness, hints: hints)], axis: 3)
        var objective: GradientPenalty.CriticObjective?
        var (_, grads) = valueAndGradients(of: critic) {
            let result = GradientPenalty.criticObjective(
                critic: { critic($0) }, real: lab, fake: fake, epsilon: epsilon, lambda: lambda)
            objective = result
            return weight == 1 ? result.loss : result.loss * weight
        }
        parallel.averageGradients(&grads, of: critic)
        optimizer.update(critic, gradients: grads)
        guard let objective else { preconditionFailure("the critic objective is computed inside valueAndGradients") }
        let global = parallel.globalMeans([objective.wasserstein, objective.penalty], weight: weight)
        return objective.replacing(wasserstein: global[0], penalty: global[1])
    }

    /// Generator: −mean D(G(L)) with the critic fixed (only the generator's parameters are
    /// differentiated), plus `anchorWeight` × the rebalanced cross-entropy to the true colours so
    /// they stay anchored to the pre-trained distribution. BatchNorm uses its running statistics.
    /// Data-parallel as `pretrain`.
    @discardableResult
    public static func generator(
        _ generator: any ColorizationNetwork, critic: Critic, lightness: Tensor, hints: Tensor? = nil,
        targetsA: Tensor, targetsB: Tensor, anchorWeight: Float, optimizer: Adam, parallel: DataParallel = .single,
        globalBatch: Int? = nil
    ) -> Float {
        let weight = parallel.lossWeight(localCount: lightness.shape[0], globalCount: globalBatch)
        var (loss, grads) = valueAndGradients(of: generator) {
            let output = generator(lightness, hints: hints, training: false)
            let ab = Tensor.concatenate(
                [generator.colorEstimate(output.logitsA), generator.colorEstimate(output.logitsB)], axis: 3)
            let adversarial = -critic(Tensor.concatenate([lightness, ab], axis: 3)).mean()
            let anchor =
                RebalancedCrossEntropy.loss(logits: output.logitsA, targets: targetsA)
                + RebalancedCrossEntropy.loss(logits: output.logitsB, targets: targetsB)
            let total = adversarial + anchor * anchorWeight
            return weight == 1 ? total : total * weight
        }
        parallel.averageGradients(&grads, of: generator)
        optimizer.update(generator, gradients: grads)
        return parallel.globalMeans([loss.item])[0]  // `loss` is weighted already
    }
}
