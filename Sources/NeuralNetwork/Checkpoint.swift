import Foundation
import Tensor

/// Saving and loading a model's named parameters as safetensors files.
///
/// A training checkpoint is one file: the model's parameters plus `Attachment`s (optimizer moments,
/// a critic, …) under name prefixes, written by one atomic rename, so a kill at any moment leaves
/// either the previous checkpoint or the new one, never weights paired with another step's state.
public enum Checkpoint {
    /// Tensors and metadata stored in a checkpoint beside the model's own parameters.
    public struct Attachment {
        public var tensors: [String: Tensor] = [:]
        public var metadata: [String: String] = [:]

        public init(tensors: [String: Tensor] = [:], metadata: [String: String] = [:]) {
            self.tensors = tensors
            self.metadata = metadata
        }

        /// Both attachments' contents (their prefixes keep names apart).
        public static func + (a: Attachment, b: Attachment) -> Attachment {
            Attachment(
                tensors: a.tensors.merging(b.tensors) { first, _ in first },
                metadata: a.metadata.merging(b.metadata) { first, _ in first })
        }

        /// The parameters of another group (a critic beside its generator) under `prefix`.
        public static func parameters(of group: some ParameterGroup, prefix: String) -> Attachment {
            Attachment(
                tensors: Dictionary(
                    uniqueKeysWithValues: group.namedParameters.map {
                        (prefix + $0.name, $0.parameter.value.detached())
                    }
                ))
        }

        /// `adam`'s step and moments for `group`'s parameters under `prefix`.
        public static func optimizer(_ adam: Adam, for group: some ParameterGroup, prefix: String) -> Attachment {
            let shapes = Dictionary(
                uniqueKeysWithValues: group.namedParameters.map { ($0.name, $0.parameter.value.shape) })
            return Attachment(
                tensors: Dictionary(
                    uniqueKeysWithValues: adam.stateTensors(shapes: shapes).map { (prefix + $0.key, $0.value) }),
                metadata: [prefix + "step": String(adam.step)])
        }
    }

    /// Writes every parameter of `group`, `attachment` and `metadata` to `path`, atomically.
    public static func save(
        _ group: some ParameterGroup, metadata: [String: String] = [:], attachment: Attachment = Attachment(),
        to path: String
    ) throws(CheckpointError) {
        let tensors = Dictionary(
            uniqueKeysWithValues: group.namedParameters.map { ($0.name, $0.parameter.value.detached()) })
        try SafeTensors.write(
            tensors.merging(attachment.tensors) { own, _ in own },
            metadata: metadata.merging(attachment.metadata) { own, _ in own }, to: path)
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

    /// The largest weight magnitude a file may hold: the shipped model's largest is 566 (a BatchNorm
    /// running variance), so 10⁵ leaves room for any trained model and none for an overflow.
    public static let maximumMagnitude: Float = 1e5

    /// Loads every parameter of `group`, named with `prefix`, from a file already read; `path` labels
    /// errors. Nothing is assigned unless every tensor is present, of the right shape, finite and
    /// within `maximumMagnitude`.
    public static func load(
        _ group: some ParameterGroup, from contents: SafeTensors.Contents, prefix: String = "", path: String
    ) throws(CheckpointError) {
        var values: [(Parameter, Tensor)] = []
        for (name, parameter) in group.namedParameters {
            guard let tensor = contents.tensors[prefix + name] else {
                throw .mismatch(path: path, reason: "missing tensor \(prefix + name)")
            }
            guard tensor.shape == parameter.value.shape else {
                throw .mismatch(
                    path: path,
                    reason: "\(prefix + name) has shape \(tensor.shape), the model expects \(parameter.value.shape)")
            }
            guard tensor.scalars.allSatisfy(\.isFinite) else {
                throw .malformed(path: path, reason: "tensor \(prefix + name) holds NaN or infinite values")
            }
            // Finite but huge weights overflow the activations to infinity and NaN a few layers on.
            let largest = tensor.scalars.lazy.map(abs).max() ?? 0
            guard largest <= maximumMagnitude else {
                throw .malformed(
                    path: path,
                    reason: "tensor \(prefix + name) holds a value of magnitude \(largest); trained weights stay below "
                        + "\(Int(maximumMagnitude))")
            }
            values.append((parameter, tensor))
        }
        for (parameter, tensor) in values { parameter.assign(tensor) }
    }

    /// Restores `adam` from the state `Attachment.optimizer` stored under `prefix`, after checking
    /// that it belongs to `group`: a non-negative step, and moments only for `group`'s parameters,
    /// each of its shape and finite.
    public static func restoreOptimizer(
        _ adam: Adam, for group: some ParameterGroup, from contents: SafeTensors.Contents, prefix: String,
        path: String
    ) throws(CheckpointError) {
        guard let text = contents.metadata[prefix + "step"] else {
            throw .mismatch(path: path, reason: "no optimizer state (\(prefix)step) in the checkpoint")
        }
        guard let step = Int(text), step >= 0 else {
            throw .malformed(path: path, reason: "optimizer step \"\(text)\" is not a whole number ≥ 0")
        }
        let shapes = Dictionary(uniqueKeysWithValues: group.namedParameters.map { ($0.name, $0.parameter.value.shape) })
        var state: [String: Tensor] = [:]
        for (key, tensor) in contents.tensors where key.hasPrefix(prefix) {
            let stateName = String(key.dropFirst(prefix.count))
            let parameterName = String(stateName.dropFirst(2))
            guard stateName.hasPrefix("m.") || stateName.hasPrefix("v."), let shape = shapes[parameterName] else {
                throw .mismatch(path: path, reason: "optimizer state \(key) belongs to no parameter of the model")
            }
            guard tensor.shape == shape else {
                throw .mismatch(
                    path: path, reason: "optimizer state \(key) has shape \(tensor.shape), the parameter \(shape)")
            }
            guard tensor.scalars.allSatisfy(\.isFinite) else {
                throw .malformed(path: path, reason: "optimizer state \(key) holds NaN or infinite values")
            }
            state[stateName] = tensor
        }
        adam.restore(step: step, tensors: state)
    }
}
