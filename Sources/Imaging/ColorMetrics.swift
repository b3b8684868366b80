import Foundation

/// Colour-quality measures used by `colorize evaluate`.
public enum ColorMetrics {
    /// Peak signal-to-noise ratio of two RGB rasters (0…1), in dB on the 8-bit scale.
    public static func psnr(_ x: Raster, _ y: Raster) -> Double {
        precondition(x.width == y.width && x.height == y.height && x.channels == y.channels, "PSNR of different sizes")
        var squared = 0.0
        for i in x.values.indices {
            let d = Double(x.values[i] - y.values[i]) * 255
            squared += d * d
        }
        let mse = squared / Double(x.values.count)
        return mse == 0 ? .infinity : 10 * log10(255 * 255 / mse)
    }

    /// Hasler–Süsstrunk colourfulness of an RGB raster (0…1), on the 0…255 scale:
    /// rg = R − G, yb = (R + G)/2 − B, M = √(σ²rg + σ²yb) + 0.3·√(μ²rg + μ²yb).
    public static func colourfulness(_ rgb: Raster) -> Double {
        precondition(rgb.channels == 3, "colourfulness needs RGB")
        let n = Double(rgb.pixelCount)
        var (sumRG, sumYB, sumRG2, sumYB2) = (0.0, 0.0, 0.0, 0.0)
        for i in 0..<rgb.pixelCount {
            let r = Double(rgb.values[3 * i]) * 255, g = Double(rgb.values[3 * i + 1]) * 255,
                b = Double(rgb.values[3 * i + 2]) * 255
            let rg = r - g, yb = 0.5 * (r + g) - b
            sumRG += rg; sumYB += yb; sumRG2 += rg * rg; sumYB2 += yb * yb
        }
        let (meanRG, meanYB) = (sumRG / n, sumYB / n)
        let varRG = max(sumRG2 / n - meanRG * meanRG, 0), varYB = max(sumYB2 / n - meanYB * meanYB, 0)
        return (varRG + varYB).squareRoot() + 0.3 * (meanRG * meanRG + meanYB * meanYB).squareRoot()
    }

    /// The share of pixels given a bold colour where the truth has none or a very different one: the
    /// candidate's chroma C = √(a² + b²) is at least `bold` (20) while the original's is below
    /// `neutral` (8), or both are at least `bold` with hues at least 90° apart. The blotches of a
    /// colorizer; grey output scores 0. Both rasters are Lab.
    public static func falseColourShare(_ x: Raster, truth y: Raster, bold: Float = 20, neutral: Float = 8) -> Double {
        precondition(
            x.width == y.width && x.height == y.height && x.channels == 3 && y.channels == 3,
            "false-colour share needs Lab rasters of one size")
        guard x.pixelCount > 0 else { return 0 }
        var count = 0
        for i in 0..<x.pixelCount {
            let (a, b) = (x.values[3 * i + 1], x.values[3 * i + 2])
            let (ta, tb) = (y.values[3 * i + 1], y.values[3 * i + 2])
            let chroma = (a * a + b * b).squareRoot(), truthChroma = (ta * ta + tb * tb).squareRoot()
            guard chroma >= bold else { continue }
            if truthChroma < neutral {
                count += 1
            } else if truthChroma >= bold && (a * ta + b * tb) / (chroma * truthChroma) <= 0 {
                count += 1  // cos(hue difference) ≤ 0: at least 90° apart
            }
        }
        return Double(count) / Double(x.pixelCount)
    }

    /// Area under the curve of "fraction of pixels whose ab error ≤ t" for t = 0…150 (Zhang et al.
    /// 2016), normalised to 0…1. Optional per-pixel weights give the class-rebalanced variant.
    public static func abErrorAUC(_ x: Raster, _ y: Raster, weights: [Float]? = nil, maximum: Int = 150) -> Double {
        precondition(
            x.width == y.width && x.height == y.height && x.channels == 3 && y.channels == 3,
            "AuC needs Lab rasters of one size")
        let n = x.pixelCount
        precondition(weights.map { $0.count == n } ?? true, "one weight per pixel")
        // Histogram of errors at integer thresholds: a pixel counts for every t ≥ its error.
        var mass = [Double](repeating: 0, count: maximum + 1)
        var total = 0.0
        for i in 0..<n {
            let da = Double(x.values[3 * i + 1] - y.values[3 * i + 1]),
                db = Double(x.values[3 * i + 2] - y.values[3 * i + 2])
            let error = (da * da + db * db).squareRoot()
            let w = weights.map { Double($0[i]) } ?? 1
            total += w
            let first = Int(error.rounded(.up))
            if first <= maximum { mass[first] += w }
        }
        guard total > 0 else { return 0 }
        var cumulative = 0.0, area = 0.0
        for t in 0...maximum {
            cumulative += mass[t]
            area += cumulative / total
        }
        return area / Double(maximum + 1)
    }
}
