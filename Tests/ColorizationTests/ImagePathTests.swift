import Foundation
import Imaging
import Tensor
import Testing

@testable import Colorization

/// The 8-bit strip-wise image path gives the colours of the former float path: whole-image Lab
/// rasters, `Raster.resized` down and up, `ColorSpace.rgb(fromLab:keepingLightness:)`, rounded
/// (the network's a/b decoded the same way on both, by the colorizer's `ChromaDecoding`).
@Suite struct ImagePathTests {
    /// The former colorization, kept here as the reference the new path is measured against.
    static func formerColorize(_ image: Image, _ colorizer: Colorizer) -> PixelImage {
        let lightness = ColorSpace.lab(fromRGB: image.color).channel(0)
        let (w, h) = Colorizer.networkDimensions(
            width: image.width, height: image.height, size: colorizer.metadata.configuration.size)
        let input = lightness.resized(width: w, height: h).values.map { $0 * 0.01 }
        let ab = colorizer.decoding.predictAB(colorizer.generator, Tensor(shape: [1, h, w, 1], values: input))
        let chroma = Raster(width: w, height: h, channels: 2, values: ab.scalars.map { $0 * 100 })
            .resized(width: image.width, height: image.height)
        let combined = Raster.stacking([lightness, chroma.channel(0), chroma.channel(1)])
        return PixelImage(Image(color: ColorSpace.rgb(fromLab: combined, keepingLightness: true), alpha: image.alpha))
    }

    /// Photo-like test pictures at 8 bits: grey, RGB and RGBA, odd sizes, smooth and textured parts.
    static func picture(width: Int, height: Int, channels: Int) -> PixelImage {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(width * height * channels)
        for y in 0..<height {
            for x in 0..<width {
                let t = Float(x) / Float(width), u = Float(y) / Float(height)
                let base = 0.5 + 0.35 * sinf(11 * t) * cosf(7 * u) + 0.1 * Float((x * 7 + y * 13) % 17) / 17
                let samples = [base, 0.5 + 0.4 * u - 0.2 * t, (t + u) / 2, Float((x + y) % 256) / 255]
                let kept: [Float] =
                    switch channels {
                    case 1: [base]
                    case 2: [base, samples[3]]
                    case 3: Array(samples[0..<3])
                    default: samples
                    }
                bytes += kept.map { UInt8((min(max($0, 0), 1) * 255).rounded()) }
            }
        }
        return PixelImage(width: width, height: height, channels: channels, bytes: bytes)
    }

    @Test(arguments: [(333, 517, 1), (640, 480, 3), (301, 199, 4), (1000, 37, 2)])
    func sameColoursAsTheFloatPath(shape: (Int, Int, Int)) throws {
        let colorizer = try Colorizer(modelPath: TestModels.shipped)
        let pixels = Self.picture(width: shape.0, height: shape.1, channels: shape.2)
        let fresh = colorizer.colorize(pixels)
        let former = Self.formerColorize(pixels.image, colorizer)
        #expect(fresh.width == former.width && fresh.height == former.height && fresh.channels == former.channels)
        var worst = 0, differing = 0
        for (a, b) in zip(fresh.bytes, former.bytes) where a != b {
            worst = max(worst, abs(Int(a) - Int(b)))
            differing += 1
        }
        #expect(worst <= 1, "\(shape): samples differ by up to \(worst) levels")
        #expect(Double(differing) < 0.01 * Double(fresh.bytes.count), "\(shape): \(differing) samples differ")
        // The colour is real: the model put chroma somewhere.
        let chromatic = stride(from: 0, to: fresh.bytes.count, by: fresh.channels).contains { i in
            let (r, g, b) = (Int(fresh.bytes[i]), Int(fresh.bytes[i + 1]), Int(fresh.bytes[i + 2]))
            return abs(r - g) > 8 || abs(g - b) > 8
        }
        #expect(chromatic)
    }

    /// Images batched through the network come out as when colorized one by one.
    @Test func batchingGivesTheSameColours() throws {
        let colorizer = try Colorizer(modelPath: TestModels.shipped)
        let images = [
            Self.picture(width: 640, height: 480, channels: 1), Self.picture(width: 400, height: 300, channels: 3),
            Self.picture(width: 200, height: 500, channels: 1), Self.picture(width: 641, height: 481, channels: 4),
        ]
        let batched = colorizer.colorize(batch: images)
        for (image, result) in zip(images, batched) {
            let alone = colorizer.colorize(image)
            let worst = zip(alone.bytes, result.bytes).map { abs(Int($0) - Int($1)) }.max() ?? 0
            #expect(result.width == image.width && result.height == image.height && worst <= 1)
        }
    }
}
