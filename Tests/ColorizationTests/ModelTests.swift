import NeuralNetwork
import Tensor
import Testing

@testable import Colorization

@Suite struct ModelTests {
    /// The Keras originals' counts (BatchNorm: 4 per channel, 2 trainable).
    @Test func generatorParameterCountsMatchTheSeed() {
        let generator = Generator(ModelConfiguration(size: 256, widthMultiplier: 1))
        #expect(generator.parameterCount == 19_237_188)
        #expect(generator.trainableParameterCount == 19_234_626)
        let withTanh = Generator(ModelConfiguration(size: 256, widthMultiplier: 1, includeTanhHeads: true))
        #expect(withTanh.parameterCount == 19_240_390)
    }

    @Test(arguments: [(64, 8_352_941), (128, 9_925_805), (256, 16_217_261)])
    func criticParameterCountsMatchTheSeed(size: Int, count: Int) {
        #expect(Critic(ModelConfiguration(size: size, widthMultiplier: 1)).parameterCount == count)
    }

    @Test func forwardCostMatchesTheSeed() {
        // 1.83 / 7.33 / 29.30 GMAC per image at 64 / 128 / 256.
        let generator = Generator(ModelConfiguration(size: 64, widthMultiplier: 1))
        #expect(abs(Double(generator.multiplyAdds(size: 64)) / 1e9 - 1.83) < 0.01)
        #expect(abs(Double(generator.multiplyAdds(size: 256)) / 1e9 - 29.30) < 0.01)
    }

    @Test func criticCostAtSixtyFour() {
        // On the 32×32 inner crop: 7×7 convs 3→64 and 64→64 (9,633,792 + 205,520,896), strided
        // 5×5/3×3 convs to 16, 8, 4, 2, 1, 1 (52,428,800 + 26,214,400 + 13,107,200 + 4,718,592
        // + 2 × 2,359,296), Dense weights 807,440.
        #expect(Critic(ModelConfiguration(size: 64, widthMultiplier: 1)).multiplyAdds == 317_149_712)
    }

    /// On oneDNN directly: with the default `.fastest` each of the 18 networks' new layer shapes
    /// would first time every backend, which is most of the cost and no part of what is checked here.
    @Test(arguments: [64, 128, 256])
    func forwardShapes(size: Int) {
        for width in [0.25, 0.5, 1.0] {
            let configuration = ModelConfiguration(size: size, widthMultiplier: width)
            ConvolutionBackend.$current.withValue(.oneDNN) {
                withoutGradients {
                    let generator = Generator(configuration)
                    let output = generator(Tensor.zeros([1, size, size, 1]), training: false)
                    #expect(
                        output.logitsA.shape == [1, size, size, 16] && output.logitsB.shape == [1, size, size, 16])
                    let estimate = generator.colorEstimate(output.logitsA)
                    #expect(estimate.shape == [1, size, size, 1])
                    #expect(estimate.scalars.allSatisfy { $0 >= -1 && $0 <= 1 })
                    let critic = Critic(configuration)
                    #expect(critic(Tensor.zeros([2, size, size, 3])).shape == [2, 1])
                }
            }
        }
    }

    @Test func generatorIsFullyConvolutional() {
        withoutGradients {
            let generator = Generator(ModelConfiguration(size: 64, widthMultiplier: 0.25))
            let output = generator(Tensor.zeros([1, 128, 192, 1]), training: false)
            #expect(output.logitsB.shape == [1, 128, 192, 16])
        }
    }

    @Test func freezingAPrefixOfLayers() {
        let generator = Generator(ModelConfiguration(size: 64, widthMultiplier: 0.25))
        generator.freeze(firstLayers: 3)
        let frozen = generator.namedParameters.filter { $0.parameter.isFrozen }.map(\.name)
        #expect(Set(frozen.map { $0.split(separator: ".")[0] }) == ["input_norm", "enc1", "enc2"])
        generator.freeze(firstLayers: 0)
        #expect(generator.namedParameters.allSatisfy { !$0.parameter.isFrozen })
    }
}
