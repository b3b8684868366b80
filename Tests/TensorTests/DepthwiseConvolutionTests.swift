import Testing

@testable import Tensor

/// Depthwise convolution (groups = channels): oneDNN's grouped kernels and our reference loops,
/// checked against finite differences, against each other, and against a dense convolution with
/// a block-diagonal filter (an independent definition of the same function).
@Suite struct DepthwiseConvolutionTests {
    /// 3×3 and 5×5, stride 1 and 2, TF-SAME on odd and even sizes (asymmetric at stride 2), and
    /// 5 or 16 channels (a partial and a full 16-wide oneDNN block).
    static let cases: [(input: [Int], kernel: Int, stride: Int)] = [
        ([2, 7, 5, 5], 3, 1),
        ([2, 7, 5, 5], 3, 2),
        ([1, 8, 6, 16], 3, 2),
        ([1, 6, 7, 5], 5, 1),
        ([2, 8, 8, 5], 5, 2),
        ([1, 9, 9, 16], 5, 2),
    ]

    static func filterShape(_ c: (input: [Int], kernel: Int, stride: Int)) -> [Int] {
        [c.kernel, c.kernel, 1, c.input[3]]
    }

    @Test(arguments: [ConvolutionBackend.oneDNN, .im2col])
    func depthwiseGradients(backend: ConvolutionBackend) {
        ConvolutionBackend.$current.withValue(backend) {
            for (i, c) in Self.cases.enumerated() {
                let x = GradientCheck.random(c.input, seed: UInt64(200 + i))
                let w = GradientCheck.random(Self.filterShape(c), seed: UInt64(210 + i))
                GradientCheck.expectFirstAndSecondOrder(
                    { Tensor.conv2d($0[0], $0[1], stride: c.stride, groups: c.input[3]).squared() }, at: [x, w])
            }
        }
    }

    @Test(arguments: [ConvolutionBackend.oneDNN, .im2col])
    func depthwiseGradientOpsAreDifferentiable(backend: ConvolutionBackend) {
        ConvolutionBackend.$current.withValue(backend) {
            for (i, c) in Self.cases.enumerated() {
                let g = ConvolutionGeometry(
                    inputShape: c.input, filterShape: Self.filterShape(c), stride: c.stride,
                    padding: .same, groups: c.input[3])
                let x = GradientCheck.random(g.inputShape, seed: UInt64(220 + i))
                let w = GradientCheck.random(g.filterShape, seed: UInt64(230 + i))
                let dy = GradientCheck.random(g.outputShape, seed: UInt64(240 + i))
                GradientCheck.expectFirstAndSecondOrder(
                    { Tensor.convInputGradient($0[0], $0[1], g).squared() }, at: [dy, w])
                GradientCheck.expectFirstAndSecondOrder(
                    { Tensor.convFilterGradient($0[0], $0[1], g).squared() }, at: [x, dy])
            }
        }
    }

    /// Every pass equals the dense convolution whose filter is zero off the channel diagonal.
    @Test(arguments: [ConvolutionBackend.oneDNN, .im2col])
    func matchesDenseBlockDiagonalConvolution(backend: ConvolutionBackend) {
        for c in Self.cases {
            let channels = c.input[3]
            let g = ConvolutionGeometry(
                inputShape: c.input, filterShape: Self.filterShape(c), stride: c.stride,
                padding: .same, groups: channels)
            let dense = ConvolutionGeometry(
                inputShape: c.input, filterShape: [c.kernel, c.kernel, channels, channels],
                stride: c.stride, padding: .same)
            let x = GradientCheck.random(g.inputShape, seed: 1), w = GradientCheck.random(g.filterShape, seed: 2)
            let dy = GradientCheck.random(g.outputShape, seed: 3)
            let wDense = Tensor(
                shape: dense.filterShape,
                values: (0..<Shape.count(dense.filterShape)).map { index in
                    let (tap, rest) = index.quotientAndRemainder(dividingBy: channels * channels)
                    let (input, output) = rest.quotientAndRemainder(dividingBy: channels)
                    return input == output ? w.scalars[tap * channels + input] : 0
                })
            let depthwise = ConvolutionBackend.$current.withValue(backend) {
                [Tensor.conv2d(x, w, g), Tensor.convInputGradient(dy, w, g), Tensor.convFilterGradient(x, dy, g)]
            }
            let reference = ConvolutionBackend.$current.withValue(.im2col) {
                [Tensor.conv2d(x, wDense, dense), Tensor.convInputGradient(dy, wDense, dense)]
            }
            let denseFilterGradient = ConvolutionBackend.$current.withValue(.im2col) {
                Tensor.convFilterGradient(x, dy, dense)
            }
            let diagonal = Tensor(
                shape: g.filterShape,
                values: (0..<Shape.count(g.filterShape)).map { index in
                    let (tap, channel) = index.quotientAndRemainder(dividingBy: channels)
                    return denseFilterGradient.scalars[(tap * channels + channel) * channels + channel]
                })
            for (pass, (a, b)) in zip(
                ["forward", "input-gradient", "filter-gradient"], zip(depthwise, reference + [diagonal]))
            {
                let worst = zip(a.scalars, b.scalars).map { abs($0 - $1) }.max() ?? 0
                #expect(a.shape == b.shape && worst <= 1e-5, "\(g) \(pass): max difference \(worst)")
            }
        }
    }

    /// oneDNN has JIT kernels (not only reference code) for every pass of EfficientNet-Lite's
    /// depthwise shapes, in fp32 and bf16 (which is fp32 on a CPU without bf16 kernels).
    @Test(arguments: ConvolutionPrecision.allCases)
    func oneDNNRunsTheEncoderShapes(precision: ConvolutionPrecision) {
        let shapes: [(input: [Int], kernel: Int, stride: Int)] = [
            ([2, 112, 112, 32], 3, 1), ([2, 112, 112, 96], 3, 2), ([2, 56, 56, 144], 5, 2), ([2, 14, 14, 672], 5, 1),
        ]
        ConvolutionPrecision.$current.withValue(precision) {
            for c in shapes {
                let g = ConvolutionGeometry(
                    inputShape: c.input, filterShape: Self.filterShape(c), stride: c.stride,
                    padding: .same, groups: c.input[3])
                let s = ScratchOperands(g)
                let (x, w, y) = (s.input.pointer, s.filter.pointer, s.output.pointer)
                #expect(
                    OneDNNConvolution.forward(g, input: x, filter: w, epilogue: .none, bias: nil, output: y),
                    "\(g) forward")
                #expect(
                    OneDNNConvolution.backwardData(g, outputGradient: y, filter: w, inputGradient: x),
                    "\(g) backward-data")
                #expect(
                    OneDNNConvolution.backwardWeights(g, input: x, outputGradient: y, filterGradient: w),
                    "\(g) backward-weights")
            }
        }
    }

    /// In bf16 each depthwise pass lands within bf16's rounding of fp32, and measurably off it
    /// (so the bf16 kernel ran), as `BFloat16ConvolutionTests` requires of the dense passes; on a
    /// CPU without bf16 kernels it equals fp32.
    @Test func bf16PassesAreWithinRoundingOfFP32() {
        let g = ConvolutionGeometry(
            inputShape: [2, 16, 16, 32], filterShape: [5, 5, 1, 32], stride: 2, padding: .same, groups: 32)
        let x = GradientCheck.random(g.inputShape, seed: 1), w = GradientCheck.random(g.filterShape, seed: 2)
        let dy = GradientCheck.random(g.outputShape, seed: 3)
        func passes() -> [Tensor] {
            ConvolutionBackend.$current.withValue(.oneDNN) {
                [Tensor.conv2d(x, w, g), Tensor.convInputGradient(dy, w, g), Tensor.convFilterGradient(x, dy, g)]
            }
        }
        let fp32 = ConvolutionPrecision.$current.withValue(.fp32) { passes() }
        let bf16 = ConvolutionPrecision.$current.withValue(.bf16) { passes() }
        for (pass, (low, high)) in zip(["forward", "input-gradient", "filter-gradient"], zip(bf16, fp32)) {
            BFloat16ConvolutionTests.expectBFloat16Result(low, matches: high, pass)
        }
    }

    /// TF "SAME" at stride 2 on even sizes pads 0 before / 1 after for 3×3 and 1 / 2 for 5×5.
    @Test func tensorFlowSamePadding() {
        let three = ConvolutionGeometry(
            inputShape: [1, 224, 224, 8], filterShape: [3, 3, 1, 8], stride: 2, padding: .same, groups: 8)
        #expect((three.padTop, three.padBottom, three.outHeight) == (0, 1, 112))
        let five = ConvolutionGeometry(
            inputShape: [1, 56, 56, 8], filterShape: [5, 5, 1, 8], stride: 2, padding: .same, groups: 8)
        #expect((five.padTop, five.padBottom, five.outHeight) == (1, 2, 28))
        #expect(five.isDepthwise && five.multiplyAdds == 28 * 28 * 8 * 25)
    }
}
