import Foundation
import Imaging
import Testing

@testable import Colorization

/// Extreme aspect ratios (a 65500×1 PNG is 143 bytes) must not blow up the network input.
@Suite struct ThinImageTests {
    static let dimensions: [(width: Int, height: Int)] = [
        (65500, 1), (1, 10_000_000), (10000, 10000), (4000, 3000), (64, 64), (1, 1),
    ]

    @Test(arguments: [192, 128])
    func networkInputIsBounded(size: Int) {
        let limit = Colorizer.maxSide(size: size)
        #expect(limit <= 4 * size && limit <= 2048 && limit % 64 == 0)
        for (width, height) in Self.dimensions {
            let (w, h) = Colorizer.networkDimensions(width: width, height: height, size: size)
            let label = "\(width)×\(height) at \(size) → \(w)×\(h)"
            #expect(w >= 64 && h >= 64, "\(label)")
            #expect(w <= limit && h <= limit, "\(label)")
            #expect(w % 64 == 0 && h % 64 == 0, "\(label)")
            #expect(w * h <= 3 * max(size * size, 64 * 64) / 2, "\(label)")
        }
    }

    /// Ordinary photos get exactly the input the models were trained and evaluated with before the
    /// cap: each side of an s²-area rectangle rounded to the nearest multiple of 64.
    @Test func ordinaryAspectRatiosKeepTheFormerRounding() {
        for size in [128, 192, 256] {
            for (width, height) in [(1, 1), (4, 3), (3, 2), (16, 9), (16, 10), (2, 1), (5, 4)] {
                for (w, h) in [(width * 600, height * 600), (height * 600, width * 600)] {
                    let aspect = Double(w) / Double(h), area = Double(size * size)
                    func round64(_ x: Double) -> Int { max(64, Int((x / 64).rounded()) * 64) }
                    let former = (round64((area * aspect).squareRoot()), round64((area / aspect).squareRoot()))
                    #expect(
                        Colorizer.networkDimensions(width: w, height: h, size: size) == former, "\(w)×\(h) at \(size)")
                }
            }
        }
    }

    @Test func keepsAspectAndAreaOfOrdinaryPhotos() {
        #expect(Colorizer.networkDimensions(width: 64, height: 64, size: 192) == (192, 192))
        #expect(Colorizer.networkDimensions(width: 4000, height: 3000, size: 192) == (192, 192))
        #expect(Colorizer.networkDimensions(width: 3000, height: 2000, size: 256) == (320, 192))
        #expect(Colorizer.networkDimensions(width: 65500, height: 1, size: 192) == (576, 64))
        #expect(Colorizer.networkDimensions(width: 1, height: 10_000_000, size: 128) == (64, 256))
        #expect(Colorizer.networkDimensions(width: 1, height: 10_000_000, size: 1024) == (512, 2048))
    }

    @Test(arguments: [(65500, 1), (1, 100_000)], [nil, 128])
    func colorizesThinImage(dimensions: (Int, Int), networkSize: Int?) throws {
        let colorizer = try Colorizer(modelPath: TestModels.tiny)
        let (width, height) = dimensions
        let grey = Image(
            samples: (0..<(width * height)).map { Float($0 % 251) / 251 }, width: width, height: height, channels: 1)
        let clock = ContinuousClock()
        var result: Image?
        let elapsed = clock.measure { result = colorizer.colorize(grey, networkSize: networkSize) }
        let output = try #require(result)
        #expect(output.width == width && output.height == height)
        #expect(output.color.channels == 3)
        #expect(output.color.values.allSatisfy { $0.isFinite && $0 >= 0 && $0 <= 1 })
        print("ThinImageTests: \(width)×\(height) at size \(networkSize ?? 64) colorized in \(elapsed)")
    }
}
