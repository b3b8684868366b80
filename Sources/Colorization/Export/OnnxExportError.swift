import NeuralNetwork

/// Why a model could not be exported to ONNX; every case names the file concerned.
public enum OnnxExportError: Error, Equatable, CustomStringConvertible {
    /// The file is missing or is not a Colorize model or checkpoint.
    case unreadableModel(path: String, reason: String)
    /// The file holds a generator whose architecture has no ONNX translation.
    case unsupportedArchitecture(path: String, architecture: String)
    /// The ONNX file could not be written.
    case writeFailed(path: String, reason: String)

    public var description: String {
        switch self {
        case let .unreadableModel(path, reason):
            "\(path): not a Colorize model that can be exported (\(reason))"
        case let .unsupportedArchitecture(path, architecture):
            "\(path): architecture \"\(architecture)\" cannot be exported to ONNX; only the pretrained-encoder "
                + "generators (\(OnnxExport.exportableArchitectures.map(\.rawValue).joined(separator: ", "))) can"
        case let .writeFailed(path, reason):
            "\(path): cannot write the ONNX file: \(reason)"
        }
    }
}
