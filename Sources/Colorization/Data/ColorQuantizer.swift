/// The seed's quantisation of a and b: each channel separately into `bins` levels over [−1, 1]
/// (Lab scaled by 1/100), so colour prediction becomes two classification problems.
///
/// index = round((x + 1) / δ) with δ = 2 / (bins − 1), clamped to the valid range; decode is −1 + k·δ.
public struct ColorQuantizer: Sendable, Equatable, Codable {
    public let bins: Int

    public init(bins: Int = 16) {
        precondition(bins >= 2, "a quantiser needs at least two bins")
        self.bins = bins
    }

    /// Width of one bin in scaled Lab units (2/15 for 16 bins).
    public var delta: Float { 2 / Float(bins - 1) }

    /// The bin of a scaled a or b value.
    @inlinable public func index(_ value: Float) -> Int {
        let raw = ((value + 1) / (2 / Float(bins - 1))).rounded()
        guard raw.isFinite else { return bins / 2 }
        return Int(min(max(raw, 0), Float(bins - 1)))
    }

    /// The scaled value at the centre of bin `k`.
    public func value(_ k: Int) -> Float { -1 + Float(k) * delta }

    /// All bin centres, in order.
    public var centers: [Float] { (0..<bins).map(value) }
}
