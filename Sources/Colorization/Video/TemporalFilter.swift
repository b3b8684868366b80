import Foundation
import Imaging

/// Makes per-frame colour predictions consistent in time: a running average along the motion.
///
/// Lightness is what the film records; colour is what the network guesses, and its guess for the
/// same surface wavers from frame to frame (the "flicker" of frame-by-frame colorization). Where a
/// surface is tracked from one frame to the next (its lightness, moved by the optical flow between
/// the frames' L, matches), its colour should not change, so the filter averages the network's
/// a/b along the motion; where the match fails (something appears, is uncovered or relit), the
/// average restarts from the new prediction.
///
/// Per pixel, at the network's working size, the filter keeps an a/b estimate and a weight (how
/// many frames it holds). For each frame, with the flow from `OpticalFlow.estimateWithCameraMotion`
/// (the camera's affine motion wherever it explains the frame, local flow elsewhere): both are
/// warped from the previous frame (Catmull–Rom, so the estimate is not blurred a little more every
/// frame); the weight is scaled by the match confidence c = exp(−(max(0, r − r̃)/τ)²), with r the
/// 3×3 mean of |L − warped previous L|, r̃ its median over the frame (the footage's own noise and
/// grain, so they do not count as mismatch) and τ `motionTolerance` (c = 0 where the motion comes
/// from outside the frame), and capped at w_max = s/(1 − s) for `stability` s; then
/// estimate = (w·warped + P)/(w + 1) for the prediction P, and the weight becomes w + 1. So a
/// surface that stays in view converges to the mean of its predictions over the last ~w_max
/// frames (199 at s = 0.995: eight seconds at 25 frames/s), a new one starts from its first
/// prediction, s = 0 is frame by frame (w_max = 0) and s = 1 never forgets a tracked surface.
///
/// Even a long mean drifts a little every frame (the network's guess for a still wall changes as
/// people walk past it), and each small change is re-coded by the video encoder, whose chroma
/// quantisation turns it into noise. So what is shown is held: a shown a/b, warped along with the
/// estimate, moves only as far as it must to stay within δ·c of the estimate (δ `hold`, a
/// backlash: back-and-forth wavering inside δ leaves it still; a surface that really changes
/// colour is followed at δ's distance). With c = 0 (new surfaces) it is the estimate itself.
/// δ = 2 is under the just-noticeable difference of ΔE*ab ≈ 2.3.
///
/// At a scene cut (`SceneCut` distance above `sceneCutThreshold`), or when under a quarter of the
/// frame is matched, everything restarts.
public struct TemporalFilter: Sendable {
    public struct Settings: Sendable, Equatable {
        /// 0…1: how long a tracked surface's colour is averaged, w_max = s/(1 − s) frames (0: frame by frame).
        public var stability: Double
        /// L-histogram distance (0…1) above which a frame starts a new shot.
        public var sceneCutThreshold: Double
        /// τ of the match confidence, in L units above the frame's median mismatch.
        public var motionTolerance: Float
        /// δ: how far (a/b distance, Lab units) the shown colour may lag the running mean (0: not at all).
        public var hold: Float

        public static let defaultStability = 0.995
        public static let defaultSceneCut = 0.3
        public static let defaultMotionTolerance: Float = 6
        public static let defaultHold: Float = 2

        public init(
            stability: Double = defaultStability, sceneCutThreshold: Double = defaultSceneCut,
            motionTolerance: Float = defaultMotionTolerance, hold: Float = defaultHold
        ) {
            self.stability = stability
            self.sceneCutThreshold = sceneCutThreshold
            self.motionTolerance = motionTolerance
            self.hold = hold
        }

        /// The most frames a pixel's average holds.
        var maximumWeight: Float {
            stability >= 1 ? .infinity : Float(max(stability, 0) / (1 - stability))
        }
    }

    public let settings: Settings
    public var flowParameters = OpticalFlow.Parameters()
    /// Restarts after the first frame (scene cuts and lost tracking).
    public private(set) var sceneCuts = 0
    /// Mean confidence of the last frame (1: all matched; 0: restarted).
    public private(set) var lastMatch = 0.0
    /// Sum of `lastMatch` over the frames after the first, and their number (for the run's mean).
    public private(set) var matchTotal = 0.0
    public private(set) var matchFrames = 0
    private var previous: State?

    /// What is carried from frame to frame, at the working size.
    private struct State: Sendable {
        var lightness: Raster
        var histogram: [Double]
        /// Per pixel the a/b estimate, its weight and the a/b shown, as 5 channels, so they are
        /// warped together.
        var carried: Raster
    }

    public init(settings: Settings) {
        self.settings = settings
    }

    /// The filtered a/b (2 channels, Lab units) for one frame, given its lightness (1 channel, L
    /// 0…100) and the network's a/b, both at the working size; frames must come in order.
    public mutating func filter(lightness: Raster, chroma: Raster) -> Raster {
        precondition(
            lightness.channels == 1 && chroma.channels == 2 && lightness.width == chroma.width
                && lightness.height == chroma.height, "lightness and a/b of one size")
        let maximumWeight = settings.maximumWeight
        guard maximumWeight > 0 else { return chroma }
        let histogram = SceneCut.histogram(lightness)
        guard let previous, previous.lightness.width == lightness.width, previous.lightness.height == lightness.height
        else { return start(lightness, histogram, chroma, restart: false) }
        if SceneCut.distance(previous.histogram, histogram) > settings.sceneCutThreshold {
            return start(lightness, histogram, chroma, restart: true)
        }
        let flow = OpticalFlow.estimateWithCameraMotion(
            current: lightness, previous: previous.lightness, parameters: flowParameters)
        let (warpedL, inside) = flow.warp(previous.lightness)
        let confidence = Self.confidence(
            lightness, warpedL, inside: inside, tolerance: max(settings.motionTolerance, 1e-3))
        let n = lightness.pixelCount
        lastMatch = confidence.reduce(0.0) { $0 + Double($1) } / Double(max(n, 1))
        matchTotal += lastMatch
        matchFrames += 1
        if lastMatch < 0.25 { return start(lightness, histogram, chroma, restart: true) }
        let warped = flow.warp(previous.carried, sharp: true).raster.values
        var carried = [Float](repeating: 0, count: 5 * n), out = [Float](repeating: 0, count: 2 * n)
        for i in 0..<n {
            let weight: Float = min(confidence[i] * warped[5 * i + 2], maximumWeight)
            let share: Float = 1 / (weight + 1)
            let a: Float = chroma.values[2 * i] + weight * share * (warped[5 * i] - chroma.values[2 * i])
            let b: Float = chroma.values[2 * i + 1] + weight * share * (warped[5 * i + 1] - chroma.values[2 * i + 1])
            // The shown colour moves only as far as needed to stay within δ·c of the estimate.
            var (shownA, shownB) = (warped[5 * i + 3], warped[5 * i + 4])
            let (gapA, gapB) = (a - shownA, b - shownB)
            let gap = (gapA * gapA + gapB * gapB).squareRoot(), play = settings.hold * confidence[i]
            if gap > play {
                let move = 1 - play / gap
                shownA += move * gapA
                shownB += move * gapB
            }
            out[2 * i] = shownA
            out[2 * i + 1] = shownB
            carried[5 * i] = a
            carried[5 * i + 1] = b
            carried[5 * i + 2] = weight + 1
            carried[5 * i + 3] = shownA
            carried[5 * i + 4] = shownB
        }
        let (w, h) = (lightness.width, lightness.height)
        self.previous = State(
            lightness: lightness, histogram: histogram,
            carried: Raster(width: w, height: h, channels: 5, values: carried))
        return Raster(width: w, height: h, channels: 2, values: out)
    }

    /// Per pixel, how well the motion explains this frame (0…1): the mismatch above the frame's
    /// median, on a Gaussian of width `tolerance`; 0 where the motion comes from outside the frame.
    static func confidence(_ lightness: Raster, _ warped: Raster, inside: [Bool], tolerance: Float) -> [Float] {
        let (w, h, n) = (lightness.width, lightness.height, lightness.pixelCount)
        var residual = [Float](repeating: 0, count: n)
        for i in 0..<n { residual[i] = abs(lightness.values[i] - warped.values[i]) }
        residual = BoxFilter.mean(residual, width: w, height: h, radius: 1)
        let typical = residual.sorted()[n / 2]
        var confidence = [Float](repeating: 0, count: n)
        for i in 0..<n where inside[i] {
            let excess = max(residual[i] - typical, 0) / tolerance
            confidence[i] = exp(-excess * excess)
        }
        return confidence
    }

    /// Starts from this frame's prediction (weight 1 everywhere).
    private mutating func start(
        _ lightness: Raster, _ histogram: [Double], _ chroma: Raster, restart: Bool
    )
        -> Raster
    {
        if restart { sceneCuts += 1 }
        lastMatch = 0
        var carried = [Float](repeating: 1, count: 5 * chroma.pixelCount)
        for i in 0..<chroma.pixelCount {
            let (a, b) = (chroma.values[2 * i], chroma.values[2 * i + 1])
            (carried[5 * i], carried[5 * i + 1], carried[5 * i + 3], carried[5 * i + 4]) = (a, b, a, b)
        }
        previous = State(
            lightness: lightness, histogram: histogram,
            carried: Raster(width: chroma.width, height: chroma.height, channels: 5, values: carried))
        return chroma
    }
}
