import Foundation
import NeuralNetwork
import Tensor

/// A generator checkpoint: weights in safetensors, with the configuration, magic weights, stage and
/// step in the header's `__metadata__` so one file is enough to colorize or resume.
public enum ModelFile {
    public struct Metadata: Sendable {
        public var configuration: ModelConfiguration
        public var magicWeights: MagicWeights?
        public var step: Int
        public var stage: String
    }

    public static func save(_ generator: Generator, magicWeights: MagicWeights?, step: Int, stage: String,
                            to path: String) throws(CheckpointError) {
        var metadata = ["format": "colorize-generator-1", "step": String(step), "stage": stage,
                        "configuration": json(generator.configuration)]
        if let magicWeights { metadata["magic_weights"] = json(magicWeights) }
        try Checkpoint.save(generator, metadata: metadata, to: path)
    }

    /// Reads the metadata only (to build a matching generator before loading the weights).
    public static func metadata(at path: String) throws(CheckpointError) -> Metadata {
        let contents = try SafeTensors.read(path: path)
        return try parse(contents.metadata, path: path)
    }

    /// A generator built from the file's configuration and loaded with its weights.
    public static func loadGenerator(from path: String) throws(CheckpointError) -> (Generator, Metadata) {
        let info = try metadata(at: path)
        let generator = Generator(info.configuration)
        try Checkpoint.load(generator, from: path)
        return (generator, info)
    }

    static func parse(_ metadata: [String: String], path: String) throws(CheckpointError) -> Metadata {
        guard let text = metadata["configuration"],
              let configuration = try? JSONDecoder().decode(ModelConfiguration.self, from: Data(text.utf8)) else {
            throw .malformed(path: path, reason: "no generator configuration in its metadata (not a Colorize model?)")
        }
        let weights = metadata["magic_weights"].flatMap { try? JSONDecoder().decode(MagicWeights.self, from: Data($0.utf8)) }
        return Metadata(configuration: configuration, magicWeights: weights, step: metadata["step"].flatMap(Int.init) ?? 0,
                        stage: metadata["stage"] ?? "unknown")
    }

    static func json(_ value: some Encodable) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return (try? encoder.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }
}
