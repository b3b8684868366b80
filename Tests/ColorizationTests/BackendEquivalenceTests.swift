import NeuralNetwork
import Tensor
import Testing

@testable import Colorization

/// The fast kernels must not change what trains. With fp32 operands (oneDNN with fused epilogues,
/// im2col where it was timed faster) a fixed-seed pre-training run gives the same losses, within
/// 1e-4 relative, as the im2col + OpenBLAS reference convolutions; with bf16 operands the loss
/// curve stays within bf16's rounding of the fp32 one.
@Suite struct BackendEquivalenceTests {
    static func pretrainingLosses(
        on backend: ConvolutionBackend, precision: ConvolutionPrecision = .fp32, steps: Int,
        learningRate: Float
    ) -> [Float] {
        ConvolutionBackend.$current.withValue(backend) {
            ConvolutionPrecision.$current.withValue(precision) {
                let generator = Generator(ModelConfiguration(size: 128, widthMultiplier: 0.25), seed: 11)
                let adam = Adam(learningRate: learningRate)
                // The seed's batch of 6 at 128×128 with textured inputs. (With flat images or a batch of 2
                // at 64×64, where the deepest BatchNorm normalises 2 values, many gradients sit at rounding
                // level and Adam's normalisation turns that noise into full-size steps on either backend.)
                var random = TensorRandom(seed: 5)
                let lightness = Tensor.uniform([6, 128, 128, 1], using: &random)
                let binsA = (0..<(6 * 128 * 128)).map { ($0 * 7 + $0 / 64) % 16 }, binsB = binsA.map { 15 - $0 }
                let shape = [6, 128, 128, 16]
                let targetsA = RebalancedCrossEntropy.targets(bins: binsA, shape: shape) { _ in 1 }
                let targetsB = RebalancedCrossEntropy.targets(bins: binsB, shape: shape) { _ in 1 }
                return (0..<steps).map { _ in
                    let losses = TrainingSteps.pretrain(
                        generator, lightness: lightness, targetsA: targetsA, targetsB: targetsB,
                        optimizer: adam)
                    return losses.a + losses.b
                }
            }
        }
    }

    @Test func twentyPretrainingStepsMatchTheReferenceBackend() {
        // 1e-5 rather than the from-scratch 1e-4: at 1e-4 the runs agreed to 4.7e-5 here, but Adam
        // scales rounding-level gradients up to full steps, so that margin depends on the machine.
        let fast = Self.pretrainingLosses(on: .fastest, steps: 20, learningRate: 1e-5)
        let reference = Self.pretrainingLosses(on: .im2col, steps: 20, learningRate: 1e-5)
        #expect(fast.last! < fast.first!)
        for (step, (a, b)) in zip(fast, reference).enumerated() {
            #expect(abs(a - b) <= 1e-4 * abs(b), "step \(step): fastest \(a), im2col \(b)")
        }
    }

    /// 200 steps at the from-scratch learning rate: bf16's loss curve follows fp32's. The two runs'
    /// trajectories drift apart (Adam turns rounding differences into full-size steps), so the
    /// curves are compared as means over windows of 20 steps. On a CPU without bf16 kernels a bf16
    /// request runs the fp32 kernels, so there the two runs must agree step by step (20 steps show
    /// it: the next 180 would repeat the same computation).
    @Test func bf16LossCurveFollowsFP32OverTwoHundredSteps() {
        guard CPUFeatures.bfloat16 != .none else {
            let fp32 = Self.pretrainingLosses(on: .fastest, precision: .fp32, steps: 20, learningRate: 1e-4)
            let bf16 = Self.pretrainingLosses(on: .fastest, precision: .bf16, steps: 20, learningRate: 1e-4)
            #expect(fp32.last! < fp32.first!)
            for (step, (a, b)) in zip(bf16, fp32).enumerated() {
                #expect(
                    abs(a - b) <= 1e-6 * abs(b), "step \(step): bf16 request \(a), fp32 \(b) (no bf16 kernels here)")
            }
            return
        }
        let fp32 = Self.pretrainingLosses(on: .fastest, precision: .fp32, steps: 200, learningRate: 1e-4)
        let bf16 = Self.pretrainingLosses(on: .fastest, precision: .bf16, steps: 200, learningRate: 1e-4)
        func windows(_ losses: [Float]) -> [Float] {
            stride(from: 0, to: 200, by: 20).map { losses[$0..<$0 + 20].reduce(0, +) / 20 }
        }
        let gaps = zip(windows(bf16), windows(fp32)).map { abs($0 - $1) / $1 }
        print(
            "bf16 vs fp32 over 200 steps: losses \(fp32.first!) → \(fp32.last!) (fp32), \(bf16.first!) → \(bf16.last!) (bf16); "
                + "gaps of 20-step means \(gaps.map { String(format: "%.4f", $0) }.joined(separator: " "))")
        #expect(windows(bf16).last! < 0.5 * windows(bf16).first!)
        for (window, gap) in gaps.enumerated() {
            #expect(
                gap < 0.05, "steps \(20 * window)..<\(20 * window + 20): bf16 and fp32 mean losses differ by \(gap)")
        }
    }
}
