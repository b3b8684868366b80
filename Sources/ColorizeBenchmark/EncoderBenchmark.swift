import ArgumentParser
import Foundation
import NeuralNetwork
import Tensor
import Threading

/// `colorize-benchmark encoder`: the pretrained EfficientNet-Lite encoder (grey stem, to stride 32)
/// forward and forward + backward, then its layers by kind. Depthwise layers do ~k² multiply-adds
/// per value they read or write, so memory bounds them: they are reported in GB/s beside a
/// streaming roofline (x + y over large buffers, measured in the same run); the 1×1 layers, which
/// do most of the arithmetic, in GFLOP/s beside the fp32 peak.
struct EncoderBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "encoder",
        abstract: "Time the EfficientNet-Lite encoder: forward, forward+backward, and its depthwise and 1×1 layers.")

    @Option(help: "Which EfficientNet-Lite.")
    var variant: EfficientNetLite.Variant = .lite0

    @Option(help: "Batch size.")
    var batch = 6

    @Option(help: "Input side in pixels.")
    var size = 224

    @Option(help: "Timed runs per measurement (the median is reported).")
    var runs = 5

    @Option(help: "Convolution precision to time (repeat to compare).")
    var precision: [PrecisionChoice] = [.auto]

    func run() throws {
        let network = try EfficientNetLite(variant, greyInput: true)
        let peak = Processor.peak()
        print(peak.description)
        var random = TensorRandom(seed: 3)
        let x = Tensor.uniform([batch, size, size, 1], low: -1, high: 1, using: &random)
        // Batch-6 activations (up to 29 MB a tensor) straddle the 32 MB L3, so both bounds are shown.
        let streaming = streamingBandwidth(mebibytes: 64), cached = streamingBandwidth(mebibytes: 4)
        print(
            String(
                format: "streaming x + y: %.1f GB/s at 3 × 64 MiB (memory), %.1f GB/s at 3 × 4 MiB (cache)",
                streaming, cached))
        for precision in precision {
            ConvolutionPrecision.$current.withValue(precision.resolved()) {
                print("\n\(variant) encoder to stride 32, \(batch)×\(size)×\(size)×1, \(precision), median of \(runs):")
                let forward = Timing.median(runs: runs) { _ = network.features(x) }
                let projection = network.features(x).map { Tensor.uniform($0.shape, using: &random) }
                let parameters = network.namedParameters.filter { $0.parameter.requiresGradient }.map {
                    $0.parameter.value
                }
                let training = Timing.median(runs: runs) {
                    let features = network.features(x, training: true)
                    let loss = zip(features, projection).map { ($0 * $1).sum() }.reduce(Tensor(0), +)
                    _ = gradients(of: loss, wrt: parameters)
                }
                print("forward (BatchNorm folded)          \(Timing.milliseconds(forward))  \(images(forward))")
                print("forward + backward (all parameters) \(Timing.milliseconds(training))  \(images(training))")
                layers(network, streaming: streaming, peak: peak.flops)
            }
        }
    }

    private func images(_ seconds: Double) -> String { String(format: "%6.1f images/s", Double(batch) / seconds) }

    /// GB/s of z = x + y over three buffers of `mebibytes` each, a plain loop split across the
    /// threads: what memory-bound layers can reach at that working-set size.
    private func streamingBandwidth(mebibytes: Int) -> Double {
        let count = mebibytes << 18
        let buffers = (0..<3).map { _ in UnsafeMutablePointer<Float>.allocate(capacity: count) }
        defer { buffers.forEach { $0.deallocate() } }
        for buffer in buffers { buffer.initialize(repeating: 0.5, count: count) }
        let (x, y, z) = (buffers[0], buffers[1], buffers[2])
        let seconds = Timing.median(runs: runs) {
            Parallel.forEachRange(count) { range in for i in range { z[i] = x[i] + y[i] } }
        }
        return Double(3 * count * 4) / seconds / 1e9
    }

    /// Each convolution's three passes at the encoder's shapes, summed by kind. Bytes are the fp32
    /// activations each pass must read and write at least once (x and y; dy and dx; x and dy).
    private func layers(_ network: EfficientNetLite, streaming: Double, peak: Double) {
        var random = TensorRandom(seed: 5)
        var (side, depthwise, pointwise) = (size, [Double](repeating: 0, count: 4), [Double](repeating: 0, count: 4))
        print("kind          pass              time      throughput")
        for unit in network.units.dropLast() {
            let w = unit.weight.value
            let g = ConvolutionGeometry(
                inputShape: [batch, side, side, w.shape[2] * unit.groups], filterShape: w.shape,
                stride: unit.stride, padding: .same, groups: unit.groups)
            side = g.outHeight
            guard g.kh == 1 || g.isDepthwise else { continue }
            let input = Tensor.uniform(g.inputShape, using: &random), dy = Tensor.uniform(g.outputShape, using: &random)
            let times = [
                Timing.median(runs: runs) { _ = Tensor.conv2d(input, w, stride: g.strideH, groups: g.groups) },
                Timing.median(runs: runs) { _ = Tensor.convInputGradient(dy, w, g) },
                Timing.median(runs: runs) { _ = Tensor.convFilterGradient(input, dy, g) },
            ]
            let bytes = Double(4 * (Shape.count(g.inputShape) + Shape.count(g.outputShape)))
            if g.isDepthwise {
                for pass in 0..<3 { depthwise[pass] += times[pass] }
                depthwise[3] += bytes
            } else {
                for pass in 0..<3 { pointwise[pass] += times[pass] }
                pointwise[3] += 2 * Double(g.multiplyAdds)
            }
        }
        for (pass, name) in ["forward", "input-gradient", "filter-gradient"].enumerated() {
            let gbs = depthwise[3] / depthwise[pass] / 1e9
            print(
                "depthwise     " + name.padding(toLength: 16, withPad: " ", startingAt: 0)
                    + Timing.milliseconds(depthwise[pass])
                    + String(format: "  %6.1f GB/s (%3.0f%% of memory streaming)", gbs, 100 * gbs / streaming))
        }
        for (pass, name) in ["forward", "input-gradient", "filter-gradient"].enumerated() {
            let flops = pointwise[3] / pointwise[pass]
            print(
                "1×1           " + name.padding(toLength: 16, withPad: " ", startingAt: 0)
                    + Timing.milliseconds(pointwise[pass])
                    + "  \(Timing.gflops(pointwise[3], pointwise[pass]))"
                    + String(format: " (%3.0f%% of fp32 peak)", 100 * flops / peak))
        }
    }
}
