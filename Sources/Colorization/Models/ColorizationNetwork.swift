import NeuralNetwork
import Tensor

/// What one forward pass of a colorization network produces.
public struct GeneratorOutput {
    /// Logits over the a and b bins, [N, H, W, bins].
    public let logitsA, logitsB: Tensor
    /// The seed's tanh regression outputs [N, H, W, 1], when the model has them.
    public let tanhA, tanhB: Tensor?
}

/// A generator: L in, per-pixel distributions over quantised a and b out. Two families share the
/// training, colorizing and file code: the seed's from-scratch U-Net (`Generator`) and the U-Net on
/// an ImageNet-pretrained EfficientNet-Lite encoder (`PretrainedGenerator`);
/// `ModelConfiguration.architecture` says which one a model file holds.
public protocol ColorizationNetwork: ParameterGroup, Sendable {
    var configuration: ModelConfiguration { get }
    /// The layers in forward order, by name: freezing takes a prefix of this list.
    var layers: [(name: String, layer: any ParameterGroup)] { get }
    /// Runs the network on L scaled to 0…1, [N, H, W, 1] with H, W multiples of the architecture's
    /// `sizeMultiple` (64 always works), and, when `configuration.acceptsHints`, on a `HintField`
    /// (nil: no hints).
    func callAsFunction(_ lightness: Tensor, hints: Tensor?, training: Bool) -> GeneratorOutput
}

extension ColorizationNetwork {
    /// The automatic colorization: no hints.
    public func callAsFunction(_ lightness: Tensor, training: Bool) -> GeneratorOutput {
        self(lightness, hints: nil, training: training)
    }

    /// Freezes the first `count` layers (in forward order) and unfreezes the rest.
    public func freeze(firstLayers count: Int) {
        for (index, entry) in layers.enumerated() {
            for (_, parameter) in entry.layer.namedParameters { parameter.isFrozen = index < count }
        }
    }

    /// The annealed mean of a head's distribution, [N, H, W, 1] in scaled Lab units (−1…1):
    /// Σ_k softmax(z/T)_k · centre_k.
    public func colorEstimate(_ logits: Tensor, temperature: Double? = nil) -> Tensor {
        let t = Float(temperature ?? configuration.temperature)
        let centers = Tensor(shape: [configuration.bins], values: ColorQuantizer(bins: configuration.bins).centers)
        return logits.softmaxExpectation(of: centers, temperature: t)
    }

    func checkInput(_ lightness: Tensor, hints: Tensor? = nil) {
        if let hints {
            precondition(configuration.acceptsHints, "this generator takes no hints")
            precondition(
                hints.shape == Array(lightness.shape.dropLast()) + [HintField.channels(bins: configuration.bins)],
                "hints must be a HintField beside L \(lightness.shape), got \(hints.shape)")
        }
        let multiple = configuration.architecture.sizeMultiple
        precondition(
            lightness.rank == 4 && lightness.shape[3] == 1 && lightness.shape[1] % multiple == 0
                && lightness.shape[2] % multiple == 0,
            "generator input must be [N, H, W, 1] with H, W multiples of \(multiple), got \(lightness.shape)")
    }
}
