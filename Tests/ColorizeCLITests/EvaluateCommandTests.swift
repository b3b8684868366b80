import Foundation
import Imaging
import Testing

/// `colorize evaluate` with two models side by side: one colour prior and one grey row for both,
/// ΔCF against the originals, the feature distance, and the contact sheets.
@Suite struct EvaluateCommandTests {
    @Test func comparesTwoModelsBesideTheGreyBaseline() throws {
        let directory = ColorizeCommandTests.temporaryDirectory()
        let photos = directory + "/photos", sheets = directory + "/sheets"
        try FileManager.default.createDirectory(atPath: photos, withIntermediateDirectories: true)
        for (index, size) in [(96, 80), (120, 64), (70, 110)].enumerated() {
            let image = ColorizeCommandTests.oddImage(width: size.0, height: size.1)
            try ImageCodec.write(Image(color: image.rgb), to: photos + "/photo\(index).png")
        }
        let model = ColorizeCommandTests.model
        let result = try ColorizeCommandTests.run([
            "evaluate", "--data", photos, "--model", model, "--model", model, "--temperature", "0.1",
            "--temperature", "1", "--sheets", sheets, "--json",
        ])
        #expect(result.status == 0, "\(result.errors)")
        let summary = try #require(
            JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any])
        #expect(summary["photos"] as? Int == 3)
        let candidates = try #require(summary["candidates"] as? [[String: Any]])
        let grey = try #require(summary["grey"] as? [String: Any])
        let original = try #require(summary["originalColourfulness"] as? Double)
        #expect(candidates.count == 2)
        func scores(_ method: [String: Any]) throws -> [String: Double] {
            try #require(method["scores"] as? [String: Double])
        }
        // The same model, colder temperature: more colourful; ΔCF is the gap to the originals'.
        let cold = try scores(candidates[0]), warm = try scores(candidates[1])
        #expect(try #require(cold["colourfulness"]) > (try #require(warm["colourfulness"])))
        for method in candidates + [grey] {
            let colourfulness = try #require(try scores(method)["colourfulness"])
            let gap = try #require(method["colourfulnessGap"] as? Double)
            #expect(abs(gap - abs(colourfulness - original)) < 1e-9)
            let distance = try #require(method["featureDistance"] as? Double)
            #expect(distance >= 0 && distance.isFinite)
        }
        // Grey up to the rounding of the Lab → sRGB matrices (R, G, B equal to ~1e-4).
        #expect(try #require(try scores(grey)["colourfulness"]) < 0.05)
        #expect((summary["featureNetwork"] as? String)?.contains("EfficientNet-lite2") == true)
        for name in ["good", "soso", "ugly"] {
            #expect(FileManager.default.fileExists(atPath: "\(sheets)/\(name).png"))
        }
        let mismatched = try ColorizeCommandTests.run([
            "evaluate", "--data", photos, "--model", model, "--temperature", "0.1", "--temperature", "1",
        ])
        #expect(mismatched.status == 2 && mismatched.errors.contains("one per --model"))
    }
}
