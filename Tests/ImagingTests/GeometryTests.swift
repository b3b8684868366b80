import Foundation
import Testing

@testable import Imaging

@Suite struct ResizeTests {
    /// A 1-pixel checkerboard holds only the highest frequency. Downscaled by 2.56 it must come out
    /// flat grey: any residual pattern is aliasing. Bound: every pixel within 0.02 of 0.5.
    @Test func checkerboardDownscaleDoesNotAlias() {
        let n = 256
        let board = Raster(width: n, height: n, channels: 1, values: (0..<(n * n)).map { Float(($0 % n + $0 / n) % 2) })
        let small = board.resized(width: 100, height: 100)
        let worst = small.values.map { abs($0 - 0.5) }.max() ?? 1
        #expect(worst < 0.02, "max deviation from grey \(worst)")
    }

    @Test func constantsStayConstantAndSizesAreExact() {
        let flat = Raster(width: 37, height: 23, channels: 3, repeating: 0.3)
        for (w, h) in [(10, 7), (80, 50), (37, 90)] {
            let resized = flat.resized(width: w, height: h)
            #expect(resized.width == w && resized.height == h && resized.channels == 3)
            #expect(resized.values.allSatisfy { abs($0 - 0.3) < 1e-5 })
        }
    }

    @Test func upscaleInterpolatesSmoothly() {
        let ramp = Raster(width: 4, height: 1, channels: 1, values: [0, 1, 2, 3])
        let up = ramp.resized(width: 8, height: 1)
        // Interior of a linear ramp stays linear under bicubic interpolation.
        #expect(abs(up.values[3] - 1.25) < 1e-5 && abs(up.values[4] - 1.75) < 1e-5)
    }
}

@Suite struct GeometryTests {
    let raster = Raster(width: 5, height: 3, channels: 2, values: (0..<30).map(Float.init))

    @Test func flip() {
        let flipped = raster.flippedHorizontally()
        #expect(flipped[0, 1, 1] == raster[4, 1, 1])
        #expect(flipped.flippedHorizontally() == raster)
    }

    @Test func crop() {
        let crop = raster.cropped(x: 1, y: 1, width: 3, height: 2)
        #expect(crop.width == 3 && crop.height == 2)
        #expect(crop[0, 0, 0] == raster[1, 1, 0] && crop[2, 1, 1] == raster[3, 2, 1])
    }

    @Test func rotationKeepsCentreAndQuarterTurns() {
        let square = Raster(width: 5, height: 5, channels: 1, values: (0..<25).map(Float.init))
        let quarter = square.rotated(degrees: 90)
        #expect(quarter[2, 2, 0] == square[2, 2, 0])
        // Counter-clockwise: the top-right corner moves to the top-left.
        #expect(abs(quarter[0, 0, 0] - square[4, 0, 0]) < 1e-4)
        #expect(abs(square.rotated(degrees: 180)[0, 0, 0] - square[4, 4, 0]) < 1e-4)
        let small = square.rotated(degrees: 10)
        #expect(small[2, 2, 0] == square[2, 2, 0])
        #expect(square.rotated(degrees: 360) == square)
    }

    @Test func validRectangleAfterRotation() {
        #expect(Raster.validRectangle(width: 100, height: 60, degrees: 0) == (100, 60))
        let r = Raster.validRectangle(width: 100, height: 100, degrees: 45)
        #expect(r.width == 70 && r.height == 70)  // 100/√2 = 70.7
        let tilted = Raster.validRectangle(width: 200, height: 100, degrees: -10)
        #expect(tilted.width < 200 && tilted.height < 100 && tilted.width > 150 && tilted.height > 60)
    }

    @Test func exifOrientations() {
        let r = Raster(width: 3, height: 2, channels: 1, values: [1, 2, 3, 4, 5, 6])
        #expect(r.oriented(exif: 1) == r)
        #expect(r.oriented(exif: 2).values == [3, 2, 1, 6, 5, 4])
        #expect(r.oriented(exif: 3).values == [6, 5, 4, 3, 2, 1])
        #expect(r.oriented(exif: 4).values == [4, 5, 6, 1, 2, 3])
        let six = r.oriented(exif: 6)  // rotate 90° clockwise
        #expect(six.width == 2 && six.height == 3 && six.values == [4, 1, 5, 2, 6, 3])
        #expect(r.oriented(exif: 8).values == [3, 6, 2, 5, 1, 4])
        #expect(r.oriented(exif: 5).values == [1, 4, 2, 5, 3, 6])
        #expect(r.oriented(exif: 7).values == [6, 3, 5, 2, 4, 1])
    }

    @Test func randomSquareCropSizes() {
        var random = SystemRandomNumberGenerator()
        let photo = Raster(width: 300, height: 200, channels: 3, repeating: 0.5)
        for _ in 0..<20 {
            let crop = photo.randomSquareCrop(target: 64, using: &random)
            #expect(crop?.width == 64 && crop?.height == 64)
        }
        #expect(photo.randomSquareCrop(target: 256, using: &random) == nil)
    }
}

@Suite struct ColorMetricsTests {
    @Test func psnrOnHandComputedValues() {
        let a = Raster(width: 2, height: 1, channels: 3, repeating: 0)
        var b = a
        b.values[0] = 10.0 / 255  // one sample off by 10 of 255: MSE = 100/6
        #expect(abs(ColorMetrics.psnr(a, b) - 10 * log10(255.0 * 255 / (100.0 / 6))) < 1e-4)
        #expect(ColorMetrics.psnr(a, a) == .infinity)
    }

    @Test func colourfulnessOnHandComputedValues() {
        #expect(ColorMetrics.colourfulness(Raster(width: 3, height: 3, channels: 3, repeating: 0.4)) == 0)
        // Pure red everywhere: rg = 255, yb = 127.5, no variance → 0.3·√(255² + 127.5²).
        let red = Raster(width: 2, height: 2, channels: 3, values: [1, 0, 0, 1, 0, 0, 1, 0, 0, 1, 0, 0])
        #expect(abs(ColorMetrics.colourfulness(red) - 0.3 * (255.0 * 255 + 127.5 * 127.5).squareRoot()) < 1e-6)
        // Half red, half green: μrg = 0, σrg = 255, yb = 127.5 constant → 255 + 0.3·127.5.
        let mixed = Raster(width: 2, height: 1, channels: 3, values: [1, 0, 0, 0, 1, 0])
        #expect(abs(ColorMetrics.colourfulness(mixed) - (255 + 0.3 * 127.5)) < 1e-6)
    }

    @Test func abAUCOnHandComputedValues() {
        let truth = Raster(width: 2, height: 1, channels: 3, values: [50, 0, 0, 50, 0, 0])
        // Errors 0 and 100.5 (a-distance): the first counts for t = 0…150 (151 thresholds), the second
        // for t = 101…150 (50 thresholds). AuC = (151 + 50) / (2 · 151).
        let guess = Raster(width: 2, height: 1, channels: 3, values: [50, 0, 0, 50, 100.5, 0])
        #expect(abs(ColorMetrics.abErrorAUC(guess, truth) - 201.0 / 302) < 1e-9)
        #expect(ColorMetrics.abErrorAUC(truth, truth) == 1)
        // Weighting the wrong pixel 3× lowers the score: (151 + 3·50) / (4 · 151).
        #expect(abs(ColorMetrics.abErrorAUC(guess, truth, weights: [1, 3]) - 301.0 / 604) < 1e-9)
    }
}
