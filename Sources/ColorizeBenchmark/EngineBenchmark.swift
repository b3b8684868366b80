import ArgumentParser
import Tensor

/// `colorize-benchmark engine`: raw kernel speed — sgemm, and the three convolution passes for the
/// seed generator's layer shapes at 128×128, batch 6.
struct EngineBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "engine",
        abstract: "Time sgemm and the convolution passes of the seed generator's layers.")

    @Option(help: "Batch size for the convolution shapes.")
    var batch = 6

    @Option(help: "Image size (the seed trains at 256; the shipped model at 128).")
    var size = 128

    @Option(help: "Timed runs per measurement (the median is reported).")
    var runs = 5

    @Option(
        help:
            "Convolution precision to time: auto (bf16 with native bf16, else fp32), fp32 or bf16; repeat to compare (--precision fp32 --precision bf16)."
    )
    var precision: [PrecisionChoice] = [.auto]

    @Flag(
        help:
            "Also time oneDNN alone, the direct kernels and the im2col + OpenBLAS reference (the default picks the fastest per pass)."
    )
    var allBackends = false

    func run() {
        print("\(CPUFeatures.summary); precision auto → \(PrecisionChoice.auto.resolved())")
        let peak = Processor.peak()
        print(peak.description)
        benchmarkGEMM(1024)
        let s = size
        let layers: [(name: String, input: [Int], filter: [Int], stride: Int)] = [
            ("dec1 96→64 5×5 @\(s)", [batch, s, s, 96], [5, 5, 96, 64], 1),
            ("enc2 32→32 5×5 s2 @\(s)", [batch, s, s, 32], [5, 5, 32, 32], 2),
            ("enc1 1→32 11×11 @\(s)", [batch, s, s, 1], [11, 11, 1, 32], 1),
            ("dec4 384→128 5×5 @\(s / 4)", [batch, s / 4, s / 4, 384], [5, 5, 384, 128], 1),
            ("enc16 128→256 5×5 s2 @\(s / 8)", [batch, s / 8, s / 8, 128], [5, 5, 128, 256], 2),
        ]
        let backends: [ConvolutionBackend] = allBackends ? [.fastest, .oneDNN, .direct, .im2col] : [.fastest]
        for precision in precision {
            for backend in backends {
                print("\nconvolutions (\(backend), \(precision)), median of \(runs); % of the fp32 peak:")
                print(
                    "layer".padding(toLength: 30, withPad: " ", startingAt: 0)
                        + "  pass              time      throughput      of peak")
                ConvolutionPrecision.$current.withValue(precision.resolved()) {
                    ConvolutionBackend.$current.withValue(backend) {
                        for layer in layers {
                            benchmarkConvolution(layer.name, layer.input, layer.filter, layer.stride, peak: peak.flops)
                        }
                    }
                }
            }
        }
    }

    private func benchmarkGEMM(_ n: Int) {
        var random = TensorRandom(seed: 1)
        let a = Tensor.uniform([n, n], using: &random), b = Tensor.uniform([n, n], using: &random)
        let seconds = Timing.median(runs: runs) { _ = Tensor.matmul(a, b) }
        print("sgemm \(n)³: \(Timing.milliseconds(seconds))  \(Timing.gflops(2 * Double(n * n * n), seconds))")
    }

    private func benchmarkConvolution(
        _ name: String, _ inputShape: [Int], _ filterShape: [Int], _ stride: Int, peak: Double
    ) {
        var random = TensorRandom(seed: 2)
        let g = ConvolutionGeometry(inputShape: inputShape, filterShape: filterShape, stride: stride, padding: .same)
        let x = Tensor.uniform(g.inputShape, using: &random), w = Tensor.uniform(g.filterShape, using: &random)
        let dy = Tensor.uniform(g.outputShape, using: &random)
        let flops = 2 * Double(g.multiplyAdds)
        let passes: [(String, () -> Void)] = [
            ("forward", { _ = Tensor.conv2d(x, w, stride: stride) }),
            ("input-gradient", { _ = Tensor.convInputGradient(dy, w, g) }),
            ("filter-gradient", { _ = Tensor.convFilterGradient(x, dy, g) }),
        ]
        for (pass, body) in passes {
            let seconds = Timing.median(runs: runs, body)
            print(
                name.padding(toLength: 30, withPad: " ", startingAt: 0) + "  "
                    + pass.padding(toLength: 16, withPad: " ", startingAt: 0)
                    + "\(Timing.milliseconds(seconds))  \(Timing.gflops(flops, seconds))"
                    + String(format: "  %5.1f%%", 100 * flops / seconds / peak))
        }
    }
}
