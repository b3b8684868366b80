import Foundation

@testable import Colorization

/// Model files the tests share: the shipped model, and a tiny seed U-Net saved once for the tests of
/// what surrounds the network (the pipeline, not the colours, is under test there).
enum TestModels {
    static let shipped = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Models/default.safetensors").path

    static let tiny: String = {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent(
            "colorize-tiny-model-\(UUID().uuidString).safetensors"
        ).path
        try? ModelFile.save(
            Generator(ModelConfiguration(size: 64, widthMultiplier: 0.125)), magicWeights: .uniform(),
            step: 1, stage: "test", to: path)
        return path
    }()
}
