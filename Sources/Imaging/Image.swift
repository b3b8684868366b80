/// A decoded picture: colour (grey or sRGB, 0…1) and, separately, its alpha channel, so alpha
/// passes through colorization untouched.
public struct Image: Sendable, Equatable {
    /// 1 channel (grey) or 3 (sRGB), values 0…1.
    public var color: Raster
    /// Opacity 0…1, one channel, when the source had one.
    public var alpha: Raster?

    public init(color: Raster, alpha: Raster? = nil) {
        precondition(color.channels == 1 || color.channels == 3, "colour needs 1 or 3 channels, got \(color.channels)")
        precondition(
            alpha.map { $0.channels == 1 && $0.width == color.width && $0.height == color.height } ?? true,
            "alpha must be one channel of the colour's size")
        self.color = color
        self.alpha = alpha
    }

    public var width: Int { color.width }
    public var height: Int { color.height }
    public var isGrey: Bool { color.channels == 1 }

    /// The colour as 3-channel sRGB (grey repeated).
    public var rgb: Raster {
        guard isGrey else { return color }
        return Raster.stacking([color, color, color])
    }

    /// Builds an image from 8-bit interleaved samples (1–4 channels: grey, grey+alpha, RGB, RGBA).
    public init(bytes: [UInt8], width: Int, height: Int, channels: Int) {
        self.init(samples: bytes.map { Float($0) / 255 }, width: width, height: height, channels: channels)
    }

    /// Builds an image from interleaved 0…1 samples with 1–4 channels; the last of 2 or 4 is alpha.
    public init(samples: [Float], width: Int, height: Int, channels: Int) {
        precondition((1...4).contains(channels) && samples.count == width * height * channels, "bad sample layout")
        let all = Raster(width: width, height: height, channels: channels, values: samples)
        switch channels {
        case 1, 3: self.init(color: all)
        case 2: self.init(color: all.channel(0), alpha: all.channel(1))
        default:
            self.init(color: Raster.stacking([all.channel(0), all.channel(1), all.channel(2)]), alpha: all.channel(3))
        }
    }

    /// Interleaved 8-bit samples with alpha last when present, and their channel count.
    public func bytes() -> (bytes: [UInt8], channels: Int) {
        let planes = alpha.map { (0..<color.channels).map(color.channel) + [$0] }
        let combined = planes.map(Raster.stacking) ?? color
        return (combined.values.map { UInt8((min(max($0, 0), 1) * 255).rounded()) }, combined.channels)
    }
}
