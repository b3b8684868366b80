import Foundation
import NeuralNetwork
import Testing

@testable import Colorization
@testable import Tensor

/// The U-Net on the pretrained EfficientNet-Lite0 encoder: decoder-only steps leave the encoder
/// bit-identical, the schedule unfreezes it from the top down, a model file holds the whole
/// network (encoder included), so colorizing needs no pretrained weights installed, and hint
/// branches trained on a finished model leave it exactly as it was without hints.
@Suite struct PretrainedGeneratorTests {
    static func generator() throws -> PretrainedGenerator {
        let encoder = try EfficientNetLite(.lite0, greyInput: true, includeClassifier: false)
        return PretrainedGenerator(
            ModelConfiguration(size: 64, widthMultiplier: 0.125, architecture: .lite0),
            encoder: encoder, seed: 3)
    }

    static func lightness() -> Tensor {
        var random = TensorRandom(seed: 9)
        return Tensor.uniform([2, 64, 64, 1], low: 0, high: 1, using: &random)
    }

    @Test func frozenEncoderStaysBitIdenticalThroughADecoderOnlyStep() throws {
        let generator = try Self.generator()
        generator.freeze(firstLayers: generator.encoderLayerCount)
        let before = Dictionary(
            uniqueKeysWithValues: generator.namedParameters.map { ($0.name, $0.parameter.value.scalars) })
        let bins = (0..<(2 * 64 * 64)).map { $0 % 16 }
        let targets = RebalancedCrossEntropy.targets(bins: bins, shape: [2, 64, 64, 16]) { _ in 1 }
        TrainingSteps.pretrain(
            generator, lightness: Self.lightness(), targetsA: targets, targetsB: targets,
            optimizer: Adam(learningRate: 1e-3))
        for (name, parameter) in generator.namedParameters {
            let unchanged = parameter.value.scalars == before[name]
            if name.hasPrefix("encoder.") {
                #expect(unchanged, "\(name) changed although frozen")
            } else if parameter.isTrainable {
                #expect(!unchanged, "\(name) did not train")
            }
        }
    }

    @Test func scheduleUnfreezesTheEncoderTopDown() throws {
        var options = Pretrainer.Options(data: "", runDirectory: "", configuration: ModelConfiguration(), steps: 100)
        options.encoderFrozenSteps = 10
        options.unfreezeEvery = 5
        let trainer = Pretrainer(options)
        #expect(trainer.frozenEncoderLayers(atStep: 0, of: 17) == 17)
        #expect(trainer.frozenEncoderLayers(atStep: 9, of: 17) == 17)
        #expect(trainer.frozenEncoderLayers(atStep: 10, of: 17) == 16)
        #expect(trainer.frozenEncoderLayers(atStep: 14, of: 17) == 16)
        #expect(trainer.frozenEncoderLayers(atStep: 15, of: 17) == 15)
        #expect(trainer.frozenEncoderLayers(atStep: 500, of: 17) == 0)
    }

    @Test func modelFileHoldsTheWholeNetwork() throws {
        let generator = try Self.generator()
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("lite0-\(UUID()).safetensors").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try ModelFile.save(generator, magicWeights: .uniform(), step: 1, stage: "pretrain", to: path)
        let (loaded, metadata) = try ModelFile.loadGenerator(from: path)
        #expect(metadata.configuration.architecture == .lite0 && loaded is PretrainedGenerator)
        let x = Self.lightness()
        #expect(loaded(x, training: false).logitsA.scalars == generator(x, training: false).logitsA.scalars)
    }

    /// `Pretrainer.Options.hintBase`: the branches (hint encoder included) train, every weight and
    /// running statistic of the base stays bit-identical (its BatchNorms normalise by their running
    /// statistics once frozen), without hints, or with an all-zero field, the result computes the
    /// base's logits exactly, and a file round trip keeps what the hints do.
    @Test func hintBranchesTrainedOnAFinishedModelLeaveItExactlyWithoutHints() throws {
        let base = try Self.generator()
        var random = TensorRandom(seed: 11)
        let x = Tensor.uniform([1, 32, 32, 1], low: 0, high: 1, using: &random)
        _ = base(x, training: true)  // running statistics away from their initial values
        let automatic = base(x, training: false)
        let generator = PretrainedGenerator.addingHints(to: base, seed: 4)
        generator.freeze(firstLayers: generator.baseLayerCount)
        let before = Dictionary(
            uniqueKeysWithValues: generator.namedParameters.map { ($0.name, $0.parameter.value.scalars) })
        let points = [
            [HintPoint(x: 10, y: 12, side: 3, a: 0.4, b: -0.2), HintPoint(x: 25, y: 20, side: 1, a: -0.3, b: 0.5)]
        ]
        let field = HintField.make(lightness: x, points: points, bins: 16)
        let bins = (0..<(32 * 32)).map { $0 % 16 }
        let targets = RebalancedCrossEntropy.targets(bins: bins, shape: [1, 32, 32, 16]) { _ in 1 }
        for _ in 0..<3 {
            TrainingSteps.pretrain(
                generator, lightness: x, hints: field, targetsA: targets, targetsB: targets,
                optimizer: Adam(learningRate: 1e-3))
        }
        for (name, parameter) in generator.namedParameters {
            let unchanged = parameter.value.scalars == before[name]
            if !name.hasPrefix(HintField.parameterPrefix) {
                #expect(unchanged, "\(name) changed although frozen")
            } else if parameter.isTrainable {
                #expect(!unchanged, "\(name) did not train")
            }
        }
        let zeros = HintField.make(lightness: x, points: [[]], bins: 16)
        for output in [generator(x, training: false), generator(x, hints: zeros, training: false)] {
            #expect(output.logitsA.scalars == automatic.logitsA.scalars)
            #expect(output.logitsB.scalars == automatic.logitsB.scalars)
        }
        let hinted = generator(x, hints: field, training: false)
        #expect(hinted.logitsA.scalars != automatic.logitsA.scalars)
        // The file holds the hint encoder and branches too.
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("hints-\(UUID()).safetensors").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try ModelFile.save(generator, magicWeights: .uniform(), step: 2, stage: "pretrain", to: path)
        let (loaded, metadata) = try ModelFile.loadGenerator(from: path)
        #expect(metadata.configuration.acceptsHints)
        #expect(loaded(x, hints: field, training: false).logitsB.scalars == hinted.logitsB.scalars)
    }
}
