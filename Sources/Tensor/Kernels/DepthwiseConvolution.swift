import Threading

/// Depthwise convolution (one filter per channel, `ConvolutionGeometry.isDepthwise`) in plain
/// loops over NHWC: the reference the tests compare oneDNN's grouped kernels against, and the
/// fallback where oneDNN has only reference code. Channels are innermost in x, w and y alike, so
/// every inner loop is a contiguous, vectorisable run over C. With s the stride and (pt, pl) the
/// top and left padding, iy = oy·s − pt + ky and ix = ox·s − pl + kx:
///   forward          y[n, oy, ox, c] = Σ_{ky, kx} x[n, iy, ix, c] · w[ky, kx, c]
///   backward-data    dx[n, iy, ix, c] = Σ over (ky, kx, oy, ox) that reach (iy, ix) of dy[n, oy, ox, c] · w[ky, kx, c]
///   backward-weights dw[ky, kx, c] = Σ_{n, oy, ox} dy[n, oy, ox, c] · x[n, iy, ix, c]
/// Out-of-bounds taps read the zero padding, i.e. contribute nothing.
enum DepthwiseConvolution {
    static func forward(
        _ g: ConvolutionGeometry, input: UnsafePointer<Float>, filter: UnsafePointer<Float>,
        output: UnsafeMutablePointer<Float>
    ) {
        let c = g.outChannels
        Parallel.forEachRange(g.n * g.outHeight, cost: g.outWidth * c * g.kh * g.kw) { rows in
            for row in rows {
                let (image, oy) = row.quotientAndRemainder(dividingBy: g.outHeight)
                for ox in 0..<g.outWidth {
                    let y = output + (row * g.outWidth + ox) * c
                    y.initialize(repeating: 0, count: c)
                    forEachTap(g, image: image, oy: oy, ox: ox) { pixel, tap in
                        let x = input + pixel * c, w = filter + tap * c
                        for k in 0..<c { y[k] += x[k] * w[k] }
                    }
                }
            }
        }
    }

    /// Gathers into each input pixel from the outputs whose window covers it, so the rows written
    /// by different threads never overlap.
    static func backwardData(
        _ g: ConvolutionGeometry, outputGradient: UnsafePointer<Float>, filter: UnsafePointer<Float>,
        inputGradient: UnsafeMutablePointer<Float>
    ) {
        let c = g.inChannels
        Parallel.forEachRange(g.n * g.h, cost: g.w * c * g.kh * g.kw) { rows in
            for row in rows {
                let (image, iy) = row.quotientAndRemainder(dividingBy: g.h)
                for ix in 0..<g.w {
                    let dx = inputGradient + (row * g.w + ix) * c
                    dx.initialize(repeating: 0, count: c)
                    for ky in 0..<g.kh {
                        let (oy, offY) = (iy + g.padTop - ky).quotientAndRemainder(dividingBy: g.strideH)
                        guard offY == 0 && iy + g.padTop - ky >= 0 && oy < g.outHeight else { continue }
                        for kx in 0..<g.kw {
                            let (ox, offX) = (ix + g.padLeft - kx).quotientAndRemainder(dividingBy: g.strideW)
                            guard offX == 0 && ix + g.padLeft - kx >= 0 && ox < g.outWidth else { continue }
                            let dy = outputGradient + ((image * g.outHeight + oy) * g.outWidth + ox) * c
                            let w = filter + (ky * g.kw + kx) * c
                            for k in 0..<c { dx[k] += dy[k] * w[k] }
                        }
                    }
                }
            }
        }
    }

    /// Each thread sums its output rows into a partial dw of its own (`Parallel.sumOfParts`).
    static func backwardWeights(
        _ g: ConvolutionGeometry, input: UnsafePointer<Float>, outputGradient: UnsafePointer<Float>,
        filterGradient: UnsafeMutablePointer<Float>
    ) {
        let c = g.outChannels
        filterGradient.initialize(repeating: 0, count: g.kh * g.kw * c)
        Parallel.sumOfParts(
            g.n * g.outHeight, cost: g.outWidth * c * g.kh * g.kw, count: g.kh * g.kw * c,
            into: filterGradient
        ) { rows, partial in
            for row in rows {
                let (image, oy) = row.quotientAndRemainder(dividingBy: g.outHeight)
                for ox in 0..<g.outWidth {
                    let dy = outputGradient + (row * g.outWidth + ox) * c
                    forEachTap(g, image: image, oy: oy, ox: ox) { pixel, tap in
                        let x = input + pixel * c, dw = partial + tap * c
                        for k in 0..<c { dw[k] += dy[k] * x[k] }
                    }
                }
            }
        }
    }

    /// Calls `body(pixel, tap)` for each in-bounds tap of output pixel (image, oy, ox): `pixel`
    /// indexes the input's pixels (n·h·w), `tap` the filter's (ky·kw + kx).
    @inline(__always)
    private static func forEachTap(
        _ g: ConvolutionGeometry, image: Int, oy: Int, ox: Int, _ body: (_ pixel: Int, _ tap: Int) -> Void
    ) {
        for ky in 0..<g.kh {
            let iy = oy * g.strideH - g.padTop + ky
            guard iy >= 0 && iy < g.h else { continue }
            for kx in 0..<g.kw {
                let ix = ox * g.strideW - g.padLeft + kx
                guard ix >= 0 && ix < g.w else { continue }
                body((image * g.h + iy) * g.w + ix, ky * g.kw + kx)
            }
        }
    }
}
