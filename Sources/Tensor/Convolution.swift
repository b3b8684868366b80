// 2-D convolution and its two gradients as first-class ops. The three are linear in each argument
// and differentiate into one another, so the set is closed under differentiation:
//   y  = conv2d(x, w)                 ∂x = inputGradient(g, w)        ∂w = filterGradient(x, g)
//   dx = inputGradient(dy, w)         ∂dy = conv2d(g, w)              ∂w = filterGradient(g, dy)
//   dw = filterGradient(x, dy)        ∂x = inputGradient(dy, g)       ∂dy = conv2d(x, g)

/// Which kernels run convolutions.
public enum ConvolutionBackend: Sendable {
    /// Per pass and shape, whichever of oneDNN, the direct kernels and im2col ran fastest when first
    /// timed (the default): oneDNN wins most layers, im2col + GEMM some passes of the smallest
    /// images, the direct kernels the 32-channel stride-2 filter gradient and the one-channel input gradient.
    case fastest
    /// oneDNN's JIT kernels (im2col only where oneDNN has nothing but reference code).
    case oneDNN
    /// Our own AVX-512 kernels where they apply (see `DirectConvolution`), oneDNN elsewhere.
    case direct
    /// im2col + OpenBLAS GEMM: the plain reference the tests compare against.
    case im2col

    /// The backend in force for the current task.
    @TaskLocal public static var current: ConvolutionBackend = .fastest
}

/// The number format oneDNN convolutions multiply in. Master weights, activations, gradients and
/// every sum stay fp32 either way; only the operands of the multiply-adds change.
public enum ConvolutionPrecision: String, Sendable, CaseIterable {
    /// fp32 operands (the default, and what the gradient checks run in).
    case fp32
    /// bf16 operands, rounded from the fp32 tensors on the way into each pass, with fp32
    /// accumulation and fp32 results: AVX512_BF16's dot products do twice the multiply-adds per
    /// instruction. Passes with no bf16 kernel (and im2col) stay fp32; on a CPU without bf16 kernels
    /// (AVX2, see `CPUFeatures.bfloat16`) every pass does. `PrecisionChoice.auto` picks this only
    /// where the CPU has native bf16.
    case bf16

    /// The precision in force for the current task.
    @TaskLocal public static var current: ConvolutionPrecision = .fp32
}

extension Tensor {
    /// Cross-correlation of NHWC `input` with HWIO `filter` (in `groups` groups: `ConvolutionGeometry`),
    /// then an optional per-channel `bias` and an optional `activation`, fused into one kernel (one
    /// write of the output): y = act(conv(x, w) + b).  With dz = act′(y)·g (`activationGradient`):
    ///   ∂x = inputGradient(dz, w),  ∂w = filterGradient(x, dz),  ∂b = Σ over N, H, W of dz.
    public static func conv2d(
        _ input: Tensor, _ filter: Tensor, bias: Tensor? = nil, stride: Int = 1, padding: Padding = .same,
        groups: Int = 1, activation: Activation? = nil
    ) -> Tensor {
        let g = ConvolutionGeometry(
            inputShape: input.shape, filterShape: filter.shape, stride: stride, padding: padding, groups: groups)
        guard bias != nil || activation != nil else { return conv2d(input, filter, g) }
        precondition(
            input.shape == g.inputShape && filter.shape == g.filterShape,
            "conv2d shapes \(input.shape), \(filter.shape) ≠ \(g)")
        if let bias {
            precondition(bias.shape == [g.outChannels], "conv2d bias shape \(bias.shape) for \(g.outChannels) channels")
        }
        let out = TensorStorage(count: Shape.count(g.outputShape))
        let inputs = [input, filter] + (bias.map { [$0] } ?? [])
        let cache = reorderedOperandsCache(inputs)
        ConvolutionKernels.forward(
            g, input: input.storage.pointer, filter: filter.storage.pointer,
            epilogue: ConvolutionEpilogue(hasBias: bias != nil, activation: activation), bias: bias?.storage.pointer,
            output: out.pointer, cache: cache)
        return record(out, shape: g.outputShape, inputs: inputs, savesOutput: activation != nil) { dy, y, needed in
            let dz = if let activation, let y { dy.activationGradient(activation, at: y) } else { dy }
            let biasGradient = bias == nil ? [] : [needed[2] ? dz.sum(toShape: [g.outChannels]) : nil]
            return convolutionGradients(input, filter, dz, g, needed: needed, cache: cache) + biasGradient
        }
    }

    /// `conv2d` followed by LeakyReLU(α), fused.
    public static func conv2d(
        _ input: Tensor, _ filter: Tensor, bias: Tensor? = nil, stride: Int = 1, padding: Padding = .same,
        leakyReLU alpha: Float
    ) -> Tensor {
        conv2d(input, filter, bias: bias, stride: stride, padding: padding, activation: .leakyReLU(alpha))
    }

    static func conv2d(_ input: Tensor, _ filter: Tensor, _ g: ConvolutionGeometry) -> Tensor {
        precondition(
            input.shape == g.inputShape && filter.shape == g.filterShape,
            "conv2d shapes \(input.shape), \(filter.shape) ≠ \(g)")
        let out = TensorStorage(count: Shape.count(g.outputShape))
        let cache = reorderedOperandsCache([input, filter])
        ConvolutionKernels.forward(
            g, input: input.storage.pointer, filter: filter.storage.pointer, output: out.pointer, cache: cache)
        return record(out, shape: g.outputShape, inputs: [input, filter]) { dy, _, needed in
            convolutionGradients(input, filter, dy, g, needed: needed, cache: cache)
        }
    }

    /// A cache for the reordered bf16 copies a recorded bf16 convolution's passes share (none in
    /// fp32, where the passes read the NHWC tensors as they are, or when nothing is recorded).
    private static func reorderedOperandsCache(_ inputs: [Tensor]) -> ReorderedOperands? {
        ConvolutionPrecision.effective == .bf16 && Autodiff.isRecording && inputs.contains { $0.node != nil }
            ? ReorderedOperands() : nil
    }

    /// ∂x and ∂w of a convolution given ∂y; the backward-data pass leaves its reordered dy in
    /// `cache` for the backward-weights pass, which also reuses the forward pass's reordered x.
    private static func convolutionGradients(
        _ input: Tensor, _ filter: Tensor, _ dy: Tensor, _ g: ConvolutionGeometry,
        needed: [Bool], cache: ReorderedOperands?
    ) -> [Tensor?] {
        defer { cache?.discard(.destination) }
        return [
            needed[0] ? convInputGradient(dy, filter, g, cache: cache) : nil,
            needed[1] ? convFilterGradient(input, dy, g, cache: cache) : nil,
        ]
    }

    /// The gradient of conv2d with respect to its input (a transposed convolution).
    public static func convInputGradient(_ outputGradient: Tensor, _ filter: Tensor, _ g: ConvolutionGeometry) -> Tensor
    {
        convInputGradient(outputGradient, filter, g, cache: nil)
    }

    static func convInputGradient(
        _ outputGradient: Tensor, _ filter: Tensor, _ g: ConvolutionGeometry, cache: ReorderedOperands?
    ) -> Tensor {
        precondition(
            outputGradient.shape == g.outputShape && filter.shape == g.filterShape, "convInputGradient shapes ≠ \(g)")
        let out = TensorStorage(count: Shape.count(g.inputShape))
        ConvolutionKernels.backwardData(
            g, outputGradient: outputGradient.storage.pointer, filter: filter.storage.pointer,
            inputGradient: out.pointer,
            cache: cache)
        return record(out, shape: g.inputShape, inputs: [outputGradient, filter]) { gx, _, needed in
            [needed[0] ? conv2d(gx, filter, g) : nil, needed[1] ? convFilterGradient(gx, outputGradient, g) : nil]
        }
    }

    /// The gradient of conv2d with respect to its filter.
    public static func convFilterGradient(_ input: Tensor, _ outputGradient: Tensor, _ g: ConvolutionGeometry) -> Tensor
    {
        convFilterGradient(input, outputGradient, g, cache: nil)
    }

    static func convFilterGradient(
        _ input: Tensor, _ outputGradient: Tensor, _ g: ConvolutionGeometry, cache: ReorderedOperands?
    ) -> Tensor {
        precondition(
            input.shape == g.inputShape && outputGradient.shape == g.outputShape, "convFilterGradient shapes ≠ \(g)")
        let out = TensorStorage(count: Shape.count(g.filterShape))
        ConvolutionKernels.backwardWeights(
            g, input: input.storage.pointer, outputGradient: outputGradient.storage.pointer,
            filterGradient: out.pointer,
            cache: cache)
        return record(out, shape: g.filterShape, inputs: [input, outputGradient]) { gw, _, needed in
            [needed[0] ? convInputGradient(outputGradient, gw, g) : nil, needed[1] ? conv2d(input, gw, g) : nil]
        }
    }
}
