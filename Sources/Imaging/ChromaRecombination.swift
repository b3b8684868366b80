import Threading

extension PixelImage {
    /// A colour image from this image's own full-resolution lightness and the a/b of `chroma`
    /// (2 channels, Lab units, any size: upsampled with `Raster.resized`'s filters). Colours
    /// outside the sRGB gamut lose chroma, not lightness (`ColorSpace.rgb(fromLab:keepingLightness:)`);
    /// alpha is kept. Made strip by strip: besides input and output, memory holds the chroma
    /// widened to full width (2 floats × its height × width) and one row per core.
    public func recombined(withChroma chroma: Raster) -> PixelImage {
        precondition(chroma.channels == 2, "chroma has a and b")
        let lightness = LightnessRows(self)
        let widened = chroma.resizedHorizontally(to: width)
        let vertical = chroma.height == height ? nil : Resampler(from: chroma.height, to: height)
        let outChannels = hasAlpha ? 4 : 3
        var out = [UInt8](repeating: 0, count: pixelCount * outChannels)
        let (width, channels, hasAlpha) = (width, channels, hasAlpha)
        widened.values.withUnsafeBufferPointer { abBuffer in
            out.withUnsafeMutableBufferPointer { outBuffer in
                bytes.withUnsafeBufferPointer { inBuffer in
                    nonisolated(unsafe) let (ab, output, input) = (
                        abBuffer.baseAddress!, outBuffer.baseAddress!, inBuffer.baseAddress!
                    )
                    let encoding = EncodingTable.shared
                    Parallel.forEachRange(height, cost: 32 * width) { range in
                        let l = UnsafeMutablePointer<Float>.allocate(capacity: width)
                        let blended = UnsafeMutablePointer<Float>.allocate(capacity: 2 * width)
                        defer { (l.deallocate(), blended.deallocate()) }
                        for y in range {
                            lightness.row(y, into: l)
                            let abRow: UnsafePointer<Float>
                            if let vertical {
                                vertical.blendRows(y, of: ab, rowLength: 2 * width, into: blended)
                                abRow = UnsafePointer(blended)
                            } else {
                                abRow = ab + y * 2 * width
                            }
                            let target = output + y * width * outChannels
                            for x in 0..<width {
                                let (r, g, b) = ColorSpace.srgbBytes(
                                    l: l[x], a: abRow[2 * x], b: abRow[2 * x + 1], encoding: encoding)
                                target[x * outChannels] = r
                                target[x * outChannels + 1] = g
                                target[x * outChannels + 2] = b
                                if hasAlpha {
                                    target[x * outChannels + 3] = input[(y * width + x) * channels + channels - 1]
                                }
                            }
                        }
                    }
                }
            }
        }
        return PixelImage(width: width, height: height, channels: outChannels, bytes: out)
    }
}

extension ColorSpace {
    /// One Lab colour as 8-bit sRGB keeping L and hue (`rgbKeepingLightness`); inside the gamut,
    /// gamma encoding and rounding come from `EncodingTable` (within one level of `gamma`).
    @inline(__always)
    static func srgbBytes(l: Float, a: Float, b: Float, encoding: EncodingTable) -> (UInt8, UInt8, UInt8) {
        let c = linearRGB(l: l, a: a, b: b)
        if inGamut(c) { return (encoding[c.r], encoding[c.g], encoding[c.b]) }
        let mapped = rgbKeepingLightness(l: l, a: a, b: b)
        func byte(_ v: Float) -> UInt8 { UInt8((min(max(v, 0), 1) * 255).rounded()) }
        return (byte(mapped.r), byte(mapped.g), byte(mapped.b))
    }
}

/// Linear light → 8-bit sRGB by a 65,536-entry table: `powf` per sample would dominate writing a
/// large photo. An entry holds the rounded encoding of its cell's centre, so a sample within half
/// a cell of a rounding boundary can land one level off (the cells are 0.05 levels wide at most).
struct EncodingTable: Sendable {
    static let shared = EncodingTable()
    private static let size = 65536
    /// Never freed: one table for the process's lifetime, read without reference counting.
    nonisolated(unsafe) private let bytes: UnsafeMutablePointer<UInt8>

    private init() {
        bytes = .allocate(capacity: EncodingTable.size)
        for i in 0..<EncodingTable.size {
            let encoded = ColorSpace.gamma(Float(i) / Float(EncodingTable.size - 1))
            bytes[i] = UInt8((min(max(encoded, 0), 1) * 255).rounded())
        }
    }

    @inline(__always)
    subscript(c: Float) -> UInt8 {
        bytes[Int(min(max(c, 0), 1) * Float(EncodingTable.size - 1) + 0.5)]
    }
}
