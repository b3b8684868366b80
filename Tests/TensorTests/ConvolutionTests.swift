import Testing

@testable import Tensor

@Suite struct ConvolutionTests {
    /// Odd sizes with stride 2 and "same" padding exercise asymmetric padding.
    static let cases: [(input: [Int], filter: [Int], stride: Int)] = [
        ([2, 7, 5, 3], [3, 3, 3, 4], 1),
        ([2, 7, 5, 3], [5, 5, 3, 2], 2),
        ([1, 6, 6, 2], [1, 1, 2, 3], 1),
        ([1, 9, 8, 1], [3, 3, 1, 2], 2),
        ([1, 5, 4, 3], [3, 3, 3, 16], 2),  // 16 output channels: the direct filter-gradient kernel applies
        ([1, 5, 4, 1], [3, 3, 1, 16], 1),  // and with one input channel, the direct input-gradient kernel
    ]

    @Test(arguments: [ConvolutionBackend.oneDNN, .direct, .im2col])
    func conv2dGradients(backend: ConvolutionBackend) {
        ConvolutionBackend.$current.withValue(backend) {
            for (i, c) in Self.cases.enumerated() {
                let x = GradientCheck.random(c.input, seed: UInt64(20 + i))
                let w = GradientCheck.random(c.filter, seed: UInt64(30 + i))
                GradientCheck.expectFirstAndSecondOrder(
                    { Tensor.conv2d($0[0], $0[1], stride: c.stride).squared() }, at: [x, w])
            }
        }
    }

    @Test(arguments: [ConvolutionBackend.oneDNN, .direct, .im2col])
    func gradientOpsAreDifferentiable(backend: ConvolutionBackend) {
        ConvolutionBackend.$current.withValue(backend) {
            for (i, c) in Self.cases.enumerated() {
                let g = ConvolutionGeometry(
                    inputShape: c.input, filterShape: c.filter, stride: c.stride, padding: .same)
                let x = GradientCheck.random(g.inputShape, seed: UInt64(40 + i))
                let w = GradientCheck.random(g.filterShape, seed: UInt64(50 + i))
                let dy = GradientCheck.random(g.outputShape, seed: UInt64(60 + i))
                GradientCheck.expectFirstAndSecondOrder(
                    { Tensor.convInputGradient($0[0], $0[1], g).squared() }, at: [dy, w])
                GradientCheck.expectFirstAndSecondOrder(
                    { Tensor.convFilterGradient($0[0], $0[1], g).squared() }, at: [x, dy])
            }
        }
    }

    /// The fused bias + activation epilogue gives the values, gradients and second-order gradients
    /// of the separate ops (which have their own finite-difference checks), for dense and depthwise
    /// convolutions. x is scaled by 3 so that ReLU6's upper bound is reached too.
    @Test(arguments: [ConvolutionBackend.oneDNN, .im2col], [nil, Activation.leakyReLU(0.1), .relu6])
    func fusedEpilogueMatchesSeparateOps(backend: ConvolutionBackend, activation: Activation?) {
        let depthwise = DepthwiseConvolutionTests.cases.map {
            (input: $0.input, filter: DepthwiseConvolutionTests.filterShape($0), stride: $0.stride, groups: $0.input[3])
        }
        ConvolutionBackend.$current.withValue(backend) {
            for (i, c) in (Self.cases.map { ($0.input, $0.filter, $0.stride, groups: 1) } + depthwise).enumerated() {
                let x = (GradientCheck.random(c.input, seed: UInt64(80 + i)) * 3).requiringGradient()
                let w = GradientCheck.random(c.filter, seed: UInt64(90 + i)).requiringGradient()
                let b = GradientCheck.random([c.filter[3]], seed: UInt64(100 + i)).requiringGradient()
                let r = GradientCheck.random(c.input, seed: 7)
                func run(fused: Bool) -> [Tensor] {
                    let y: Tensor
                    if fused {
                        y = Tensor.conv2d(x, w, bias: b, stride: c.stride, groups: c.groups, activation: activation)
                    } else {
                        let z = Tensor.conv2d(x, w, stride: c.stride, groups: c.groups) + b
                        y = activation.map { z.activated($0) } ?? z
                    }
                    let f = (y * GradientCheck.random(y.shape, seed: 99)).sum()
                    let first = gradients(of: f, wrt: [x, w, b], createGraph: true)
                    let second = gradients(of: (first[0] * r).sum(), wrt: [x, w, b])
                    return [y] + first + second
                }
                for (k, (f, s)) in zip(run(fused: true), run(fused: false)).enumerated() {
                    let scale = max(1, s.scalars.map(abs).max() ?? 0)
                    let worst = zip(f.scalars, s.scalars).map { abs($0 - $1) }.max() ?? 0
                    #expect(
                        f.shape == s.shape && worst <= 1e-5 * scale, "case \(i), result \(k): max difference \(worst)")
                }
            }
        }
    }

    @Test(arguments: [ConvolutionBackend.oneDNN, .im2col])
    func fusedBiasGradients(backend: ConvolutionBackend) {
        ConvolutionBackend.$current.withValue(backend) {
            for (i, c) in Self.cases.enumerated() {
                let x = GradientCheck.random(c.input, seed: UInt64(110 + i))
                let w = GradientCheck.random(c.filter, seed: UInt64(120 + i))
                let b = GradientCheck.random([c.filter[3]], seed: UInt64(130 + i))
                GradientCheck.expectFirstAndSecondOrder(
                    { Tensor.conv2d($0[0], $0[1], bias: $0[2], stride: c.stride).squared() },
                    at: [x, w, b])
            }
        }
    }

    /// Shapes for the direct kernels besides the seed's layers: input channels that leave a partial
    /// register tile (13 = 8 + 5), 48 output channels (a 32- and a 16-wide tile), taps that fall
    /// outside a small image, asymmetric explicit padding, and one-channel inputs whose rows leave
    /// a partial pixel tile (9 = 8 + 1).
    static let directCases: [(input: [Int], filter: [Int], stride: Int, padding: Padding)] = [
        ([2, 9, 7, 13], [3, 3, 13, 48], 1, .same),
        ([2, 9, 7, 13], [5, 5, 13, 16], 2, .same),
        ([1, 3, 4, 5], [5, 5, 5, 32], 1, .same),
        ([1, 8, 6, 4], [3, 2, 4, 16], 2, .explicit(top: 0, bottom: 2, left: 1, right: 0)),
        ([1, 6, 6, 8], [3, 3, 8, 16], 3, .valid),
        ([2, 5, 9, 1], [3, 5, 1, 48], 1, .explicit(top: 0, bottom: 2, left: 3, right: 1)),
        ([1, 4, 3, 1], [5, 5, 1, 16], 1, .same),
    ]

    @Test(arguments: [ConvolutionBackend.oneDNN, .direct])
    func fastKernelsMatchIm2col(backend: ConvolutionBackend) {
        let seedLayers: [(input: [Int], filter: [Int], stride: Int, padding: Padding)] = [
            ([6, 32, 32, 96], [5, 5, 96, 64], 1, .same), ([6, 32, 32, 32], [5, 5, 32, 32], 2, .same),
            ([2, 64, 64, 1], [11, 11, 1, 32], 1, .same),
        ]
        for c in Self.cases.map({ ($0.input, $0.filter, $0.stride, Padding.same) }) + seedLayers + Self.directCases {
            let g = ConvolutionGeometry(inputShape: c.0, filterShape: c.1, stride: c.2, padding: c.3)
            let x = GradientCheck.random(g.inputShape, seed: 1), w = GradientCheck.random(g.filterShape, seed: 2)
            let dy = GradientCheck.random(g.outputShape, seed: 3)
            func all() -> [Tensor] {
                [Tensor.conv2d(x, w, g), Tensor.convInputGradient(dy, w, g), Tensor.convFilterGradient(x, dy, g)]
            }
            let fast = ConvolutionBackend.$current.withValue(backend) { all() }
            let reference = ConvolutionBackend.$current.withValue(.im2col) { all() }
            for (f, r) in zip(fast, reference) {
                let scale = r.scalars.map(abs).max() ?? 1
                let worst = zip(f.scalars, r.scalars).map { abs($0 - $1) }.max() ?? 0
                #expect(worst <= 1e-4 * max(scale, 1), "\(g): max difference \(worst)")
            }
        }
    }

    /// The direct kernels take the shapes they are built for (where the CPU has AVX-512F).
    @Test func directKernelsApplyToTheSeedLayers() {
        let g = ConvolutionGeometry(
            inputShape: [6, 128, 128, 32], filterShape: [5, 5, 32, 32], stride: 2, padding: .same)
        #expect(DirectConvolution.applies(.backwardWeights, g) == DirectConvolution.isAvailable)
        #expect(!DirectConvolution.applies(.backwardData, g) && !DirectConvolution.applies(.forward(.none), g))
        let first = ConvolutionGeometry(
            inputShape: [6, 128, 128, 1], filterShape: [11, 11, 1, 32], stride: 1, padding: .same)
        #expect(DirectConvolution.applies(.backwardData, first) == DirectConvolution.isAvailable)
        let narrow = ConvolutionGeometry(
            inputShape: [1, 8, 8, 3], filterShape: [3, 3, 3, 4], stride: 1, padding: .same)
        #expect(!DirectConvolution.applies(.backwardWeights, narrow))
    }

    @Test func samePaddingSizes() {
        let g = ConvolutionGeometry(inputShape: [1, 7, 5, 1], filterShape: [5, 5, 1, 1], stride: 2, padding: .same)
        #expect(g.outputShape == [1, 4, 3, 1])
        #expect((g.padTop, g.padBottom, g.padLeft, g.padRight) == (2, 2, 2, 2))
        let even = ConvolutionGeometry(inputShape: [1, 8, 8, 1], filterShape: [5, 5, 1, 1], stride: 2, padding: .same)
        #expect(even.outputShape == [1, 4, 4, 1])
        #expect((even.padTop, even.padBottom) == (1, 2))
    }

    @Test func knownValues() {
        // 3×3 input of 1…9, a 2×2 filter of ones, valid padding: each output sums a 2×2 window.
        let x = Tensor(shape: [1, 3, 3, 1], values: (1...9).map(Float.init))
        let y = Tensor.conv2d(x, Tensor.ones([2, 2, 1, 1]), padding: .valid)
        #expect(y.shape == [1, 2, 2, 1])
        #expect(y.scalars == [12, 16, 24, 28])
    }
}
