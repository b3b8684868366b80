/// The sizes that define a generator/critic pair: the seed's full model is size 256, width 1.0;
/// the shipped CPU model is the same code at a smaller size and width.
public struct ModelConfiguration: Codable, Sendable, Equatable {
    /// Training image side in pixels; a multiple of 64 (six stride-2 levels).
    public var size: Int
    /// Scales every layer's channel count (1.0 = the seed).
    public var widthMultiplier: Double
    /// Quantisation levels per colour channel.
    public var bins: Int
    /// Annealed-mean temperature of the colour estimate (0.38 as Zhang et al.).
    public var temperature: Double
    /// Whether the generator also has the seed's tanh regression heads (the seed never trains them).
    public var includeTanhHeads: Bool

    public init(size: Int = 128, widthMultiplier: Double = 1, bins: Int = 16, temperature: Double = 0.38, includeTanhHeads: Bool = false) {
        precondition(size > 0 && size % 64 == 0, "size must be a positive multiple of 64, got \(size)")
        precondition(widthMultiplier > 0 && bins >= 2 && temperature > 0, "bad model configuration")
        self.size = size
        self.widthMultiplier = widthMultiplier
        self.bins = bins
        self.temperature = temperature
        self.includeTanhHeads = includeTanhHeads
    }

    /// A seed channel count scaled by the width multiplier (at least 1).
    public func channels(_ seedChannels: Int) -> Int { max(1, Int((Double(seedChannels) * widthMultiplier).rounded())) }
}
