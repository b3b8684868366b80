import Glibc

/// A small, fast, seedable generator (SplitMix64) so initialisation and sampling are reproducible.
public struct TensorRandom: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    public mutating func nextUniform() -> Float { Float(next() >> 40) * (1 / Float(1 << 24)) }

    /// Standard normal (Box–Muller).
    public mutating func nextNormal() -> Float {
        let u1 = max(nextUniform(), .leastNormalMagnitude), u2 = nextUniform()
        return (-2 * Glibc.logf(u1)).squareRoot() * Glibc.cosf(2 * .pi * u2)
    }
}

extension Tensor {
    /// Uniform values in [low, high).
    public static func uniform(
        _ shape: [Int], low: Float = 0, high: Float = 1, using random: inout TensorRandom
    ) -> Tensor {
        Tensor(shape: shape, values: (0..<Shape.count(shape)).map { _ in low + (high - low) * random.nextUniform() })
    }

    /// Normal values with the given mean and standard deviation.
    public static func normal(
        _ shape: [Int], mean: Float = 0, standardDeviation: Float = 1, using random: inout TensorRandom
    ) -> Tensor {
        Tensor(
            shape: shape, values: (0..<Shape.count(shape)).map { _ in mean + standardDeviation * random.nextNormal() })
    }
}
