import Foundation
import Imaging
import NeuralNetwork
import Tensor

/// Inference at any size: the generator sees the photo's lightness resized to the network's scale
/// (keeping the aspect ratio, sides rounded to multiples of 64); its a/b are upsampled smoothly to
/// the original size and recombined with the original full-resolution L (colours outside the sRGB
/// gamut lose chroma rather than lightness). Alpha passes through untouched. The work runs on
/// 8-bit samples strip by strip (`PixelImage.lightness`, `PixelImage.recombined`), so memory
/// stays near the input's and the output's bytes.
public final class Colorizer: @unchecked Sendable {
    public let generator: any ColorizationNetwork
    public let metadata: ModelFile.Metadata
    /// How the network's distributions become a/b (its temperature is overridden per call when given).
    public let decoding: ChromaDecoding
    /// How colour references become hints (`reference(_:name:)`).
    public let referenceSettings: ReferenceMatcher.Settings
    let modelName: String

    /// - Parameters:
    ///   - modelPath: a model file (`ModelFile`).
    ///   - decoding: how distributions become colours; default the validated `ChromaDecoding.standard`.
    ///   - referenceSettings: how colour references are matched; default the validated settings.
    public init(
        modelPath: String, decoding: ChromaDecoding = .standard,
        referenceSettings: ReferenceMatcher.Settings = .init()
    ) throws(CheckpointError) {
        (generator, metadata) = try ModelFile.loadGenerator(from: modelPath)
        self.decoding = decoding
        self.referenceSettings = referenceSettings
        modelName = modelPath
    }

    /// For processes whose main job is colorizing (`colorize` on files, `serve`): keep no idle
    /// tensor buffers between passes (`BufferPool.limitIdle`), so a large photo's memory does not
    /// stack on activations that are never asked for again.
    public static func configureProcessForPhotos() { BufferPool.shared.limitIdle(toBytes: 0) }

    /// Colorizes `image` (grey or colour; colour is treated as its lightness only), at 8 bits.
    /// - Parameters:
    ///   - temperature: annealed-mean temperature (lower: more vivid, riskier); default the model's.
    ///   - networkSize: the side of the square whose area the network input matches; default the model's.
    ///   - references: colour photos whose colours the result should follow (`reference(_:name:)`).
    public func colorize(
        _ image: Image, hints: [ColorHint] = [], references: [ColorReference] = [], temperature: Double? = nil,
        networkSize: Int? = nil
    ) -> Image {
        colorize(
            PixelImage(image), hints: hints, references: references, temperature: temperature,
            networkSize: networkSize
        ).image
    }

    /// Whether the model follows colour hints (`colorize(_:hints:)`).
    public var acceptsHints: Bool { metadata.configuration.acceptsHints }

    /// Colorizes 8-bit pixels: RGB out (RGBA when the input has alpha). `hints` (inside the image,
    /// checked with `ColorHint.check`) need a model that `acceptsHints`.
    public func colorize(
        _ pixels: PixelImage, hints: [ColorHint] = [], references: [ColorReference] = [],
        temperature: Double? = nil, networkSize: Int? = nil
    ) -> PixelImage {
        colorize(
            batch: [pixels], hints: [hints], references: references, temperature: temperature,
            networkSize: networkSize)[0]
    }

    /// Colorizes several images, running those that share network dimensions through the
    /// generator together (one batch), in order; `hints` is empty or one list per image, and
    /// every image follows `references` (their confident matches join its hints).
    public func colorize(
        batch: [PixelImage], hints: [[ColorHint]] = [], references: [ColorReference] = [],
        temperature: Double? = nil, networkSize: Int? = nil
    ) -> [PixelImage] {
        precondition(hints.isEmpty || hints.count == batch.count, "one hint list per image")
        let matcher = references.isEmpty ? nil : referenceMatcher
        let hinted = hints.contains { !$0.isEmpty } || matcher != nil
        precondition(!hinted || acceptsHints, "\(HintError.modelTakesNoHints("this model"))")
        let size = networkSize ?? metadata.configuration.size
        let dimensions = batch.map { Colorizer.networkDimensions(width: $0.width, height: $0.height, size: size) }
        var results = [PixelImage?](repeating: nil, count: batch.count)
        let groups = Dictionary(grouping: batch.indices) { "\(dimensions[$0].width)x\(dimensions[$0].height)" }
        for indices in groups.values {
            let (w, h) = dimensions[indices[0]]
            var input = [Float]()
            input.reserveCapacity(indices.count * w * h)
            for i in indices { input += batch[i].lightness(width: w, height: h).values.map { $0 * 0.01 } }
            let lightness = Tensor(shape: [indices.count, h, w, 1], values: input)
            let matched =
                matcher?.points(lightness, references: Array(repeating: references, count: indices.count))
                ?? Array(repeating: [], count: indices.count)
            let field =
                hinted
                ? HintField.make(
                    lightness: lightness,
                    points: indices.enumerated().map { n, i in
                        matched[n]
                            + (hints.isEmpty ? [] : hints[i]).map {
                                $0.point(
                                    width: batch[i].width, height: batch[i].height, networkWidth: w, networkHeight: h)
                            }
                    }, bins: metadata.configuration.bins) : nil
            let ab = decoding(temperature: temperature).predictAB(generator, lightness, hints: field).scalars
            for (n, i) in indices.enumerated() {
                let chroma = Raster(
                    width: w, height: h, channels: 2,
                    values: ab[(n * w * h * 2)..<((n + 1) * w * h * 2)].map { $0 * 100 })
                results[i] = batch[i].recombined(withChroma: chroma)
            }
        }
        return results.map { $0! }
    }

    /// The matcher on this model's encoder, when it has a pretrained one and takes hints.
    var referenceMatcher: ReferenceMatcher? {
        guard acceptsHints, let generator = generator as? PretrainedGenerator else { return nil }
        return ReferenceMatcher(encoder: generator.encoder, settings: referenceSettings)
    }

    /// Whether the model can follow colour references (`reference(_:name:)`).
    public var acceptsReferences: Bool { referenceMatcher != nil }

    /// A colour reference made from `image` (a colour photo at any size), matched at the network
    /// scale of its own aspect ratio.
    /// - Parameters:
    ///   - image: the reference photo; grey ones and ones under `ColorReference.minimumSide` are refused.
    ///   - name: names it in errors (usually its path).
    ///   - networkSize: the network scale; default the model's.
    public func reference(
        _ image: Image, name: String, networkSize: Int? = nil
    ) throws(ReferenceError)
        -> ColorReference
    {
        guard let matcher = referenceMatcher else {
            throw .modelCannotMatch(
                modelName,
                reason: acceptsHints
                    ? "it has no pretrained encoder to match with" : "it was trained without colour hints")
        }
        let rgb = image.rgb
        try ColorReference.check(rgb, name: name)
        let (w, h) = Colorizer.networkDimensions(
            width: rgb.width, height: rgb.height, size: networkSize ?? metadata.configuration.size)
        return matcher.reference(networkRGB: rgb.resized(width: w, height: h), name: name)
    }

    /// This colorizer's decoding, at `temperature` when one is given.
    public func decoding(temperature: Double?) -> ChromaDecoding { decoding.with(temperature: temperature) }

    /// The generator's plain annealed-mean a/b estimate [N, H, W, 2] (Lab/100) for L/100
    /// [N, H, W, 1] (and a `HintField`, for generators that take hints), in inference mode: what
    /// training, its sample sheets and the benchmarks use.
    public static func predictAB(
        _ generator: any ColorizationNetwork, _ lightness: Tensor, hints: Tensor? = nil, temperature: Double? = nil
    ) -> Tensor {
        ChromaDecoding.annealedMean.with(temperature: temperature).predictAB(generator, lightness, hints: hints)
    }

    /// Network input dimensions: the image's aspect ratio at about `size`² pixels, bounded so that
    /// no aspect ratio can blow up memory (a 65500×1 or 1×10⁷ PNG is a few hundred bytes).
    ///
    /// Rule, with `s = min(size, 2048)`:
    /// - both sides are multiples of 64 (fits every architecture's `sizeMultiple`) and at least 64;
    /// - each side is at most `maxSide(size:)` = min(4·s, 2048, s²/64) rounded down to 64, so the
    ///   long side of a thin image stops where its 64-pixel short side would exceed the area;
    /// - sides are rounded to the nearest multiple of 64, which may overshoot s² a little (as the
    ///   model was always run); the area is capped at 1.5 · max(s², 64²): beyond it the side rounded
    ///   up the most steps down by 64 until it fits.
    public static func networkDimensions(width: Int, height: Int, size: Int) -> (width: Int, height: Int) {
        let s = max(1, min(size, 2048))
        let area = s * s
        let limit = maxSide(size: size)
        let aspect = Double(max(width, 1)) / Double(max(height, 1))
        // Exact sides for area s², the long one cut to the limit (the short one then gets the rest).
        var exactW = Double(s) * aspect.squareRoot(), exactH = Double(s) / aspect.squareRoot()
        if exactW > Double(limit) { (exactW, exactH) = (Double(limit), Double(area) / Double(limit)) }
        if exactH > Double(limit) { (exactW, exactH) = (Double(area) / Double(limit), Double(limit)) }
        func round64(_ x: Double) -> Int { min(limit, max(64, Int((x / 64).rounded()) * 64)) }
        var w = round64(exactW), h = round64(exactH)
        let areaLimit = 3 * max(area, 64 * 64) / 2
        while w * h > areaLimit && (w > 64 || h > 64) {
            if h == 64 || (w > 64 && Double(w) / exactW >= Double(h) / exactH) { w -= 64 } else { h -= 64 }
        }
        return (w, h)
    }

    /// The largest network side for `size`: min(4·size, 2048, size²/64) rounded down to a multiple
    /// of 64, at least 64.
    public static func maxSide(size: Int) -> Int {
        let s = max(1, min(size, 2048))
        return max(64, min(4 * s, 2048, s * s / 64) / 64 * 64)
    }
}
