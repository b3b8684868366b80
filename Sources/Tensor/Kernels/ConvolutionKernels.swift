/// What a forward convolution does to its output before returning it: add a per-channel bias, then
/// optionally LeakyReLU with slope `leakyReLU` below zero. Fusing these saves two passes over the output.
struct ConvolutionEpilogue: Hashable, Sendable {
    var hasBias: Bool
    var leakyReLU: Float?

    static let none = ConvolutionEpilogue(hasBias: false, leakyReLU: nil)
}

/// Routes each convolution pass to oneDNN or to im2col (the task's `ConvolutionBackend`, or
/// im2col where oneDNN offers only its reference implementation for a shape).
enum ConvolutionKernels {
    /// y = epilogue(conv(x, w)); `bias` must be given exactly when the epilogue has one.
    static func forward(_ g: ConvolutionGeometry, input: UnsafePointer<Float>, filter: UnsafePointer<Float>,
                        epilogue: ConvolutionEpilogue = .none, bias: UnsafePointer<Float>? = nil, output: UnsafeMutablePointer<Float>) {
        precondition(epilogue.hasBias == (bias != nil), "bias pointer must match the epilogue")
        if ConvolutionBackend.current == .oneDNN,
           OneDNNConvolution.forward(g, input: input, filter: filter, epilogue: epilogue, bias: bias, output: output) { return }
        Im2ColConvolution.forward(g, input: input, filter: filter, output: output)
        if epilogue != .none {
            ElementwiseKernels.biasAndLeakyReLU(output, count: Shape.count(g.outputShape), bias: bias, channels: g.outChannels,
                                                alpha: epilogue.leakyReLU)
        }
    }

    static func backwardData(_ g: ConvolutionGeometry, outputGradient: UnsafePointer<Float>, filter: UnsafePointer<Float>,
                             inputGradient: UnsafeMutablePointer<Float>) {
        if ConvolutionBackend.current == .oneDNN,
           OneDNNConvolution.backwardData(g, outputGradient: outputGradient, filter: filter, inputGradient: inputGradient) { return }
        Im2ColConvolution.backwardData(g, outputGradient: outputGradient, filter: filter, inputGradient: inputGradient)
    }

    static func backwardWeights(_ g: ConvolutionGeometry, input: UnsafePointer<Float>, outputGradient: UnsafePointer<Float>,
                                filterGradient: UnsafeMutablePointer<Float>) {
        if ConvolutionBackend.current == .oneDNN,
           OneDNNConvolution.backwardWeights(g, input: input, outputGradient: outputGradient, filterGradient: filterGradient) { return }
        Im2ColConvolution.backwardWeights(g, input: input, outputGradient: outputGradient, filterGradient: filterGradient)
    }
}
