import ArgumentParser
import Colorization
import NeuralNetwork
import Tensor

/// `colorize-benchmark generators`: inference and one pre-training step of each generator family
/// at the same size, batch and decoder width, in one run, so the families compare on the same
/// machine state.
struct GeneratorBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generators",
        abstract: "Time inference and the pre-training step of the seed U-Net beside the pretrained-encoder U-Nets.")

    @Option(help: "Image size (a multiple of 64 times the seed U-Net, of 32 for the others).")
    var size = 256

    @Option(help: "Width multiplier (of the whole seed U-Net; of the decoder of the pretrained-encoder ones).")
    var width = 0.5

    @Option(help: "Batch size.")
    var batch = 6

    @Option(help: "Timed runs per measurement (the median is reported).")
    var runs = 5

    @Option(help: "Architectures to time (repeat).")
    var architecture: [ModelConfiguration.Architecture] = [.seed, .lite0]

    @Option(help: "Convolution precision to time (repeat).")
    var precision: [PrecisionChoice] = [.auto]

    func validate() throws {
        guard size > 0, architecture.allSatisfy({ size % $0.sizeMultiple == 0 }) else {
            throw ValidationError("--size must be a positive multiple of each architecture's size multiple")
        }
    }

    func run() throws {
        print(Processor.peak().description)
        var random = TensorRandom(seed: 8)
        let lightness = Tensor.uniform([batch, size, size, 1], low: 0, high: 1, using: &random)
        let bins = (0..<(batch * size * size)).map { $0 % 16 }
        let targets = RebalancedCrossEntropy.targets(bins: bins, shape: [batch, size, size, 16]) { _ in 1 }
        print("architecture  parameters  precision    inference              pre-training step")
        for architecture in architecture {
            let configuration = ModelConfiguration(size: size, widthMultiplier: width, architecture: architecture)
            let generator = try ModelFile.newGenerator(configuration, seed: 1)
            let adam = Adam(learningRate: 1e-5)
            for precision in precision {
                ConvolutionPrecision.$current.withValue(precision.resolved()) {
                    let inference = Timing.median(runs: runs) {
                        withoutGradients { _ = generator(lightness, training: false).logitsA }
                    }
                    let step = Timing.median(runs: runs) {
                        TrainingSteps.pretrain(
                            generator, lightness: lightness, targetsA: targets, targetsB: targets,
                            optimizer: adam)
                    }
                    print(
                        "\(architecture)".padding(toLength: 14, withPad: " ", startingAt: 0)
                            + String(format: "%9.2f M  ", Double(generator.parameterCount) / 1e6)
                            + "\(precision)".padding(toLength: 9, withPad: " ", startingAt: 0)
                            + "\(Timing.milliseconds(inference)) \(rate(inference))  \(Timing.milliseconds(step)) \(rate(step))"
                    )
                }
            }
        }
    }

    private func rate(_ seconds: Double) -> String { String(format: "%6.1f img/s", Double(batch) / seconds) }
}
