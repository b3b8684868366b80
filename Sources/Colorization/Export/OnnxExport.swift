import Foundation
import NeuralNetwork

/// Writes a generator as an ONNX model, so that onnxruntime (servers, phones, the browser), and any
/// other ONNX runtime, can colorize with it without this program.
///
/// The graph is NCHW: input `L` [N, 1, H, W] (CIELAB L*, 0…100; H and W multiples of 32, N, H and
/// W free), outputs `distribution_a` and `distribution_b` [N, bins, H, W] (softmax of the logits)
/// and `ab` [N, 2, H, W] (CIELAB a*, b*: the annealed mean at the model's temperature, what
/// `Colorizer.predictAB` computes). BatchNorm after a convolution is folded into it; BatchNorm
/// before one stays a per-channel Sub/Mul/Add, since folding it would change the border pixels
/// that the convolution's zero padding sees. The model's configuration, magic weights and training
/// record go into `metadata_props`.
///
/// A model that takes hints gives two graphs: the automatic one (the base network alone, as
/// `colorize` runs it without hints) and one with the `HintField` as a second input. ONNX has no
/// optional inputs of free size, and a single graph fed an all-zero field would still run the
/// hint encoder, a second EfficientNet, doubling every automatic colorization's work.
public enum OnnxExport {
    /// The operator set written against: 17 (Softmax on one axis since 13, Clip bounds as inputs
    /// since 11, ReduceMax's axes still an attribute).
    public static let opsetVersion = 17
    /// The ONNX file-format version that opset 17 goes with.
    static let irVersion = 8
    /// The architectures with an ONNX translation.
    public static let exportableArchitectures: [ModelConfiguration.Architecture] = [.lite0, .lite2]

    /// The ONNX file (`ModelProto` bytes) of `generator`.
    /// - Parameters:
    ///   - generator: the generator; its architecture must be one of `exportableArchitectures`.
    ///   - metadata: its model file's metadata (configuration, magic weights, stage, step).
    ///   - temperature: the annealed mean's temperature; default the model's.
    ///   - trainedOn: what the model was trained on, for `metadata_props` (model files do not record it).
    ///   - withHints: the graph with the hint-field input (the model must take hints).
    ///   - source: the model's path, for errors.
    public static func serializedModel(
        of generator: any ColorizationNetwork, metadata: ModelFile.Metadata, temperature: Double? = nil,
        trainedOn: String? = nil, withHints: Bool = false, source: String
    ) throws(OnnxExportError) -> [UInt8] {
        guard let network = generator as? PretrainedGenerator else {
            throw .unsupportedArchitecture(path: source, architecture: generator.configuration.architecture.rawValue)
        }
        precondition(!withHints || network.configuration.acceptsHints, "the hint graph of a model that takes no hints")
        var configuration = metadata.configuration
        if let temperature { configuration.temperature = temperature }
        var builder = OnnxGraphBuilder(name: withHints ? "colorize_generator_with_hints" : "colorize_generator")
        network.addOnnxGraph(to: &builder, temperature: configuration.temperature, withHints: withHints)
        var graph = builder.graph
        graph.documentation =
            "Colorize generator (\(configuration.architecture.rawValue)): L* in, a*/b* distributions and colour out"
        let model = OnnxModel(
            graph: graph, opsetVersion: opsetVersion, irVersion: irVersion, producerName: "colorize",
            producerVersion: "1", documentation: "Colorize: automatic colorization of grey photographs",
            metadata: metadataProperties(
                metadata, configuration: configuration, trainedOn: trainedOn, withHints: withHints))
        return model.serialized()
    }

    /// `metadata_props`: everything a user of the graph needs that its shapes do not say.
    static func metadataProperties(
        _ metadata: ModelFile.Metadata, configuration: ModelConfiguration, trainedOn: String?, withHints: Bool
    ) -> [(key: String, value: String)] {
        let centers = ColorQuantizer(bins: configuration.bins).centers.map { $0 * 100 }
        var properties: [(key: String, value: String)] = [
            ("architecture", configuration.architecture.rawValue),
            ("temperature", String(configuration.temperature)),
            ("bins", String(configuration.bins)),
            ("bin_centers_ab", ModelFile.json(centers)),
            ("network_size", String(configuration.size)),
            ("size_multiple", String(configuration.architecture.sizeMultiple)),
            ("accepts_hints", String(configuration.acceptsHints)),
            ("graph", withHints ? "with hints (inputs L, hints)" : "automatic (input L)"),
            ("configuration", ModelFile.json(configuration)),
            ("stage", metadata.stage),
            ("step", String(metadata.step)),
            (
                "trained_on",
                trainedOn
                    ?? "\(metadata.stage) stage, \(metadata.step) steps, encoder pretrained on ImageNet; "
                    + "the model file does not record its training photos"
            ),
            (
                "usage",
                "L: CIELAB L* [N,1,H,W], H and W multiples of \(configuration.architecture.sizeMultiple), about "
                    + "network_size² pixels; ab: CIELAB a*, b* [N,2,H,W] at that size, to upsample and join with the "
                    + "full-size L*"
            ),
        ]
        if let weights = metadata.magicWeights { properties.append(("magic_weights", ModelFile.json(weights))) }
        if withHints {
            properties.append(
                ("hints", "HintField [N,\(HintField.channels(bins: configuration.bins)),H,W]: see HintField.swift"))
        }
        return properties
    }

    /// Where the graph with the hint input goes beside `output`: `x.onnx` → `x-hints.onnx`.
    /// - Parameters:
    ///   - output: the automatic graph's path.
    public static func hintsPath(for output: String) -> String {
        output.hasSuffix(".onnx") ? String(output.dropLast(5)) + "-hints.onnx" : output + "-hints.onnx"
    }

    /// Reads a model file or checkpoint and writes its graph to `output` (atomically), and for a
    /// model that takes hints also the graph with the hint input to `hintsPath(for:)`.
    /// - Parameters:
    ///   - path: a model file or checkpoint.
    ///   - output: the ONNX file to write.
    ///   - temperature: the annealed mean's temperature; default the model's.
    ///   - trainedOn: what the model was trained on, for `metadata_props`.
    /// - Returns: the paths written.
    @discardableResult
    public static func export(
        modelAt path: String, to output: String, temperature: Double? = nil, trainedOn: String? = nil
    ) throws(OnnxExportError) -> [String] {
        let generator: any ColorizationNetwork, metadata: ModelFile.Metadata
        do { (generator, metadata) = try ModelFile.loadGenerator(from: path) } catch {
            throw .unreadableModel(path: path, reason: Self.reason(error))
        }
        guard exportableArchitectures.contains(generator.configuration.architecture) else {
            throw .unsupportedArchitecture(path: path, architecture: generator.configuration.architecture.rawValue)
        }
        var written: [String] = []
        for withHints in generator.configuration.acceptsHints ? [false, true] : [false] {
            let destination = withHints ? hintsPath(for: output) : output
            let bytes = try serializedModel(
                of: generator, metadata: metadata, temperature: temperature, trainedOn: trainedOn,
                withHints: withHints, source: path)
            do { try Data(bytes).write(to: URL(fileURLWithPath: destination), options: .atomic) } catch {
                throw .writeFailed(path: destination, reason: error.localizedDescription)
            }
            written.append(destination)
        }
        return written
    }

    /// A checkpoint error's reason without the path that `OnnxExportError` already names.
    private static func reason(_ error: CheckpointError) -> String {
        switch error {
        case .fileNotFound: "no such file"
        case let .malformed(_, reason): "not a valid safetensors file: \(reason)"
        case let .mismatch(_, reason): "its tensors do not fit its configuration: \(reason)"
        case let .writeFailed(_, reason): reason
        }
    }
}
