import NeuralNetwork
import Tensor

/// A U-Net whose encoder is the ImageNet-pretrained EfficientNet-Lite (grey L through its
/// one-channel stem, BatchNorm on the pretrained running statistics), so the colorizer starts out
/// knowing skies, foliage and faces instead of learning them from a few hundred photos.
///
/// Decoder (a lighter variant of the seed's: 3×3 instead of 5×5 convolutions, since the encoder
/// already sees wide context): from the stride-32 features, five stages of nearest ×2 upsampling,
/// concatenation with the encoder's features at strides 16, 8, 4, 2 and finally with L itself,
/// and a 3×3 convolution + LeakyReLU 0.1 each; BatchNorm on the stride-8 and full-resolution
/// concatenations (where the skip's scale differs most). The seed's two `bins`-way heads close it.
/// Widths at multiplier 1: 256, 192, 128, 96, 64, 48.
public final class PretrainedGenerator: ColorizationNetwork, @unchecked Sendable {
    public let configuration: ModelConfiguration
    public let encoder: EfficientNetLite
    let top: Conv2D
    let dec16: Conv2D
    let dec8Norm: BatchNorm
    let dec8, dec4, dec2: Conv2D
    let dec1Norm: BatchNorm
    let dec1: Conv2D
    let headA, headB: Conv2D
    /// With `acceptsHints` the hint field enters three ways. A hint encoder — a trainable copy of
    /// the encoder (ControlNet's design, Zhang et al. 2023) — reads L with the field added to its
    /// stem by a zero-initialised stride-2 convolution, and its features at each stride are added to
    /// the encoder's through zero-initialised 1×1 convolutions, so the whole decoder can carry a
    /// click to its region. A two-layer branch, zero-initialised at its end, adds to the last decoder
    /// features, and 1×1 convolutions from the field's soft one-hot channels go straight to the
    /// heads' logits, initialised to add `hintLogitGain` × the spread colour's bin weights (so the
    /// model follows clicks from the first step and training learns where to trust them). The
    /// branches have no biases and the hint encoder's part counts only for samples with points: a
    /// field without points adds exactly nothing, so without hints the model is its base network
    /// exactly (`addingHints(to:)` trains the branches alone on a finished model).
    let hintEncoder: EfficientNetLite?
    let hintStem, hintSpread, hintOut, hintLogitsA, hintLogitsB: Conv2D?
    let hintSkips: [Conv2D]
    static let hintEncoderPrefix = "hint_encoder."
    static let hintLogitGain: Float = 2

    /// A new generator on `encoder` (built with `greyInput: true`, usually without its classifier),
    /// with a randomly initialised decoder; with hints, `hintEncoder` (default: a copy of `encoder`).
    public init(
        _ configuration: ModelConfiguration, encoder: EfficientNetLite, hintEncoder: EfficientNetLite? = nil,
        seed: UInt64 = 1
    ) {
        precondition(encoder.stem.weight.value.shape[2] == 1, "the encoder must have a one-channel (grey) stem")
        self.configuration = configuration
        self.encoder = encoder
        var random = TensorRandom(seed: seed)
        let c = configuration.channels
        let widths = encoder.featureChannels
        top = Conv2D(widths[4], c(256), kernel: 3, using: &random)
        dec16 = Conv2D(c(256) + widths[3], c(192), kernel: 3, using: &random)
        dec8Norm = BatchNorm(c(192) + widths[2])
        dec8 = Conv2D(c(192) + widths[2], c(128), kernel: 3, using: &random)
        dec4 = Conv2D(c(128) + widths[1], c(96), kernel: 3, using: &random)
        dec2 = Conv2D(c(96) + widths[0], c(64), kernel: 3, using: &random)
        dec1Norm = BatchNorm(c(64) + 1)
        dec1 = Conv2D(c(64) + 1, c(48), kernel: 3, using: &random)
        headA = Conv2D(c(48), configuration.bins, kernel: 3, using: &random)
        headB = Conv2D(c(48), configuration.bins, kernel: 3, using: &random)
        if configuration.acceptsHints {
            let bins = configuration.bins, fieldChannels = HintField.channels(bins: bins)
            let stem = Conv2D(
                fieldChannels, encoder.stem.weight.value.shape[3], kernel: 3, stride: 2, bias: false, using: &random)
            let spread = Conv2D(fieldChannels, c(48), kernel: 3, bias: false, using: &random)
            let out = Conv2D(c(48), c(48), kernel: 1, bias: false, using: &random)
            for zeroed in [stem.weight, out.weight] { zeroed.assign(.zeros(zeroed.value.shape)) }
            // Logit k of head h gains gain × (reach r's one-hot weight of bin k), for both reaches.
            let logits = [0, 1].map { head in
                var weight = [Float](repeating: 0, count: fieldChannels * bins)
                for reach in HintField.reaches.indices {
                    let first = HintField.binChannel(reach: reach, bins: bins) + head * bins
                    for k in 0..<bins { weight[(first + k) * bins + k] = Self.hintLogitGain }
                }
                let layer = Conv2D(fieldChannels, bins, kernel: 1, bias: false, using: &random)
                layer.weight.assign(Tensor(shape: [1, 1, fieldChannels, bins], values: weight))
                return layer
            }
            (hintStem, hintSpread, hintOut, hintLogitsA, hintLogitsB) = (stem, spread, out, logits[0], logits[1])
            self.hintEncoder = hintEncoder ?? Self.copy(of: encoder)
            hintSkips = widths.map { width in
                let skip = Conv2D(width, width, kernel: 1, bias: false, using: &random)
                skip.weight.assign(.zeros(skip.weight.value.shape))
                return skip
            }
        } else {
            (hintStem, hintSpread, hintOut, hintLogitsA, hintLogitsB) = (nil, nil, nil, nil, nil)
            (self.hintEncoder, hintSkips) = (nil, [])
        }
    }

    /// The encoder's stem and blocks, then the decoder's layers.
    public var layers: [(name: String, layer: any ParameterGroup)] {
        [("encoder.stem", encoder.stem as any ParameterGroup)]
            + encoder.blocks.enumerated().map { ("encoder.blocks.\($0.offset)", $0.element as any ParameterGroup) }
            + [
                ("top", top), ("dec16", dec16), ("dec8_norm", dec8Norm), ("dec8", dec8), ("dec4", dec4),
                ("dec2", dec2), ("dec1_norm", dec1Norm), ("dec1", dec1), ("head_a", headA), ("head_b", headB),
            ] + hintLayers
    }

    /// The hint branches (last, so freezing a prefix of `layers` never freezes them).
    var hintLayers: [(name: String, layer: any ParameterGroup)] {
        guard let hintEncoder, let hintStem, let hintSpread, let hintOut, let hintLogitsA, let hintLogitsB else {
            return []
        }
        let prefix = Self.hintEncoderPrefix
        return [("hint_stem", hintStem), ("\(prefix)stem", hintEncoder.stem)]
            + hintEncoder.blocks.enumerated().map { ("\(prefix)blocks.\($0.offset)", $0.element as any ParameterGroup) }
            + hintSkips.enumerated().map { ("hint_skip\($0.offset)", $0.element as any ParameterGroup) }
            + [
                ("hint_spread", hintSpread), ("hint_out", hintOut), ("hint_logits_a", hintLogitsA),
                ("hint_logits_b", hintLogitsB),
            ]
    }

    /// A trainable copy of `encoder` (the same architecture and values).
    static func copy(of encoder: EfficientNetLite) -> EfficientNetLite {
        let values = Dictionary(uniqueKeysWithValues: encoder.namedParameters.map { ($0.name, $0.parameter.value) })
        // Built from its own parameters' names and shapes, so it cannot fail.
        guard
            let copy = try? EfficientNetLite(
                weights: values, path: "encoder copy", names: .engine(prefix: ""), includeClassifier: false)
        else { preconditionFailure("an encoder could not be rebuilt from its own parameters") }
        return copy
    }

    /// A model that takes hints, built on `base` (one that takes none): `base`'s encoder and decoder
    /// with new hint branches. `freeze(firstLayers: baseLayerCount)` then trains the branches alone,
    /// and without hints the result stays `base` exactly (`Pretrainer.Options.hintBase`).
    public static func addingHints(to base: PretrainedGenerator, seed: UInt64) -> PretrainedGenerator {
        precondition(!base.configuration.acceptsHints, "the base takes hints already")
        var configuration = base.configuration
        configuration.acceptsHints = true
        let generator = PretrainedGenerator(configuration, encoder: base.encoder, seed: seed)
        let own = Dictionary(uniqueKeysWithValues: generator.namedParameters.map { ($0.name, $0.parameter) })
        for (name, parameter) in base.namedParameters { own[name]?.assign(parameter.value) }
        return generator
    }

    /// The number of `layers` before the hint branches: the whole network of a model without hints.
    public var baseLayerCount: Int { layers.count - hintLayers.count }

    /// The number of `layers` that belong to the encoder: `freeze(firstLayers:)` with it trains the decoder alone.
    public var encoderLayerCount: Int { 1 + encoder.blocks.count }

    public var namedParameters: [(name: String, parameter: Parameter)] {
        parameters(of: encoder, prefix: "encoder")
            + layers.dropFirst(encoderLayerCount).flatMap { entry in
                entry.layer.namedParameters.map { ("\(entry.name).\($0.name)", $0.parameter) }
            }
    }

    public func callAsFunction(_ lightness: Tensor, hints: Tensor?, training: Bool) -> GeneratorOutput {
        checkInput(lightness, hints: hints)
        let slope: Float = 0.1
        func up(_ x: Tensor) -> Tensor { x.upsampledNearest(2) }
        // L (0…1) as the 0–255 grey the encoder was trained on, then its own normalisation.
        let x = EfficientNetLite.normalized(lightness * 255)
        var f = encoder.features(x, training: training)
        if let hints, let hintEncoder, let hintStem {
            // The hint encoder also reads L, so a sample without points is left out by a 0 factor.
            let hinted = HintField.hasPoints(hints)
            let g = hintEncoder.features(x, addingToStem: hintStem(hints), training: training)
            f = f.indices.map { f[$0] + hintSkips[$0](g[$0]) * hinted }
        }
        // A frozen BatchNorm normalises by its running statistics (Keras' rule for a non-trainable
        // one), so a frozen base network computes in training what it computes when colorizing.
        func normalized(_ norm: BatchNorm, _ x: Tensor) -> Tensor {
            norm(x, training: training && !norm.gamma.isFrozen)
        }
        let d32 = top(f[4], leakyReLU: slope)
        let d16 = dec16(Tensor.concatenate([up(d32), f[3]], axis: 3), leakyReLU: slope)
        let d8 = dec8(normalized(dec8Norm, Tensor.concatenate([up(d16), f[2]], axis: 3)), leakyReLU: slope)
        let d4 = dec4(Tensor.concatenate([up(d8), f[1]], axis: 3), leakyReLU: slope)
        let d2 = dec2(Tensor.concatenate([up(d4), f[0]], axis: 3), leakyReLU: slope)
        var d1 = dec1(normalized(dec1Norm, Tensor.concatenate([up(d2), lightness], axis: 3)), leakyReLU: slope)
        // Without hints the bias-free branches would add exactly zero, so they are skipped.
        guard let hints, let hintSpread, let hintOut, let hintLogitsA, let hintLogitsB else {
            return GeneratorOutput(logitsA: headA(d1), logitsB: headB(d1), tanhA: nil, tanhB: nil)
        }
        d1 = d1 + hintOut(hintSpread(hints, leakyReLU: slope))
        return GeneratorOutput(
            logitsA: headA(d1) + hintLogitsA(hints), logitsB: headB(d1) + hintLogitsB(hints), tanhA: nil, tanhB: nil)
    }
}
