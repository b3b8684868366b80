import Foundation
import Imaging
import Tensor

/// Measures colorizers on colour photos beside the grey baseline (the photo's own L, a = b = 0).
///
/// Metrics per photo: PSNR of RGB (8-bit scale), area under the curve of per-pixel ab error for
/// thresholds 0…150 both plain and class-rebalanced, and Hasler–Süsstrunk colourfulness. Plain AuC
/// rewards grey output (most pixels are nearly grey); the rebalanced one weighs each pixel by the
/// inverse prior of its true colour, p(a-bin)·p(b-bin) from the first candidate's training
/// histogram (the joint prior approximated as independent; one prior for every row, so rows
/// compare), so rare colours count as much as common ones. Over the whole set: ΔCF, the gap
/// between mean colourfulness and the originals', and optionally a Fréchet distance between
/// pretrained-encoder embeddings of the outputs and of the originals (`FeatureEmbedding`).
public struct Evaluation: Sendable {
    public struct Scores: Codable, Sendable {
        public var psnr: Double
        public var auc: Double
        public var rebalancedAUC: Double
        public var colourfulness: Double
        /// `ColorMetrics.falseColourShare`: bold colour where the original has none or another.
        public var falseColour: Double
    }

    /// A colorizer under test, with the name its table row shows.
    public struct Candidate: Sendable {
        public var name: String
        public var colorizer: Colorizer
        public var temperature: Double?
        /// Colour hints taken from the original at this many random points (`sampledHints`).
        public var hintCount: Int
        /// Whether it follows the colour reference of a reference protocol's pair.
        public var usesReference: Bool
        public init(
            name: String, colorizer: Colorizer, temperature: Double? = nil, hintCount: Int = 0,
            usesReference: Bool = false
        ) {
            self.name = name
            self.colorizer = colorizer
            self.temperature = temperature
            self.hintCount = hintCount
            self.usesReference = usesReference
        }

        /// Its colorization of an RGB raster (from the raster's lightness, or from `input`, a grey
        /// version of it), as RGB; with `hintCount` hints drawn by `hintSeed` from the original,
        /// and following `reference` (RGB) when it `usesReference`.
        public func colorize(
            _ original: Raster, input: Raster? = nil, hintSeed: UInt64 = 0, reference: Raster? = nil,
            referenceName: String = "reference"
        ) throws(ReferenceError) -> Raster {
            let hints = hintCount > 0 ? Evaluation.sampledHints(original, count: hintCount, seed: hintSeed) : []
            let references =
                if usesReference, let reference {
                    [try colorizer.reference(Image(color: reference), name: referenceName)]
                } else { [ColorReference]() }
            return colorizer.colorize(
                Image(color: input ?? original), hints: hints, references: references, temperature: temperature
            ).rgb
        }
    }

    public struct PhotoResult: Codable, Sendable {
        public var path: String
        /// One entry per candidate, in order.
        public var candidates: [Scores]
        public var grey: Scores
        public var originalColourfulness: Double
    }

    /// One photo's scores, the first candidate's grey | colorized | original row for contact
    /// sheets, and its embeddings when feature statistics are on.
    public struct PhotoEvaluation: Sendable {
        public var result: PhotoResult
        public var row: [Raster]
        var embeddings: (original: [Double], grey: [Double], candidates: [[Double]])?
    }

    /// A table row: mean scores, |mean colourfulness − originals'| and the Fréchet distance.
    public struct MethodSummary: Codable, Sendable {
        public var name: String
        public var scores: Scores
        public var colourfulnessGap: Double
        public var featureDistance: Double?
    }

    public struct Summary: Codable, Sendable {
        public var photos: Int
        public var failed: [String]
        public var candidates: [MethodSummary]
        public var grey: MethodSummary
        public var originalColourfulness: Double
        /// The network whose pooled features the distances use (nil: not computed).
        public var featureNetwork: String?
        public var results: [PhotoResult]
    }

    public let candidates: [Candidate]
    /// Photos are scaled so the longer side is this many pixels before evaluating (speed, and
    /// comparable numbers across photo sizes).
    public let side: Int
    let prior: (a: [Double], b: [Double])?
    let embedding: FeatureEmbedding?
    /// Colorize old-photograph greys of the photos (seeded by file name, so every run and every
    /// candidate sees the same greys) instead of their true lightness; nil: true lightness.
    public let degradation: OldPhotoDegradation?

    /// - Parameters:
    ///   - candidates: the colorizers to compare (the first one's colour prior rebalances the AuC).
    ///   - side: photos are scaled so their longer side has this many pixels.
    ///   - embedding: the network for the Fréchet distance (nil: none).
    ///   - degradation: colorize old-photograph greys instead of the true lightness.
    public init(
        candidates: [Candidate], side: Int = 256, embedding: FeatureEmbedding? = nil,
        degradation: OldPhotoDegradation? = nil
    ) {
        self.candidates = candidates
        self.side = side
        self.embedding = embedding
        self.degradation = degradation
        prior = candidates.first?.colorizer.metadata.magicWeights.map { weights in
            func normalised(_ counts: [Int]) -> [Double] {
                let total = Double(max(counts.reduce(0, +), 1))
                return counts.map { Double($0) / total }
            }
            return (normalised(weights.countsA), normalised(weights.countsB))
        }
    }

    /// The photo scaled to `side`, as RGB.
    public func scaled(_ image: Image) -> Raster {
        let scale = Double(side) / Double(max(image.width, image.height))
        guard scale < 1 else { return image.rgb }
        return image.rgb.resized(
            width: max(1, Int((Double(image.width) * scale).rounded())),
            height: max(1, Int((Double(image.height) * scale).rounded())))
    }

    /// `count` hints as a user who knows the true colours would give: the first `count` of a
    /// sequence of points drawn uniformly by `seed` (so smaller sets are part of larger ones), each
    /// the mean true a, b of a patch of side 1–9 around it, as in training (`HintSimulation`).
    public static func sampledHints(_ original: Raster, count: Int, seed: UInt64) -> [ColorHint] {
        let lab = ColorSpace.lab(fromRGB: original)
        var random = TensorRandom(seed: seed)
        return (0..<count).map { _ in
            let point = HintSimulation.randomPoint(
                lab: lab.values[...], width: lab.width, height: lab.height, using: &random)
            return ColorHint(x: Double(point.x) + 0.5, y: Double(point.y) + 0.5, a: point.a, b: point.b)
        }
    }

    /// A seed that names a photo the same way in every run (FNV-1a of its path).
    public static func hintSeed(path: String) -> UInt64 {
        path.utf8.reduce(0xcbf2_9ce4_8422_2325) { ($0 ^ UInt64($1)) &* 0x100_0000_01b3 }
    }

    /// The grey baseline of an RGB raster: its own lightness, a = b = 0.
    public static func grey(_ original: Raster) -> Raster {
        var lab = ColorSpace.lab(fromRGB: original)
        for i in 0..<lab.pixelCount {
            lab.values[3 * i + 1] = 0
            lab.values[3 * i + 2] = 0
        }
        return ColorSpace.rgb(fromLab: lab)
    }

    /// The grey | colorized | original row of the photo scaled to `side`, for `candidate`.
    public func triplet(_ image: Image, candidate: Int = 0) -> [Raster] {
        let original = scaled(image)
        // Candidates without a reference cannot fail.
        let colorized = (try? candidates[candidate].colorize(original)) ?? Self.grey(original)
        return [Self.grey(original), colorized, original]
    }

    public func scores(_ candidate: Raster, against original: Raster) -> Scores {
        let truthLab = ColorSpace.lab(fromRGB: original), candidateLab = ColorSpace.lab(fromRGB: candidate)
        return Scores(
            psnr: ColorMetrics.psnr(candidate, original), auc: ColorMetrics.abErrorAUC(candidateLab, truthLab),
            rebalancedAUC: ColorMetrics.abErrorAUC(
                candidateLab, truthLab, weights: rebalancingWeights(truthLab)),
            colourfulness: ColorMetrics.colourfulness(candidate),
            falseColour: ColorMetrics.falseColourShare(candidateLab, truth: truthLab))
    }

    /// 1 / (p(a-bin)·p(b-bin)) of each pixel's true colour; uniform without a prior.
    func rebalancingWeights(_ lab: Raster) -> [Float]? {
        guard let prior else { return nil }
        let quantizer = ColorQuantizer(bins: prior.a.count)
        return (0..<lab.pixelCount).map { i in
            let p =
                prior.a[quantizer.index(lab.values[3 * i + 1] / 100)]
                * prior.b[quantizer.index(lab.values[3 * i + 2] / 100)]
            return Float(1 / max(p, 1e-6))
        }
    }

    /// What the candidates colorize for the photo at `path`: an old-photograph grey of it (seeded by
    /// its file name) with a `degradation`, else nil (its own lightness).
    public func input(_ original: Raster, path: String) -> Raster? {
        guard let degradation else { return nil }
        var random = TensorRandom(seed: Self.hintSeed(path: (path as NSString).lastPathComponent) ^ 0x4F4C_4450)
        return degradation.grey(original, using: &random)
    }

    /// Scores one photo with every candidate and the grey baseline (the grey the candidates see).
    public func evaluate(_ image: Image, path: String) throws(ReferenceError) -> PhotoEvaluation {
        try evaluate(scaled(image), path: path, reference: nil)
    }

    /// Scores the targets `referenceProtocol` makes of one photo (`other`: the next photo of the
    /// set, for `unrelated`), each with its reference: one result per pair.
    public func evaluate(
        _ image: Image, path: String, referenceProtocol: ReferenceProtocol, other: Image?
    ) throws(ReferenceError) -> [PhotoEvaluation] {
        let pairs = referenceProtocol.pairs(
            scaled(image), other: other.map { scaled($0) }, seed: Self.hintSeed(path: path))
        var evaluations: [PhotoEvaluation] = []
        for pair in pairs {
            evaluations.append(
                try evaluate(
                    pair.target, path: "\(path) (\(pair.label))", reference: (pair.reference, "\(path) reference")))
        }
        return evaluations
    }

    /// Scores `original` (already scaled) with every candidate and the grey baseline.
    func evaluate(
        _ original: Raster, path: String, reference: (Raster, String)?
    ) throws(ReferenceError)
        -> PhotoEvaluation
    {
        let input = input(original, path: path)
        let grey = input.map { Image(color: $0).rgb } ?? Self.grey(original)
        var colorized: [Raster] = []
        for candidate in candidates {
            colorized.append(
                try candidate.colorize(
                    original, input: input, hintSeed: Self.hintSeed(path: path), reference: reference?.0,
                    referenceName: reference?.1 ?? "reference"))
        }
        let result = PhotoResult(
            path: path, candidates: colorized.map { scores($0, against: original) },
            grey: scores(grey, against: original), originalColourfulness: ColorMetrics.colourfulness(original))
        let embeddings = embedding.map { network in
            let vectors = network.embed([original, grey] + colorized)
            return (vectors[0], vectors[1], Array(vectors[2...]))
        }
        return PhotoEvaluation(
            result: result, row: [grey] + colorized.prefix(1) + [original], embeddings: embeddings)
    }

    public func summarize(_ photos: [PhotoEvaluation], failed: [String]) -> Summary {
        let results = photos.map(\.result)
        let originalColourfulness =
            results.map(\.originalColourfulness).reduce(0, +) / Double(max(results.count, 1))
        let embedded = photos.compactMap(\.embeddings)
        let complete = !photos.isEmpty && embedded.count == photos.count
        let originals = embedded.map(\.original)
        func distance(_ vectors: [[Double]]) -> Double? {
            guard complete else { return nil }
            return try? FrechetDistance.squared(vectors, originals)
        }
        func method(_ name: String, _ scores: [Scores], _ vectors: [[Double]]) -> MethodSummary {
            let mean = Self.mean(scores)
            return MethodSummary(
                name: name, scores: mean, colourfulnessGap: abs(mean.colourfulness - originalColourfulness),
                featureDistance: distance(vectors))
        }
        return Summary(
            photos: results.count, failed: failed,
            candidates: candidates.indices.map { index in
                method(
                    candidates[index].name, results.map { $0.candidates[index] },
                    embedded.map { $0.candidates[index] })
            },
            grey: method("grey baseline", results.map(\.grey), embedded.map(\.grey)),
            originalColourfulness: originalColourfulness,
            featureNetwork: complete ? embedding.map { "EfficientNet-\($0.variant.rawValue) pooled features" } : nil,
            results: results)
    }

    public static func mean(_ scores: [Scores]) -> Scores {
        let n = Double(max(scores.count, 1))
        return Scores(
            psnr: scores.map(\.psnr).reduce(0, +) / n, auc: scores.map(\.auc).reduce(0, +) / n,
            rebalancedAUC: scores.map(\.rebalancedAUC).reduce(0, +) / n,
            colourfulness: scores.map(\.colourfulness).reduce(0, +) / n,
            falseColour: scores.map(\.falseColour).reduce(0, +) / n)
    }
}
