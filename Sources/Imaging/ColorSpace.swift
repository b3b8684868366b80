import Foundation
import Threading

/// sRGB (gamma-encoded, 0…1) ⇄ linear RGB ⇄ CIE XYZ (D65, 2° observer) ⇄ CIELAB, with the
/// constants and clipping of scikit-image's `rgb2lab` / `lab2rgb`, so results match it to 1e-4.
public enum ColorSpace {
    /// XYZ from linear sRGB (scikit-image's `xyz_from_rgb`), row by row. Tuples, not arrays: they are
    /// constants the per-pixel loops read without reference counting.
    static let xyzFromRGB: (Float, Float, Float, Float, Float, Float, Float, Float, Float) = (
        0.412453, 0.357580, 0.180423,
        0.212671, 0.715160, 0.072169,
        0.019334, 0.119193, 0.950227
    )
    /// Its inverse (scikit-image's `rgb_from_xyz`).
    static let rgbFromXYZ: (Float, Float, Float, Float, Float, Float, Float, Float, Float) = (
        3.24048134, -1.53715152, -0.49853633,
        -0.96925495, 1.87599, 0.04155593,
        0.05564664, -0.20404134, 1.05731107
    )
    /// D65 reference white.
    static let white: (x: Float, y: Float, z: Float) = (0.95047, 1, 1.08883)

    /// sRGB gamma decoding: c/12.92 below 0.04045, else ((c + 0.055)/1.055)^2.4.
    public static func linear(_ c: Float) -> Float {
        c > 0.04045 ? powf((c + 0.055) / 1.055, 2.4) : c / 12.92
    }

    /// sRGB gamma encoding (the inverse of `linear`).
    public static func gamma(_ c: Float) -> Float {
        c > 0.0031308 ? 1.055 * powf(c, 1 / 2.4) - 0.055 : 12.92 * c
    }

    static func labF(_ t: Float) -> Float { t > 0.008856 ? cubeRoot(t) : 7.787 * t + 16 / 116 }

    /// ∛t for t > 0: an exponent-bit estimate refined by two Halley steps (relative error < 1e-7),
    /// several times faster than `cbrtf` and branch-free, so the whole-image loops vectorise.
    @inline(__always) static func cubeRoot(_ t: Float) -> Float {
        var y = Float(bitPattern: t.bitPattern / 3 &+ 709_921_077)
        for _ in 0..<2 {
            let y3 = y * y * y
            y *= (y3 + 2 * t) / (2 * y3 + t)
        }
        return y
    }
    static func labFInverse(_ f: Float) -> Float { f > 0.2068966 ? f * f * f : (f - 16 / 116) / 7.787 }

    /// One sRGB colour (0…1) to L (0…100), a, b.
    public static func lab(r: Float, g: Float, b: Float) -> (l: Float, a: Float, b: Float) {
        labFromLinear(linear(r), linear(g), linear(b))
    }

    static func labFromLinear(_ r: Float, _ g: Float, _ b: Float) -> (l: Float, a: Float, b: Float) {
        let m = xyzFromRGB
        let x = (m.0 * r + m.1 * g + m.2 * b) / white.x
        let y = (m.3 * r + m.4 * g + m.5 * b) / white.y
        let z = (m.6 * r + m.7 * g + m.8 * b) / white.z
        let fx = labF(x), fy = labF(y), fz = labF(z)
        return (116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz))
    }

    /// One Lab colour to sRGB, clipped to 0…1 (out-of-gamut colours clip as scikit-image does,
    /// including its clamp of negative z before the cube).
    public static func rgb(l: Float, a: Float, b: Float) -> (r: Float, g: Float, b: Float) {
        encode(linearRGB(l: l, a: a, b: b))
    }

    /// One Lab colour to sRGB keeping L and hue: out of gamut, a and b are scaled down together
    /// (by bisection, to 1/4096) until the colour fits, instead of clipping RGB.
    static func rgbKeepingLightness(l: Float, a: Float, b: Float) -> (r: Float, g: Float, b: Float) {
        let direct = linearRGB(l: l, a: a, b: b)
        if inGamut(direct) { return encode(direct) }
        var (inside, outside): (Float, Float) = (0, 1)
        for _ in 0..<12 {
            let mid = (inside + outside) / 2
            if inGamut(linearRGB(l: l, a: a * mid, b: b * mid)) { inside = mid } else { outside = mid }
        }
        return rgb(l: l, a: a * inside, b: b * inside)
    }

    /// Gamma-encodes linear RGB, clipped to 0…1.
    private static func encode(_ c: (r: Float, g: Float, b: Float)) -> (r: Float, g: Float, b: Float) {
        func encode(_ c: Float) -> Float { min(max(gamma(c), 0), 1) }
        return (encode(c.r), encode(c.g), encode(c.b))
    }

    /// One Lab colour to linear RGB, unclipped.
    static func linearRGB(l: Float, a: Float, b: Float) -> (r: Float, g: Float, b: Float) {
        let fy = (l + 16) / 116
        let fx = a / 500 + fy
        let fz = max(fy - b / 200, 0)
        let x = labFInverse(fx) * white.x, y = labFInverse(fy) * white.y, z = labFInverse(fz) * white.z
        let m = rgbFromXYZ
        return (m.0 * x + m.1 * y + m.2 * z, m.3 * x + m.4 * y + m.5 * z, m.6 * x + m.7 * y + m.8 * z)
    }

    /// Whether linear RGB lies inside the sRGB gamut (to within rounding).
    static func inGamut(_ c: (r: Float, g: Float, b: Float)) -> Bool {
        let low: Float = -1e-4, high: Float = 1 + 1e-4
        return c.r >= low && c.r <= high && c.g >= low && c.g <= high && c.b >= low && c.b <= high
    }

    /// A 3-channel sRGB raster (or 1-channel grey) to a 3-channel Lab raster (L 0…100).
    public static func lab(fromRGB raster: Raster) -> Raster {
        precondition(raster.channels == 1 || raster.channels == 3, "Lab conversion needs grey or RGB")
        let n = raster.pixelCount, channels = raster.channels
        var out = [Float](repeating: 0, count: n * 3)
        let table = LinearTable.shared
        raster.values.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                let (source, destination) = (src.baseAddress!, dst.baseAddress!)
                Parallel.forEachRange(n, cost: 16) { range in
                    for i in range {
                        let r = table[source[channels * i]]
                        let (g, b) = channels == 3 ? (table[source[3 * i + 1]], table[source[3 * i + 2]]) : (r, r)
                        let lab = labFromLinear(r, g, b)
                        destination[3 * i] = lab.l
                        destination[3 * i + 1] = lab.a
                        destination[3 * i + 2] = lab.b
                    }
                }
            }
        }
        return Raster(width: raster.width, height: raster.height, channels: 3, values: out)
    }

    /// A 3-channel Lab raster to a 3-channel sRGB raster, clipped to 0…1. With `keepingLightness`,
    /// out-of-gamut colours lose chroma (a and b scaled down together) until they fit instead, so
    /// each pixel keeps its L and hue — what colorization needs, since L is the photo itself.
    public static func rgb(fromLab raster: Raster, keepingLightness: Bool = false) -> Raster {
        precondition(raster.channels == 3, "Lab rasters have 3 channels")
        var out = [Float](repeating: 0, count: raster.values.count)
        raster.values.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                let (source, destination) = (src.baseAddress!, dst.baseAddress!)
                Parallel.forEachRange(raster.pixelCount, cost: 16) { range in
                    for i in range {
                        let (l, a, b) = (source[3 * i], source[3 * i + 1], source[3 * i + 2])
                        let c = keepingLightness ? rgbKeepingLightness(l: l, a: a, b: b) : rgb(l: l, a: a, b: b)
                        destination[3 * i] = c.r
                        destination[3 * i + 1] = c.g
                        destination[3 * i + 2] = c.b
                    }
                }
            }
        }
        return Raster(width: raster.width, height: raster.height, channels: 3, values: out)
    }

    /// The CIE lightness L (0…100) of a grey level, as `lab` gives it for r = g = b.
    public static func lightness(grey: Float) -> Float { lab(r: grey, g: grey, b: grey).l }

    /// The grey level (0…1 sRGB) of lightness L: the inverse of `lightness(grey:)`.
    public static func greyLevel(lightness: Float) -> Float { gamma(labFInverse((lightness + 16) / 116)) }
}

/// sRGB → linear by table lookup with linear interpolation (4096 intervals): the power function
/// dominates whole-image conversion otherwise; the interpolation error is below 2e-6.
struct LinearTable: Sendable {
    static let shared = LinearTable()
    private let values: [Float]
    private static let size = 4096

    private init() {
        values = (0...LinearTable.size + 1).map { ColorSpace.linear(min(Float($0) / Float(LinearTable.size), 1)) }
    }

    subscript(c: Float) -> Float {
        let x = min(max(c, 0), 1) * Float(LinearTable.size)
        let i = Int(x)
        let t = x - Float(i)
        return values[i] + t * (values[i + 1] - values[i])
    }
}
