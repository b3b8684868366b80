import Foundation
import Imaging
import NeuralNetwork
import Tensor

/// Inference at any size: convert to Lab, run the generator on L resized to the network's scale
/// (keeping the aspect ratio, sides rounded to multiples of 64), upsample the predicted a/b
/// smoothly to the original size and recombine them with the original full-resolution L (colours
/// outside the sRGB gamut lose chroma rather than lightness).
/// Alpha passes through untouched.
public final class Colorizer: @unchecked Sendable {
    public let generator: any ColorizationNetwork
    public let metadata: ModelFile.Metadata

    public init(modelPath: String) throws(CheckpointError) {
        (generator, metadata) = try ModelFile.loadGenerator(from: modelPath)
    }

    /// Colorizes `image` (grey or colour; colour is treated as its lightness only).
    /// - Parameters:
    ///   - temperature: annealed-mean temperature (lower: more vivid, riskier); default the model's.
    ///   - networkSize: the side of the square whose area the network input matches; default the model's.
    public func colorize(_ image: Image, temperature: Double? = nil, networkSize: Int? = nil) -> Image {
        let lab = ColorSpace.lab(fromRGB: image.color)
        let lightness = lab.channel(0)
        let (w, h) = Colorizer.networkDimensions(
            width: image.width, height: image.height, size: networkSize ?? metadata.configuration.size)
        var input = lightness.resized(width: w, height: h)
        for i in input.values.indices { input.values[i] *= 0.01 }
        let ab = withoutGradients {
            Colorizer.predictAB(generator, Tensor(shape: [1, h, w, 1], values: input.values), temperature: temperature)
        }
        var chroma = Raster(width: w, height: h, channels: 2, values: ab.scalars.map { $0 * 100 })
        chroma = chroma.resized(width: image.width, height: image.height)
        let combined = Raster.stacking([lightness, chroma.channel(0), chroma.channel(1)])
        return Image(color: ColorSpace.rgb(fromLab: combined, keepingLightness: true), alpha: image.alpha)
    }

    /// The generator's a/b estimate [N, H, W, 2] (Lab/100) for L/100 [N, H, W, 1], in inference mode.
    public static func predictAB(
        _ generator: any ColorizationNetwork, _ lightness: Tensor, temperature: Double? = nil
    ) -> Tensor {
        withoutGradients {
            let output = generator(lightness, training: false)
            return Tensor.concatenate(
                [
                    generator.colorEstimate(output.logitsA, temperature: temperature),
                    generator.colorEstimate(output.logitsB, temperature: temperature),
                ], axis: 3)
        }
    }

    /// Network input dimensions: about size² pixels with the image's aspect ratio, each side a
    /// multiple of 64 (at least 64).
    public static func networkDimensions(width: Int, height: Int, size: Int) -> (width: Int, height: Int) {
        let aspect = Double(width) / Double(height)
        let area = Double(size * size)
        func round64(_ x: Double) -> Int { max(64, Int((x / 64).rounded()) * 64) }
        return (round64((area * aspect).squareRoot()), round64((area / aspect).squareRoot()))
    }
}
