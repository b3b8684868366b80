import Foundation
import Imaging
import Tensor
import Testing

@testable import Colorization

/// The temporal side of `colorize video` without ffmpeg: optical flow, the motion-compensated
/// filter, scene cuts and the flicker metric, on frames made here with known motion.
@Suite struct VideoFilterTests {
    /// A smooth textured lightness field (L 0…100), defined everywhere so it can be shifted by any amount.
    static func texture(_ x: Double, _ y: Double, seed: Double = 0) -> Float {
        Float(
            50 + 18 * sin(0.21 * x + 0.13 * y + seed) + 14 * cos(0.17 * y - 0.09 * x + 2 * seed)
                + 9 * sin(0.31 * x + seed) * cos(0.23 * y))
    }

    /// L of a scene moved by (shiftX, shiftY) pixels: the content at (x, y) came from (x − shiftX, y − shiftY).
    static func lightness(width: Int, height: Int, shiftX: Double, shiftY: Double, seed: Double = 0) -> Raster {
        var values = [Float]()
        for y in 0..<height {
            for x in 0..<width { values.append(texture(Double(x) - shiftX, Double(y) - shiftY, seed: seed)) }
        }
        return Raster(width: width, height: height, channels: 1, values: values)
    }

    /// True a/b attached to the scene (moving with it), plus per-frame noise from `random`.
    static func chroma(
        width: Int, height: Int, shiftX: Double, shiftY: Double, noise: Float, random: inout some RandomNumberGenerator
    ) -> Raster {
        var values = [Float]()
        for y in 0..<height {
            for x in 0..<width {
                let sx = Double(x) - shiftX, sy = Double(y) - shiftY
                values.append(Float(20 * sin(0.05 * sx)) + noise * Float.random(in: -1...1, using: &random))
                values.append(Float(15 * cos(0.04 * sy)) + noise * Float.random(in: -1...1, using: &random))
            }
        }
        return Raster(width: width, height: height, channels: 2, values: values)
    }

    /// Mean |Δ| between two a/b rasters.
    static func meanDifference(_ x: Raster, _ y: Raster) -> Double {
        zip(x.values, y.values).reduce(0.0) { $0 + Double(abs($1.0 - $1.1)) } / Double(x.pixelCount)
    }

    @Test func flowRecoversASubpixelShift() {
        let previous = Self.lightness(width: 96, height: 80, shiftX: 0, shiftY: 0)
        let current = Self.lightness(width: 96, height: 80, shiftX: 1.6, shiftY: -0.7)
        let flow = OpticalFlow.estimate(current: current, previous: previous)
        var errors: [Double] = []
        for y in 10..<70 {
            for x in 10..<86 {
                let i = y * 96 + x
                errors.append(Double(abs(flow.dx[i] + 1.6) + abs(flow.dy[i] - 0.7)))
            }
        }
        errors.sort()
        let median = errors[errors.count / 2]
        #expect(median < 0.1, "median flow error \(median) px")
        // Warping the previous frame by the flow reproduces the current one inside the frame.
        let warped = flow.warp(previous).raster
        var residual = 0.0
        for y in 10..<70 { for x in 10..<86 { residual += Double(abs(warped[x, y, 0] - current[x, y, 0])) } }
        #expect(residual / Double(60 * 76) < 0.5)
    }

    /// A zoom and pan of the whole picture is recovered as one affine map, and a still camera with
    /// noisy frames gets no motion at all (so a still background is never resampled).
    @Test func cameraMotionIsFittedAndUsed() {
        let (w, h) = (128, 96)
        let (cx, cy) = (Double(w) / 2, Double(h) / 2)
        let zoom = 1.03, shift = (-0.8, 0.5)
        var previousValues = [Float](), currentValues = [Float]()
        for y in 0..<h {
            for x in 0..<w {
                previousValues.append(Self.texture(Double(x), Double(y)))
                // The content at (x, y) now was at ((x − cx)/zoom + cx + shift) before.
                currentValues.append(
                    Self.texture((Double(x) - cx) / zoom + cx + shift.0, (Double(y) - cy) / zoom + cy + shift.1))
            }
        }
        let previous = Raster(width: w, height: h, channels: 1, values: previousValues)
        let current = Raster(width: w, height: h, channels: 1, values: currentValues)
        let flow = OpticalFlow.estimate(current: current, previous: previous)
        let camera = CameraMotion.fit(flow, lightness: current)
        for (x, y) in [(10.0, 10.0), (cx, cy), (118.0, 86.0), (10.0, 86.0)] {
            let (dx, dy) = camera.displacement(x: x, y: y)
            let expected = ((x - cx) / zoom + cx + shift.0 - x, (y - cy) / zoom + cy + shift.1 - y)
            #expect(abs(dx - expected.0) < 0.05 && abs(dy - expected.1) < 0.05, "at (\(x), \(y)): \(dx), \(dy)")
        }

        var random = TensorRandom(seed: 5)
        var noisy = previous
        noisy.values = noisy.values.map { $0 + Float.random(in: -1.5...1.5, using: &random) }
        let still = OpticalFlow.estimateWithCameraMotion(current: noisy, previous: previous)
        let largest = zip(still.dx, still.dy).map { max(abs($0), abs($1)) }.max() ?? 0
        #expect(still.meanMagnitude < 0.01, "mean motion \(still.meanMagnitude) px")
        #expect(largest < 0.5, "largest \(largest) px")
    }

    @Test func stabilityZeroIsFrameByFrame() {
        var filter = TemporalFilter(settings: .init(stability: 0))
        var random = SystemRandomNumberGenerator()
        for frame in 0..<3 {
            let l = Self.lightness(width: 64, height: 48, shiftX: Double(frame), shiftY: 0)
            let ab = Self.chroma(width: 64, height: 48, shiftX: Double(frame), shiftY: 0, noise: 5, random: &random)
            #expect(filter.filter(lightness: l, chroma: ab) == ab)
        }
    }

    /// A scene panning one pixel per frame whose predicted colour is noisy: the filter follows the
    /// motion, so flicker falls several-fold and the colour stays closer to the truth, not further.
    @Test func filterFollowsMotionAndRemovesFlicker() {
        var filter = TemporalFilter(settings: .init(stability: 0.8))
        var random = TensorRandom(seed: 7)
        let (w, h) = (96, 72)
        var previousRaw: Raster?, previousOut: Raster?
        var rawFlicker = 0.0, outFlicker = 0.0, rawError = 0.0, outError = 0.0, counted = 0
        for frame in 0..<30 {
            let shift = 0.8 * Double(frame)
            let l = Self.lightness(width: w, height: h, shiftX: shift, shiftY: 0.3 * shift)
            let truth = Self.chroma(width: w, height: h, shiftX: shift, shiftY: 0.3 * shift, noise: 0, random: &random)
            let raw = Self.chroma(width: w, height: h, shiftX: shift, shiftY: 0.3 * shift, noise: 6, random: &random)
            let out = filter.filter(lightness: l, chroma: raw)
            if frame >= 10, let previousRaw, let previousOut {
                // Flicker against the truth's own change, inside the frame (the scene really moves).
                let truthBefore = Self.chroma(
                    width: w, height: h, shiftX: shift - 0.8, shiftY: 0.3 * (shift - 0.8), noise: 0, random: &random)
                var rawDelta = 0.0, outDelta = 0.0
                for i in 0..<(w * h * 2) {
                    let truthDelta = truth.values[i] - truthBefore.values[i]
                    rawDelta += Double(abs(raw.values[i] - previousRaw.values[i] - truthDelta))
                    outDelta += Double(abs(out.values[i] - previousOut.values[i] - truthDelta))
                }
                rawFlicker += rawDelta / Double(w * h)
                outFlicker += outDelta / Double(w * h)
                rawError += Self.meanDifference(raw, truth)
                outError += Self.meanDifference(out, truth)
                counted += 1
            }
            previousRaw = raw
            previousOut = out
        }
        #expect(filter.sceneCuts == 0)
        #expect(
            outFlicker * 3 < rawFlicker, "flicker \(outFlicker / Double(counted)) vs \(rawFlicker / Double(counted))")
        #expect(outError < rawError, "error \(outError / Double(counted)) vs \(rawError / Double(counted))")
    }

    /// A still scene whose predicted colour wavers (and, halfway, really changes): the held output
    /// never strays more than δ from the running mean (the filter without a hold), stands still
    /// while only the wavering goes on, and follows the real change.
    @Test func aHeldColourStaysWithinItsHoldOfTheMeanAndStill() throws {
        let (w, h, hold): (Int, Int, Float) = (64, 48, 2)
        var held = TemporalFilter(settings: .init(stability: 0.98, hold: hold))
        var mean = TemporalFilter(settings: .init(stability: 0.98, hold: 0))
        var random = TensorRandom(seed: 11)
        let l = Self.lightness(width: w, height: h, shiftX: 0, shiftY: 0)
        var previousHeld: Raster?, previousMean: Raster?
        var heldChange = 0.0, meanChange = 0.0, largestGap: Float = 0
        for frame in 0..<120 {
            var prediction = Self.chroma(width: w, height: h, shiftX: 0, shiftY: 0, noise: 3, random: &random)
            // From frame 60 on the surface is predicted 25 units redder.
            if frame >= 60 { for i in 0..<(w * h) { prediction.values[2 * i] += 25 } }
            let a = held.filter(lightness: l, chroma: prediction), b = mean.filter(lightness: l, chroma: prediction)
            for i in 0..<(w * h) {
                let da = a.values[2 * i] - b.values[2 * i], db = a.values[2 * i + 1] - b.values[2 * i + 1]
                largestGap = max(largestGap, (da * da + db * db).squareRoot())
            }
            if (20..<60).contains(frame), let previousHeld, let previousMean {
                heldChange += Self.meanDifference(a, previousHeld)
                meanChange += Self.meanDifference(b, previousMean)
            }
            if frame == 0 { #expect(a == prediction, "the first frame is shown as predicted") }
            (previousHeld, previousMean) = (a, b)
        }
        #expect(largestGap <= hold + 1e-3, "held output \(largestGap) from the mean")
        #expect(heldChange * 20 < meanChange, "change per frame \(heldChange / 40) held, \(meanChange / 40) mean")
        // After the change the mean has moved most of the way, and the shown colour with it.
        let last = try #require(previousHeld)
        let truth = Self.chroma(width: w, height: h, shiftX: 0, shiftY: 0, noise: 0, random: &random)
        func meanA(_ chroma: Raster) -> Double {
            (0..<(w * h)).reduce(0.0) { $0 + Double(chroma.values[2 * $1]) } / Double(w * h)
        }
        let (shownA, truthA) = (meanA(last), meanA(truth))
        #expect(shownA - truthA > 25 * 0.6 - Double(hold), "shown a \(shownA) against \(truthA) + 25")
    }

    @Test func aSceneCutRestartsTheFilter() {
        var filter = TemporalFilter(settings: .init(stability: 0.9))
        var random = TensorRandom(seed: 3)
        for frame in 0..<5 {
            let l = Self.lightness(width: 64, height: 48, shiftX: Double(frame), shiftY: 0)
            _ = filter.filter(
                lightness: l,
                chroma: Self.chroma(width: 64, height: 48, shiftX: Double(frame), shiftY: 0, noise: 3, random: &random))
        }
        #expect(filter.sceneCuts == 0)
        // Another shot: darker, other texture; its first frame must come out exactly as predicted.
        var dark = Self.lightness(width: 64, height: 48, shiftX: 0, shiftY: 0, seed: 1.7)
        dark.values = dark.values.map { $0 * 0.4 }
        let prediction = Self.chroma(width: 64, height: 48, shiftX: 0, shiftY: 0, noise: 3, random: &random)
        #expect(filter.filter(lightness: dark, chroma: prediction) == prediction)
        #expect(filter.sceneCuts == 1)
    }

    @Test func sceneCutDistance() {
        let a = Self.lightness(width: 64, height: 48, shiftX: 0, shiftY: 0)
        var b = a
        b.values = b.values.map { min($0 * 0.3, 100) }
        #expect(SceneCut.distance(SceneCut.histogram(a), SceneCut.histogram(a)) == 0)
        #expect(SceneCut.distance(SceneCut.histogram(a), SceneCut.histogram(b)) > 0.5)
        let moved = Self.lightness(width: 64, height: 48, shiftX: 2, shiftY: 1)
        #expect(SceneCut.distance(SceneCut.histogram(a), SceneCut.histogram(moved)) < 0.1)
    }

    /// Colour moving with the scene is not flicker; colour changing on the spot is, at its size.
    @Test func flickerMeterCompensatesMotion() {
        let (w, h) = (96, 72)
        var meter = FlickerMeter(videos: 2)
        var random = TensorRandom(seed: 1)
        for frame in 0..<6 {
            let shift = 1.3 * Double(frame)
            let l = Self.lightness(width: w, height: h, shiftX: shift, shiftY: 0)
            let ab = Self.chroma(width: w, height: h, shiftX: shift, shiftY: 0, noise: 0, random: &random)
            var moving = [Float](), blinking = [Float]()
            for i in 0..<(w * h) {
                moving += [l.values[i], ab.values[2 * i], ab.values[2 * i + 1]]
                blinking += [l.values[i], ab.values[2 * i] + (frame % 2 == 0 ? 2 : -2), ab.values[2 * i + 1]]
            }
            meter.add([
                Raster(width: w, height: h, channels: 3, values: moving),
                Raster(width: w, height: h, channels: 3, values: blinking),
            ])
        }
        let results = meter.results
        #expect(results[0].pairs == 5)
        #expect(results[0].matched > 0.8)
        #expect(results[0].flicker < 0.1, "moving colour: \(results[0].flicker)")
        #expect(
            results[0].uncompensated > 0.6 && results[0].fineFlicker < 0.2,
            "without compensation the motion shows: \(results[0].uncompensated), \(results[0].fineFlicker)")
        #expect(abs(results[1].flicker - 4) < 0.4, "blinking a by ±2: \(results[1].flicker)")
    }
}
