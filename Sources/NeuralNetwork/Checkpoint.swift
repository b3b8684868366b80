import Foundation
import Tensor

/// Saving and loading a model's named parameters, and its optimizer, as safetensors files.
/// The optimizer state sits beside the model in `NAME.optimizer.safetensors`.
public enum Checkpoint {
    /// Writes every parameter of `group` (and `metadata`) to `path`, atomically.
    public static func save(
        _ group: some ParameterGroup, metadata: [String: String] = [:], to path: String
    ) throws(CheckpointError) {
        let tensors = Dictionary(
            uniqueKeysWithValues: group.namedParameters.map { ($0.name, $0.parameter.value.detached()) })
        try SafeTensors.write(tensors, metadata: metadata, to: path)
    }

    /// Loads every parameter of `group` from `path`; every name must be present with its shape.
    /// Returns the file's metadata.
    @discardableResult
    public static func load(_ group: some ParameterGroup, from path: String) throws(CheckpointError) -> [String: String]
    {
        let contents = try SafeTensors.read(path: path)
        try load(group, from: contents, path: path)
        return contents.metadata
    }

    /// Loads every parameter of `group` from a file already read; `path` labels errors.
    public static func load(
        _ group: some ParameterGroup, from contents: SafeTensors.Contents, path: String
    )
        throws(CheckpointError)
    {
        for (name, parameter) in group.namedParameters {
            guard let tensor = contents.tensors[name] else {
                throw .mismatch(path: path, reason: "missing tensor \(name)")
            }
            guard tensor.shape == parameter.value.shape else {
                throw .mismatch(
                    path: path, reason: "\(name) has shape \(tensor.shape), the model expects \(parameter.value.shape)")
            }
        }
        for (name, parameter) in group.namedParameters { parameter.assign(contents.tensors[name]!) }
    }

    /// The optimizer file that belongs to a model file.
    public static func optimizerPath(for path: String) -> String {
        path.hasSuffix(".safetensors")
            ? String(path.dropLast(".safetensors".count)) + ".optimizer.safetensors" : path + ".optimizer"
    }

    public static func saveOptimizer(
        _ adam: Adam, for group: some ParameterGroup, modelPath: String
    ) throws(CheckpointError) {
        let shapes = Dictionary(uniqueKeysWithValues: group.namedParameters.map { ($0.name, $0.parameter.value.shape) })
        try SafeTensors.write(
            adam.stateTensors(shapes: shapes), metadata: ["step": String(adam.step)], to: optimizerPath(for: modelPath))
    }

    public static func loadOptimizer(_ adam: Adam, modelPath: String) throws(CheckpointError) {
        let path = optimizerPath(for: modelPath)
        let contents = try SafeTensors.read(path: path)
        guard let step = contents.metadata["step"].flatMap(Int.init) else {
            throw .malformed(path: path, reason: "no step in metadata")
        }
        adam.restore(step: step, tensors: contents.tensors)
    }
}
