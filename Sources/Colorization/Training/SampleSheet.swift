import Imaging
import Tensor

/// Contact sheets of grey | colorized | original rows, for training samples and evaluation.
public enum SampleSheet {
    /// One row per image from Lab/100 tensors [N, S, S, 3] (original) and predicted a/b [N, S, S, 2].
    public static func rows(original: Tensor, predictedAB: Tensor) -> [[Raster]] {
        let (n, h, w) = (original.shape[0], original.shape[1], original.shape[2])
        let truth = original.scalars, ab = predictedAB.scalars
        return (0..<n).map { i in
            var grey = [Float](), colorized = [Float](), real = [Float]()
            for p in 0..<(h * w) {
                let o = (i * h * w + p) * 3, q = (i * h * w + p) * 2
                let l = truth[o] * 100
                grey += [l, 0, 0]
                colorized += [l, ab[q] * 100, ab[q + 1] * 100]
                real += [l, truth[o + 1] * 100, truth[o + 2] * 100]
            }
            return [grey, colorized, real].map {
                ColorSpace.rgb(fromLab: Raster(width: w, height: h, channels: 3, values: $0))
            }
        }
    }

    /// The training-time sheet: the generator's colorization of a fixed batch beside its grey and original.
    public static func preview(_ generator: any ColorizationNetwork, _ batch: TrainingBatch) -> Image {
        compose(rows(original: batch.lab, predictedAB: Colorizer.predictAB(generator, batch.lightness)))
    }

    /// Tiles rows of equally sized RGB rasters with a 4-px white gutter.
    public static func compose(_ rows: [[Raster]], gutter: Int = 4) -> Image {
        let cellW = rows.flatMap { $0 }.map(\.width).max() ?? 1, cellH = rows.flatMap { $0 }.map(\.height).max() ?? 1
        let columns = rows.map(\.count).max() ?? 1
        let width = columns * cellW + (columns + 1) * gutter, height = rows.count * cellH + (rows.count + 1) * gutter
        var sheet = Raster(width: width, height: height, channels: 3, repeating: 1)
        for (r, row) in rows.enumerated() {
            for (c, cell) in row.enumerated() {
                let x0 = gutter + c * (cellW + gutter), y0 = gutter + r * (cellH + gutter)
                for y in 0..<cell.height {
                    for x in 0..<cell.width {
                        for k in 0..<3 { sheet[x0 + x, y0 + y, k] = cell[x, y, cell.channels == 3 ? k : 0] }
                    }
                }
            }
        }
        return Image(color: sheet)
    }
}
