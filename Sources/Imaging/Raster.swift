/// A rectangle of Float32 samples, `channels` per pixel, interleaved row by row (HWC).
///
/// One type serves sRGB colour (0…1), alpha, grey, and CIELAB, so resizing, flipping, rotating
/// and cropping are written once for all of them.
public struct Raster: Sendable, Equatable {
    public let width: Int
    public let height: Int
    public let channels: Int
    public var values: [Float]

    public init(width: Int, height: Int, channels: Int, values: [Float]) {
        precondition(
            width >= 0 && height >= 0 && channels >= 1 && values.count == width * height * channels,
            "raster \(width)×\(height)×\(channels) with \(values.count) values")
        self.width = width
        self.height = height
        self.channels = channels
        self.values = values
    }

    public init(width: Int, height: Int, channels: Int, repeating value: Float = 0) {
        self.init(
            width: width, height: height, channels: channels,
            values: [Float](repeating: value, count: width * height * channels))
    }

    public var pixelCount: Int { width * height }

    /// Sample `channel` of pixel (x, y).
    @inlinable public subscript(x: Int, y: Int, channel: Int) -> Float {
        get { values[(y * width + x) * channels + channel] }
        set { values[(y * width + x) * channels + channel] = newValue }
    }

    /// One channel as its own single-channel raster.
    public func channel(_ c: Int) -> Raster {
        precondition(c >= 0 && c < channels, "channel \(c) of \(channels)")
        var plane = [Float](repeating: 0, count: pixelCount)
        values.withUnsafeBufferPointer { src in
            for i in 0..<pixelCount { plane[i] = src[i * channels + c] }
        }
        return Raster(width: width, height: height, channels: 1, values: plane)
    }

    /// Interleaves single-channel rasters of equal size.
    public static func stacking(_ planes: [Raster]) -> Raster {
        precondition(
            !planes.isEmpty
                && planes.allSatisfy {
                    $0.channels == 1 && $0.width == planes[0].width && $0.height == planes[0].height
                },
            "stacking needs single-channel rasters of one size")
        let n = planes.count, count = planes[0].pixelCount
        var values = [Float](repeating: 0, count: count * n)
        for (c, plane) in planes.enumerated() {
            for i in 0..<count { values[i * n + c] = plane.values[i] }
        }
        return Raster(width: planes[0].width, height: planes[0].height, channels: n, values: values)
    }
}
