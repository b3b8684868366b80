import Foundation
import NeuralNetwork
import Tensor

@testable import Colorization

/// A pretrained-encoder generator small enough to run in milliseconds, with every weight and
/// statistic random (so no branch hides behind a zero or an identity BatchNorm): an
/// EfficientNet-Lite-shaped encoder of seven stages — blocks with and without expansion, 3×3 and
/// 5×5 depthwise filters, stride-2 stages and residual blocks — under the generator's decoder at
/// width 0.125, with the hint branches.
enum TinyPretrainedModel {
    /// The generator, saved as a model file at a new temporary path.
    static func save(seed: UInt64) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent(
            "colorize-tiny-lite-\(UUID().uuidString).safetensors"
        ).path
        try ModelFile.save(make(seed: seed), magicWeights: .uniform(), step: 7, stage: "test", to: path)
        return path
    }

    /// The generator itself.
    static func make(seed: UInt64) throws -> PretrainedGenerator {
        var random = TensorRandom(seed: seed)
        var weights: [String: Tensor] = [:]
        func unit(_ name: String, _ shape: [Int]) {
            weights["\(name).conv.weight"] = Tensor.uniform(shape, low: -0.5, high: 0.5, using: &random)
            let channels = shape[3]
            weights["\(name).bn.gamma"] = Tensor.uniform([channels], low: 0.5, high: 1.5, using: &random)
            weights["\(name).bn.beta"] = Tensor.uniform([channels], low: -0.3, high: 0.3, using: &random)
            weights["\(name).bn.moving_mean"] = Tensor.uniform([channels], low: -0.3, high: 0.3, using: &random)
            weights["\(name).bn.moving_variance"] = Tensor.uniform([channels], low: 0.5, high: 1.5, using: &random)
        }
        unit("stem", [3, 3, 1, 4])
        // (output channels, expansion, depthwise kernel) per block; a new width starts a stage.
        let blocks: [(out: Int, expansion: Int, kernel: Int)] = [
            (4, 1, 3), (6, 2, 3), (6, 2, 3), (8, 2, 5), (10, 2, 3), (12, 2, 5), (12, 3, 5), (14, 2, 5), (16, 2, 3),
        ]
        var channels = 4
        for (index, block) in blocks.enumerated() {
            let expanded = channels * block.expansion
            if block.expansion > 1 { unit("blocks.\(index).expand", [1, 1, channels, expanded]) }
            unit("blocks.\(index).depthwise", [block.kernel, block.kernel, 1, expanded])
            unit("blocks.\(index).project", [1, 1, expanded, block.out])
            channels = block.out
        }
        let encoder = try EfficientNetLite(
            weights: weights, path: "tiny encoder", names: .engine(prefix: ""), includeClassifier: false)
        let configuration = ModelConfiguration(
            size: 64, widthMultiplier: 0.125, temperature: 0.42, architecture: .lite0, acceptsHints: true)
        let generator = PretrainedGenerator(configuration, encoder: encoder, seed: seed)
        for (name, parameter) in generator.namedParameters {
            let shape = parameter.value.shape
            let value: Tensor =
                if name.hasSuffix("gamma") || name.hasSuffix("moving_variance") {
                    Tensor.uniform(shape, low: 0.5, high: 1.5, using: &random)
                } else {
                    Tensor.uniform(shape, low: -0.3, high: 0.3, using: &random)
                }
            parameter.assign(value)
        }
        return generator
    }
}
