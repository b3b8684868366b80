import Threading

/// CIELAB lightness straight from 8-bit samples, one row at a time, so a 100-MP photo never needs
/// a float copy of itself: grey levels by a 256-entry table, RGB through the linear-light table.
struct LightnessRows {
    private let image: PixelImage
    /// L of each grey level (as `ColorSpace.lab(fromRGB:)` gives it); made once per process.
    private static let greyTable: [Float] = {
        let levels = Raster(width: 256, height: 1, channels: 1, values: (0..<256).map { Float($0) / 255 })
        return ColorSpace.lab(fromRGB: levels).channel(0).values
    }()
    /// Linear light of each 8-bit sRGB level.
    private static let linearTable: [Float] = (0..<256).map { LinearTable.shared[Float($0) / 255] }

    init(_ image: PixelImage) { self.image = image }

    /// L (0…100) of row `y` into `row[0..<width]`.
    func row(_ y: Int, into row: UnsafeMutablePointer<Float>) {
        let (width, channels) = (image.width, image.channels)
        image.bytes.withUnsafeBufferPointer { bytes in
            let source = bytes.baseAddress! + y * width * channels
            if image.isGrey {
                Self.greyTable.withUnsafeBufferPointer { table in
                    for x in 0..<width { row[x] = table[Int(source[x * channels])] }
                }
            } else {
                let m = ColorSpace.xyzFromRGB
                Self.linearTable.withUnsafeBufferPointer { table in
                    for x in 0..<width {
                        let p = source + x * channels
                        let luminance = m.3 * table[Int(p[0])] + m.4 * table[Int(p[1])] + m.5 * table[Int(p[2])]
                        row[x] = 116 * ColorSpace.labF(luminance / ColorSpace.white.y) - 16
                    }
                }
            }
        }
    }
}

extension PixelImage {
    /// The image's lightness L (0…100) resized to `newWidth`×`newHeight` with `Raster.resized`'s
    /// filters (rows first, then columns), computed strip-wise: the only full-height buffer is
    /// the rows already narrowed to `newWidth`. An image narrower than `newWidth` (a thin one: a
    /// 1×30,000,000 PNG is 58 KB) has its height reduced first and is widened last, so that buffer
    /// never exceeds the image's own pixel count (widened first, it would be 7.7 GB there).
    public func lightness(width newWidth: Int, height newHeight: Int) -> Raster {
        precondition(newWidth > 0 && newHeight > 0, "lightness at \(newWidth)×\(newHeight)")
        if newWidth > width {
            return lightness(width: width, height: newHeight).resizedHorizontally(to: newWidth)
        }
        let source = LightnessRows(self)
        let horizontal = Resampler(from: width, to: newWidth)
        var narrowed = [Float](repeating: 0, count: newWidth * height)
        narrowed.withUnsafeMutableBufferPointer { narrowedBuffer in
            nonisolated(unsafe) let rows = narrowedBuffer.baseAddress!
            Parallel.forEachRange(height, cost: 8 * width) { range in
                let line = UnsafeMutablePointer<Float>.allocate(capacity: width)
                defer { line.deallocate() }
                for y in range {
                    if newWidth == width {
                        source.row(y, into: rows + y * width)
                    } else {
                        source.row(y, into: line)
                        horizontal.apply(line, stride: 1, into: rows + y * newWidth, outStride: 1, channels: 1)
                    }
                }
            }
        }
        let narrowedRaster = Raster(width: newWidth, height: height, channels: 1, values: narrowed)
        return newHeight == height ? narrowedRaster : narrowedRaster.resizedVertically(to: newHeight)
    }
}
