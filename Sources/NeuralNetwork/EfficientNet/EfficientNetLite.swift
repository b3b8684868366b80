import Foundation
import Tensor

/// EfficientNet-Lite (Tan & Le 2019; the "Lite" variants drop squeeze-excitation and use ReLU6),
/// built from ImageNet-trained weights converted by `scripts/install-pretrained.sh`: a 3×3 stride-2
/// stem, MBConv blocks in seven stages, a 1×1 head to 1280 channels, global average pooling and a
/// 1000-way classifier. The architecture is read off the weights (blocks, channels, kernel sizes,
/// expansion); only the stage strides are fixed by the design.
///
/// Input: NHWC, normalised as `normalized(_:)` does; three channels (RGB) or, with `greyInput`,
/// one, through a stem whose filter is the sum of the RGB filters — exact for grey photos, whose
/// three channels are equal.
public final class EfficientNetLite: ParameterGroup, @unchecked Sendable {
    public enum Variant: String, CaseIterable, Sendable {
        case lite0, lite1, lite2

        /// The resolution it was trained at (the TF original's table).
        public var resolution: Int {
            switch self {
            case .lite0: 224
            case .lite1: 240
            case .lite2: 260
            }
        }

        /// The converted weights' file name.
        public var fileName: String { "efficientnet-\(rawValue).safetensors" }
    }

    public let stem: ConvBatchNorm
    public let blocks: [MBConvBlock]
    /// The classification part (1×1 head to 1280 channels, pooling, classifier); nil in an
    /// encoder built without it (`includeClassifier: false`), which ends at the last block.
    public let head: ConvBatchNorm?
    public let classifier: Dense?

    /// Stride of the first block of each of the seven stages (MBConv1 k3 → MBConv6 k3 s2 → …).
    static let stageStrides = [1, 2, 2, 2, 1, 2, 1]

    /// How the tensors of a weights file are named.
    public enum WeightNames: Sendable {
        /// The converted PyTorch file: `_conv_stem.weight`, `_bn0.running_var`, `_blocks.3._bn1.bias`, `_fc.weight`…
        case pytorch
        /// This module's own `namedParameters`, after `prefix` (an encoder saved inside a larger model).
        case engine(prefix: String)
    }

    /// Builds the network from weights in engine layouts (HWIO filters, [in, out] classifier); the
    /// architecture is read off their shapes. `path` labels errors. With `greyInput` a three-channel
    /// stem is summed to one channel; `includeClassifier: false` leaves out head and classifier.
    public init(
        weights: [String: Tensor], path: String, names: WeightNames = .pytorch, greyInput: Bool = false,
        includeClassifier: Bool = true
    ) throws(CheckpointError) {
        func tensor(_ name: String) throws(CheckpointError) -> Tensor {
            guard let t = weights[name] else { throw .mismatch(path: path, reason: "no tensor \(name)") }
            return t
        }
        // A unit's convolution and BatchNorm tensor names under each scheme.
        func keys(_ conv: String, _ bn: String, _ unit: String) -> (weight: String, norm: [String]) {
            switch names {
            case .pytorch:
                ("\(conv).weight", ["weight", "bias", "running_mean", "running_var"].map { "\(bn).\($0)" })
            case .engine(let prefix):
                (
                    "\(prefix)\(unit).conv.weight",
                    ["gamma", "beta", "moving_mean", "moving_variance"].map { "\(prefix)\(unit).bn.\($0)" }
                )
            }
        }
        func unit(
            _ conv: String, _ bn: String, _ unit: String, stride: Int = 1, depthwise: Bool = false,
            activation: Activation?, transformingWeight transform: (Tensor) -> Tensor = { $0 }
        ) throws(CheckpointError) -> ConvBatchNorm {
            let unitKeys = keys(conv, bn, unit)
            let w = transform(try tensor(unitKeys.weight))
            guard w.rank == 4 else {
                throw .mismatch(path: path, reason: "\(unitKeys.weight) has shape \(w.shape), not HWIO")
            }
            let layer = ConvBatchNorm(
                weight: w, stride: stride, groups: depthwise ? w.shape[3] : 1, activation: activation)
            let norm = [layer.norm.gamma, layer.norm.beta, layer.norm.movingMean, layer.norm.movingVariance]
            for (key, parameter) in zip(unitKeys.norm, norm) {
                let value = try tensor(key)
                guard value.shape == parameter.value.shape else {
                    throw .mismatch(
                        path: path, reason: "\(key) has shape \(value.shape), expected \(parameter.value.shape)")
                }
                parameter.assign(value)
            }
            return layer
        }

        stem = try unit("_conv_stem", "_bn0", "stem", stride: 2, activation: .relu6) {
            greyInput && $0.shape[2] == 3 ? $0.sum(axes: [2], keepingDimensions: true) : $0
        }

        // Blocks are numbered consecutively; a stage is a run of blocks with the same output width.
        var blocks: [MBConvBlock] = []
        var stage = -1
        var previousOut = -1
        while true {
            let (name, ours) = ("_blocks.\(blocks.count)", "blocks.\(blocks.count)")
            let project = keys("\(name)._project_conv", "\(name)._bn2", "\(ours).project")
            guard let projectWeight = weights[project.weight] else { break }
            let outChannels = projectWeight.shape.last ?? 0
            if outChannels != previousOut { stage += 1 }
            guard stage < Self.stageStrides.count else {
                throw .mismatch(path: path, reason: "more than \(Self.stageStrides.count) stages at \(name)")
            }
            let stride = outChannels != previousOut ? Self.stageStrides[stage] : 1
            previousOut = outChannels
            let hasExpansion = weights[keys("\(name)._expand_conv", "", "\(ours).expand").weight] != nil
            blocks.append(
                MBConvBlock(
                    expand: hasExpansion
                        ? try unit("\(name)._expand_conv", "\(name)._bn0", "\(ours).expand", activation: .relu6) : nil,
                    depthwise: try unit(
                        "\(name)._depthwise_conv", "\(name)._bn1", "\(ours).depthwise", stride: stride, depthwise: true,
                        activation: .relu6),
                    project: try unit("\(name)._project_conv", "\(name)._bn2", "\(ours).project", activation: nil)))
        }
        guard stage == Self.stageStrides.count - 1 else {
            throw .mismatch(path: path, reason: "\(blocks.count) blocks in \(stage + 1) stages; EfficientNet has 7")
        }
        self.blocks = blocks
        guard includeClassifier else {
            (head, classifier) = (nil, nil)
            return
        }
        let head = try unit("_conv_head", "_bn1", "head", activation: .relu6)
        let fcNames: (String, String) =
            switch names {
            case .pytorch: ("_fc.weight", "_fc.bias")
            case .engine(let prefix): ("\(prefix)classifier.weight", "\(prefix)classifier.bias")
            }
        let fcWeight = try tensor(fcNames.0), fcBias = try tensor(fcNames.1)
        guard fcWeight.rank == 2, fcWeight.shape[0] == head.weight.value.shape[3], fcBias.shape == [fcWeight.shape[1]]
        else {
            throw .mismatch(
                path: path, reason: "classifier \(fcWeight.shape) / \(fcBias.shape) does not fit the head")
        }
        var random = TensorRandom(seed: 0)
        let classifier = Dense(fcWeight.shape[0], fcWeight.shape[1], using: &random)
        classifier.weight.assign(fcWeight)
        classifier.bias.assign(fcBias)
        (self.head, self.classifier) = (head, classifier)
    }

    /// Loads `variant` from the pretrained-weights folder (`PretrainedWeights.directory`).
    public convenience init(
        _ variant: Variant, greyInput: Bool = false, includeClassifier: Bool = true, directory: String? = nil
    ) throws(CheckpointError) {
        let path = (directory ?? PretrainedWeights.directory) + "/" + variant.fileName
        guard FileManager.default.fileExists(atPath: path) else {
            throw .fileNotFound(
                path: path + " (run scripts/install-pretrained.sh, or set \(PretrainedWeights.environmentVariable))")
        }
        try self.init(
            weights: SafeTensors.read(path: path).tensors, path: path, greyInput: greyInput,
            includeClassifier: includeClassifier)
    }

    public var namedParameters: [(name: String, parameter: Parameter)] {
        parameters(of: stem, prefix: "stem")
            + blocks.enumerated().flatMap { parameters(of: $0.element, prefix: "blocks.\($0.offset)") }
            + (head.map { parameters(of: $0, prefix: "head") } ?? [])
            + (classifier.map { parameters(of: $0, prefix: "classifier") } ?? [])
    }

    /// The input normalisation the weights were trained with: (x − 127) / 128 on 0–255 values.
    public static func normalized(_ pixels255: Tensor) -> Tensor { (pixels255 - 127) * (1 / 128) }

    /// The blocks whose outputs are the features: the last block at each resolution.
    var featureBlocks: [Int] {
        blocks.indices.filter { $0 == blocks.count - 1 || blocks[$0 + 1].stride > 1 }
    }

    /// The channel counts of `features`, stride 2 first.
    public var featureChannels: [Int] { featureBlocks.map { blocks[$0].outChannels } }

    /// The output of the last block at each resolution: strides 2, 4, 8, 16 and 32 (the skip
    /// connections of a U-Net decoder), for input sides that are multiples of 32. `addingToStem`
    /// (the stem's output shape) enters beside the input: a side input such as colour hints.
    public func features(_ x: Tensor, addingToStem extra: Tensor? = nil, training: Bool = false) -> [Tensor] {
        var y = stem(x, training: training)
        if let extra { y = y + extra }
        var features: [Tensor] = []
        let kept = Set(featureBlocks)
        for (index, block) in blocks.enumerated() {
            y = block(y, training: training)
            if kept.contains(index) { features.append(y) }
        }
        return features
    }

    /// The classifier's input [N, 1280]: head, then global average pooling — the image embedding
    /// that feature-statistics distances (FID-style) compare.
    public func pooledFeatures(_ x: Tensor, training: Bool = false) -> Tensor {
        guard let head, let top = features(x, training: training).last else {
            preconditionFailure("pooled features of an EfficientNet built without its head")
        }
        return head(top, training: training).mean(axes: [1, 2])
    }

    /// ImageNet logits [N, 1000]: pooled features, classifier.
    public func logits(_ x: Tensor, training: Bool = false) -> Tensor {
        guard let classifier else { preconditionFailure("logits of an EfficientNet built without its classifier") }
        return classifier(pooledFeatures(x, training: training), training: training)
    }

    /// Freezes (or unfreezes) the parameters of blocks `range` (indices into `blocks`).
    public func setFrozen(_ frozen: Bool, blocks range: Range<Int>) {
        for block in blocks[range] { for (_, parameter) in block.namedParameters { parameter.isFrozen = frozen } }
    }

    /// Freezes (or unfreezes) everything: stem, blocks, head and classifier.
    public func setFrozen(_ frozen: Bool) {
        for (_, parameter) in namedParameters { parameter.isFrozen = frozen }
    }

    /// Every convolution unit, stem first, head (when present) last.
    public var units: [ConvBatchNorm] { [stem] + blocks.flatMap(\.units) + (head.map { [$0] } ?? []) }

    /// Whether BatchNorm uses batch statistics in training (`ConvBatchNorm.usesBatchStatistics`) throughout.
    public var usesBatchStatistics: Bool {
        get { units.allSatisfy(\.usesBatchStatistics) }
        set { for unit in units { unit.usesBatchStatistics = newValue } }
    }
}
