import ArgumentParser
import Colorization

/// `--format safetensors|onnx` on `colorize export`: a model file for `colorize` itself, or the
/// generator as an ONNX graph for onnxruntime and other ONNX runtimes.
enum ExportFormat: String, CaseIterable, ExpressibleByArgument {
    case safetensors, onnx

    /// Writes `model` as ONNX to `output` (and, for a model that takes hints, the graph with the
    /// hint input beside it), printing what was written; failures name the file (exit code 1).
    /// - Parameters:
    ///   - model: the model file or checkpoint.
    ///   - output: the ONNX file to write.
    ///   - temperature: the annealed mean's temperature baked into the graph; default the model's.
    ///   - trainedOn: what the model was trained on, stored in `metadata_props`.
    static func exportOnnx(model: String, output: String, temperature: Double?, trainedOn: String?) throws {
        let written: [String]
        do {
            written = try OnnxExport.export(modelAt: model, to: output, temperature: temperature, trainedOn: trainedOn)
        } catch { throw CLIError("\(error)") }
        for path in written {
            let graph = path == output ? "automatic graph (input L)" : "graph with hints (inputs L, hints)"
            print("wrote \(path): \(graph), ONNX opset \(OnnxExport.opsetVersion)")
        }
    }
}
