import NeuralNetwork
import Tensor

/// Builds an ONNX graph (NCHW) from the engine's layers (NHWC, HWIO filters), one operator at a
/// time: each method adds its nodes and constants and returns the name of its output. Weights are
/// converted with the engine's own tensor ops where it folds or scales them, so the graph's
/// constants are the very floats the engine multiplies by.
struct OnnxGraphBuilder {
    private(set) var graph: OnnxModel.Graph
    private var usedNames: Set<String> = []
    private var sharedScalars: [Float: String] = [:]
    private var upsampleScales: String?

    /// - Parameters:
    ///   - name: the graph's name.
    init(name: String) { graph = OnnxModel.Graph(name: name) }

    /// `base` if no node output or constant has that name yet, else `base_2`, `base_3`, …
    private mutating func unique(_ base: String) -> String {
        var candidate = base, suffix = 1
        while usedNames.contains(candidate) {
            suffix += 1
            candidate = "\(base)_\(suffix)"
        }
        usedNames.insert(candidate)
        return candidate
    }

    /// Declares a float graph input.
    /// - Parameters:
    ///   - name: the input's name.
    ///   - dims: its shape.
    ///   - documentation: what it holds, in which units.
    mutating func input(_ name: String, dims: [OnnxModel.Dimension], documentation: String) -> String {
        precondition(usedNames.insert(name).inserted, "graph input \(name) has the name of another value")
        graph.inputs.append(.init(name: name, dims: dims, documentation: documentation))
        return name
    }

    /// Declares a float graph output, computed by `source` (an Identity gives it its public name).
    /// - Parameters:
    ///   - name: the output's name.
    ///   - source: the value it returns.
    ///   - dims: its shape.
    ///   - documentation: what it holds, in which units.
    mutating func output(_ name: String, from source: String, dims: [OnnxModel.Dimension], documentation: String) {
        precondition(usedNames.insert(name).inserted, "graph output \(name) has the name of another value")
        graph.nodes.append(.init(opType: "Identity", inputs: [source], outputs: [name], name: name))
        graph.outputs.append(.init(name: name, dims: dims, documentation: documentation))
    }

    /// A float constant.
    /// - Parameters:
    ///   - name: a name to start from (made unique).
    ///   - values: row-major values.
    ///   - dims: the shape.
    mutating func constant(_ name: String, _ values: [Float], dims: [Int]) -> String {
        precondition(values.count == dims.reduce(1, *), "constant \(name): \(values.count) values for \(dims)")
        let unique = unique(name)
        graph.initializers.append(.init(name: unique, dims: dims, values: .float(values)))
        return unique
    }

    /// An int64 constant of rank 1 (axes, starts, ends of shape operators).
    /// - Parameters:
    ///   - name: a name to start from (made unique).
    ///   - values: the values.
    mutating func constant(_ name: String, ints values: [Int]) -> String {
        let unique = unique(name)
        graph.initializers.append(.init(name: unique, dims: [values.count], values: .int64(values)))
        return unique
    }

    /// A float scalar, shared by every node that uses the same value.
    /// - Parameters:
    ///   - value: the scalar.
    mutating func scalar(_ value: Float) -> String {
        if let name = sharedScalars[value] { return name }
        let name = constant("scalar", [value], dims: [])
        sharedScalars[value] = name
        return name
    }

    /// A node with one output.
    /// - Parameters:
    ///   - opType: the operator.
    ///   - inputs: its inputs' names ("" for an omitted optional input).
    ///   - name: a name to start from for the node and its output.
    ///   - attributes: its attributes.
    mutating func node(
        _ opType: String, _ inputs: [String], name: String,
        attributes: [(name: String, value: OnnxModel.AttributeValue)] = []
    ) -> String {
        let output = unique(name)
        graph.nodes.append(
            .init(opType: opType, inputs: inputs, outputs: [output], name: output, attributes: attributes))
        return output
    }

    /// A convolution with the engine's "same" padding as explicit pads. The engine pads
    /// max(k − s, 0) pixels in all when a side is a multiple of the stride s, the extra pixel after
    /// (TensorFlow's rule); the networks only ever convolve such sides (inputs are multiples of
    /// their total stride), so fixed pads equal the engine's at every allowed input size.
    /// - Parameters:
    ///   - x: the NCHW input.
    ///   - weight: the engine's HWIO filter [kh, kw, in / groups, out].
    ///   - bias: [out], or nil.
    ///   - stride: the stride (both axes).
    ///   - groups: 1, or the channel count for a depthwise convolution.
    ///   - name: the layer's name.
    mutating func conv(
        _ x: String, weight: Tensor, bias: Tensor?, stride: Int, groups: Int = 1, name: String
    ) -> String {
        let (kh, kw, inPerGroup, out) = (weight.shape[0], weight.shape[1], weight.shape[2], weight.shape[3])
        let hwio = weight.scalars
        var oihw = [Float](repeating: 0, count: hwio.count)
        for h in 0..<kh {
            for w in 0..<kw {
                for i in 0..<inPerGroup {
                    for o in 0..<out {
                        oihw[((o * inPerGroup + i) * kh + h) * kw + w] = hwio[((h * kw + w) * inPerGroup + i) * out + o]
                    }
                }
            }
        }
        func same(_ k: Int) -> (Int, Int) {
            let total = max(k - stride, 0)
            return (total / 2, total - total / 2)
        }
        let (top, bottom) = same(kh), (left, right) = same(kw)
        var inputs = [x, constant("\(name).weight", oihw, dims: [out, inPerGroup, kh, kw])]
        if let bias { inputs.append(constant("\(name).bias", bias.scalars, dims: [out])) }
        return node(
            "Conv", inputs, name: name,
            attributes: [
                ("kernel_shape", .ints([kh, kw])), ("strides", .ints([stride, stride])),
                ("pads", .ints([top, left, bottom, right])), ("dilations", .ints([1, 1])), ("group", .int(groups)),
            ])
    }

    /// A bias-free convolution + BatchNorm + activation unit as the engine runs it in inference:
    /// BatchNorm folded into the filter and a bias, w·s and β − m·s with s = γ / √(v + ε).
    /// - Parameters:
    ///   - x: the NCHW input.
    ///   - unit: the unit.
    ///   - name: the unit's name.
    mutating func conv(_ x: String, unit: ConvBatchNorm, name: String) -> String {
        let norm = unit.norm
        let scale = norm.gamma.value / (norm.movingVariance.value + norm.epsilon).sqrt()
        let bias = norm.beta.value - norm.movingMean.value * scale
        let y = conv(
            x, weight: unit.weight.value * scale, bias: bias, stride: unit.stride, groups: unit.groups, name: name)
        return unit.activation.map { activation(y, $0, name: "\(name).act") } ?? y
    }

    /// A convolution layer (with its bias, if any).
    /// - Parameters:
    ///   - x: the NCHW input.
    ///   - layer: the layer.
    ///   - name: the layer's name.
    mutating func conv(_ x: String, layer: Conv2D, name: String) -> String {
        conv(x, weight: layer.weight.value, bias: layer.bias?.value, stride: layer.stride, name: name)
    }

    /// ReLU6 as `Clip` with its bounds as inputs (opset 11 and later); LeakyReLU as `LeakyRelu`.
    /// - Parameters:
    ///   - x: the input.
    ///   - activation: the engine's activation.
    ///   - name: the node's name.
    mutating func activation(_ x: String, _ activation: Activation, name: String) -> String {
        switch activation {
        case .relu6:
            let (low, high) = (scalar(0), scalar(6))
            return node("Clip", [x, low, high], name: name)
        case .leakyReLU(let alpha):
            return node("LeakyRelu", [x], name: name, attributes: [("alpha", .float(alpha))])
        }
    }

    /// BatchNorm in inference on NCHW, in the engine's order: (x − m) · (γ / √(v + ε)) + β.
    /// - Parameters:
    ///   - x: the NCHW input.
    ///   - norm: the layer.
    ///   - name: the layer's name.
    mutating func batchNorm(_ x: String, _ norm: BatchNorm, name: String) -> String {
        let channels = norm.gamma.value.count, dims = [1, channels, 1, 1]
        let scale = norm.gamma.value / (norm.movingVariance.value + norm.epsilon).sqrt()
        let centered = node(
            "Sub", [x, constant("\(name).mean", norm.movingMean.value.scalars, dims: dims)], name: name)
        let scaled = node("Mul", [centered, constant("\(name).scale", scale.scalars, dims: dims)], name: name)
        return node("Add", [scaled, constant("\(name).beta", norm.beta.value.scalars, dims: dims)], name: name)
    }

    /// Nearest ×2 upsampling that repeats each pixel 2×2 as the engine does: `Resize` with scales
    /// 2, asymmetric coordinates and floor rounding maps output pixel i to input pixel ⌊i / 2⌋.
    /// - Parameters:
    ///   - x: the NCHW input.
    ///   - name: the node's name.
    mutating func upsampleNearest2(_ x: String, name: String) -> String {
        let scales = upsampleScales ?? constant("upsample_scales", [1, 1, 2, 2], dims: [4])
        upsampleScales = scales
        return node(
            "Resize", [x, "", scales], name: name,
            attributes: [
                ("mode", .string("nearest")), ("coordinate_transformation_mode", .string("asymmetric")),
                ("nearest_mode", .string("floor")),
            ])
    }

    /// Concatenation along the channel axis.
    /// - Parameters:
    ///   - inputs: NCHW inputs of equal N, H, W.
    ///   - name: the node's name.
    mutating func concatChannels(_ inputs: [String], name: String) -> String {
        node("Concat", inputs, name: name, attributes: [("axis", .int(1))])
    }

    /// Element-wise sum (with broadcasting).
    mutating func add(_ a: String, _ b: String, name: String) -> String { node("Add", [a, b], name: name) }

    /// Element-wise product (with broadcasting).
    mutating func mul(_ a: String, _ b: String, name: String) -> String { node("Mul", [a, b], name: name) }

    /// Element-wise difference (with broadcasting).
    mutating func sub(_ a: String, _ b: String, name: String) -> String { node("Sub", [a, b], name: name) }
}
