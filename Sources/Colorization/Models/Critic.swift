import NeuralNetwork
import Tensor

/// The seed's critic ("critic_64"): scores a Lab image (scaled by 1/100) for realism.
///
/// It first crops a 16-pixel rim (the seed's generator is unreliable there), then: two 7×7 convs
/// (64), three 5×5 stride-2 convs (128, 128, 256), three 3×3 stride-2 convs (512 each). Global
/// average pools of three levels — after the 7×7 block (64), after the second 5×5 conv (128) and
/// after the second 3×3 conv (512) — each pass through Dense 4. The last level is flattened through
/// Dense 1024 → 256, concatenated with the three skips, then Dense 64 → 16 → 1. LeakyReLU 0.1
/// between layers, no normalisation (WGAN-GP penalises per-sample gradients, which batch
/// statistics would couple).
public final class Critic: ParameterGroup, @unchecked Sendable {
    public static let rim = 16
    public let configuration: ModelConfiguration
    let conv1, conv2, down1, down2, down3, down4, down5, down6: Conv2D
    let skip1, skip2, skip3: Dense
    let dense1024, dense256, dense64, dense16, score: Dense

    public init(_ configuration: ModelConfiguration, seed: UInt64 = 2) {
        self.configuration = configuration
        var random = TensorRandom(seed: seed)
        let c = configuration.channels
        conv1 = Conv2D(3, c(64), kernel: 7, using: &random)
        conv2 = Conv2D(c(64), c(64), kernel: 7, using: &random)
        down1 = Conv2D(c(64), c(128), kernel: 5, stride: 2, using: &random)
        down2 = Conv2D(c(128), c(128), kernel: 5, stride: 2, using: &random)
        down3 = Conv2D(c(128), c(256), kernel: 5, stride: 2, using: &random)
        down4 = Conv2D(c(256), c(512), kernel: 3, stride: 2, using: &random)
        down5 = Conv2D(c(512), c(512), kernel: 3, stride: 2, using: &random)
        down6 = Conv2D(c(512), c(512), kernel: 3, stride: 2, using: &random)
        skip1 = Dense(c(64), 4, using: &random)
        skip2 = Dense(c(128), 4, using: &random)
        skip3 = Dense(c(512), 4, using: &random)
        let side = Critic.finalSide(configuration.size)
        dense1024 = Dense(side * side * c(512), c(1024), using: &random)
        dense256 = Dense(c(1024), c(256), using: &random)
        dense64 = Dense(c(256) + 12, c(64), using: &random)
        dense16 = Dense(c(64), c(16), using: &random)
        score = Dense(c(16), 1, using: &random)
    }

    /// Side of the last feature map: the cropped size halved (rounding up) six times.
    static func finalSide(_ size: Int) -> Int {
        (0..<6).reduce(size - 2 * rim) { side, _ in (side + 1) / 2 }
    }

    public var namedParameters: [(name: String, parameter: Parameter)] {
        let layers: [(String, any Layer)] = [
            ("conv1", conv1), ("conv2", conv2), ("down1", down1), ("down2", down2), ("down3", down3), ("down4", down4),
            ("down5", down5), ("down6", down6), ("skip1", skip1), ("skip2", skip2), ("skip3", skip3),
            ("dense1024", dense1024), ("dense256", dense256), ("dense64", dense64), ("dense16", dense16),
            ("score", score),
        ]
        return layers.flatMap { entry in entry.1.namedParameters.map { ("\(entry.0).\($0.name)", $0.parameter) } }
    }

    /// Multiply-adds of one forward pass, batch 1 (from the layer shapes).
    public var multiplyAdds: Int {
        var side = configuration.size - 2 * Critic.rim
        var total = conv1.multiplyAdds(n: 1, h: side, w: side) + conv2.multiplyAdds(n: 1, h: side, w: side)
        for layer in [down1, down2, down3, down4, down5, down6] {
            total += layer.multiplyAdds(n: 1, h: side, w: side)
            side = (side + 1) / 2
        }
        return total
            + [skip1, skip2, skip3, dense1024, dense256, dense64, dense16, score].reduce(0) {
                $0 + $1.weight.value.count
            }
    }

    /// Scores [N, 1] for Lab/100 images [N, size, size, 3].
    public func callAsFunction(_ lab: Tensor) -> Tensor {
        let size = configuration.size
        precondition(
            lab.shape.count == 4 && lab.shape[1] == size && lab.shape[2] == size && lab.shape[3] == 3,
            "critic input must be [N, \(size), \(size), 3], got \(lab.shape)")
        let slope: Float = 0.1
        func act(_ x: Tensor) -> Tensor { x.leakyReLU(slope) }
        func pool(_ x: Tensor) -> Tensor { x.mean(axes: [1, 2]) }
        let n = lab.shape[0]
        let inner = lab.slice(axis: 1, Critic.rim..<(size - Critic.rim)).slice(
            axis: 2, Critic.rim..<(size - Critic.rim))
        let c2 = conv2(conv1(inner, leakyReLU: slope), leakyReLU: slope)
        let d2 = down2(down1(c2, leakyReLU: slope), leakyReLU: slope)
        let d5 = down5(down4(down3(d2, leakyReLU: slope), leakyReLU: slope), leakyReLU: slope)
        let d6 = down6(d5, leakyReLU: slope)
        let skips = [act(skip1(pool(c2))), act(skip2(pool(d2))), act(skip3(pool(d5)))]
        let deep = act(dense256(act(dense1024(d6.reshaped([n, -1])))))
        let joined = Tensor.concatenate(skips + [deep], axis: 1)
        return score(act(dense16(act(dense64(joined)))))
    }
}
