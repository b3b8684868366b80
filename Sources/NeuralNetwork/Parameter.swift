import Tensor

/// A named, mutable weight of a layer. Trainable parameters that are not frozen hold a tensor that
/// is a differentiation leaf, so losses built from them can be differentiated by them; frozen and
/// non-trainable ones (BatchNorm's running statistics) hold plain tensors and cost no gradient work.
public final class Parameter: @unchecked Sendable {
    public private(set) var value: Tensor
    /// False for state that is saved but never trained (running mean and variance).
    public let isTrainable: Bool
    /// Frozen parameters keep their values (the seed's "adiabatic" fine-tuning).
    public var isFrozen = false {
        didSet { value = Parameter.wrap(value, tracked: requiresGradient) }
    }

    public init(_ value: Tensor, trainable: Bool = true) {
        isTrainable = trainable
        self.value = Parameter.wrap(value, tracked: trainable)
    }

    /// Whether gradients are taken for this parameter.
    public var requiresGradient: Bool { isTrainable && !isFrozen }

    /// Replaces the values (loading a checkpoint, updating running statistics).
    public func assign(_ newValue: Tensor) {
        precondition(
            newValue.shape == value.shape, "assigning \(newValue.shape) to a parameter of shape \(value.shape)")
        value = Parameter.wrap(newValue, tracked: requiresGradient)
    }

    /// In-place update of the values (optimizer steps); keeps the leaf identity.
    public func update(_ body: (UnsafeMutableBufferPointer<Float>) -> Void) {
        value.withUnsafeMutableBufferPointer(body)
    }

    private static func wrap(_ tensor: Tensor, tracked: Bool) -> Tensor {
        tracked ? tensor.detached().requiringGradient() : tensor.detached()
    }
}

/// Anything with named parameters: layers and whole models. Names are stable and dotted
/// (`enc2.conv.weight`), so checkpoints and optimizer state are keyed by them.
public protocol ParameterGroup: AnyObject {
    /// Every parameter with its full name, in a fixed order.
    var namedParameters: [(name: String, parameter: Parameter)] { get }
}

extension ParameterGroup {
    /// The parameters of `child` with `prefix.` added to their names.
    public func parameters(of child: some ParameterGroup, prefix: String) -> [(name: String, parameter: Parameter)] {
        child.namedParameters.map { ("\(prefix).\($0.name)", $0.parameter) }
    }

    /// Total number of values (trainable and not).
    public var parameterCount: Int { namedParameters.reduce(0) { $0 + $1.parameter.value.count } }
    /// Number of trainable values.
    public var trainableParameterCount: Int {
        namedParameters.filter { $0.parameter.isTrainable }.reduce(0) { $0 + $1.parameter.value.count }
    }
}

/// The value of `loss` and its gradients by every parameter of `group` that requires one.
public func valueAndGradients(
    of group: some ParameterGroup, _ loss: () -> Tensor
) -> (value: Tensor, gradients: [String: Tensor]) {
    let tracked = group.namedParameters.filter { $0.parameter.requiresGradient }
    let value = loss()
    let result = gradients(of: value, wrt: tracked.map { $0.parameter.value })
    return (value, Dictionary(uniqueKeysWithValues: zip(tracked.map(\.name), result)))
}
