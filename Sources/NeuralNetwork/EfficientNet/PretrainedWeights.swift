import Foundation

/// Where `scripts/install-pretrained.sh` puts the converted ImageNet weights, so that the code
/// finds them without being told: `$COLORIZE_PRETRAINED` if set, else `data/pretrained` in the
/// working directory, else `data/pretrained` in the source tree this binary was built from.
public enum PretrainedWeights {
    public static let environmentVariable = "COLORIZE_PRETRAINED"

    public static var directory: String {
        if let configured = ProcessInfo.processInfo.environment[environmentVariable], !configured.isEmpty {
            return configured
        }
        let local = FileManager.default.currentDirectoryPath + "/data/pretrained"
        if FileManager.default.fileExists(atPath: local) { return local }
        // …/Sources/NeuralNetwork/EfficientNet/PretrainedWeights.swift → the repository root.
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        return root.appendingPathComponent("data/pretrained").path
    }
}
