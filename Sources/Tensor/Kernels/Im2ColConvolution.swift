/// Convolution as im2col + OpenBLAS GEMM: simple and obviously right, so it is the reference the
/// gradient tests compare oneDNN against, and the fallback for shapes oneDNN only has reference code for.
///
/// With the HWIO filter viewed as a matrix W [kh·kw·cin, cout] and, for a group of images, the
/// patch matrix P [images·oh·ow, kh·kw·cin]:  Y = P·W,  dP = dY·Wᵀ (scattered back by col2im),
/// dW = Σ over groups of Pᵀ·dY.
enum Im2ColConvolution {
    static func forward(
        _ g: ConvolutionGeometry, input: UnsafePointer<Float>, filter: UnsafePointer<Float>,
        output: UnsafeMutablePointer<Float>
    ) {
        forEachGroup(g) { first, images, rows, cols, patches in
            for b in 0..<images {
                im2col(g, image: input + (first + b) * g.h * g.w * g.inChannels, patches: patches + b * rows * cols)
            }
            BLAS.sgemm(
                transposeA: false, transposeB: false, m: images * rows, n: g.outChannels, k: cols,
                a: patches, lda: cols, b: filter, ldb: g.outChannels,
                c: output + first * rows * g.outChannels, ldc: g.outChannels)
        }
    }

    static func backwardData(
        _ g: ConvolutionGeometry, outputGradient: UnsafePointer<Float>, filter: UnsafePointer<Float>,
        inputGradient: UnsafeMutablePointer<Float>
    ) {
        inputGradient.initialize(repeating: 0, count: g.n * g.h * g.w * g.inChannels)
        forEachGroup(g) { first, images, rows, cols, patches in
            BLAS.sgemm(
                transposeA: false, transposeB: true, m: images * rows, n: cols, k: g.outChannels,
                a: outputGradient + first * rows * g.outChannels, lda: g.outChannels, b: filter, ldb: g.outChannels,
                c: patches, ldc: cols)
            for b in 0..<images {
                col2im(
                    g, patches: patches + b * rows * cols, image: inputGradient + (first + b) * g.h * g.w * g.inChannels
                )
            }
        }
    }

    static func backwardWeights(
        _ g: ConvolutionGeometry, input: UnsafePointer<Float>, outputGradient: UnsafePointer<Float>,
        filterGradient: UnsafeMutablePointer<Float>
    ) {
        filterGradient.initialize(repeating: 0, count: g.kh * g.kw * g.inChannels * g.outChannels)
        forEachGroup(g) { first, images, rows, cols, patches in
            for b in 0..<images {
                im2col(g, image: input + (first + b) * g.h * g.w * g.inChannels, patches: patches + b * rows * cols)
            }
            BLAS.sgemm(
                transposeA: true, transposeB: false, m: cols, n: g.outChannels, k: images * rows,
                a: patches, lda: cols, b: outputGradient + first * rows * g.outChannels, ldb: g.outChannels,
                c: filterGradient, ldc: g.outChannels, accumulate: true)
        }
    }

    /// Runs `body(first image, images, rows per image, columns, patch buffer)` over groups of
    /// consecutive images, one GEMM per group: small images are grouped until the patch matrix has
    /// a few hundred rows (a GEMM only a handful of rows tall runs far below peak); large images,
    /// whose patch matrix alone is tens of MB, go one at a time.
    private static func forEachGroup(
        _ g: ConvolutionGeometry,
        _ body: (Int, Int, Int, Int, UnsafeMutablePointer<Float>) -> Void
    ) {
        let (rows, cols) = (g.outHeight * g.outWidth, g.kh * g.kw * g.inChannels)
        let group = max(1, min(g.n, 512 / rows))
        let patches = UnsafeMutablePointer<Float>.allocate(capacity: group * rows * cols)
        defer { patches.deallocate() }
        for first in stride(from: 0, to: g.n, by: group) { body(first, min(group, g.n - first), rows, cols, patches) }
    }

    /// Visits every tap of every receptive field in patch-matrix order: `body(patch offset, pixel
    /// offset)`, the pixel offset nil where the tap falls in the zero padding. Offsets count floats
    /// and point at `inChannels` consecutive values.
    @inline(__always)
    private static func forEachTap(_ g: ConvolutionGeometry, _ body: (Int, Int?) -> Void) {
        var patch = 0
        for oy in 0..<g.outHeight {
            for ox in 0..<g.outWidth {
                for ky in 0..<g.kh {
                    let iy = oy * g.strideH - g.padTop + ky
                    for kx in 0..<g.kw {
                        let ix = ox * g.strideW - g.padLeft + kx
                        body(patch, iy >= 0 && iy < g.h && ix >= 0 && ix < g.w ? (iy * g.w + ix) * g.inChannels : nil)
                        patch += g.inChannels
                    }
                }
            }
        }
    }

    /// Gathers each output pixel's receptive field (zeros outside the image) into one patch row.
    private static func im2col(
        _ g: ConvolutionGeometry, image: UnsafePointer<Float>, patches: UnsafeMutablePointer<Float>
    ) {
        forEachTap(g) { patch, pixel in
            if let pixel {
                (patches + patch).update(from: image + pixel, count: g.inChannels)
            } else {
                (patches + patch).initialize(repeating: 0, count: g.inChannels)
            }
        }
    }

    /// The adjoint of im2col: adds every patch entry back onto the pixel it came from.
    private static func col2im(
        _ g: ConvolutionGeometry, patches: UnsafePointer<Float>, image: UnsafeMutablePointer<Float>
    ) {
        forEachTap(g) { patch, pixel in
            guard let pixel else { return }
            let src = patches + patch, dst = image + pixel
            for k in 0..<g.inChannels { dst[k] += src[k] }
        }
    }
}
