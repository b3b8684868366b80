import Foundation
import Tensor

/// How the network's two per-pixel distributions over quantised a and b become one a/b per pixel,
/// at the network's resolution (before the a/b are upsampled and recombined with the full-size L).
///
/// Four steps, each optional:
/// 1. **Flip averaging** (`flipAverage`): the network also sees the mirrored photo; the two
///    distributions of each pixel are averaged, p = (p(x) + flip(p(flip x))) / 2. Costs a second pass.
/// 2. **Annealed mean** (Zhang et al. 2016): q ∝ p^(1/T), a = Σ_k q_k·c_k, with T the temperature
///    (the model's unless given). Lower T is more vivid and riskier.
/// 3. **Confidence shrink** (`confidence` = σc Lab units, 0: off): the spread of a pixel's annealed
///    distributions, σ² = Var_q(a) + Var_q(b), measures how sure the network is. Annealing narrows a
///    broad single-peaked distribution around its peak, but a pixel split between distant colours
///    (orange or blue) stays split, so σ stays large exactly there. Its chroma is scaled by
///    w = σc² / (σc² + σ²) towards neutral: a muted right colour beats a bold wrong one. A one-hot
///    distribution (σ = 0) keeps its colour exactly. Where colour hints (clicks or a reference's
///    matches) reach, the user has said what the colour is: σ² counts only by 1 − c, c the hint
///    field's coverage of the pixel at the region's reach, so a hinted region keeps its colour.
/// 4. **Edge-aware refinement** (`refineRadius` r pixels, 0: off): a guided filter (He et al. 2013)
///    on each of a and b, guided by L, with the confidences w as weights: in each (2r+1)² window the
///    chroma is fitted as α·L + β by weighted least squares (α regularised by `refineEpsilon`), and
///    each pixel takes the mean of its windows' fits at its own L. Where L is flat, α → 0 and the
///    window takes its confident pixels' weighted mean colour (one surface, one colour; an unsure
///    blotch takes its surroundings' colour); across an L edge the fit follows L, so a colour edge
///    on an L edge stays.
public struct ChromaDecoding: Sendable, Equatable {
    /// The annealed-mean temperature; nil: the model's.
    public var temperature: Double?
    /// σc in Lab units; 0 turns the shrink off.
    public var confidence: Double
    /// Guided-filter window radius in network pixels; 0 turns the refinement off.
    public var refineRadius: Int
    /// Guided-filter regularisation ε, in (L/100)² units: L steps well above √ε keep their colour edge.
    public var refineEpsilon: Double
    /// Average the distributions of the photo and of its mirror image (twice the network's work).
    public var flipAverage: Bool

    /// - Parameters:
    ///   - temperature: annealed-mean temperature (nil: the model's).
    ///   - confidence: σc of the confidence shrink in Lab units (0: off).
    ///   - refineRadius: radius of the edge-aware refinement in network pixels (0: off).
    ///   - refineEpsilon: the refinement's ε in (L/100)² units.
    ///   - flipAverage: average with the mirrored photo's distributions.
    public init(
        temperature: Double? = nil, confidence: Double = Self.standard.confidence,
        refineRadius: Int = Self.standard.refineRadius, refineEpsilon: Double = Self.standard.refineEpsilon,
        flipAverage: Bool = Self.standard.flipAverage
    ) {
        self.temperature = temperature
        self.confidence = confidence
        self.refineRadius = refineRadius
        self.refineEpsilon = refineEpsilon
        self.flipAverage = flipAverage
    }

    private init(exactly temperature: Double?, _ confidence: Double, _ radius: Int, _ epsilon: Double, _ flip: Bool) {
        (self.temperature, self.confidence, refineRadius, refineEpsilon, flipAverage) =
            (temperature, confidence, radius, epsilon, flip)
    }

    /// The defaults of every colorizing command, chosen on the validation photos (Models/README.md).
    /// (σc 40 and r 4: of the settings tried, the one that cut the false-colour share most while the
    /// rebalanced AuC stayed within 0.003 of the plain annealed mean; flip averaging, +0.002
    /// rebalanced AuC for twice the network's time, is left to `--tta`.)
    public static let standard = ChromaDecoding(exactly: nil, 40, 4, 0.01, false)
    /// The plain annealed mean of the published method: what training and its sample sheets use.
    public static let annealedMean = ChromaDecoding(exactly: nil, 0, 0, 0.01, false)

    /// This decoding at `temperature` (nil: unchanged).
    public func with(temperature: Double?) -> ChromaDecoding {
        var copy = self
        if let temperature { copy.temperature = temperature }
        return copy
    }

    /// Whether decoding needs more than the annealed mean.
    public var isPlain: Bool { confidence == 0 && refineRadius == 0 && !flipAverage }

    /// a/b [N, H, W, 2] (Lab/100) from the generator on L/100 [N, H, W, 1] (and its hint field), in
    /// inference mode.
    public func predictAB(
        _ generator: any ColorizationNetwork, _ lightness: Tensor, hints: Tensor? = nil
    ) -> Tensor {
        let t = temperature ?? generator.configuration.temperature
        if isPlain {
            return withoutGradients {
                let output = generator(lightness, hints: hints, training: false)
                return Tensor.concatenate(
                    [
                        generator.colorEstimate(output.logitsA, temperature: t),
                        generator.colorEstimate(output.logitsB, temperature: t),
                    ], axis: 3)
            }
        }
        let (n, h, w) = (lightness.shape[0], lightness.shape[1], lightness.shape[2])
        let bins = generator.configuration.bins
        let (probabilitiesA, probabilitiesB) = withoutGradients { () -> ([Float], [Float]) in
            guard flipAverage else {
                let output = generator(lightness, hints: hints, training: false)
                return (Self.softmax(output.logitsA.scalars, bins), Self.softmax(output.logitsB.scalars, bins))
            }
            let input = Tensor(
                shape: [2 * n, h, w, 1],
                values: lightness.scalars + Self.mirrored(lightness.scalars, width: w, channels: 1))
            let field = hints.map { field in
                let c = field.shape[3]
                return Tensor(
                    shape: [2 * n, h, w, c], values: field.scalars + Self.mirrored(field.scalars, width: w, channels: c)
                )
            }
            let output = generator(input, hints: field, training: false)
            return (
                Self.averagedWithMirror(Self.softmax(output.logitsA.scalars, bins), width: w, channels: bins),
                Self.averagedWithMirror(Self.softmax(output.logitsB.scalars, bins), width: w, channels: bins)
            )
        }
        let ab = decode(
            probabilitiesA: probabilitiesA, probabilitiesB: probabilitiesB, lightness: lightness.scalars,
            images: n, width: w, height: h, bins: bins, temperature: t, hintCoverage: hints.map(HintField.coverage))
        return Tensor(shape: [n, h, w, 2], values: ab)
    }

    /// Steps 2–4 on per-pixel probabilities [N, H, W, bins] of a and b (rows sum to 1) and L/100
    /// [N, H, W]: a/b [N, H, W, 2] in Lab/100. `hintCoverage` [N, H, W] (0…1, `HintField.coverage`)
    /// spares hinted pixels the shrink.
    public func decode(
        probabilitiesA: [Float], probabilitiesB: [Float], lightness: [Float], images n: Int, width w: Int,
        height h: Int, bins: Int, temperature t: Double, hintCoverage: [Float]? = nil
    ) -> [Float] {
        precondition(
            probabilitiesA.count == n * h * w * bins && probabilitiesB.count == probabilitiesA.count
                && lightness.count == n * h * w, "decode: sizes do not match \(n)×\(h)×\(w)×\(bins)")
        let centers = ColorQuantizer(bins: bins).centers
        let pixels = n * h * w
        var ab = [Float](repeating: 0, count: 2 * pixels)
        var weights = [Float](repeating: 1, count: pixels)
        let inverse = Float(1 / max(t, 1e-3)), sigma = Float(confidence / 100)
        probabilitiesA.withUnsafeBufferPointer { pa in
            probabilitiesB.withUnsafeBufferPointer { pb in
                for p in 0..<pixels {
                    let (varianceA, annealedA) = Self.moments(pa.baseAddress! + p * bins, centers, inverse)
                    let (varianceB, annealedB) = Self.moments(pb.baseAddress! + p * bins, centers, inverse)
                    let spread = (varianceA + varianceB) * (1 - (hintCoverage?[p] ?? 0))
                    let shrink = sigma > 0 ? sigma * sigma / (sigma * sigma + spread) : 1
                    weights[p] = shrink
                    ab[2 * p] = annealedA * shrink
                    ab[2 * p + 1] = annealedB * shrink
                }
            }
        }
        if refineRadius > 0 {
            for image in 0..<n {
                let plane = image * h * w..<(image + 1) * h * w
                let guide = Array(lightness[plane]), confidences = Array(weights[plane])
                for channel in 0..<2 {
                    let values = plane.map { ab[2 * $0 + channel] }
                    let refined = GuidedFilter.filter(
                        values, guide: guide, weights: confidences, width: w, height: h, radius: refineRadius,
                        epsilon: Float(refineEpsilon))
                    for (k, p) in plane.enumerated() { ab[2 * p + channel] = refined[k] }
                }
            }
        }
        return ab
    }

    /// softmax over each row of `bins` values.
    static func softmax(_ logits: [Float], _ bins: Int) -> [Float] {
        var out = logits
        out.withUnsafeMutableBufferPointer { buffer in
            for row in 0..<(buffer.count / bins) {
                let x = buffer.baseAddress! + row * bins
                var maximum = -Float.infinity
                for k in 0..<bins { maximum = max(maximum, x[k]) }
                var total: Float = 0
                for k in 0..<bins {
                    x[k] = expf(x[k] - maximum)
                    total += x[k]
                }
                for k in 0..<bins { x[k] /= total }
            }
        }
        return out
    }

    /// The annealed distribution q ∝ p^(1/T) over the bin centres: its mean Σ q·c (the colour) and
    /// its variance (how split the colour is after annealing).
    static func moments(
        _ p: UnsafePointer<Float>, _ centers: [Float], _ inverseTemperature: Float
    ) -> (variance: Float, annealed: Float) {
        var total: Float = 0, weighted: Float = 0, square: Float = 0
        for k in centers.indices {
            let q = p[k] > 0 ? powf(p[k], inverseTemperature) : 0
            total += q
            weighted += q * centers[k]
            square += q * centers[k] * centers[k]
        }
        guard total > 0 else { return (0, 0) }
        let mean = weighted / total
        return (max(0, square / total - mean * mean), mean)
    }

    /// Each image row of [N, H, W, C] values reversed along W.
    static func mirrored(_ values: [Float], width: Int, channels: Int) -> [Float] {
        var out = values
        let row = width * channels
        for start in stride(from: 0, to: values.count, by: row) {
            for x in 0..<width {
                for c in 0..<channels {
                    out[start + x * channels + c] = values[start + (width - 1 - x) * channels + c]
                }
            }
        }
        return out
    }

    /// [2N, H, W, C] probabilities of N images followed by their mirrors → [N, H, W, C], the mean of
    /// each image's and its mirror's (mirrored back).
    static func averagedWithMirror(_ values: [Float], width: Int, channels: Int) -> [Float] {
        let half = values.count / 2
        let back = mirrored(Array(values[half...]), width: width, channels: channels)
        return (0..<half).map { 0.5 * (values[$0] + back[$0]) }
    }
}

/// The weighted guided filter of one channel (He et al. 2013, with per-pixel weights in every window
/// mean): in each (2r+1)² window k, α_k = cov_w(I, p) / (var_w(I) + ε), β_k = mean_w(p) − α_k·mean_w(I);
/// q_i = mean over i's windows of α_k·I_i + β_k. Box means by running sums (`BoxFilter`), so the
/// cost does not depend on r.
enum GuidedFilter {
    static func filter(
        _ values: [Float], guide: [Float], weights: [Float], width: Int, height: Int, radius: Int, epsilon: Float
    ) -> [Float] {
        let count = values.count
        func box(_ x: [Float]) -> [Float] { BoxFilter.mean(x, width: width, height: height, radius: radius) }
        let meanW = box(weights)
        let meanWI = box((0..<count).map { weights[$0] * guide[$0] })
        let meanWP = box((0..<count).map { weights[$0] * values[$0] })
        let meanWII = box((0..<count).map { weights[$0] * guide[$0] * guide[$0] })
        let meanWIP = box((0..<count).map { weights[$0] * guide[$0] * values[$0] })
        var alpha = [Float](repeating: 0, count: count), beta = [Float](repeating: 0, count: count)
        for i in 0..<count {
            let total = max(meanW[i], 1e-6)
            let mi = meanWI[i] / total, mp = meanWP[i] / total
            let variance = max(0, meanWII[i] / total - mi * mi), covariance = meanWIP[i] / total - mi * mp
            alpha[i] = covariance / (variance + epsilon)
            beta[i] = mp - alpha[i] * mi
        }
        let meanAlpha = box(alpha), meanBeta = box(beta)
        return (0..<count).map { meanAlpha[$0] * guide[$0] + meanBeta[$0] }
    }
}
