import Foundation
import Imaging

/// Paths of the committed fixtures (see Fixtures/make_fixtures.py) and scratch files.
enum Fixtures {
    static func path(_ name: String) -> String {
        Bundle.module.url(forResource: "Fixtures/\(name)", withExtension: nil)?.path ?? "missing-fixture-\(name)"
    }

    /// A fresh empty directory for one test.
    static func temporaryDirectory() -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("colorize-imaging-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url.path
    }

    /// A smooth, colourful test picture.
    static func gradient(width: Int, height: Int, channels: Int = 3) -> Image {
        var samples: [Float] = []
        for y in 0..<height {
            for x in 0..<width {
                let values: [Float] = [
                    Float(x) / Float(max(width - 1, 1)), Float(y) / Float(max(height - 1, 1)),
                    Float(x + y) / Float(max(width + height - 2, 1)), 1 - Float(y) / Float(max(height - 1, 1)),
                ]
                samples += values.prefix(channels)
            }
        }
        return Image(samples: samples, width: width, height: height, channels: channels)
    }
}
