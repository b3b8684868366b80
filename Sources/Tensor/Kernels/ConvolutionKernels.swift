/// Routes each convolution pass to oneDNN or to im2col (the task's `ConvolutionBackend`, or
/// im2col where oneDNN offers only its reference implementation for a shape).
enum ConvolutionKernels {
    static func forward(_ g: ConvolutionGeometry, input: UnsafePointer<Float>, filter: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>) {
        if ConvolutionBackend.current == .oneDNN, OneDNNConvolution.forward(g, input: input, filter: filter, output: output) { return }
        Im2ColConvolution.forward(g, input: input, filter: filter, output: output)
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
