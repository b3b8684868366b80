import Foundation
import NeuralNetwork
import Tensor
import Testing

@testable import Colorization

/// A model file is trusted no more than a command line: every configuration field is checked with
/// the options' rules, and weights for magnitude as well as NaN, before anything is built.
@Suite struct ModelFileValidationTests {
    static func save(_ configuration: ModelConfiguration, scaling weight: Float = 1) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent(
            "colorize-bad-model-\(UUID().uuidString).safetensors"
        ).path
        let generator = Generator(ModelConfiguration(size: 64, widthMultiplier: 0.125))
        if weight != 1, let first = generator.namedParameters.first?.parameter {
            first.assign(first.value * weight)
        }
        try ModelFile.save(generator, magicWeights: nil, step: 1, stage: "test", configuration: configuration, to: path)
        return path
    }

    @Test func unusableConfigurationsAreRefusedNamingTheField() throws {
        let base = ModelConfiguration(size: 64, widthMultiplier: 0.125)
        let cases: [(message: String, change: (inout ModelConfiguration) -> Void)] = [
            ("temperature 0.0", { $0.temperature = 0 }),
            ("temperature -1.0", { $0.temperature = -1 }),
            ("temperature", { $0.temperature = 1e-40 }),
            ("width multiplier", { $0.widthMultiplier = 1e300 }),
            ("width multiplier", { $0.widthMultiplier = 1e6 }),
            ("bins", { $0.bins = 1 << 40 }),
            ("size", { $0.size = 1 << 40 }),
            ("size 96 is not a multiple of 64", { $0.size = 96 }),
        ]
        for (message, change) in cases {
            var configuration = base
            change(&configuration)
            let path = try Self.save(configuration)
            defer { try? FileManager.default.removeItem(atPath: path) }
            #expect(throws: CheckpointError.self, "\(message)") { _ = try ModelFile.loadGenerator(from: path) }
            do { _ = try ModelFile.loadGenerator(from: path) } catch {
                #expect("\(error)".contains(message) && "\(error)".contains(path), "\(error)")
            }
        }
    }

    @Test func hugeFiniteWeightsAreRefused() throws {
        let path = try Self.save(ModelConfiguration(size: 64, widthMultiplier: 0.125), scaling: 1e12)
        defer { try? FileManager.default.removeItem(atPath: path) }
        do {
            _ = try ModelFile.loadGenerator(from: path)
            Issue.record("a model with weights of magnitude 1e12 was loaded")
        } catch {
            #expect("\(error)".contains("trained weights stay below 100000"), "\(error)")
        }
        // The shipped model is well inside the bound.
        _ = try ModelFile.loadGenerator(from: TestModels.shipped)
    }
}
