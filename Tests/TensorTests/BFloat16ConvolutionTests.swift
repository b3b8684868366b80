import Testing

@testable import Tensor

/// bf16 convolutions round their operands to 8 significant bits and sum in fp32, so each pass must
/// land within bf16's rounding of the fp32 result — and measurably off it, which shows the bf16
/// kernels ran rather than a silent fp32 fallback. (Their gradients are the fp32 rules, which the
/// finite-difference checks in `ConvolutionTests` cover.)
@Suite struct BFloat16ConvolutionTests {
    /// The seed's 5×5 layers at a small size, plain and strided, and a 3×3 one.
    static let cases: [(input: [Int], filter: [Int], stride: Int)] = [
        ([2, 16, 16, 32], [5, 5, 32, 16], 1),
        ([2, 16, 16, 16], [5, 5, 16, 32], 2),
        ([2, 12, 12, 32], [3, 3, 32, 32], 1),
    ]

    /// ‖a − b‖ / ‖b‖.
    static func relativeError(_ a: Tensor, _ b: Tensor) -> Double {
        let difference = zip(a.scalars, b.scalars).reduce(0.0) { $0 + Double($1.0 - $1.1) * Double($1.0 - $1.1) }
        let norm = b.scalars.reduce(0.0) { $0 + Double($1) * Double($1) }
        return (difference / norm).squareRoot()
    }

    @Test(arguments: 0..<3)
    func everyPassIsWithinBFloat16RoundingOfFP32(caseIndex: Int) {
        let c = Self.cases[caseIndex]
        let g = ConvolutionGeometry(inputShape: c.input, filterShape: c.filter, stride: c.stride, padding: .same)
        let x = GradientCheck.random(g.inputShape, seed: 1), w = GradientCheck.random(g.filterShape, seed: 2)
        let b = GradientCheck.random([g.outChannels], seed: 3), dy = GradientCheck.random(g.outputShape, seed: 4)
        func passes() -> [Tensor] {
            ConvolutionBackend.$current.withValue(.oneDNN) {
                [
                    Tensor.conv2d(x, w, bias: b, stride: c.stride, leakyReLU: 0.2), Tensor.convInputGradient(dy, w, g),
                    Tensor.convFilterGradient(x, dy, g),
                ]
            }
        }
        let fp32 = ConvolutionPrecision.$current.withValue(.fp32) { passes() }
        let bf16 = ConvolutionPrecision.$current.withValue(.bf16) { passes() }
        for (pass, (low, high)) in zip(["forward", "input-gradient", "filter-gradient"], zip(bf16, fp32)) {
            let error = Self.relativeError(low, high)
            // Two operands rounded to 2⁻⁹ relative each: ≈ 3·10⁻³ per product, averaging down over the sum.
            #expect(error < 5e-3, "\(pass) of case \(caseIndex): relative error \(error)")
            #expect(error > 1e-5, "\(pass) of case \(caseIndex): relative error \(error) — bf16 kernel did not run?")
        }
    }

    /// A recorded bf16 convolution's backward passes reuse the bf16 copies of x (from the forward
    /// pass) and dy (from the input-gradient pass): the gradients must equal, bit for bit, those of
    /// the passes run on their own, which round the same fp32 values afresh.
    @Test(arguments: 0..<3)
    func reusedBFloat16CopiesGiveTheSameGradients(caseIndex: Int) {
        let c = Self.cases[caseIndex]
        let g = ConvolutionGeometry(inputShape: c.input, filterShape: c.filter, stride: c.stride, padding: .same)
        let x = GradientCheck.random(g.inputShape, seed: 5).requiringGradient()
        let w = GradientCheck.random(g.filterShape, seed: 6).requiringGradient()
        let dy = GradientCheck.random(g.outputShape, seed: 7)
        ConvolutionPrecision.$current.withValue(.bf16) {
            ConvolutionBackend.$current.withValue(.oneDNN) {
                let recorded = gradients(of: (Tensor.conv2d(x, w, stride: c.stride) * dy).sum(), wrt: [x, w])
                let alone = [Tensor.convInputGradient(dy, w, g), Tensor.convFilterGradient(x, dy, g)]
                for (pass, (a, b)) in zip(["input-gradient", "filter-gradient"], zip(recorded, alone)) {
                    #expect(a.scalars == b.scalars, "\(pass) of case \(caseIndex)")
                }
            }
        }
    }
}
