import Foundation
import Testing

@testable import Imaging

/// Reference values computed with scikit-image 0.25 (`rgb2lab`, `lab2rgb`, D65, 2° observer).
@Suite struct ColorSpaceTests {
    static let rgbToLab: [((Float, Float, Float), (Float, Float, Float))] = [
        ((1, 0, 0), (53.240588, 80.092308, 67.202751)),
        ((0, 1, 0), (87.735099, -86.183030, 83.179703)),
        ((0, 0, 1), (32.295673, 79.185591, -107.857300)),
        ((1, 1, 0), (97.139507, -21.554681, 94.478122)),
        ((0, 1, 1), (91.113301, -48.090596, -14.126330)),
        ((1, 0, 1), (60.323507, 98.233054, -60.821015)),
        ((1, 1, 1), (100.000000, -0.002455, 0.004653)),
        ((0, 0, 0), (0.000000, 0.000000, 0.000000)),
        ((0.5, 0.5, 0.5), (53.388965, -0.001468, 0.002784)),
        ((0.2, 0.2, 0.2), (21.246731, -0.000788, 0.001494)),
        ((0.9, 0.9, 0.9), (91.117078, -0.002267, 0.004297)),
        ((0.25, 0.5, 0.75), (52.018012, 0.090631, -39.359370)),
        ((0.8, 0.3, 0.1), (49.679646, 48.417235, 52.882674)),
        ((0.05, 0.6, 0.3), (55.475321, -51.300761, 30.756636)),
        ((0.01, 0.02, 0.03), (1.300054, -0.312350, -1.199765)),
    ]

    /// Includes out-of-gamut Lab values, which scikit-image clips into 0…1.
    static let labToRGB: [((Float, Float, Float), (Float, Float, Float))] = [
        ((50, 120, -120), (0.722268, 0.000000, 1.000000)),
        ((100, 100, 100), (1.000000, 0.574626, 0.193971)),
        ((0, 50, 50), (0.250561, 0.000000, 0.000000)),
        ((50, 0, 0), (0.466328, 0.466324, 0.466344)),
        ((75, -40, 60), (0.559236, 0.791033, 0.250066)),
        ((30, 20, -50), (0.121435, 0.254189, 0.586334)),
        ((100, 0, 0), (1.000000, 0.999995, 1.000000)),
        ((0, 0, 0), (0.000000, 0.000000, 0.000000)),
        ((60, -128, 127), (0.000000, 0.714087, 0.000000)),
        ((20, 80, 90), (0.569542, 0.000000, 0.000000)),
    ]

    @Test func rgbToLabMatchesScikitImage() {
        for ((r, g, b), (l, a, bb)) in Self.rgbToLab {
            let lab = ColorSpace.lab(r: r, g: g, b: b)
            #expect(
                abs(lab.l - l) < 1e-3 && abs(lab.a - a) < 1e-3 && abs(lab.b - bb) < 1e-3,
                "rgb (\(r), \(g), \(b)) → \(lab)")
        }
    }

    @Test func labToRGBMatchesScikitImageIncludingClipping() {
        for ((l, a, b), (r, g, bb)) in Self.labToRGB {
            let rgb = ColorSpace.rgb(l: l, a: a, b: b)
            #expect(
                abs(rgb.r - r) < 1e-4 && abs(rgb.g - g) < 1e-4 && abs(rgb.b - bb) < 1e-4,
                "lab (\(l), \(a), \(b)) → \(rgb)")
        }
    }

    @Test func wholeRasterConversionMatchesPerPixelAndRoundTrips() {
        let image = Fixtures.gradient(width: 31, height: 17)
        let lab = ColorSpace.lab(fromRGB: image.color)
        for (x, y) in [(0, 0), (30, 16), (12, 7)] {
            let reference = ColorSpace.lab(r: image.color[x, y, 0], g: image.color[x, y, 1], b: image.color[x, y, 2])
            #expect(abs(lab[x, y, 0] - reference.l) < 1e-3 && abs(lab[x, y, 1] - reference.a) < 1e-3)
        }
        let back = ColorSpace.rgb(fromLab: lab)
        let worst = zip(back.values, image.color.values).map { abs($0 - $1) }.max() ?? 1
        #expect(worst < 1e-4)
    }

    @Test func greyHasNoChroma() {
        let grey = Raster(width: 4, height: 1, channels: 1, values: [0, 0.25, 0.5, 1])
        let lab = ColorSpace.lab(fromRGB: grey)
        for x in 0..<4 { #expect(abs(lab[x, 0, 1]) < 0.01 && abs(lab[x, 0, 2]) < 0.01) }
        #expect(abs(ColorSpace.lightness(grey: 0.5) - 53.388965) < 1e-3)
    }

    @Test func gamutMappingKeepsLightnessAndHue() {
        // In gamut: the same as plain conversion. Out of gamut (L 50, a 100, b −100 and L 90, a −80,
        // b 90): clipping shifts L by more than a unit; scaling the chroma keeps L and the hue angle.
        let lab = Raster(width: 3, height: 1, channels: 3, values: [60, 20, -30, 50, 100, -100, 90, -80, 90])
        let clipped = ColorSpace.rgb(fromLab: lab), mapped = ColorSpace.rgb(fromLab: lab, keepingLightness: true)
        #expect((0..<3).allSatisfy { abs(mapped[0, 0, $0] - clipped[0, 0, $0]) < 1e-6 })
        let clippedLab = ColorSpace.lab(fromRGB: clipped), mappedLab = ColorSpace.lab(fromRGB: mapped)
        for x in 1...2 {
            #expect(abs(clippedLab[x, 0, 0] - lab[x, 0, 0]) > 1)
            #expect(abs(mappedLab[x, 0, 0] - lab[x, 0, 0]) < 0.05)
            let hue = atan2(lab[x, 0, 2], lab[x, 0, 1]), mappedHue = atan2(mappedLab[x, 0, 2], mappedLab[x, 0, 1])
            #expect(abs(mappedHue - hue) < 0.02)
            #expect(hypot(mappedLab[x, 0, 1], mappedLab[x, 0, 2]) > 20)
        }
    }
}
