import Foundation

/// The seed's class-rebalancing weights ("magic weights"): rare colours weigh more, so the
/// pre-trained network does not settle for the desaturated colours that dominate photos.
///
/// From a histogram of bin use: w_k = 1/(count_k + 1) for used bins, 0 for unused, normalised to
/// sum 1 — per channel (a and b separately). Training scales the one-hot target of bin k by
/// `floor + w_k` (floor = 0.05 in the seed).
public struct MagicWeights: Sendable, Equatable, Codable {
    public let a: [Float]
    public let b: [Float]
    /// Bin counts the weights came from, kept for the report and the metadata.
    public let countsA: [Int]
    public let countsB: [Int]
    /// Added to every weight when it scales a target.
    public let floor: Float

    public init(countsA: [Int], countsB: [Int], floor: Float = 0.05) {
        self.countsA = countsA
        self.countsB = countsB
        self.floor = floor
        a = MagicWeights.weights(countsA)
        b = MagicWeights.weights(countsB)
    }

    /// Uniform weights (every bin equally rare): a neutral choice before a histogram exists.
    public static func uniform(bins: Int = 16) -> MagicWeights {
        MagicWeights(countsA: Array(repeating: 1, count: bins), countsB: Array(repeating: 1, count: bins))
    }

    /// w_k = 1/(count_k + 1) for used bins, 0 for unused, normalised to sum 1.
    static func weights(_ counts: [Int]) -> [Float] {
        let raw = counts.map { $0 > 0 ? 1 / Double($0 + 1) : 0 }
        let total = raw.reduce(0, +)
        return raw.map { total > 0 ? Float($0 / total) : 0 }
    }

    /// The factor applied to the one-hot target of bin `k`: floor + w_k.
    public func targetScaleA(_ k: Int) -> Float { floor + a[k] }
    public func targetScaleB(_ k: Int) -> Float { floor + b[k] }

    /// A fixed-width table of counts and weights, for the `weights` command.
    public var table: String {
        var lines = ["bin   centre     count a    weight a     count b    weight b"]
        let quantizer = ColorQuantizer(bins: a.count)
        for k in a.indices {
            lines.append(
                String(
                    format: "%3d  %+6.3f  %10d  %10.6f  %10d  %10.6f",
                    k, quantizer.value(k), countsA[k], a[k], countsB[k], b[k]))
        }
        return lines.joined(separator: "\n")
    }
}

extension MagicWeights {
    /// Counts bin use over `crops` augmented training crops (the seed used ~40k) and derives weights.
    /// `progress` is called with the number of crops counted so far.
    public static func estimate(
        from loader: BatchLoader, crops: Int, progress: (Int) -> Void = { _ in }
    ) -> MagicWeights? {
        let bins = loader.quantizer.bins
        var countsA = [Int](repeating: 0, count: bins), countsB = [Int](repeating: 0, count: bins)
        var counted = 0
        while counted < crops {
            guard let batch = loader.next() else { return nil }
            for k in batch.binsA { countsA[k] += 1 }
            for k in batch.binsB { countsB[k] += 1 }
            counted += batch.count
            progress(counted)
        }
        return MagicWeights(countsA: countsA, countsB: countsB)
    }

    /// Reads weights written by `colorize weights` (this type's JSON).
    public static func read(path: String) throws -> MagicWeights {
        try JSONDecoder().decode(MagicWeights.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
    }

    /// Writes this type's JSON (pretty, stable key order).
    /// Writes the JSON atomically, creating the folder it goes in.
    public func write(to path: String) throws {
        let folder = (path as NSString).deletingLastPathComponent
        if !folder.isEmpty {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(self).write(to: URL(fileURLWithPath: path), options: .atomic)
    }
}
