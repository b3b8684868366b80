import ArgumentParser
import Colorization
import Foundation
import NeuralNetwork
import Tensor

/// `colorize-benchmark train`: time of the training and inference steps of a model configuration.
struct TrainBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Time generator inference, a pre-training step and an adversarial critic step.")

    @Option(help: "Image size (multiple of 64).")
    var size = 128

    @Option(help: "Width multiplier.")
    var width = 1.0

    @Option(help: "Batch size.")
    var batch = 6

    @Option(help: "Timed runs per measurement (the median is reported).")
    var runs = 5

    func run() {
        let configuration = ModelConfiguration(size: size, widthMultiplier: width)
        let generator = Generator(configuration)
        let critic = Critic(configuration)
        var random = TensorRandom(seed: 3)
        let lab = Tensor.uniform([batch, size, size, 3], low: -0.5, high: 0.9, using: &random)
        let lightness = lab.slice(axis: 3, 0..<1)
        let bins = (0..<(batch * size * size)).map { $0 % 16 }
        let shape = [batch, size, size, 16]
        let targets = RebalancedCrossEntropy.targets(bins: bins, shape: shape) { _ in 1 }
        let flops = 2 * Double(generator.multiplyAdds(size: size) * batch)
        print("generator \(generator.parameterCount) parameters, \(String(format: "%.2f", flops / 2e9)) GMAC per batch of \(batch); "
              + "threads \(Threads.count)")

        let inference = Timing.median(runs: runs) { _ = Colorizer.predictAB(generator, lightness) }
        report("generator inference", inference, flops: flops)
        let adam = Adam(learningRate: 1e-4)
        let pretrain = Timing.median(runs: runs) {
            let (_, grads) = valueAndGradients(of: generator) {
                let output = generator(lightness, training: true)
                return RebalancedCrossEntropy.loss(logits: output.logitsA, targets: targets)
                    + RebalancedCrossEntropy.loss(logits: output.logitsB, targets: targets)
            }
            adam.update(generator, gradients: grads)
        }
        report("pre-training step", pretrain, flops: 3 * flops)
        print(String(format: "  step / forward: %.2f×", pretrain / inference))

        let criticAdam = Adam(learningRate: 1e-4)
        let criticStep = Timing.median(runs: runs) {
            let fake = Tensor.concatenate([lightness, Colorizer.predictAB(generator, lightness)], axis: 3)
            let epsilon = Tensor.uniform([batch, 1, 1, 1], using: &random)
            var objective: GradientPenalty.CriticObjective?
            let (_, grads) = valueAndGradients(of: critic) {
                objective = GradientPenalty.criticObjective(critic: { critic($0) }, real: lab, fake: fake, epsilon: epsilon, lambda: 10)
                return objective!.loss
            }
            criticAdam.update(critic, gradients: grads)
        }
        report("critic step (with exact penalty)", criticStep, flops: nil)
    }

    private func report(_ name: String, _ seconds: Double, flops: Double?) {
        let throughput = flops.map { "  " + Timing.gflops($0, seconds) } ?? ""
        print(name.padding(toLength: 34, withPad: " ", startingAt: 0) + Timing.milliseconds(seconds)
              + String(format: "  %6.1f img/s", Double(batch) / seconds) + throughput)
    }
}
