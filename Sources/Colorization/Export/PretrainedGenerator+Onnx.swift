import NeuralNetwork
import Tensor

extension PretrainedGenerator {
    /// The generator's inference pass as ONNX nodes, layer for layer as `callAsFunction` runs it
    /// with `training: false`: L* in, the two distributions and the annealed-mean a*, b* out.
    /// - Parameters:
    ///   - builder: the graph to add to (inputs and outputs included).
    ///   - temperature: the annealed mean's temperature.
    ///   - withHints: whether the graph takes the hint field as a second input and runs the hint
    ///     branches (the model must take hints); without, it is the base network alone.
    func addOnnxGraph(to builder: inout OnnxGraphBuilder, temperature: Double, withHints: Bool) {
        let bins = configuration.bins
        let n = OnnxModel.Dimension.symbolic("N"), h = OnnxModel.Dimension.symbolic("H")
        let w = OnnxModel.Dimension.symbolic("W")
        let input = builder.input(
            "L", dims: [n, .fixed(1), h, w],
            documentation: "CIELAB L* (0…100), NCHW; H and W multiples of 32")
        // The engine's own input scaling, step for step: L/100, then 0–255 grey, then (x − 127)/128.
        let lightness = builder.mul(input, builder.scalar(0.01), name: "lightness")
        let grey = builder.mul(lightness, builder.scalar(255), name: "grey")
        let x = builder.mul(
            builder.sub(grey, builder.scalar(127), name: "centered"), builder.scalar(1 / 128), name: "normalized")

        var features = Self.onnxFeatures(of: encoder, x, prefix: "encoder", addingToStem: nil, builder: &builder)
        var field: String?
        if withHints, let hintEncoder, let hintStem {
            let hints = builder.input(
                "hints", dims: [n, .fixed(HintField.channels(bins: bins)), h, w],
                documentation: "the HintField of the points, NCHW (all zeros: no hints)")
            field = hints
            // 1 for a sample whose mask channel is set anywhere, else 0: [N, 1, 1, 1].
            let mask = builder.node(
                "Slice",
                [
                    hints, builder.constant("mask_start", ints: [HintField.maskChannel]),
                    builder.constant("mask_end", ints: [HintField.maskChannel + 1]),
                    builder.constant("mask_axis", ints: [1]),
                ], name: "hint_mask")
            let peak = builder.node(
                "ReduceMax", [mask], name: "hint_mask_max",
                attributes: [("axes", .ints([1, 2, 3])), ("keepdims", .int(1))])
            let present = builder.node("Greater", [peak, builder.scalar(0)], name: "hint_present")
            let hinted = builder.node("Cast", [present], name: "hinted", attributes: [("to", .int(1))])
            let stemExtra = builder.conv(hints, layer: hintStem, name: "hint_stem")
            let hintFeatures = Self.onnxFeatures(
                of: hintEncoder, x, prefix: "hint_encoder", addingToStem: stemExtra, builder: &builder)
            features = features.indices.map { i in
                let skip = builder.conv(hintFeatures[i], layer: hintSkips[i], name: "hint_skip\(i)")
                return builder.add(
                    features[i], builder.mul(skip, hinted, name: "hint_skip\(i).gated"), name: "hint_skip\(i).sum")
            }
        }

        let leaky = Activation.leakyReLU(0.1)
        func stage(_ x: String, _ layer: Conv2D, _ name: String, builder: inout OnnxGraphBuilder) -> String {
            builder.activation(builder.conv(x, layer: layer, name: name), leaky, name: "\(name).act")
        }
        func upAndJoin(_ x: String, _ skip: String, _ name: String, builder: inout OnnxGraphBuilder) -> String {
            builder.concatChannels([builder.upsampleNearest2(x, name: "\(name).up"), skip], name: "\(name).concat")
        }
        let d32 = stage(features[4], top, "top", builder: &builder)
        let d16 = stage(upAndJoin(d32, features[3], "dec16", builder: &builder), dec16, "dec16", builder: &builder)
        let join8 = upAndJoin(d16, features[2], "dec8", builder: &builder)
        let d8 = stage(builder.batchNorm(join8, dec8Norm, name: "dec8_norm"), dec8, "dec8", builder: &builder)
        let d4 = stage(upAndJoin(d8, features[1], "dec4", builder: &builder), dec4, "dec4", builder: &builder)
        let d2 = stage(upAndJoin(d4, features[0], "dec2", builder: &builder), dec2, "dec2", builder: &builder)
        let join1 = upAndJoin(d2, lightness, "dec1", builder: &builder)
        var d1 = stage(builder.batchNorm(join1, dec1Norm, name: "dec1_norm"), dec1, "dec1", builder: &builder)
        if let field, let hintSpread, let hintOut {
            let spread = stage(field, hintSpread, "hint_spread", builder: &builder)
            d1 = builder.add(d1, builder.conv(spread, layer: hintOut, name: "hint_out"), name: "dec1.hinted")
        }
        var logitsA = builder.conv(d1, layer: headA, name: "head_a")
        var logitsB = builder.conv(d1, layer: headB, name: "head_b")
        if let field, let hintLogitsA, let hintLogitsB {
            logitsA = builder.add(
                logitsA, builder.conv(field, layer: hintLogitsA, name: "hint_logits_a"), name: "logits_a")
            logitsB = builder.add(
                logitsB, builder.conv(field, layer: hintLogitsB, name: "hint_logits_b"), name: "logits_b")
        }

        // Σ_k softmax(z / T)_k · centre_k as a 1×1 convolution with the centres as its filter.
        let centers = ColorQuantizer(bins: bins).centers
        let centerFilter = builder.constant("bin_centers", centers, dims: [1, bins, 1, 1])
        let inverseTemperature = builder.scalar(1 / Float(temperature))
        func annealedMean(_ logits: String, _ name: String, builder: inout OnnxGraphBuilder) -> String {
            let annealed = builder.node(
                "Softmax", [builder.mul(logits, inverseTemperature, name: "\(name).annealed_logits")],
                name: "\(name).annealed", attributes: [("axis", .int(1))])
            return builder.node(
                "Conv", [annealed, centerFilter], name: "\(name).mean",
                attributes: [("kernel_shape", .ints([1, 1]))])
        }
        let meanA = annealedMean(logitsA, "a", builder: &builder)
        let meanB = annealedMean(logitsB, "b", builder: &builder)
        let ab = builder.mul(
            builder.concatChannels([meanA, meanB], name: "ab_network_units"), builder.scalar(100), name: "ab_lab")
        for (name, logits) in [("distribution_a", logitsA), ("distribution_b", logitsB)] {
            let probabilities = builder.node(
                "Softmax", [logits], name: "\(name).softmax", attributes: [("axis", .int(1))])
            builder.output(
                name, from: probabilities, dims: [n, .fixed(bins), h, w],
                documentation:
                    "the network's distribution over the \(bins) bins of \(name.suffix(1)) (softmax at T = 1)")
        }
        builder.output(
            "ab", from: ab, dims: [n, .fixed(2), h, w],
            documentation: "CIELAB a*, b*: the annealed mean at temperature \(temperature)")
    }

    /// EfficientNet-Lite's features at strides 2…32 as ONNX nodes (`EfficientNetLite.features`).
    private static func onnxFeatures(
        of network: EfficientNetLite, _ x: String, prefix: String, addingToStem extra: String?,
        builder: inout OnnxGraphBuilder
    ) -> [String] {
        var y = builder.conv(x, unit: network.stem, name: "\(prefix).stem")
        if let extra { y = builder.add(y, extra, name: "\(prefix).stem.hinted") }
        var features: [String] = []
        let blocks = network.blocks
        for (index, block) in blocks.enumerated() {
            let name = "\(prefix).blocks.\(index)"
            let expanded = block.expand.map { builder.conv(y, unit: $0, name: "\(name).expand") } ?? y
            let depthwise = builder.conv(expanded, unit: block.depthwise, name: "\(name).depthwise")
            let projected = builder.conv(depthwise, unit: block.project, name: "\(name).project")
            y = block.hasResidual ? builder.add(projected, y, name: "\(name).residual") : projected
            // The last block at each resolution: the next one changes the stride, or there is none.
            if index == blocks.count - 1 || blocks[index + 1].stride > 1 { features.append(y) }
        }
        return features
    }
}
