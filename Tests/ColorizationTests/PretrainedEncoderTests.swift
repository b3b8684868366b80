import Colorization
import Foundation
import Imaging
import NeuralNetwork
import Testing

@testable import Tensor

/// The imported EfficientNet-Lite weights (`scripts/install-pretrained.sh`) computed by our engine
/// against an independent float64 numpy implementation of the same network, which the install
/// script ran on the same preprocessed photos (scikit-image's chelsea and coffee) and stored with
/// its logits in `reference-<variant>.safetensors`.
@Suite(.serialized) struct PretrainedEncoderTests {
    static let directory = PretrainedWeights.directory

    static func reference(_ variant: EfficientNetLite.Variant) throws -> [String: Tensor] {
        try SafeTensors.read(path: "\(directory)/reference-\(variant.rawValue).safetensors").tensors
    }

    static func maxDifference(_ a: Tensor, _ b: Tensor) -> Float {
        zip(a.scalars, b.scalars).map { abs($0 - $1) }.max() ?? .infinity
    }

    /// Logits within 1e-3 of the reference, and top-1 right: chelsea a cat (281–285), coffee espresso (967).
    @Test(arguments: [EfficientNetLite.Variant.lite0, .lite2], [false, true])
    func logitsMatchTheIndependentImplementation(variant: EfficientNetLite.Variant, grey: Bool) throws {
        let network = try EfficientNetLite(variant, greyInput: grey)
        let reference = try Self.reference(variant)
        for (photo, classes) in [("chelsea", 281...285), ("coffee", 967...967)] {
            let key = grey ? "\(photo).grey" : photo
            let input = try #require(reference["\(key).input"]), expected = try #require(reference["\(key).logits"])
            let logits = network.logits(EfficientNetLite.normalized(input))
            #expect(logits.shape == [1, 1000])
            let difference = Self.maxDifference(logits.reshaped([1000]), expected)
            #expect(difference < 1e-3, "\(variant) \(key): max |Δlogit| = \(difference)")
            let top = ImageNetClassification.top(1, of: logits)[0][0]
            #expect(classes.contains(top.index), "\(variant) \(key): top-1 \(top)")
        }
    }

    /// Our own preprocessing of the PNGs (resize, centre crop) gets top-1 right too, in bf16 as well.
    @Test(arguments: ConvolutionPrecision.allCases)
    func classifiesThePhotos(precision: ConvolutionPrecision) throws {
        let network = try EfficientNetLite(.lite0)
        for (photo, classes) in [("chelsea", 281...285), ("coffee", 967...967)] {
            let image = try ImageCodec.read(path: "\(Self.directory)/samples/\(photo).png")
            let top = ConvolutionPrecision.$current.withValue(precision) {
                ImageNetClassification.classify(image, with: network, size: 224, grey: false, count: 1)[0]
            }
            #expect(classes.contains(top.index), "\(photo) (\(precision)): top-1 \(top)")
        }
    }

    /// Features at strides 2, 4, 8, 16, 32 with Lite0's widths, and freezing by block.
    @Test func featuresAndFreezing() throws {
        let network = try EfficientNetLite(.lite0, greyInput: true)
        #expect(network.blocks.count == 16)
        let features = network.features(Tensor.zeros([1, 64, 96, 1]))
        #expect(
            features.map(\.shape) == [
                [1, 32, 48, 16], [1, 16, 24, 24], [1, 8, 12, 40], [1, 4, 6, 112], [1, 2, 3, 320],
            ])
        network.setFrozen(true, blocks: 0..<8)
        #expect(network.blocks[7].namedParameters.allSatisfy { $0.parameter.isFrozen })
        #expect(network.blocks[8].namedParameters.allSatisfy { !$0.parameter.isFrozen })
        #expect(!network.stem.weight.isFrozen)
    }

    /// Folding BatchNorm into the convolution (inference) equals convolution then BatchNorm with
    /// the running statistics, and gradients still reach the filter and γ, β.
    @Test func foldedBatchNormEqualsTheSeparateOps() throws {
        var random = TensorRandom(seed: 11)
        let unit = ConvBatchNorm(
            weight: Tensor.uniform([3, 3, 1, 8], using: &random), stride: 2, groups: 8, activation: .relu6)
        unit.norm.gamma.assign(Tensor.uniform([8], low: 0.5, high: 2, using: &random))
        unit.norm.beta.assign(Tensor.uniform([8], using: &random))
        unit.norm.movingMean.assign(Tensor.uniform([8], using: &random))
        unit.norm.movingVariance.assign(Tensor.uniform([8], low: 0.5, high: 2, using: &random))
        let x = Tensor.uniform([2, 9, 8, 8], low: -3, high: 3, using: &random)
        let separate = unit.norm(Tensor.conv2d(x, unit.weight.value, stride: 2, groups: 8), training: false).relu6()
        let folded = unit(x, training: false)
        #expect(Self.maxDifference(folded, separate) < 1e-5)
        let grads = gradients(of: folded.sum(), wrt: [unit.weight.value, unit.norm.gamma.value, unit.norm.beta.value])
        #expect(grads.allSatisfy { $0.scalars.contains { $0 != 0 } })
    }
}
