import Foundation
import Imaging
import NeuralNetwork
import Tensor
import Testing

@testable import Colorization

/// The ONNX export: onnxruntime on the exported graphs against the engine, on random and real
/// inputs at three sizes, for the shipped model and a tiny random one (with and without hints);
/// the protobuf encoding; and the refusals.
@Suite(.serialized) struct OnnxExportTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let photo = repository.appendingPathComponent("docs/examples/ladybird-grey.jpg").path
    /// (height, width): non-square, so a swapped axis would show.
    static let sizes = [(64, 96), (128, 128), (160, 224)]
    /// Largest |onnxruntime − engine| allowed: per bin probability, and a*, b* in CIELAB units
    /// (1e-3 in the network's Lab/100 units).
    static let distributionTolerance = 1e-4, abTolerance = 0.1

    static func temporaryDirectory() -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("colorize-onnx-\(UUID().uuidString)")
            .path
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    @Test func shippedModelMatchesOnnxRuntime() throws {
        guard OnnxRuntimeCheck.isAvailable() else { return }
        let report = try checkAgainstOnnxRuntime(modelPath: TestModels.shipped)
        let metadata = report.metadata.values.first ?? [:]
        #expect(metadata["architecture"] == "lite0" && metadata["temperature"] == "0.45" && metadata["bins"] == "16")
        #expect(metadata["magic_weights"]?.contains("\"countsA\"") == true)
    }

    @Test func tinyModelMatchesOnnxRuntime() throws {
        guard OnnxRuntimeCheck.isAvailable() else { return }
        let path = try TinyPretrainedModel.save(seed: 11)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let report = try checkAgainstOnnxRuntime(modelPath: path)
        #expect(report.metadata.values.allSatisfy { $0["temperature"] == "0.42" && $0["step"] == "7" })
    }

    /// Exports `modelPath`, runs the engine and onnxruntime on a batch of [random L*, the photo's
    /// L*] at each size (with hints too, for a model that takes them) and compares every output.
    func checkAgainstOnnxRuntime(modelPath: String) throws -> OnnxRuntimeCheck.Report {
        let directory = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let automatic = directory + "/model.onnx"
        let written = try OnnxExport.export(modelAt: modelPath, to: automatic)
        let (generator, metadata) = try ModelFile.loadGenerator(from: modelPath)
        let acceptsHints = metadata.configuration.acceptsHints, bins = metadata.configuration.bins
        #expect(written == [automatic] + (acceptsHints ? [directory + "/model-hints.onnx"] : []))
        let photo = try ImageCodec.readPixels(path: Self.photo)
        var random = TensorRandom(seed: 5)
        var cases: [OnnxRuntimeCheck.Case] = []
        func file(_ values: [Float], _ shape: [Int], _ name: String) throws -> OnnxRuntimeCheck.Tensor4 {
            let path = "\(directory)/\(name).f32"
            try values.withUnsafeBytes { Data($0) }.write(to: URL(fileURLWithPath: path))
            return .init(file: path, shape: shape)
        }
        for (h, w) in Self.sizes {
            let label = "\(h)x\(w)"
            let lStar =
                (0..<h * w).map { _ in 100 * random.nextUniform() } + photo.lightness(width: w, height: h).values
            let lightness = Tensor(shape: [2, h, w, 1], values: lStar.map { $0 * 0.01 })
            let input = try file(lStar, [2, 1, h, w], "L-\(label)")
            var fields: [(String, Tensor?)] = [("automatic", nil)]
            if acceptsHints {
                // Points on the random sample only: the graph must gate the hint encoder per sample.
                let points = [
                    HintPoint(x: w / 4, y: h / 3, side: 3, a: 0.4, b: 0.2),
                    HintPoint(x: 3 * w / 4, y: 2 * h / 3, side: 5, a: -0.3, b: 0.5),
                ]
                fields.append(("hints", HintField.make(lightness: lightness, points: [points, []], bins: bins)))
            }
            for (kind, field) in fields {
                let name = "\(label)-\(kind)"
                let outputs = engineOutputs(generator, lightness, hints: field)
                var inputs = ["L": input]
                if let field {
                    inputs["hints"] = try file(
                        Self.nchw(field.scalars, channels: field.shape[3], height: h, width: w),
                        [2, field.shape[3], h, w],
                        "hints-\(label)")
                }
                cases.append(
                    .init(
                        label: name, graph: field == nil ? automatic : OnnxExport.hintsPath(for: automatic),
                        inputs: inputs,
                        expected: [
                            "distribution_a": try file(outputs.a, [2, bins, h, w], "pa-\(name)"),
                            "distribution_b": try file(outputs.b, [2, bins, h, w], "pb-\(name)"),
                            "ab": try file(outputs.ab, [2, 2, h, w], "ab-\(name)"),
                        ]))
            }
        }
        let report = try OnnxRuntimeCheck.compare(graphs: written, cases: cases, in: directory)
        #expect(report.results.map(\.label) == cases.map(\.label))
        for result in report.results {
            for output in ["distribution_a", "distribution_b"] {
                let difference = result.maxDifference[output] ?? .infinity
                #expect(difference <= Self.distributionTolerance, "\(result.label) \(output): \(difference)")
            }
            let difference = result.maxDifference["ab"] ?? .infinity
            #expect(difference <= Self.abTolerance, "\(result.label) ab: \(difference) CIELAB units")
            print("onnx \(URL(fileURLWithPath: modelPath).lastPathComponent) \(result.label): \(result.maxDifference)")
        }
        #expect(report.inputs[automatic] == ["L"])
        if acceptsHints { #expect(report.inputs[OnnxExport.hintsPath(for: automatic)] == ["L", "hints"]) }
        return report
    }

    /// The engine's outputs in the graph's layout (NCHW): the two distributions (softmax of the
    /// logits) and `Colorizer.predictAB`'s annealed mean in CIELAB units.
    func engineOutputs(
        _ generator: any ColorizationNetwork, _ lightness: Tensor, hints: Tensor?
    ) -> (a: [Float], b: [Float], ab: [Float]) {
        let bins = generator.configuration.bins, (height, width) = (lightness.shape[1], lightness.shape[2])
        let output = withoutGradients { generator(lightness, hints: hints, training: false) }
        let ab = Colorizer.predictAB(generator, lightness, hints: hints).scalars.map { $0 * 100 }
        return (
            Self.nchw(
                ChromaDecoding.softmax(output.logitsA.scalars, bins), channels: bins, height: height, width: width),
            Self.nchw(
                ChromaDecoding.softmax(output.logitsB.scalars, bins), channels: bins, height: height, width: width),
            Self.nchw(ab, channels: 2, height: height, width: width)
        )
    }

    /// NHWC values → NCHW.
    static func nchw(_ values: [Float], channels: Int, height: Int, width: Int) -> [Float] {
        let plane = height * width
        var out = [Float](repeating: 0, count: values.count)
        for pixel in 0..<values.count / channels {
            let (image, inImage) = (pixel / plane, pixel % plane)
            for c in 0..<channels { out[(image * channels + c) * plane + inImage] = values[pixel * channels + c] }
        }
        return out
    }

    @Test func protobufEncodingIsTheWireFormat() {
        var writer = ProtobufWriter()
        writer.int(1, 150)  // the protobuf documentation's example: 08 96 01
        writer.string(2, "testing")
        writer.int(3, -1)  // ten bytes, two's complement
        writer.float(4, 1)
        writer.packedInts(5, [3, 270])
        #expect(
            writer.bytes == [0x08, 0x96, 0x01, 0x12, 0x07] + Array("testing".utf8)
                + [0x18, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01]
                + [0x25, 0x00, 0x00, 0x80, 0x3F] + [0x2A, 0x03, 0x03, 0x8E, 0x02])
    }

    @Test func theSeedArchitectureIsRefused() {
        #expect(throws: OnnxExportError.unsupportedArchitecture(path: TestModels.tiny, architecture: "seed")) {
            try OnnxExport.export(modelAt: TestModels.tiny, to: Self.temporaryDirectory() + "/seed.onnx")
        }
        let message = "\(OnnxExportError.unsupportedArchitecture(path: TestModels.tiny, architecture: "seed"))"
        #expect(message.hasPrefix(TestModels.tiny) && message.contains("lite0, lite2"))
    }

    @Test func aFileThatIsNotAModelIsRefused() throws {
        let directory = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/notes.safetensors"
        try Data("not a model\n".utf8).write(to: URL(fileURLWithPath: path))
        do {
            try OnnxExport.export(modelAt: path, to: directory + "/out.onnx")
            Issue.record("\(path) was exported")
        } catch {
            guard case .unreadableModel(let named, _) = error else {
                Issue.record("unexpected error \(error)")
                return
            }
            #expect(named == path && "\(error)".hasPrefix(path))
        }
        #expect(!FileManager.default.fileExists(atPath: directory + "/out.onnx"))
    }
}
