import Foundation
import Imaging
import NeuralNetwork
import Tensor

/// Finds, for each region of a grey photo, where colour references show the same kind of thing,
/// and turns the confident matches into colour hints (as Deep Exemplar-based Colorization, He et
/// al. 2018, matches in a pretrained network's features; here the colorizer's own encoder).
///
/// Both photos go through the encoder as grey (the reference's lightness), so lightness alone does
/// not decide. On a grid of stride 8, each cell's descriptor is the encoder's stride-8, 16 and 32
/// features (coarser ones repeated), each level centred on its image's mean and scaled to unit
/// length, concatenated and scaled to unit length again: cosine similarity s(i, j) between target
/// cell i and reference cell j weighs texture and meaning equally. Then per target cell
///   w_ij = softmax_j(s(i, j) / τ),   ab_i = Σ_j w_ij ab_j,   c_i = max_j s(i, j),
/// ab_j the reference cell's mean a/b; c_i counts only if agreed both ways: no target cell is more
/// than `agreement` more similar to i's best reference cell than i is (else c_i = −1, no match).
/// Cells with c_i ≥ `threshold`, best first and spread out
/// (`points(_:)`), become up to `maximumPoints` hint points at their centres: the network
/// still decides boundaries and fills what the reference lacks, and where nothing matches no
/// point is placed, so the automatic colours stand.
public struct ReferenceMatcher: Sendable {
    /// Matching settings, chosen on the validation photos (`colorize evaluate --reference-protocol`).
    public struct Settings: Sendable, Equatable {
        /// τ of the softmax over reference cells (cosine similarities are within −1…1).
        public var temperature: Float = 0.01
        /// The least best-match similarity for a cell to give a hint. On the validation photos 0.3
        /// and 0.4 followed a reference of the same scene a little better (rebalanced AuC +0.005),
        /// but an unrelated reference then cost 0.01–0.025 against the automatic colours; 0.5 does not.
        public var threshold: Float = 0.5
        /// At most this many hint points per photo (training saw up to 50 clicks; 80 spread ones
        /// still helped a little, 80 packed one cell apart did not).
        public var maximumPoints = 80
        /// Chosen points are at least this many grid cells apart (Chebyshev distance).
        public var spacing = 2
        /// Each point's patch side at network resolution.
        public var pointSide = 5
        /// Agreement both ways: a target cell counts only if its best reference cell finds no
        /// target cell more than this much more similar than it (cosine; 2, the default, turns the
        /// check off: at 0.1 it did not keep an unrelated reference from costing the validation
        /// photos' scores, which the threshold does).
        public var agreement: Float = 2
        public init() {}
    }

    /// The grid's stride in network pixels.
    public static let stride = 8
    let encoder: EfficientNetLite
    public var settings: Settings

    /// - Parameters:
    ///   - encoder: the colorizer's pretrained encoder (grey input).
    ///   - settings: how matches become hints.
    public init(encoder: EfficientNetLite, settings: Settings = Settings()) {
        self.encoder = encoder
        self.settings = settings
    }

    /// The per-cell matches of a target: carried a/b (Lab/100) and confidence, on a grid of
    /// `gridWidth` × `gridHeight` cells.
    public struct Match: Sendable {
        public var gridWidth: Int
        public var gridHeight: Int
        public var a: [Float]
        public var b: [Float]
        public var confidence: [Float]
    }

    /// Descriptors [cells, channels] (unit rows) of each image of lightness [N, H, W, 1] (L/100;
    /// sides multiples of 32), from one pass of the encoder over the batch.
    func descriptors(_ lightness: Tensor) -> (values: [[Float]], channels: Int) {
        let features = withoutGradients {
            encoder.features(EfficientNetLite.normalized(lightness * 255), training: false)
        }
        let (n, h, w) = (lightness.shape[0], lightness.shape[1] / Self.stride, lightness.shape[2] / Self.stride)
        let levels = [
            (features[2].scalars, features[2].shape, 1), (features[3].scalars, features[3].shape, 2),
            (features[4].scalars, features[4].shape, 4),
        ]
        let channels = levels.map { $0.1[3] }.reduce(0, +)
        let levelScale = 1 / Float(levels.count).squareRoot()
        let all = (0..<n).map { image -> [Float] in
            var out = [Float](repeating: 0, count: h * w * channels)
            var offset = 0
            for (values, shape, factor) in levels {
                let (fh, fw, c) = (shape[1], shape[2], shape[3])
                let base = image * fh * fw * c
                var mean = [Float](repeating: 0, count: c)
                for p in 0..<(fh * fw) { for k in 0..<c { mean[k] += values[base + p * c + k] } }
                for k in 0..<c { mean[k] /= Float(max(fh * fw, 1)) }
                for y in 0..<h {
                    for x in 0..<w {
                        let source = base + (min(y / factor, fh - 1) * fw + min(x / factor, fw - 1)) * c
                        let target = (y * w + x) * channels + offset
                        var norm: Float = 0
                        for k in 0..<c {
                            let v = values[source + k] - mean[k]
                            out[target + k] = v
                            norm += v * v
                        }
                        let scale = levelScale / max(norm.squareRoot(), 1e-6)
                        for k in 0..<c { out[target + k] *= scale }
                    }
                }
                offset += c
            }
            return out
        }
        return (all, channels)
    }

    /// A reference from its RGB pixels (0…1) at network dimensions `width` × `height`.
    /// - Parameters:
    ///   - rgb: the reference resized to the network dimensions of its aspect ratio.
    ///   - name: names it in errors.
    public func reference(networkRGB rgb: Raster, name: String) -> ColorReference {
        let lab = ColorSpace.lab(fromRGB: rgb)
        let (w, h) = (rgb.width, rgb.height)
        let lightness = Tensor(shape: [1, h, w, 1], values: (0..<(w * h)).map { lab.values[3 * $0] / 100 })
        let (descriptors, channels) = descriptors(lightness)
        let (gw, gh) = (w / Self.stride, h / Self.stride)
        var chroma = [Float](repeating: 0, count: gw * gh * 2)
        for y in 0..<(gh * Self.stride) {
            for x in 0..<(gw * Self.stride) {
                let cell = (y / Self.stride) * gw + x / Self.stride, p = 3 * (y * w + x)
                chroma[2 * cell] += lab.values[p + 1]
                chroma[2 * cell + 1] += lab.values[p + 2]
            }
        }
        let perCell = 1 / Float(Self.stride * Self.stride * 100)
        for i in chroma.indices { chroma[i] *= perCell }
        return ColorReference(name: name, features: descriptors[0], chroma: chroma, channels: channels)
    }

    /// The hint points each image of lightness [N, H, W, 1] (L/100) takes from its references
    /// (`references[n]`; an empty list gives no points), with one encoder pass for the batch.
    public func points(_ lightness: Tensor, references: [[ColorReference]]) -> [[HintPoint]] {
        precondition(references.count == lightness.shape[0], "one reference list per image")
        guard references.contains(where: { !$0.isEmpty }) else { return references.map { _ in [] } }
        let (targets, channels) = descriptors(lightness)
        let (gw, gh) = (lightness.shape[2] / Self.stride, lightness.shape[1] / Self.stride)
        return references.indices.map { n in
            references[n].isEmpty
                ? [] : points(match(targets[n], channels: channels, gridWidth: gw, gridHeight: gh, in: references[n]))
        }
    }

    /// The matches of target lightness [1, H, W, 1] (L/100) in `references`.
    public func match(_ lightness: Tensor, references: [ColorReference]) -> Match {
        let (targets, channels) = descriptors(lightness)
        return match(
            targets[0], channels: channels, gridWidth: lightness.shape[2] / Self.stride,
            gridHeight: lightness.shape[1] / Self.stride, in: references)
    }

    /// The matches of one target's descriptors on a `gw` × `gh` grid.
    func match(
        _ target: [Float], channels: Int, gridWidth gw: Int, gridHeight gh: Int, in references: [ColorReference]
    )
        -> Match
    {
        let cells = gw * gh
        let usable = references.filter { $0.channels == channels && $0.cells > 0 }
        let referenceCells = usable.map(\.cells).reduce(0, +)
        var match = Match(
            gridWidth: gw, gridHeight: gh, a: .init(repeating: 0, count: cells), b: .init(repeating: 0, count: cells),
            confidence: .init(repeating: -1, count: cells))
        guard referenceCells > 0, cells > 0 else { return match }
        let features = Tensor(shape: [referenceCells, channels], values: usable.flatMap(\.features))
        let chroma = usable.flatMap(\.chroma)
        let similarity = withoutGradients {
            Tensor.matmul(Tensor(shape: [cells, channels], values: target), features, transposeB: true)
        }.scalars
        // Each reference cell's best similarity over the target, for the check both ways (a pass
        // over the whole similarity matrix, skipped when the check is off: cosines differ by ≤ 2).
        let checksAgreement = settings.agreement < 2
        var columnBest = [Float](repeating: -.infinity, count: checksAgreement ? referenceCells : 0)
        if checksAgreement {
            for i in 0..<cells {
                for j in 0..<referenceCells { columnBest[j] = max(columnBest[j], similarity[i * referenceCells + j]) }
            }
        }
        let inverseTemperature = 1 / settings.temperature
        for i in 0..<cells {
            let row = i * referenceCells
            var (best, bestCell): (Float, Int) = (-.infinity, 0)
            for j in 0..<referenceCells where similarity[row + j] > best { (best, bestCell) = (similarity[row + j], j) }
            var (total, a, b): (Float, Float, Float) = (0, 0, 0)
            for j in 0..<referenceCells {
                let weight = exp((similarity[row + j] - best) * inverseTemperature)
                total += weight
                a += weight * chroma[2 * j]
                b += weight * chroma[2 * j + 1]
            }
            // A cell its best match would rather give to another target cell is no match.
            let agreed = !checksAgreement || columnBest[bestCell] - best <= settings.agreement
            (match.a[i], match.b[i], match.confidence[i]) = (a / total, b / total, agreed ? best : -1)
        }
        return match
    }

    /// The confident matches as hint points at network resolution, at most `maximumPoints`: best
    /// first at twice `spacing` apart, so every matched region gets points before a large one (a
    /// sky) takes them all, then best first at `spacing` apart until the budget is spent.
    public func points(_ match: Match) -> [HintPoint] {
        let order = match.confidence.indices.filter { match.confidence[$0] >= settings.threshold }
            .sorted { match.confidence[$0] > match.confidence[$1] }
        var chosen: [(x: Int, y: Int)] = []
        var points: [HintPoint] = []
        for spacing in [2 * settings.spacing, settings.spacing] {
            for cell in order where points.count < settings.maximumPoints {
                let (x, y) = (cell % match.gridWidth, cell / match.gridWidth)
                guard !chosen.contains(where: { max(abs($0.x - x), abs($0.y - y)) < spacing }) else { continue }
                chosen.append((x, y))
                points.append(
                    HintPoint(
                        x: x * Self.stride + Self.stride / 2, y: y * Self.stride + Self.stride / 2,
                        side: settings.pointSide, a: match.a[cell], b: match.b[cell]))
            }
        }
        return points
    }
}
