import ArgumentParser
import Foundation
import Imaging

/// `colorize-benchmark imaging`: decode + CIELAB conversion of a 12-MP JPEG, and a resize.
struct ImagingBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "imaging",
        abstract: "Time JPEG decoding and Lab conversion of a 12-MP photo.")

    @Option(help: "Width of the synthetic photo.")
    var width = 4000

    @Option(help: "Height of the synthetic photo.")
    var height = 3000

    @Option(help: "Timed runs (the median is reported).")
    var runs = 5

    func run() throws {
        var samples = [Float](repeating: 0, count: width * height * 3)
        for y in 0..<height {
            for x in 0..<width {
                let i = (y * width + x) * 3
                samples[i] = Float(x % 512) / 511
                samples[i + 1] = Float(y % 384) / 383
                samples[i + 2] = 0.5 + 0.5 * sinf(Float(x + y) / 50)
            }
        }
        let jpeg = try ImageCodec.encodeJPEG(
            Image(samples: samples, width: width, height: height, channels: 3), quality: 90)
        print("synthetic \(width)×\(height) JPEG: \(jpeg.count / 1024) KiB")
        var image: Image?
        let decode = Timing.median(runs: runs) { image = try? ImageCodec.decode(jpeg) }
        guard let image else { throw ValidationError("decoding failed") }
        var lab: Raster?
        let convert = Timing.median(runs: runs) { lab = ColorSpace.lab(fromRGB: image.color) }
        let back = Timing.median(runs: runs) { _ = lab.map { ColorSpace.rgb(fromLab: $0, keepingLightness: true) } }
        let resize = Timing.median(runs: runs) { _ = image.color.resized(width: 256, height: 192) }
        print("decode:              \(Timing.milliseconds(decode))")
        print("sRGB → Lab:          \(Timing.milliseconds(convert))")
        print("decode + Lab:        \(Timing.milliseconds(decode + convert))")
        print("Lab → sRGB (gamut-mapped): \(Timing.milliseconds(back))")
        print("resize to 256×192:   \(Timing.milliseconds(resize))")
    }
}
