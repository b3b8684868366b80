import Foundation
import Imaging
import Tensor
import Testing

@testable import Colorization

/// Turning distributions into colours: the confidence shrink, the edge-aware refinement, flip
/// averaging's bookkeeping, the false-colour measure, and the old-photograph degradation.
@Suite struct ChromaDecodingTests {
    /// One-hot probabilities at bin `k` for `pixels` pixels of 16 bins.
    func oneHot(_ bins: [Int]) -> [Float] {
        bins.flatMap { k in (0..<16).map { $0 == k ? Float(1) : 0 } }
    }

    @Test func theConfidenceShrinkLeavesAOneHotColourUnchanged() {
        let centers = ColorQuantizer(bins: 16).centers
        let decoding = ChromaDecoding(confidence: 20, refineRadius: 0, flipAverage: false)
        let (binsA, binsB) = ([3, 12, 8, 0], [14, 2, 8, 15])
        let ab = decoding.decode(
            probabilitiesA: oneHot(binsA), probabilitiesB: oneHot(binsB), lightness: [0.2, 0.4, 0.6, 0.8], images: 1,
            width: 2, height: 2, bins: 16, temperature: 0.45)
        for p in 0..<4 {
            #expect(ab[2 * p] == centers[binsA[p]] && ab[2 * p + 1] == centers[binsB[p]], "pixel \(p)")
        }
    }

    @Test func theConfidenceShrinkMutesASplitDistribution() {
        // Nearly half orange (a, b > 0), half blue (a, b < 0): annealing keeps both peaks, so
        // σ² = Var_q(a) + Var_q(b) stays large; at T = 1, q = p.
        let centers = ColorQuantizer(bins: 16).centers
        var pa = [Float](repeating: 0, count: 16), pb = pa
        (pa[10], pa[6], pb[13], pb[3]) = (0.6, 0.4, 0.6, 0.4)
        func decode(_ confidence: Double) -> [Float] {
            ChromaDecoding(confidence: confidence, refineRadius: 0, flipAverage: false).decode(
                probabilitiesA: pa, probabilitiesB: pb, lightness: [0.5], images: 1, width: 1, height: 1, bins: 16,
                temperature: 1)
        }
        let (plain, muted) = (decode(0), decode(20))
        let mean = (a: 0.6 * centers[10] + 0.4 * centers[6], b: 0.6 * centers[13] + 0.4 * centers[3])
        let variance =
            0.6 * centers[10] * centers[10] + 0.4 * centers[6] * centers[6] - mean.a * mean.a + 0.6 * centers[13]
            * centers[13] + 0.4 * centers[3] * centers[3] - mean.b * mean.b
        let keep = 0.04 / (0.04 + variance)  // σc = 20 Lab units = 0.2 in Lab/100
        #expect(abs(plain[0] - mean.a) < 1e-5 && abs(plain[1] - mean.b) < 1e-5)
        #expect(abs(muted[0] - keep * mean.a) < 1e-5 && abs(muted[1] - keep * mean.b) < 1e-5)
        #expect(keep < 0.35)  // a colour split 53 and 133 Lab units apart keeps under a third of its chroma
    }

    @Test func annealingSparesABroadSinglePeak() {
        // One broad peak (bins 9…13 for a): at T = 0.45 the shrink keeps far more than at T = 1.
        var pa = [Float](repeating: 0, count: 16), pb = pa
        for (k, p) in [(9, 0.1), (10, 0.2), (11, 0.4), (12, 0.2), (13, 0.1)] { pa[k] = Float(p) }
        pb[8] = 1
        func keep(_ t: Double) -> Float {
            let plain = ChromaDecoding(confidence: 0, refineRadius: 0, flipAverage: false).decode(
                probabilitiesA: pa, probabilitiesB: pb, lightness: [0.5], images: 1, width: 1, height: 1, bins: 16,
                temperature: t)
            let muted = ChromaDecoding(confidence: 20, refineRadius: 0, flipAverage: false).decode(
                probabilitiesA: pa, probabilitiesB: pb, lightness: [0.5], images: 1, width: 1, height: 1, bins: 16,
                temperature: t)
            return muted[0] / plain[0]
        }
        #expect(keep(0.45) > 0.75 && keep(0.45) > keep(1) + 0.1, "kept \(keep(0.45)) at T 0.45, \(keep(1)) at T 1")
    }

    @Test func theRefinementKeepsAConstantLightnessRegionOneColour() {
        // 32×32 of one lightness; chroma noisy around (0.2, −0.1) with a blotch of (−0.3, 0.3).
        let (w, h) = (32, 32)
        var random = TensorRandom(seed: 7)
        var values = (0..<(w * h)).flatMap { _ in [0.2 + 0.05 * random.nextNormal(), -0.1 + 0.05 * random.nextNormal()]
        }
        for y in 12..<16 { for x in 12..<16 { (values[2 * (y * w + x)], values[2 * (y * w + x) + 1]) = (-0.3, 0.3) } }
        let guide = [Float](repeating: 0.5, count: w * h)
        for channel in 0..<2 {
            let plane = (0..<(w * h)).map { values[2 * $0 + channel] }
            let refined = GuidedFilter.filter(
                plane, guide: guide, weights: [Float](repeating: 1, count: w * h), width: w, height: h, radius: 8,
                epsilon: 0.01)
            let mean = refined.reduce(0, +) / Float(refined.count)
            let spread = refined.map { abs($0 - mean) }.max() ?? 0
            let before = plane.map { abs($0 - mean) }.max() ?? 0
            // The blotch (about 0.4 away) and the noise are flattened to a few hundredths.
            #expect(spread < 0.06 && before > 0.35, "channel \(channel): spread \(spread), before \(before)")
        }
    }

    @Test func theRefinementKeepsAColourEdgeOnALightnessEdge() {
        // Left half dark and blue, right half light and orange, the edge at x = 16.
        let (w, h) = (32, 16)
        let guide = (0..<(w * h)).map { Float($0 % w < 16 ? 0.3 : 0.7) }
        let a = (0..<(w * h)).map { Float($0 % w < 16 ? -0.2 : 0.3) }
        let refined = GuidedFilter.filter(
            a, guide: guide, weights: [Float](repeating: 1, count: w * h), width: w, height: h, radius: 8,
            epsilon: 0.001)
        for y in 0..<h {
            #expect(abs(refined[y * w + 15] - -0.2) < 0.02 && abs(refined[y * w + 16] - 0.3) < 0.02, "row \(y)")
        }
    }

    @Test func unsurePixelsTakeTheirConfidentNeighboursColour() {
        // One lightness; confident pixels say green, a weak-confidence blotch says orange.
        let (w, h) = (24, 24)
        var a = [Float](repeating: -0.3, count: w * h), weights = [Float](repeating: 1, count: w * h)
        for y in 9..<15 { for x in 9..<15 { (a[y * w + x], weights[y * w + x]) = (0.3, 0.05) } }
        let refined = GuidedFilter.filter(
            a, guide: [Float](repeating: 0.5, count: w * h), weights: weights, width: w, height: h, radius: 6,
            epsilon: 0.01)
        #expect(refined[12 * w + 12] < -0.2)  // the blotch's centre is green again
    }

    @Test func flipAveragingMirrorsBack() {
        // [2N, H, W, C]: image and its mirror's outputs; a mirror-consistent network gives the same.
        let values: [Float] = [1, 2, 3, 4, 5, 6]  // N = 1, H = 1, W = 3, C = 2
        let mirrored = ChromaDecoding.mirrored(values, width: 3, channels: 2)
        #expect(mirrored == [5, 6, 3, 4, 1, 2])
        #expect(ChromaDecoding.averagedWithMirror(values + mirrored, width: 3, channels: 2) == values)
    }

    @Test func theFalseColourShareCountsBlotchesOnly() {
        // Four pixels: truth neutral / orange / orange / blue; candidate bold orange on the neutral
        // one (false), orange on orange (right), grey on orange (muted, not false), orange on blue (false).
        func lab(_ ab: [(Float, Float)]) -> Raster {
            Raster(width: ab.count, height: 1, channels: 3, values: ab.flatMap { [50, $0.0, $0.1] })
        }
        let truth = lab([(2, 3), (20, 40), (20, 40), (-10, -40)])
        let candidate = lab([(20, 40), (25, 35), (0, 0), (20, 40)])
        #expect(ColorMetrics.falseColourShare(candidate, truth: truth) == 0.5)
        #expect(ColorMetrics.falseColourShare(lab([(0, 0), (0, 0), (0, 0), (0, 0)]), truth: truth) == 0)
        // A bold colour 80° away is not false; 100° away is.
        let near = lab([(40 * cosf(80 * .pi / 180), 40 * sinf(80 * .pi / 180))])
        let far = lab([(40 * cosf(100 * .pi / 180), 40 * sinf(100 * .pi / 180))])
        #expect(ColorMetrics.falseColourShare(near, truth: lab([(40, 0)])) == 0)
        #expect(ColorMetrics.falseColourShare(far, truth: lab([(40, 0)])) == 1)
    }

    @Test func oldPhotographsAreDeterministicPerSeedAndLeaveTargetsUntouched() {
        var random = TensorRandom(seed: 3)
        let rgb = Raster(
            width: 200, height: 160, channels: 3, values: (0..<(200 * 160 * 3)).map { _ in random.nextUniform() })
        let degradation = OldPhotoDegradation(cleanShare: 0)
        var first = TensorRandom(seed: 11), second = TensorRandom(seed: 11), other = TensorRandom(seed: 12)
        let grey = degradation.grey(rgb, using: &first)
        #expect(grey.channels == 1 && grey.width == 200 && grey.height == 160)
        #expect(grey == degradation.grey(rgb, using: &second))
        #expect(grey != degradation.grey(rgb, using: &other))
        #expect(grey.values.allSatisfy { $0 >= 0 && $0 <= 1 })
        // In training the crop is the same with or without degradation: a and b (the targets) equal
        // the clean sample's exactly, and L differs.
        let clean = Augmenter(size: 64), old = Augmenter(size: 64, degradation: degradation)
        var r1 = TensorRandom(seed: 5), r2 = TensorRandom(seed: 5)
        guard let x = clean.sample(rgb, using: &r1), let y = old.sample(rgb, using: &r2) else {
            Issue.record("no sample")
            return
        }
        var lightnessDiffers = false
        for i in 0..<x.pixelCount {
            #expect(x.values[3 * i + 1] == y.values[3 * i + 1] && x.values[3 * i + 2] == y.values[3 * i + 2])
            if x.values[3 * i] != y.values[3 * i] { lightnessDiffers = true }
        }
        #expect(lightnessDiffers)
    }

    @Test func emulsionsSeeRedAndBlueAsFilmDid() {
        // A pure red and a pure blue patch: orthochromatic film prints red dark; blue-sensitive film
        // prints blue light; the red filter does the opposite.
        let red = Raster(width: 1, height: 1, channels: 3, values: [1, 0, 0])
        let blue = Raster(width: 1, height: 1, channels: 3, values: [0, 0, 1])
        var random = TensorRandom(seed: 1)
        func grey(_ patch: Raster, _ emulsion: OldPhotoDegradation.Emulsion) -> Float {
            let (wr, wg, wb) = OldPhotoDegradation.weights(emulsion, using: &random)
            #expect(abs(wr + wg + wb - 1) < 1e-6)
            return wr * patch.values[0] + wg * patch.values[1] + wb * patch.values[2]
        }
        #expect(grey(red, .orthochromatic) < 0.06 && grey(blue, .blueSensitive) > 0.8)
        #expect(grey(red, .redFiltered) > 0.5 && grey(blue, .redFiltered) < 0.34)
    }
}
