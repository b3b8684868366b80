import ArgumentParser
import Colorization
import Foundation
import NeuralNetwork
import Tensor

/// `colorize-benchmark train`: time of the training and inference steps of a model configuration,
/// each the median of `--runs` runs after one warm-up, with GFLOP/s counted from the layer shapes.
struct TrainBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Time generator inference and the pre-training, critic and generator adversarial steps.")

    @Option(help: "Image size (multiple of 64).")
    var size = 128

    @Option(help: "Width multiplier.")
    var width = 1.0

    @Option(help: "Batch size.")
    var batch = 6

    @Option(help: "Timed runs per measurement (the median is reported).")
    var runs = 5

    @Flag(help: "Also print the time of each generator convolution.")
    var layers = false

    @Option(
        help:
            "Convolution precision to time: auto (bf16 with native bf16, else fp32), fp32 or bf16; repeat to compare (--precision auto --precision fp32 --precision bf16)."
    )
    var precision: [PrecisionChoice] = [.auto]

    func run() {
        let configuration = ModelConfiguration(size: size, widthMultiplier: width)
        let generator = Generator(configuration)
        let critic = Critic(configuration)
        let generatorFLOPs = 2 * Double(generator.multiplyAdds(size: size) * batch)
        let criticFLOPs = 2 * Double(critic.multiplyAdds * batch)
        print("\(CPUFeatures.summary); precision auto → \(PrecisionChoice.auto.resolved())")
        print(Processor.peak().description)
        print(
            "generator \(generator.parameterCount) parameters, \(String(format: "%.2f", generatorFLOPs / 2e9)) GMAC per batch of \(batch); "
                + "critic \(critic.parameterCount) parameters, \(String(format: "%.2f", criticFLOPs / 2e9)) GMAC; median of \(runs)"
        )
        var tables: [(PrecisionChoice, [Row])] = []
        for precision in precision {
            print("\n\(precision) convolutions")
            tables.append(
                (
                    precision,
                    ConvolutionPrecision.$current.withValue(precision.resolved()) {
                        measure(generator, critic, generatorFLOPs: generatorFLOPs, criticFLOPs: criticFLOPs)
                    }
                ))
        }
        if let (basePrecision, base) = tables.first, tables.count > 1 {
            print("\nsummary (ms; speed-up over \(basePrecision))")
            print(
                "step".padding(toLength: 34, withPad: " ", startingAt: 0)
                    + tables.map {
                        String(repeating: " ", count: 9) + "\($0.0)".padding(toLength: 8, withPad: " ", startingAt: 0)
                    }.joined())
            for (index, row) in base.enumerated() {
                print(
                    row.name.padding(toLength: 34, withPad: " ", startingAt: 0)
                        + tables.map { table in
                            let seconds = table.1[index].seconds
                            return Timing.milliseconds(seconds) + String(format: " %4.2f×", row.seconds / seconds)
                        }.joined())
            }
        }
        let pool = BufferPool.shared.statistics
        print(
            String(
                format:
                    "\npeak RSS %.0f MiB; tensors live at peak %.0f MiB; buffer pool reused %d of %d large requests",
                Processor.peakRSSMiB, Double(pool.peakLiveBytes) / 1048576, pool.reused, pool.reused + pool.allocated))
    }

    /// One line of a precision's table.
    struct Row {
        let name: String
        let seconds: Double
    }

    /// Times every step under the task's convolution precision and prints its table.
    private func measure(_ generator: Generator, _ critic: Critic, generatorFLOPs: Double, criticFLOPs: Double) -> [Row]
    {
        var random = TensorRandom(seed: 3)
        let lab = Tensor.uniform([batch, size, size, 3], low: -0.5, high: 0.9, using: &random)
        let lightness = lab.slice(axis: 3, 0..<1)
        let bins = (0..<(batch * size * size)).map { $0 % 16 }
        let targets = RebalancedCrossEntropy.targets(bins: bins, shape: [batch, size, size, 16]) { _ in 1 }
        let epsilon = Tensor.uniform([batch, 1, 1, 1], using: &random)
        var rows: [Row] = []
        func report(_ name: String, _ seconds: Double, flops: Double) {
            rows.append(Row(name: name, seconds: seconds))
            print(
                name.padding(toLength: 34, withPad: " ", startingAt: 0) + Timing.milliseconds(seconds)
                    + String(format: "  %8.1f img/s", Double(batch) / seconds) + "  " + Timing.gflops(flops, seconds))
        }
        // A backward pass costs two forwards (input- and filter-gradient), a double backward (the
        // penalty) two more through the critic.
        print("step".padding(toLength: 36, withPad: " ", startingAt: 0) + "       time      images/s     throughput")
        let inference = Timing.median(runs: runs) { _ = Colorizer.predictAB(generator, lightness) }
        report("generator inference", inference, flops: generatorFLOPs)
        breakDownForward(generator, lightness, flops: generatorFLOPs, report: report)

        let pretrainAdam = Adam(learningRate: 1e-4)
        let pretrain = Timing.median(runs: runs) {
            TrainingSteps.pretrain(
                generator, lightness: lightness, targetsA: targets, targetsB: targets, optimizer: pretrainAdam)
        }
        report("pre-training step", pretrain, flops: 3 * generatorFLOPs)
        let ratio = Timing.medianRatio(
            runs: runs,
            {
                TrainingSteps.pretrain(
                    generator, lightness: lightness, targetsA: targets, targetsB: targets, optimizer: pretrainAdam)
            }, over: { _ = Colorizer.predictAB(generator, lightness) })
        print(
            String(
                format:
                    "  pre-training step / inference: %.2f× (medians above), %.2f× (median of %d back-to-back pairs)",
                pretrain / inference, ratio, runs))
        breakDownPretraining(generator, lightness, targets, step: pretrain)

        // The critic step is generator inference + critic forward on real and fake + the penalty
        // (forward at the interpolates, input-gradient with a graph, and its backward, which
        // differentiates that graph again). Timing the parts shows where the time goes.
        let criticAdam = Adam(learningRate: 1e-4)
        let criticStep = Timing.median(runs: runs) {
            TrainingSteps.critic(
                critic, generator: generator, lab: lab, lightness: lightness, epsilon: epsilon, lambda: 10,
                optimizer: criticAdam)
        }
        let fake = Tensor.concatenate([lightness, Colorizer.predictAB(generator, lightness)], axis: 3)
        let wassersteinOnly = Timing.median(runs: runs) {
            let (_, grads) = valueAndGradients(of: critic) { critic(fake).mean() - critic(lab).mean() }
            criticAdam.update(critic, gradients: grads)
        }
        // Counted as: generator forward; critic forward + backward (3 passes) on real and on fake;
        // penalty forward, input-gradient and the double backward through both (≈ 6 passes).
        report("critic step (exact penalty)", criticStep, flops: generatorFLOPs + 12 * criticFLOPs)
        let penalty = criticStep - inference - wassersteinOnly
        for (part, seconds) in [
            ("generator inference (fakes)", inference), ("critic on real + fake, backward", wassersteinOnly),
            ("gradient penalty, double backward", penalty),
        ] {
            print(
                "  " + part.padding(toLength: 34, withPad: " ", startingAt: 0) + Timing.milliseconds(seconds)
                    + String(format: "  %4.0f%%", 100 * seconds / criticStep))
        }

        let generatorAdam = Adam(learningRate: 1e-5)
        let generatorStep = Timing.median(runs: runs) {
            TrainingSteps.generator(
                generator, critic: critic, lightness: lightness, targetsA: targets, targetsB: targets,
                anchorWeight: 1, optimizer: generatorAdam)
        }
        report("generator adversarial step", generatorStep, flops: 3 * generatorFLOPs + 2 * criticFLOPs)
        return rows
    }

    /// Where the pre-training step's time goes: the forward pass with its tape and the loss, the
    /// Adam update alone, and the backward pass as the rest.
    private func breakDownPretraining(_ generator: Generator, _ lightness: Tensor, _ targets: Tensor, step: Double) {
        func loss() -> Tensor {
            let (a, b) = TrainingSteps.pretrainingLosses(
                generator, lightness: lightness, targetsA: targets, targetsB: targets)
            return a + b
        }
        let forward = Timing.median(runs: runs) { _ = loss() }
        let (_, gradients) = valueAndGradients(of: generator, loss)
        let adam = Adam(learningRate: 0)
        let update = Timing.median(runs: runs) { adam.update(generator, gradients: gradients) }
        for (part, seconds) in [
            ("forward with tape, loss", forward), ("backward", step - forward - update), ("Adam update", update),
        ] {
            print(
                "  " + part.padding(toLength: 34, withPad: " ", startingAt: 0) + Timing.milliseconds(seconds)
                    + String(format: "  %4.0f%%", 100 * seconds / step))
        }
    }

    /// The forward pass to logits (inference without the colour estimate), how much of it the
    /// convolutions take when each runs alone on an input of its shape, and what their two backward
    /// passes cost: the floor under a training step's time.
    private func breakDownForward(
        _ generator: Generator, _ lightness: Tensor, flops: Double,
        report: (_ name: String, _ seconds: Double, _ flops: Double) -> Void
    ) {
        let forward = Timing.median(runs: runs) { withoutGradients { _ = generator(lightness, training: false) } }
        report("  forward to logits", forward, flops)
        let trainingForward = Timing.median(runs: runs) {
            withoutGradients { _ = generator(lightness, training: true) }
        }
        report("  … with batch statistics", trainingForward, flops)
        var random = TensorRandom(seed: 4)
        var total = 0.0, backward = 0.0
        for (name, layer, inputSize) in generator.convolutions(size: size) {
            let w = layer.weight.value
            let g = ConvolutionGeometry(
                inputShape: [batch, inputSize, inputSize, w.shape[2]], filterShape: w.shape,
                stride: layer.stride, padding: .same)
            let x = Tensor.uniform(g.inputShape, using: &random), dy = Tensor.uniform(g.outputShape, using: &random)
            let seconds = Timing.median(runs: runs) { withoutGradients { _ = layer(x) } }
            let backwardSeconds = Timing.median(runs: runs) {
                _ = Tensor.convInputGradient(dy, w, g)
                _ = Tensor.convFilterGradient(x, dy, g)
            }
            total += seconds
            backward += backwardSeconds
            if layers {
                report("    " + name, seconds, 2 * Double(g.multiplyAdds))
                report("      its two backward passes", backwardSeconds, 4 * Double(g.multiplyAdds))
            }
        }
        report("    convolutions alone", total, flops)
        print(
            "    other ops".padding(toLength: 34, withPad: " ", startingAt: 0) + Timing.milliseconds(forward - total)
                + String(format: "  %4.0f%%  (norms, upsampling, concatenation)", 100 * (forward - total) / forward))
        report("    their two backward passes", backward, 2 * flops)
        print(String(format: "    convolutions forward + backward / forward alone: %.2f×", (total + backward) / total))
    }
}
