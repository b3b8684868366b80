import Imaging

/// Scene cuts from lightness statistics: the total-variation distance between the L histograms of
/// consecutive frames (half the L1 distance of the normalised 32-bin histograms, 0 = same
/// distribution, 1 = disjoint). Camera motion and people walking change a frame's histogram by a
/// few hundredths; a cut to another shot typically moves a third of its mass or more. Histograms
/// ignore where things are, so motion alone never looks like a cut; what they miss (two shots of
/// one tonal make-up) the filter's motion-compensated match catches instead (`TemporalFilter`).
public struct SceneCut: Sendable {
    public static let bins = 32

    /// Normalised histogram of L (0…100) over `bins` bins.
    public static func histogram(_ lightness: Raster) -> [Double] {
        var counts = [Double](repeating: 0, count: bins)
        for value in lightness.values {
            counts[min(max(Int(value / 100 * Float(bins)), 0), bins - 1)] += 1
        }
        let total = Double(max(lightness.values.count, 1))
        return counts.map { $0 / total }
    }

    /// Total-variation distance between two histograms (0…1).
    public static func distance(_ first: [Double], _ second: [Double]) -> Double {
        0.5 * zip(first, second).reduce(0) { $0 + abs($1.0 - $1.1) }
    }
}
