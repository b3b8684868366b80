import Foundation

/// Separable resampling of rasters. Downscaling widens the filter by the scale factor (Lanczos-3
/// over the source footprint, as Pillow's antialiasing), so detail finer than the new pixel grid
/// is averaged away instead of aliasing; upscaling uses bicubic interpolation (Keys, a = −0.5).
extension Raster {
    public func resized(width newWidth: Int, height newHeight: Int) -> Raster {
        precondition(newWidth > 0 && newHeight > 0, "resize to \(newWidth)×\(newHeight)")
        // Rows first (width changes), then columns.
        return resizedHorizontally(to: newWidth).resizedVertically(to: newHeight)
    }

    /// The raster with each row resampled to `newWidth`.
    func resizedHorizontally(to newWidth: Int) -> Raster {
        if newWidth == width { return self }
        let horizontal = Resampler(from: width, to: newWidth)
        var rows = [Float](repeating: 0, count: newWidth * height * channels)
        values.withUnsafeBufferPointer { src in
            rows.withUnsafeMutableBufferPointer { dst in
                for y in 0..<height {
                    horizontal.apply(
                        src.baseAddress! + y * width * channels, stride: channels,
                        into: dst.baseAddress! + y * newWidth * channels, outStride: channels, channels: channels)
                }
            }
        }
        return Raster(width: newWidth, height: height, channels: channels, values: rows)
    }

    /// The raster with each column resampled to `newHeight`.
    func resizedVertically(to newHeight: Int) -> Raster {
        if newHeight == height { return self }
        let vertical = Resampler(from: height, to: newHeight)
        let rowLength = width * channels
        var out = [Float](repeating: 0, count: rowLength * newHeight)
        values.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for y in 0..<newHeight {
                    vertical.blendRows(
                        y, of: src.baseAddress!, rowLength: rowLength, into: dst.baseAddress! + y * rowLength)
                }
            }
        }
        return Raster(width: width, height: newHeight, channels: channels, values: out)
    }
}

/// Filter taps for one axis: for each output index, the first source index and normalised weights.
struct Resampler {
    let taps: [(start: Int, weights: [Float])]

    init(from source: Int, to target: Int) {
        let scale = Double(source) / Double(target)
        let downscaling = scale > 1
        let support = downscaling ? 3 * scale : 2
        var taps: [(Int, [Float])] = []
        for i in 0..<target {
            let center = (Double(i) + 0.5) * scale
            let first = max(Int((center - support).rounded(.down)), 0)
            let last = min(Int((center + support).rounded(.up)), source - 1)
            var weights: [Double] = []
            for j in first...max(first, last) {
                let distance = (Double(j) + 0.5 - center) / (downscaling ? scale : 1)
                weights.append(downscaling ? Resampler.lanczos3(distance) : Resampler.cubic(distance))
            }
            let total = weights.reduce(0, +)
            taps.append((first, weights.map { Float(total != 0 ? $0 / total : 0) }))
        }
        self.taps = taps
    }

    func apply(
        _ src: UnsafePointer<Float>, stride: Int, into dst: UnsafeMutablePointer<Float>, outStride: Int, channels: Int
    ) {
        for (i, (start, weights)) in taps.enumerated() {
            for c in 0..<channels {
                var sum: Float = 0
                for (k, w) in weights.enumerated() { sum += w * src[(start + k) * stride + c] }
                dst[i * outStride + c] = sum
            }
        }
    }

    /// Output row `index` of a vertical resampling: the weighted sum of whole source rows
    /// (`rowLength` samples each) into `output` (vectorises).
    @inline(__always)
    func blendRows(
        _ index: Int, of source: UnsafePointer<Float>, rowLength: Int, into output: UnsafeMutablePointer<Float>
    ) {
        let (start, weights) = taps[index]
        output.update(repeating: 0, count: rowLength)
        for (k, w) in weights.enumerated() {
            let s = source + (start + k) * rowLength
            for i in 0..<rowLength { output[i] += w * s[i] }
        }
    }

    static func lanczos3(_ x: Double) -> Double {
        let x = abs(x)
        guard x < 3 else { return 0 }
        guard x > 1e-9 else { return 1 }
        let px = Double.pi * x
        return 3 * sin(px) * sin(px / 3) / (px * px)
    }

    static func cubic(_ x: Double) -> Double {
        let x = abs(x), a = -0.5
        if x < 1 { return ((a + 2) * x - (a + 3)) * x * x + 1 }
        if x < 2 { return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a }
        return 0
    }
}
