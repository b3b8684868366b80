import Foundation
import Imaging

/// Measures a colorizer on colour photos against the grey baseline (the photo's own L with a = b = 0).
///
/// Metrics per photo: PSNR of RGB (8-bit scale), area under the curve of per-pixel ab error for
/// thresholds 0…150 both plain and class-rebalanced, and Hasler–Süsstrunk colourfulness. Plain AuC
/// rewards grey output (most pixels are nearly grey); the rebalanced one weighs each pixel by the
/// inverse prior of its true colour, p(a-bin)·p(b-bin) from the model's training histogram (the
/// joint prior approximated as independent), so rare colours count as much as common ones.
public struct Evaluation: Sendable {
    public struct Scores: Codable, Sendable {
        public var psnr: Double
        public var auc: Double
        public var rebalancedAUC: Double
        public var colourfulness: Double
    }

    public struct PhotoResult: Codable, Sendable {
        public var path: String
        public var ours: Scores
        public var grey: Scores
        public var originalColourfulness: Double
    }

    public struct Summary: Codable, Sendable {
        public var photos: Int
        public var failed: [String]
        public var ours: Scores
        public var grey: Scores
        public var originalColourfulness: Double
        public var results: [PhotoResult]
    }

    let colorizer: Colorizer
    /// Photos are scaled so the longer side is this many pixels before evaluating (speed, and
    /// comparable numbers across photo sizes).
    public let side: Int
    let prior: (a: [Double], b: [Double])?

    public init(colorizer: Colorizer, side: Int = 256) {
        self.colorizer = colorizer
        self.side = side
        prior = colorizer.metadata.magicWeights.map { weights in
            func normalised(_ counts: [Int]) -> [Double] {
                let total = Double(max(counts.reduce(0, +), 1))
                return counts.map { Double($0) / total }
            }
            return (normalised(weights.countsA), normalised(weights.countsB))
        }
    }

    /// The photo scaled to `side`, its colorization, and the grey baseline, as RGB rasters.
    public func triplet(_ image: Image, temperature: Double? = nil) -> (grey: Raster, colorized: Raster, original: Raster) {
        let scale = Double(side) / Double(max(image.width, image.height))
        let original = scale < 1
            ? image.rgb.resized(width: max(1, Int((Double(image.width) * scale).rounded())), height: max(1, Int((Double(image.height) * scale).rounded())))
            : image.rgb
        let colorized = colorizer.colorize(Image(color: original), temperature: temperature).rgb
        var greyLab = ColorSpace.lab(fromRGB: original)
        for i in 0..<greyLab.pixelCount { greyLab.values[3 * i + 1] = 0; greyLab.values[3 * i + 2] = 0 }
        return (ColorSpace.rgb(fromLab: greyLab), colorized, original)
    }

    public func scores(_ candidate: Raster, against original: Raster) -> Scores {
        let truthLab = ColorSpace.lab(fromRGB: original), candidateLab = ColorSpace.lab(fromRGB: candidate)
        return Scores(psnr: ColorMetrics.psnr(candidate, original), auc: ColorMetrics.abErrorAUC(candidateLab, truthLab),
                      rebalancedAUC: ColorMetrics.abErrorAUC(candidateLab, truthLab, weights: rebalancingWeights(truthLab)),
                      colourfulness: ColorMetrics.colourfulness(candidate))
    }

    /// 1 / (p(a-bin)·p(b-bin)) of each pixel's true colour; uniform without a prior.
    func rebalancingWeights(_ lab: Raster) -> [Float]? {
        guard let prior else { return nil }
        let quantizer = ColorQuantizer(bins: prior.a.count)
        return (0..<lab.pixelCount).map { i in
            let p = prior.a[quantizer.index(lab.values[3 * i + 1] / 100)] * prior.b[quantizer.index(lab.values[3 * i + 2] / 100)]
            return Float(1 / max(p, 1e-6))
        }
    }

    /// Scores one photo; also returns its grey | colorized | original row for contact sheets.
    public func evaluate(_ image: Image, path: String, temperature: Double? = nil) -> (result: PhotoResult, row: [Raster]) {
        let (grey, colorized, original) = triplet(image, temperature: temperature)
        let result = PhotoResult(path: path, ours: scores(colorized, against: original), grey: scores(grey, against: original),
                                 originalColourfulness: ColorMetrics.colourfulness(original))
        return (result, [grey, colorized, original])
    }

    public static func summarize(_ results: [PhotoResult], failed: [String]) -> Summary {
        Summary(photos: results.count, failed: failed, ours: mean(results.map(\.ours)), grey: mean(results.map(\.grey)),
                originalColourfulness: results.map(\.originalColourfulness).reduce(0, +) / Double(max(results.count, 1)),
                results: results)
    }

    public static func mean(_ scores: [Scores]) -> Scores {
        let n = Double(max(scores.count, 1))
        return Scores(psnr: scores.map(\.psnr).reduce(0, +) / n, auc: scores.map(\.auc).reduce(0, +) / n,
                      rebalancedAUC: scores.map(\.rebalancedAUC).reduce(0, +) / n,
                      colourfulness: scores.map(\.colourfulness).reduce(0, +) / n)
    }
}
