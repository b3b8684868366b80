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

    /// Writes the generator's weights and metadata atomically; `configuration` overrides the
    /// generator's own (to ship a checkpoint with, say, a temperature chosen afterwards), and
    /// `attachment` adds training state to the same file (loaders that only colorize ignore it).
    public static func save(
        _ generator: any ColorizationNetwork, magicWeights: MagicWeights?, step: Int, stage: String,
        configuration: ModelConfiguration? = nil, attachment: Checkpoint.Attachment = .init(), to path: String
    ) throws(CheckpointError) {
        var metadata = [
            "format": "colorize-generator-1", "step": String(step), "stage": stage,
            "configuration": json(configuration ?? generator.configuration),
        ]
        if let magicWeights { metadata["magic_weights"] = json(magicWeights) }
        try Checkpoint.save(generator, metadata: metadata, attachment: attachment, to: path)
    }

    /// A generator built from the file's configuration and loaded with its weights. A pretrained-
    /// encoder model's file holds its encoder too, so it needs no pretrained weights installed.
    public static func loadGenerator(from path: String) throws(CheckpointError) -> (any ColorizationNetwork, Metadata) {
        try loadGenerator(from: SafeTensors.read(path: path), path: path)
    }

    /// The generator of a file already read (a training checkpoint, whose other parts the caller reads).
    public static func loadGenerator(
        from contents: SafeTensors.Contents, path: String
    ) throws(CheckpointError) -> (any ColorizationNetwork, Metadata) {
        let info = try parse(contents.metadata, path: path)
        let generator: any ColorizationNetwork
        switch info.configuration.architecture {
        case .seed:
            generator = Generator(info.configuration)
        case .lite0, .lite2:
            let encoder = try EfficientNetLite(
                weights: contents.tensors, path: path, names: .engine(prefix: "encoder."), includeClassifier: false)
            let hintEncoder =
                info.configuration.acceptsHints
                ? try EfficientNetLite(
                    weights: contents.tensors, path: path,
                    names: .engine(prefix: PretrainedGenerator.hintEncoderPrefix),
                    includeClassifier: false) : nil
            generator = PretrainedGenerator(info.configuration, encoder: encoder, hintEncoder: hintEncoder)
        }
        try Checkpoint.load(generator, from: contents, path: path)
        return (generator, info)
    }

    /// A new, untrained generator of the configuration's architecture; a pretrained-encoder one
    /// starts from the ImageNet weights that `scripts/install-pretrained.sh` installs.
    public static func newGenerator(
        _ configuration: ModelConfiguration, seed: UInt64
    ) throws(CheckpointError)
        -> any ColorizationNetwork
    {
        switch configuration.architecture {
        case .seed:
            return Generator(configuration, seed: seed)
        case .lite0, .lite2:
            let variant: EfficientNetLite.Variant = configuration.architecture == .lite0 ? .lite0 : .lite2
            let encoder = try EfficientNetLite(variant, greyInput: true, includeClassifier: false)
            return PretrainedGenerator(configuration, encoder: encoder, seed: seed)
        }
    }

    static func parse(_ metadata: [String: String], path: String) throws(CheckpointError) -> Metadata {
        guard let text = metadata["configuration"],
            let configuration = try? JSONDecoder().decode(ModelConfiguration.self, from: Data(text.utf8))
        else {
            throw .malformed(path: path, reason: "no generator configuration in its metadata (not a Colorize model?)")
        }
        if let problem = configuration.problem {
            throw .malformed(path: path, reason: "its configuration is unusable: \(problem)")
        }
        guard !configuration.acceptsHints || configuration.architecture != .seed else {
            throw .malformed(path: path, reason: "the seed's U-Net takes no colour hints, but the file says it does")
        }
        let weights = metadata["magic_weights"].flatMap {
            try? JSONDecoder().decode(MagicWeights.self, from: Data($0.utf8))
        }
        var step = 0
        if let text = metadata["step"] {
            guard let value = Int(text), value >= 0 else {
                throw .malformed(path: path, reason: "step \"\(text)\" is not a whole number ≥ 0")
            }
            step = value
        }
        return Metadata(
            configuration: configuration, magicWeights: weights, step: step, stage: metadata["stage"] ?? "unknown")
    }

    static func json(_ value: some Encodable) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return (try? encoder.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }
}
