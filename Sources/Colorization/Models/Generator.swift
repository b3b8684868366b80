import NeuralNetwork
import Tensor

/// The seed's U-Net: L in, per-pixel distributions over quantised a and b out.
///
/// Encoder: BatchNorm on the raw L → 11×11 conv 32 → six 5×5 stride-2 convs (32, 64, BN + 128, 256,
/// 256, 512). Decoder: BN → 5×5 conv 256 at the bottleneck, then five stages of nearest ×2
/// upsampling (BatchNorm on two of them) and 5×5 convs (256, 256, 256, 128, 64, 64) fed by skip
/// concatenations. LeakyReLU 0.1 follows every conv but the heads. Heads: 5×5 convs to `bins`
/// logits for a and for b (and optionally the seed's tanh regression heads).
///
/// The colour estimate used by inference and the adversarial stage is the annealed mean of each
/// head, Σ_k softmax(z/T)_k · centre_k, rather than the tanh heads: it is differentiable, it is
/// trained by pre-training already (the tanh heads never are), and T trades vividness for safety.
public final class Generator: ColorizationNetwork, @unchecked Sendable {
    public let configuration: ModelConfiguration
    let inputNorm: BatchNorm
    let enc1, enc2, enc4: Conv2D
    let enc8Norm: BatchNorm
    let enc8, enc16, enc32, enc64: Conv2D
    let dec64Norm: BatchNorm
    let dec64, dec32: Conv2D
    let dec16Norm: BatchNorm
    let dec16, dec8, dec4: Conv2D
    let dec2Norm: BatchNorm
    let dec2, dec1: Conv2D
    let headA, headB: Conv2D
    let tanhA, tanhB: Conv2D?

    public init(_ configuration: ModelConfiguration, seed: UInt64 = 1) {
        self.configuration = configuration
        var random = TensorRandom(seed: seed)
        let c = configuration.channels
        inputNorm = BatchNorm(1)
        enc1 = Conv2D(1, c(32), kernel: 11, using: &random)
        enc2 = Conv2D(c(32), c(32), kernel: 5, stride: 2, using: &random)
        enc4 = Conv2D(c(32), c(64), kernel: 5, stride: 2, using: &random)
        enc8Norm = BatchNorm(c(64))
        enc8 = Conv2D(c(64), c(128), kernel: 5, stride: 2, using: &random)
        enc16 = Conv2D(c(128), c(256), kernel: 5, stride: 2, using: &random)
        enc32 = Conv2D(c(256), c(256), kernel: 5, stride: 2, using: &random)
        enc64 = Conv2D(c(256), c(512), kernel: 5, stride: 2, using: &random)
        dec64Norm = BatchNorm(c(512))
        dec64 = Conv2D(c(512), c(256), kernel: 5, using: &random)
        dec32 = Conv2D(c(256), c(256), kernel: 5, using: &random)
        dec16Norm = BatchNorm(c(256) + c(256))
        dec16 = Conv2D(c(256) + c(256), c(256), kernel: 5, using: &random)
        dec8 = Conv2D(c(256) + c(256), c(256), kernel: 5, using: &random)
        dec4 = Conv2D(c(256) + c(128), c(128), kernel: 5, using: &random)
        dec2Norm = BatchNorm(c(128) + c(64))
        dec2 = Conv2D(c(128) + c(64), c(64), kernel: 5, using: &random)
        dec1 = Conv2D(c(64) + c(32), c(64), kernel: 5, using: &random)
        headA = Conv2D(c(64), configuration.bins, kernel: 5, using: &random)
        headB = Conv2D(c(64), configuration.bins, kernel: 5, using: &random)
        tanhA = configuration.includeTanhHeads ? Conv2D(c(64), 1, kernel: 5, using: &random) : nil
        tanhB = configuration.includeTanhHeads ? Conv2D(c(64), 1, kernel: 5, using: &random) : nil
    }

    public var layers: [(name: String, layer: any ParameterGroup)] {
        var list: [(String, any ParameterGroup)] = [
            ("input_norm", inputNorm), ("enc1", enc1), ("enc2", enc2), ("enc4", enc4), ("enc8_norm", enc8Norm),
            ("enc8", enc8),
            ("enc16", enc16), ("enc32", enc32), ("enc64", enc64), ("dec64_norm", dec64Norm), ("dec64", dec64),
            ("dec32", dec32),
            ("dec16_norm", dec16Norm), ("dec16", dec16), ("dec8", dec8), ("dec4", dec4), ("dec2_norm", dec2Norm),
            ("dec2", dec2),
            ("dec1", dec1), ("head_a", headA), ("head_b", headB),
        ]
        if let tanhA, let tanhB { list += [("tanh_a", tanhA), ("tanh_b", tanhB)] }
        return list
    }

    public var namedParameters: [(name: String, parameter: Parameter)] {
        layers.flatMap { entry in entry.layer.namedParameters.map { ("\(entry.name).\($0.name)", $0.parameter) } }
    }

    public func callAsFunction(_ lightness: Tensor, hints: Tensor?, training: Bool) -> GeneratorOutput {
        checkInput(lightness, hints: hints)
        let slope: Float = 0.1
        func up(_ x: Tensor) -> Tensor { x.upsampledNearest(2) }
        let e1 = enc1(inputNorm(lightness, training: training), leakyReLU: slope)
        let e2 = enc2(e1, leakyReLU: slope)
        let e4 = enc4(e2, leakyReLU: slope)
        let e8 = enc8(enc8Norm(e4, training: training), leakyReLU: slope)
        let e16 = enc16(e8, leakyReLU: slope)
        let e32 = enc32(e16, leakyReLU: slope)
        let e64 = enc64(e32, leakyReLU: slope)
        let d64 = dec64(dec64Norm(e64, training: training), leakyReLU: slope)
        let d32 = dec32(up(d64), leakyReLU: slope)
        let d16 = dec16(dec16Norm(up(Tensor.concatenate([d32, e32], axis: 3)), training: training), leakyReLU: slope)
        let d8 = dec8(up(Tensor.concatenate([d16, e16], axis: 3)), leakyReLU: slope)
        let d4 = dec4(up(Tensor.concatenate([d8, e8], axis: 3)), leakyReLU: slope)
        let d2 = dec2(dec2Norm(up(Tensor.concatenate([d4, e4], axis: 3)), training: training), leakyReLU: slope)
        let d1 = dec1(up(Tensor.concatenate([d2, e2], axis: 3)), leakyReLU: slope)
        return GeneratorOutput(
            logitsA: headA(d1), logitsB: headB(d1), tanhA: tanhA.map { $0(d1).tanh() },
            tanhB: tanhB.map { $0(d1).tanh() })
    }

    /// The convolutions in forward order with the spatial size of their input at network size
    /// `size`: for FLOP counts and per-layer benchmarks.
    public func convolutions(size s: Int) -> [(name: String, layer: Conv2D, inputSize: Int)] {
        [
            ("enc1", enc1, s), ("enc2", enc2, s), ("enc4", enc4, s / 2), ("enc8", enc8, s / 4), ("enc16", enc16, s / 8),
            ("enc32", enc32, s / 16), ("enc64", enc64, s / 32), ("dec64", dec64, s / 64), ("dec32", dec32, s / 32),
            ("dec16", dec16, s / 16), ("dec8", dec8, s / 8), ("dec4", dec4, s / 4), ("dec2", dec2, s / 2),
            ("dec1", dec1, s),
            ("head_a", headA, s), ("head_b", headB, s),
        ]
    }

    /// Multiply-adds of one forward pass at `size`×`size`, batch 1 (from the layer shapes).
    public func multiplyAdds(size: Int) -> Int {
        convolutions(size: size).reduce(0) { $0 + $1.layer.multiplyAdds(n: 1, h: $1.inputSize, w: $1.inputSize) }
    }
}
