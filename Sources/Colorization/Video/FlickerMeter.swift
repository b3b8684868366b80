import Foundation
import Imaging

/// Temporal flicker of colour videos: the mean |Δa| + |Δb| (CIELAB units) between consecutive
/// frames after motion compensation, so what is measured is colour changing on the same surface,
/// not colour moving with it.
///
/// Motion is estimated once per frame pair, on one video's lightness (`motionSource`: the original
/// colour video when there is one), by the same flow the filter uses (the camera's affine motion
/// where it explains the frame, Lucas–Kanade elsewhere), and applied to every video, so all are
/// measured on the same pixels: those whose warped lightness matches within `tolerance`
/// (occlusions and flow failures are left out) and away from the frame's border. Pairs across a
/// scene cut (`SceneCut` distance above `sceneCutThreshold`) are skipped. `flicker` is measured on
/// a/b smoothed at `smoothing` (the scale of colour regions: a colorizer's flicker is a region
/// changing colour, while fine chroma texture differs from frame to frame by interpolation and
/// compression noise that every video shares); `fineFlicker` without smoothing, and
/// `uncompensated` without motion compensation, are kept beside it.
public struct FlickerMeter: Sendable {
    public struct Result: Sendable, Codable {
        /// Mean |Δa| + |Δb| over matched pixels of consecutive frames, after motion compensation, of
        /// a/b smoothed at `smoothing` (the scale of colour regions).
        public var flicker: Double
        /// The same on unsmoothed a/b, fine texture included.
        public var fineFlicker: Double
        /// The same without motion compensation (all pixels).
        public var uncompensated: Double
        /// Frame pairs measured.
        public var pairs: Int
        /// Fraction of pixels that were matched (and so measured).
        public var matched: Double
    }

    public let tolerance: Float
    public let border: Int
    public let sceneCutThreshold: Double
    /// Radius of the box filter applied three times (≈ a Gaussian of σ = √(r(r+1))) to a/b.
    public let smoothing: Int
    private var previous: [Raster]?
    private var smoothedPrevious: [Raster]?
    private var sums: [Double]
    private var fineSums: [Double]
    private var plainSums: [Double]
    private var measured = 0.0
    private var offered = 0.0
    private var pairs = 0

    public init(
        videos: Int, tolerance: Float = 5, border: Int = 2, sceneCutThreshold: Double = 0.3, smoothing: Int = 2
    ) {
        self.tolerance = tolerance
        self.border = border
        self.sceneCutThreshold = sceneCutThreshold
        self.smoothing = smoothing
        sums = [Double](repeating: 0, count: videos)
        fineSums = sums
        plainSums = sums
    }

    /// a/b of a Lab raster as a 2-channel raster, smoothed by `smoothing`.
    func smoothedChroma(_ lab: Raster) -> Raster {
        let n = lab.pixelCount
        var a = (0..<n).map { lab.values[3 * $0 + 1] }, b = (0..<n).map { lab.values[3 * $0 + 2] }
        for _ in 0..<3 where smoothing > 0 {
            a = BoxFilter.mean(a, width: lab.width, height: lab.height, radius: smoothing)
            b = BoxFilter.mean(b, width: lab.width, height: lab.height, radius: smoothing)
        }
        var values = [Float](repeating: 0, count: 2 * n)
        for i in 0..<n { (values[2 * i], values[2 * i + 1]) = (a[i], b[i]) }
        return Raster(width: lab.width, height: lab.height, channels: 2, values: values)
    }

    /// Adds the next frame of every video (Lab rasters, 3 channels, all one size), in order.
    public mutating func add(_ frames: [Raster], motionSource: Int = 0) {
        precondition(frames.count == sums.count, "one frame per video")
        let smoothed = frames.map(smoothedChroma)
        defer { (previous, smoothedPrevious) = (frames, smoothed) }
        guard let previous, let smoothedPrevious, let first = frames.first, previous[0].width == first.width,
            previous[0].height == first.height
        else { return }
        let (w, h) = (first.width, first.height)
        let current = frames[motionSource].channel(0), before = previous[motionSource].channel(0)
        guard SceneCut.distance(SceneCut.histogram(before), SceneCut.histogram(current)) <= sceneCutThreshold else {
            return
        }
        let flow = OpticalFlow.estimateWithCameraMotion(current: current, previous: before)
        let (warpedL, inside) = flow.warp(before)
        var mask = [Bool](repeating: false, count: w * h)
        var count = 0
        for y in border..<max(border, h - border) {
            for x in border..<max(border, w - border) {
                let i = y * w + x
                if inside[i] && abs(current.values[i] - warpedL.values[i]) <= tolerance {
                    mask[i] = true
                    count += 1
                }
            }
        }
        offered += Double(w * h)
        measured += Double(count)
        pairs += 1
        for (k, frame) in frames.enumerated() {
            let warped = flow.warp(previous[k]).raster.values
            let warpedSmooth = flow.warp(smoothedPrevious[k]).raster.values, smooth = smoothed[k].values
            let old = previous[k].values
            var total = 0.0, fine = 0.0, plain = 0.0
            for i in 0..<(w * h) {
                let da = frame.values[3 * i + 1], db = frame.values[3 * i + 2]
                plain += Double(abs(da - old[3 * i + 1]) + abs(db - old[3 * i + 2]))
                if mask[i] {
                    fine += Double(abs(da - warped[3 * i + 1]) + abs(db - warped[3 * i + 2]))
                    total += Double(
                        abs(smooth[2 * i] - warpedSmooth[2 * i]) + abs(smooth[2 * i + 1] - warpedSmooth[2 * i + 1]))
                }
            }
            sums[k] += total
            fineSums[k] += fine
            plainSums[k] += plain / Double(w * h)
        }
    }

    /// One result per video, in the order frames were given.
    public var results: [Result] {
        sums.indices.map { k in
            Result(
                flicker: measured > 0 ? sums[k] / measured : 0, fineFlicker: measured > 0 ? fineSums[k] / measured : 0,
                uncompensated: pairs > 0 ? plainSums[k] / Double(pairs) : 0, pairs: pairs,
                matched: offered > 0 ? measured / offered : 0)
        }
    }
}
