/// The sizes that define a generator/critic pair: the seed's full model is size 256, width 1.0;
/// the shipped CPU model is the same code at a smaller size and width.
public struct ModelConfiguration: Codable, Sendable, Equatable {
    /// Training image side in pixels; a multiple of `sizeMultiple`.
    public var size: Int
    /// Scales every layer's channel count (1.0 = the seed).
    public var widthMultiplier: Double
    /// Quantisation levels per colour channel.
    public var bins: Int
    /// Annealed-mean temperature of the colour estimate (0.38 as Zhang et al.).
    public var temperature: Double
    /// The temperatures every command and the server accept: below 0.01 the estimate is the
    /// mode already (and logits / T leave Float's range towards 0), above 10 it is the plain mean.
    public static let temperatureRange: ClosedRange<Double> = 0.01...10
    /// Whether the generator also has the seed's tanh regression heads (the seed never trains them).
    public var includeTanhHeads: Bool
    /// Which generator family (files written before there was a choice hold the seed's).
    public var architecture: Architecture
    /// Whether the generator takes colour hints (`HintField`) beside L; trained with simulated clicks.
    public var acceptsHints: Bool

    /// Why this configuration cannot be built or run, or nil: the rules of the command-line options
    /// that set each field, so a model file is trusted no more than a command line. (A width of
    /// 1e6 or 2⁴⁰ bins would ask for terabytes; a size of 2⁴⁰ would never finish; temperature 0
    /// divides by zero, and a negative one inverts the colours.)
    public var problem: String? {
        guard (32...2048).contains(size), size % architecture.sizeMultiple == 0 else {
            return "size \(size) is not a multiple of \(architecture.sizeMultiple) from 32 to 2048"
        }
        guard widthMultiplier.isFinite, widthMultiplier > 0, widthMultiplier <= 4 else {
            return "width multiplier \(widthMultiplier) is not above 0 and at most 4"
        }
        guard (2...64).contains(bins) else { return "bins \(bins) is not from 2 to 64" }
        guard Self.temperatureRange.contains(temperature) else {
            return "temperature \(temperature) is not from \(Self.temperatureRange.lowerBound) to "
                + "\(Self.temperatureRange.upperBound)"
        }
        return nil
    }

    /// The generator families: the seed's U-Net trained from scratch, or a U-Net decoder on an
    /// ImageNet-pretrained EfficientNet-Lite encoder.
    public enum Architecture: String, Codable, Sendable, CaseIterable {
        case seed, lite0, lite2

        /// What input sides must be a multiple of: the seed's U-Net has six stride-2 levels,
        /// EfficientNet five.
        public var sizeMultiple: Int { self == .seed ? 64 : 32 }
    }

    public init(
        size: Int = 128, widthMultiplier: Double = 1, bins: Int = 16, temperature: Double = 0.38,
        includeTanhHeads: Bool = false, architecture: Architecture = .seed, acceptsHints: Bool = false
    ) {
        precondition(
            size > 0 && size % architecture.sizeMultiple == 0,
            "size must be a positive multiple of \(architecture.sizeMultiple), got \(size)")
        precondition(widthMultiplier > 0 && bins >= 2 && temperature > 0, "bad model configuration")
        precondition(!acceptsHints || architecture != .seed, "only the pretrained-encoder generators take hints")
        self.size = size
        self.widthMultiplier = widthMultiplier
        self.bins = bins
        self.temperature = temperature
        self.includeTanhHeads = includeTanhHeads
        self.architecture = architecture
        self.acceptsHints = acceptsHints
    }

    /// As the synthesized decoder, except that files from before `architecture` hold the seed's and
    /// files from before `acceptsHints` take no hints.
    public init(from decoder: any Decoder) throws {
        let values = try decoder.container(keyedBy: CodingKeys.self)
        size = try values.decode(Int.self, forKey: .size)
        widthMultiplier = try values.decode(Double.self, forKey: .widthMultiplier)
        bins = try values.decode(Int.self, forKey: .bins)
        temperature = try values.decode(Double.self, forKey: .temperature)
        includeTanhHeads = try values.decode(Bool.self, forKey: .includeTanhHeads)
        architecture = try values.decodeIfPresent(Architecture.self, forKey: .architecture) ?? .seed
        acceptsHints = try values.decodeIfPresent(Bool.self, forKey: .acceptsHints) ?? false
    }

    /// A seed channel count scaled by the width multiplier (at least 1).
    public func channels(_ seedChannels: Int) -> Int { max(1, Int((Double(seedChannels) * widthMultiplier).rounded())) }
}
