import Foundation
import Imaging
import Tensor
import Testing

@testable import Colorization

/// Colour hints: their text and JSON forms, the hint field the network reads, the simulated clicks
/// it trains on, and that the shipped model follows them.
@Suite struct HintTests {
    @Test func parsesHexAndLabColours() throws {
        let red = try ColorHint(parsing: "120,45,#c0392b")
        let lab = ColorSpace.lab(r: 0xC0 / 255, g: 0x39 / 255, b: 0x2B / 255)
        #expect(red.x == 120 && red.y == 45 && red.color == "#c0392b")
        #expect(abs(red.a - lab.a) < 1e-4 && abs(red.b - lab.b) < 1e-4)
        #expect(red.a > 40 && red.b > 30)  // a clear red: positive a and b
        let white = try ColorHint(parsing: " 3.5 , 7 , #FFF ")
        #expect(white.x == 3.5 && white.y == 7 && abs(white.a) < 0.01 && abs(white.b) < 0.01)
        let green = try ColorHint(parsing: "0,0,lab:-40,35.5")
        #expect(green.a == -40 && green.b == 35.5)
        #expect(try ColorHint(parsing: "1,2,2e86c1").b < -20)  // '#' is optional; a blue
    }

    @Test func refusesMalformedHintsWithTheReason() {
        let cases: [(String, String)] = [
            ("120,45", "expected X,Y,COLOR"),
            ("left,45,#fff", "expected X,Y,COLOR"),
            ("1,2,#12345g", "#rrggbb, #rgb or lab:A,B"),
            ("1,2,#1234", "#rrggbb, #rgb or lab:A,B"),
            ("1,2,red", "#rrggbb, #rgb or lab:A,B"),
            ("1,2,lab:200,0", "two numbers from −128 to 128"),
            ("1,2,lab:10", "two numbers from −128 to 128"),
            ("nan,2,#fff", "coordinates must be numbers"),
        ]
        for (text, reason) in cases {
            #expect(throws: HintError.self, "\(text)") { try ColorHint(parsing: text) }
            do {
                _ = try ColorHint(parsing: text)
            } catch {
                #expect(error.description.contains(reason), "\(text): \(error)")
                #expect(error.description.contains("hint \""), "\(text): \(error)")
            }
        }
    }

    @Test func hintsOutsideTheImageAreRefusedNamingItsSize() throws {
        for spec in ["640,10,#fff", "-1,10,#fff", "10,480,#fff"] {
            let hint = try ColorHint(parsing: spec)
            #expect(throws: HintError.self) { try hint.check(width: 640, height: 480) }
            do { try hint.check(width: 640, height: 480) } catch {
                #expect(error.description.contains("outside the 640×480 image"), "\(error)")
            }
        }
        try ColorHint(parsing: "639.9,479,#fff").check(width: 640, height: 480)
    }

    /// More hints than one image can take are refused naming the source, not computed for minutes.
    @Test func moreThanAThousandHintsAreRefused() throws {
        let hint = ##"{"x": 1, "y": 2, "color": "#c0392b"}"##
        func list(_ count: Int) -> Data {
            Data(("[" + Array(repeating: hint, count: count).joined(separator: ",") + "]").utf8)
        }
        #expect(try ColorHint.list(json: list(1000), source: "h.json").count == 1000)
        #expect(throws: HintError.tooMany(1001, source: "h.json")) {
            try ColorHint.list(json: list(1001), source: "h.json")
        }
        #expect(
            HintError.tooMany(1001, source: "h.json").description.contains("h.json: 1001 hints, more than the 1000"))
    }

    @Test func jsonListsRoundTripAndBadFilesSayWhy() throws {
        let hints = [try ColorHint(parsing: "120,45,#c0392b"), ColorHint(x: 3, y: 4, a: -40, b: 35)]
        let text = ColorHint.json(hints)
        #expect(try ColorHint.list(json: Data(text.utf8), source: "h.json") == hints)
        let bare = ##"[{"x": 120, "y": 45, "color": "#c0392b"}, {"x": 3, "y": 4, "color": "lab:-40.00,35.00"}]"##
        #expect(try ColorHint.list(json: Data(bare.utf8), source: "h.json") == hints)
        let failures: [(String, String)] = [
            ("{not json", "h.json: cannot read hints: not JSON"),
            (##"[{"x": 1, "y": 2}]"##, "a hint has no \"color\""),
            (##"[{"x": 1, "y": 2, "color": "purple"}]"##, "hint \"purple\""),
            (##"{"hints": [{"x": "a", "y": 2, "color": "#fff"}]}"##, "h.json: cannot read hints"),
        ]
        for (json, message) in failures {
            do {
                _ = try ColorHint.list(json: Data(json.utf8), source: "h.json")
                Issue.record("\(json) was accepted")
            } catch {
                #expect(error.description.contains(message), "\(json): \(error)")
            }
        }
    }

    /// Two flat regions of different lightness: a point spreads within its own region more than
    /// across the edge, and marks its patch.
    @Test func theFieldSpreadsAPointOverItsOwnLightness() {
        let (w, h) = (32, 32)
        let l = (0..<(w * h)).map { Float($0 % w < 16 ? 0.3 : 0.8) }
        let lightness = Tensor(shape: [1, h, w, 1], values: l)
        #expect(HintField.make(lightness: lightness, points: [[]], bins: 16).scalars.allSatisfy { $0 == 0 })
        let field = HintField.make(
            lightness: lightness, points: [[HintPoint(x: 10, y: 16, side: 3, a: 0.5, b: -0.25)]], bins: 16
        ).scalars
        let channels = HintField.channels(bins: 16)
        func value(_ x: Int, _ y: Int, _ c: Int) -> Float { field[(y * w + x) * channels + c] }
        let mask = HintField.maskChannel
        #expect(value(10, 16, mask) == 1 && value(9, 15, mask) == 1 && value(12, 16, mask) == 0)
        for reach in HintField.reaches.indices {
            #expect(abs(value(10, 16, 3 * reach + 2) - 1) < 1e-5)
            #expect(abs(value(10, 16, 3 * reach) - 0.5) < 1e-4 && abs(value(10, 16, 3 * reach + 1) + 0.25) < 1e-4)
            // Same distance (6 px), same side of the edge against across it.
            #expect(value(4, 16, 3 * reach + 2) > 10 * value(16, 16, 3 * reach + 2))
        }
        // Each reach carries further than the one before.
        #expect(value(2, 4, 5) > value(2, 4, 2) && value(2, 4, 8) > value(2, 4, 5))
        // Soft one-hot at the point: a = 0.5 lies between bins 11 (0.4667) and 12 (0.6) of 16, b =
        // −0.25 between bins 5 (−0.3333) and 6 (−0.2); the weights interpolate linearly.
        for reach in HintField.reaches.indices {
            let a = HintField.binChannel(reach: reach, bins: 16), b = a + 16
            #expect(abs(value(10, 16, a + 11) - 0.75) < 1e-3 && abs(value(10, 16, a + 12) - 0.25) < 1e-3)
            #expect(abs(value(10, 16, b + 5) - 0.375) < 1e-3 && abs(value(10, 16, b + 6) - 0.625) < 1e-3)
            #expect(abs((0..<32).map { value(10, 16, a + $0) }.reduce(0, +) - 2) < 1e-4)
        }
    }

    @Test func simulatedClicksFollowZhangsDistribution() {
        let (w, h) = (40, 30)
        var lab = [Float](repeating: 0, count: w * h * 3)
        for i in 0..<(w * h) { (lab[3 * i + 1], lab[3 * i + 2]) = (Float(i % w) / 100, -0.2) }
        var random = TensorRandom(seed: 7)
        let simulation = HintSimulation()
        let counts = (0..<2000).map { _ in
            simulation.points(lab: lab[...], width: w, height: h, using: &random).count
        }
        let none = Double(counts.filter { $0 == 0 }.count) / 2000
        #expect(abs(none - 0.3) < 0.04)
        let mean = Double(counts.filter { $0 > 0 }.reduce(0, +)) / Double(counts.filter { $0 > 0 }.count)
        #expect(abs(mean - 8) < 0.8, "mean count \(mean)")  // 1 + geometric(1/8): mean 8
        #expect(counts.max() ?? 0 <= 50)
        // A point's colour is its patch's mean: a is x/100 here, so a 3-wide patch at x = 5 gives 0.05.
        let point = HintSimulation.point(lab: lab[...], width: w, height: h, x: 5, y: 9, side: 3)
        #expect(abs(point.a - 0.05) < 1e-6 && abs(point.b + 0.2) < 1e-6)
        let edge = HintSimulation.point(lab: lab[...], width: w, height: h, x: 0, y: 0, side: 9)
        #expect(abs(edge.a - 0.02) < 1e-6)  // clipped to x 0…4
    }

    /// Without hints the generator skips its bias-free hint branches: the same logits as a
    /// full-size zero field, exactly.
    @Test func noHintsEqualsAnAllZeroField() throws {
        let colorizer = try Colorizer(modelPath: TestModels.shipped)
        try #require(colorizer.acceptsHints, "Models/default.safetensors takes no hints")
        var random = TensorRandom(seed: 3)
        let lightness = Tensor.uniform([2, 64, 96, 1], using: &random)
        let zeros = HintField.make(lightness: lightness, points: [[], []], bins: 16)
        let (plain, zeroed) = withoutGradients {
            (
                colorizer.generator(lightness, training: false),
                colorizer.generator(lightness, hints: zeros, training: false)
            )
        }
        for (a, b) in [(plain.logitsA, zeroed.logitsA), (plain.logitsB, zeroed.logitsB)] {
            #expect(a.shape == b.shape)
            #expect(a.scalars == b.scalars)
        }
    }

    /// The shipped model follows clicks: at each hinted pixel the predicted a, b move most of the
    /// way to the hint's, on a grey scene whose regions carry no colour cue.
    @Test func theShippedModelMovesHintedPixelsTowardsTheHint() throws {
        let colorizer = try Colorizer(modelPath: TestModels.shipped)
        try #require(colorizer.acceptsHints, "Models/default.safetensors takes no hints")
        let (w, h) = (320, 240)
        var samples = [Float](repeating: 0, count: w * h)
        for y in 0..<h {
            for x in 0..<w {
                let disc = (x - 80) * (x - 80) + (y - 120) * (y - 120) < 50 * 50
                let square = (200..<290).contains(x) && (70..<170).contains(y)
                samples[y * w + x] = disc ? 0.55 : square ? 0.35 : 0.75 + 0.1 * Float(y) / Float(h)
            }
        }
        let grey = PixelImage(Image(samples: samples, width: w, height: h, channels: 1))
        let hints = [
            try ColorHint(parsing: "80,120,#d02020"), try ColorHint(parsing: "245,120,#2050d0"),
            try ColorHint(parsing: "160,20,#30a040"),
        ]
        let automatic = ColorSpace.lab(fromRGB: colorizer.colorize(grey).image.rgb)
        let hinted = ColorSpace.lab(fromRGB: colorizer.colorize(grey, hints: hints).image.rgb)
        for hint in hints {
            let i = Int(hint.y) * w + Int(hint.x)
            func distance(_ lab: Raster) -> Float {
                let da = lab.values[3 * i + 1] - hint.a, db = lab.values[3 * i + 2] - hint.b
                return (da * da + db * db).squareRoot()
            }
            let before = distance(automatic), after = distance(hinted)
            print("hint \(hint.color): ab distance \(before) → \(after)")
            #expect(after < 0.5 * before, "hint \(hint.color): \(before) → \(after)")
        }
    }
}
