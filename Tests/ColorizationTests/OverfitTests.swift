import NeuralNetwork
import Tensor
import Testing

@testable import Colorization

/// The whole pre-training path (generator, both heads, rebalanced cross-entropy, Adam) must be able
/// to memorise two images: a bug anywhere in it shows up as a plateau here.
@Suite struct OverfitTests {
    /// Two 64×64 images whose colour bins follow their lightness bands, differently in each image.
    static func batch() -> (lightness: Tensor, binsA: [Int], binsB: [Int]) {
        let size = 64
        var lightness: [Float] = [], binsA: [Int] = [], binsB: [Int] = []
        let levels: [[Float]] = [[0.2, 0.4, 0.6, 0.8], [0.1, 0.35, 0.6, 0.9]]
        let colorsA = [[2, 5, 9, 13], [14, 11, 6, 3]], colorsB = [[12, 8, 4, 1], [3, 7, 10, 15]]
        for image in 0..<2 {
            for y in 0..<size {
                for x in 0..<size {
                    let band = image == 0 ? x * 4 / size : (y * 4 / size + x / 32) % 4
                    lightness.append(levels[image][band])
                    binsA.append(colorsA[image][band])
                    binsB.append(colorsB[image][band])
                }
            }
        }
        return (Tensor(shape: [2, size, size, 1], values: lightness), binsA, binsB)
    }

    @Test func tinyGeneratorMemorisesTwoImages() {
        Self.expectMemorises(Generator(ModelConfiguration(size: 64, widthMultiplier: 0.25), seed: 7))
    }

    /// The same with the pretrained EfficientNet-Lite0 encoder (trained too) under a tiny decoder.
    @Test func tinyPretrainedEncoderGeneratorMemorisesTwoImages() throws {
        let encoder = try EfficientNetLite(.lite0, greyInput: true, includeClassifier: false)
        let configuration = ModelConfiguration(size: 64, widthMultiplier: 0.125, architecture: .lite0)
        Self.expectMemorises(PretrainedGenerator(configuration, encoder: encoder, seed: 7))
    }

    static func expectMemorises(_ generator: any ColorizationNetwork, sourceLocation: SourceLocation = #_sourceLocation)
    {
        let adam = Adam(learningRate: 2e-3, beta1: 0.9, beta2: 0.999)
        let (lightness, binsA, binsB) = Self.batch()
        let shape = [2, 64, 64, 16]
        let targetsA = RebalancedCrossEntropy.targets(bins: binsA, shape: shape) { _ in 1 }
        let targetsB = RebalancedCrossEntropy.targets(bins: binsB, shape: shape) { _ in 1 }
        var accuracy = 0.0, firstLoss: Float = 0, lastLoss: Float = 0
        for step in 0..<300 {
            let (loss, grads) = valueAndGradients(of: generator) {
                let output = generator(lightness, training: true)
                return RebalancedCrossEntropy.loss(logits: output.logitsA, targets: targetsA)
                    + RebalancedCrossEntropy.loss(logits: output.logitsB, targets: targetsB)
            }
            adam.update(generator, gradients: grads)
            if step == 0 { firstLoss = loss.item }
            lastLoss = loss.item
            if step % 10 == 9 {
                // Batch statistics, as in training: the running averages (momentum 0.99) lag far behind
                // after only a few hundred steps.
                accuracy = withoutGradients { Self.binAccuracy(generator(lightness, training: true), binsA, binsB) }
                if accuracy > 0.9 { break }
            }
        }
        #expect(lastLoss < firstLoss, "loss \(firstLoss) → \(lastLoss)", sourceLocation: sourceLocation)
        #expect(
            accuracy > 0.9, "bin accuracy \(accuracy); loss \(firstLoss) → \(lastLoss)", sourceLocation: sourceLocation)
    }

    /// Fraction of pixels whose most likely a and b bins are both right.
    static func binAccuracy(_ output: GeneratorOutput, _ binsA: [Int], _ binsB: [Int]) -> Double {
        func argmax(_ logits: Tensor) -> [Int] {
            let values = logits.scalars, bins = logits.shape[3]
            return (0..<(values.count / bins)).map { p in
                (0..<bins).max { values[p * bins + $0] < values[p * bins + $1] } ?? 0
            }
        }
        let a = argmax(output.logitsA), b = argmax(output.logitsB)
        let correct = (0..<a.count).filter { a[$0] == binsA[$0] && b[$0] == binsB[$0] }.count
        return Double(correct) / Double(a.count)
    }
}
