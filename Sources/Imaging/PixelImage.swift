/// A decoded picture as the files hold it: 8-bit samples, interleaved, 1–4 channels (grey,
/// grey + alpha, RGB, RGBA; alpha last). One byte per sample instead of `Image`'s four floats per
/// sample is what keeps colorizing a 100-MP scan within a few bytes per pixel.
public struct PixelImage: Sendable, Equatable {
    public let width: Int
    public let height: Int
    public let channels: Int
    public var bytes: [UInt8]

    public init(width: Int, height: Int, channels: Int, bytes: [UInt8]) {
        precondition(
            width >= 0 && height >= 0 && (1...4).contains(channels) && bytes.count == width * height * channels,
            "pixel image \(width)×\(height)×\(channels) with \(bytes.count) bytes")
        self.width = width
        self.height = height
        self.channels = channels
        self.bytes = bytes
    }

    public var pixelCount: Int { width * height }
    /// Whether the colour is one grey channel (alpha aside).
    public var isGrey: Bool { channels <= 2 }
    public var hasAlpha: Bool { channels == 2 || channels == 4 }

    /// The image in 8 bits (each 0…1 sample rounded to the nearest of 256 levels), alpha last.
    public init(_ image: Image) {
        let (bytes, channels) = image.bytes()
        self.init(width: image.width, height: image.height, channels: channels, bytes: bytes)
    }

    /// The float image of these samples (exactly k/255).
    public var image: Image {
        Image(bytes: bytes, width: width, height: height, channels: channels)
    }

    /// The pixels turned upright by an EXIF orientation (1–8; others leave the image as it is).
    public func oriented(exif orientation: Int) -> PixelImage {
        guard (2...8).contains(orientation) else { return self }
        let (outWidth, outHeight) = ExifOrientation.size(width: width, height: height, orientation: orientation)
        var out = [UInt8](repeating: 0, count: bytes.count)
        let (w, h, c) = (width, height, channels)
        bytes.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for v in 0..<outHeight {
                    for u in 0..<outWidth {
                        let (x, y) = ExifOrientation.source(u: u, v: v, width: w, height: h, orientation: orientation)
                        for k in 0..<c { dst[(v * outWidth + u) * c + k] = src[(y * w + x) * c + k] }
                    }
                }
            }
        }
        return PixelImage(width: outWidth, height: outHeight, channels: channels, bytes: out)
    }
}
