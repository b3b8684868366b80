import CDNNL
import Testing

@testable import Tensor

/// bf16 convolutions round their operands to 8 significant bits and sum in fp32, so where the CPU
/// has bf16 kernels (native, or emulated on AVX-512) each pass must land within bf16's rounding of
/// the fp32 result — and measurably off it, which shows the bf16 kernels ran rather than a silent
/// fp32 fallback. Where it has none (AVX2, or a run capped to it) a bf16 request runs the fp32
/// kernels, and each pass must equal fp32's. (Their gradients are the fp32 rules, which the
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

    /// What a bf16 pass must be to fp32 on this CPU (see the suite's note): within bf16's rounding
    /// and off fp32 with bf16 kernels, equal to fp32 (the same fp32 kernel ran) without.
    static func expectBFloat16Result(_ bf16: Tensor, matches fp32: Tensor, _ label: String) {
        let error = relativeError(bf16, fp32)
        if CPUFeatures.bfloat16 == .none {
            #expect(error == 0, "\(label): relative error \(error) — no bf16 kernels here, so fp32 must run")
        } else {
            // Two operands rounded to 2⁻⁹ relative each: ≈ 3·10⁻³ per product, averaging down over the sum.
            #expect(error < 5e-3, "\(label): relative error \(error)")
            #expect(error > 1e-5, "\(label): relative error \(error) — bf16 kernel did not run?")
        }
    }

    /// A bf16 request runs bf16 exactly where the CPU has bf16 kernels; `auto` picks bf16 only where
    /// they are native; a cap in the environment is honoured.
    @Test func precisionFollowsTheCPU() {
        let ran = ConvolutionPrecision.$current.withValue(.bf16) { ConvolutionPrecision.effective }
        #expect(ran == (CPUFeatures.bfloat16 == .none ? .fp32 : .bf16))
        #expect(PrecisionChoice.auto.resolved() == (CPUFeatures.bfloat16 == .native ? .bf16 : .fp32))
        #expect(PrecisionChoice.fp32.resolved() == .fp32 && PrecisionChoice.bf16.resolved() == .bf16)
        let g = ConvolutionGeometry(inputShape: [1, 8, 8, 16], filterShape: [3, 3, 16, 16], stride: 1, padding: .same)
        let problem = ConvolutionPrecision.$current.withValue(.bf16) {
            ConvolutionProblem(pass: .backwardData, geometry: g)
        }
        #expect(problem.precision == ran)
        for cap in CPUFeatures.caps {
            #expect(
                CPUFeatures.level <= cap.level,
                "\(cap.variable)=\(cap.value) but the engine runs at \(CPUFeatures.level)")
        }
        #expect(
            CPUFeatures.directKernelsAvailable
                == (CPUFeatures.level >= .avx512 && CPUFeatures.hardwareFeatures.contains("avx512f")))
    }

    /// The cap names are oneDNN's, case-insensitive.
    @Test func capNamesAreOneDNNs() {
        #expect(CPUFeatures.Level(capName: "AVX2") == .avx2)
        #expect(CPUFeatures.Level(capName: "avx2_vnni") == .avx2)
        #expect(CPUFeatures.Level(capName: "AVX512_CORE") == .avx512)
        #expect(CPUFeatures.Level(capName: "AVX512_CORE_BF16") == .avx512BF16)
        #expect(CPUFeatures.Level(capName: "AVX512_CORE_AMX") == .amx)
        #expect(CPUFeatures.Level(capName: "SSE41") == .belowAVX2)
        #expect(CPUFeatures.Level(capName: "AVX3") == nil)
        #expect(CPUFeatures.Level(oneDNN: dnnl_cpu_isa_avx2_vnni) == .avx2)
        #expect(CPUFeatures.Level(oneDNN: dnnl_cpu_isa_avx512_core_vnni) == .avx512)
        #expect(CPUFeatures.Level(oneDNN: dnnl_cpu_isa_avx512_core_amx) == .amx)
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
            Self.expectBFloat16Result(low, matches: high, "\(pass) of case \(caseIndex)")
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
