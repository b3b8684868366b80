import Imaging
import Tensor

/// One batch of training samples in the seed's scaling (Lab / 100).
public struct TrainingBatch: Sendable {
    /// [N, S, S, 3]: L/100, a/100, b/100.
    public let lab: Tensor
    /// [N, S, S, 1]: L/100, the generator's input.
    public let lightness: Tensor
    /// Per-pixel a and b bin indices (row-major over N, S, S).
    public let binsA: [Int]
    public let binsB: [Int]
    /// [N, S, S, C]: simulated colour hints (`HintField`), for generators that take them.
    public let hints: Tensor?

    /// Stacks size×size×3 Lab/100 rasters, with the hint field of `hintPoints` (one list per sample).
    public init(samples: [Raster], quantizer: ColorQuantizer, hintPoints: [[HintPoint]]? = nil) {
        precondition(
            !samples.isEmpty
                && samples.allSatisfy {
                    $0.channels == 3 && $0.width == samples[0].width && $0.height == samples[0].height
                },
            "a batch needs Lab rasters of one size")
        let (n, h, w) = (samples.count, samples[0].height, samples[0].width)
        let values = samples.flatMap(\.values)
        lab = Tensor(shape: [n, h, w, 3], values: values)
        let pixels = n * h * w
        var l = [Float](repeating: 0, count: pixels), a = [Int](repeating: 0, count: pixels),
            b = [Int](repeating: 0, count: pixels)
        for p in 0..<pixels {
            l[p] = values[3 * p]
            a[p] = quantizer.index(values[3 * p + 1])
            b[p] = quantizer.index(values[3 * p + 2])
        }
        let lightness = Tensor(shape: [n, h, w, 1], values: l)
        self.lightness = lightness
        binsA = a
        binsB = b
        hints = hintPoints.map { HintField.make(lightness: lightness, points: $0, bins: quantizer.bins) }
    }

    public var count: Int { lab.shape[0] }
}
