/// Convolution as im2col + OpenBLAS GEMM: simple and obviously right, so it is the reference the
/// gradient tests compare oneDNN against, and the fallback for shapes oneDNN only has reference code for.
///
/// With the HWIO filter viewed as a matrix W [kh·kw·cin, cout] and, per image, the patch matrix
/// P [oh·ow, kh·kw·cin]:  Y = P·W,  dP = dY·Wᵀ (scattered back by col2im),  dW = Σ Pᵀ·dY.
enum Im2ColConvolution {
    static func forward(_ g: ConvolutionGeometry, input: UnsafePointer<Float>, filter: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>) {
        let (rows, cols) = (g.outHeight * g.outWidth, g.kh * g.kw * g.inChannels)
        let patches = UnsafeMutablePointer<Float>.allocate(capacity: rows * cols)
        defer { patches.deallocate() }
        for b in 0..<g.n {
            im2col(g, image: input + b * g.h * g.w * g.inChannels, patches: patches)
            BLAS.sgemm(transposeA: false, transposeB: false, m: rows, n: g.outChannels, k: cols,
                       a: patches, lda: cols, b: filter, ldb: g.outChannels,
                       c: output + b * rows * g.outChannels, ldc: g.outChannels)
        }
    }

    static func backwardData(_ g: ConvolutionGeometry, outputGradient: UnsafePointer<Float>, filter: UnsafePointer<Float>,
                             inputGradient: UnsafeMutablePointer<Float>) {
        let (rows, cols) = (g.outHeight * g.outWidth, g.kh * g.kw * g.inChannels)
        let patches = UnsafeMutablePointer<Float>.allocate(capacity: rows * cols)
        defer { patches.deallocate() }
        inputGradient.initialize(repeating: 0, count: g.n * g.h * g.w * g.inChannels)
        for b in 0..<g.n {
            BLAS.sgemm(transposeA: false, transposeB: true, m: rows, n: cols, k: g.outChannels,
                       a: outputGradient + b * rows * g.outChannels, lda: g.outChannels, b: filter, ldb: g.outChannels,
                       c: patches, ldc: cols)
            col2im(g, patches: patches, image: inputGradient + b * g.h * g.w * g.inChannels)
        }
    }

    static func backwardWeights(_ g: ConvolutionGeometry, input: UnsafePointer<Float>, outputGradient: UnsafePointer<Float>,
                                filterGradient: UnsafeMutablePointer<Float>) {
        let (rows, cols) = (g.outHeight * g.outWidth, g.kh * g.kw * g.inChannels)
        let patches = UnsafeMutablePointer<Float>.allocate(capacity: rows * cols)
        defer { patches.deallocate() }
        filterGradient.initialize(repeating: 0, count: cols * g.outChannels)
        for b in 0..<g.n {
            im2col(g, image: input + b * g.h * g.w * g.inChannels, patches: patches)
            BLAS.sgemm(transposeA: true, transposeB: false, m: cols, n: g.outChannels, k: rows,
                       a: patches, lda: cols, b: outputGradient + b * rows * g.outChannels, ldb: g.outChannels,
                       c: filterGradient, ldc: g.outChannels, accumulate: true)
        }
    }

    /// Gathers each output pixel's receptive field (zeros outside the image) into one patch row.
    private static func im2col(_ g: ConvolutionGeometry, image: UnsafePointer<Float>, patches: UnsafeMutablePointer<Float>) {
        let c = g.inChannels
        var row = patches
        for oy in 0..<g.outHeight {
            for ox in 0..<g.outWidth {
                for ky in 0..<g.kh {
                    let iy = oy * g.strideH - g.padTop + ky
                    for kx in 0..<g.kw {
                        let ix = ox * g.strideW - g.padLeft + kx
                        let dst = row + (ky * g.kw + kx) * c
                        if iy >= 0 && iy < g.h && ix >= 0 && ix < g.w {
                            dst.update(from: image + (iy * g.w + ix) * c, count: c)
                        } else {
                            dst.initialize(repeating: 0, count: c)
                        }
                    }
                }
                row += g.kh * g.kw * c
            }
        }
    }

    /// The adjoint of im2col: adds every patch entry back onto the pixel it came from.
    private static func col2im(_ g: ConvolutionGeometry, patches: UnsafePointer<Float>, image: UnsafeMutablePointer<Float>) {
        let c = g.inChannels
        var row = patches
        for oy in 0..<g.outHeight {
            for ox in 0..<g.outWidth {
                for ky in 0..<g.kh {
                    let iy = oy * g.strideH - g.padTop + ky
                    guard iy >= 0 && iy < g.h else { continue }
                    for kx in 0..<g.kw {
                        let ix = ox * g.strideW - g.padLeft + kx
                        guard ix >= 0 && ix < g.w else { continue }
                        let src = row + (ky * g.kw + kx) * c, dst = image + (iy * g.w + ix) * c
                        for k in 0..<c { dst[k] += src[k] }
                    }
                }
                row += g.kh * g.kw * c
            }
        }
    }
}
