import ArgumentParser
import Colorization
import Foundation
import Imaging
import NeuralNetwork
import Tensor

/// `colorize-benchmark classify`: ImageNet top-5 of photos through the imported EfficientNet-Lite,
/// the check that the weights were converted and the engine runs them exactly.
struct ClassifyBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "classify",
        abstract: "Print each photo's top-5 ImageNet classes (index:probability) from the pretrained encoder.",
        discussion: "Weights come from scripts/install-pretrained.sh (data/pretrained, or $COLORIZE_PRETRAINED).")

    @Argument(help: "Photos to classify (PNG or JPEG).")
    var photos: [String]

    @Option(help: "Which EfficientNet-Lite: lite0, lite1 or lite2.")
    var variant: EfficientNetLite.Variant = .lite0

    @Flag(help: "Classify the photos' luminance through the one-channel (grey) stem.")
    var grey = false

    @Option(help: "Input side in pixels (default: the variant's training resolution).")
    var size: Int?

    @Option(help: "Convolution precision.")
    var precision = PrecisionChoice.auto

    func run() throws {
        let network = try EfficientNetLite(variant, greyInput: grey)
        var failed = false
        for path in photos {
            do {
                let image = try ImageCodec.read(path: path)
                let predictions = ConvolutionPrecision.$current.withValue(precision.resolved()) {
                    ImageNetClassification.classify(image, with: network, size: size ?? variant.resolution, grey: grey)
                }
                print(([path] + predictions.map(\.description)).joined(separator: " "))
            } catch {
                FileHandle.standardError.write(Data("\(error)\n".utf8))
                failed = true
            }
        }
        if failed { throw ExitCode.failure }
    }
}
