import Foundation
import Imaging

/// Which training photos teach colour. Two kinds teach the wrong lesson and are left out: near-grey
/// photos (Hasler–Süsstrunk colourfulness below 15, the cut BigColor and DDColor apply to ImageNet)
/// and single-cast ones — nearly all their chroma in one orange-to-yellow hue (a beige studio
/// backdrop, a sepia-toned print), which teach that brown is always a safe guess.
///
/// Cast: the chroma-weighted mean resultant length of the hues of pixels with chroma above 5,
/// R = |Σ C·e^{iθ}| / Σ C (1: one hue only), at least `castConcentration`, with the mean hue θ̄
/// between 40° and 100° (orange to yellow in the ab plane) and colourfulness below 35.
public struct PhotoScreen: Sendable, Equatable {
    public var minimumColourfulness: Double
    public var castConcentration: Double

    /// - Parameters:
    ///   - minimumColourfulness: below this a photo is near-grey.
    ///   - castConcentration: hue concentration R from which an orange-yellow photo is a cast.
    public init(minimumColourfulness: Double = 15, castConcentration: Double = 0.95) {
        self.minimumColourfulness = minimumColourfulness
        self.castConcentration = castConcentration
    }

    /// A photo's colour statistics.
    public struct Assessment: Sendable {
        public var colourfulness: Double
        /// R, 0…1.
        public var hueConcentration: Double
        /// θ̄ in degrees, −180…180.
        public var meanHue: Double
    }

    public static func assess(_ rgb: Raster) -> Assessment {
        let lab = ColorSpace.lab(fromRGB: rgb)
        var (x, y, total) = (0.0, 0.0, 0.0)
        for i in 0..<lab.pixelCount {
            let a = Double(lab.values[3 * i + 1]), b = Double(lab.values[3 * i + 2])
            let chroma = (a * a + b * b).squareRoot()
            guard chroma > 5 else { continue }
            (x, y, total) = (x + a, y + b, total + chroma)  // C·e^{iθ} = a + ib
        }
        return Assessment(
            colourfulness: ColorMetrics.colourfulness(rgb),
            hueConcentration: total > 0 ? (x * x + y * y).squareRoot() / total : 0,
            meanHue: atan2(y, x) * 180 / .pi)
    }

    /// Why `assessment`'s photo is left out, or nil when it is kept.
    public func rejection(_ assessment: Assessment) -> String? {
        if assessment.colourfulness < minimumColourfulness {
            return String(
                format: "near-grey (colourfulness %.1f < %.0f)", assessment.colourfulness, minimumColourfulness)
        }
        if assessment.hueConcentration >= castConcentration && (40...100).contains(assessment.meanHue)
            && assessment.colourfulness < 35
        {
            return String(
                format: "one orange-yellow cast (hue %.0f°, concentration %.2f, colourfulness %.1f)",
                assessment.meanHue,
                assessment.hueConcentration, assessment.colourfulness)
        }
        return nil
    }
}
