import CKernels
import Threading

/// Our own AVX-512 kernels (C, in `CKernels`) for convolution passes oneDNN's JIT code runs far
/// below the FMA peak: the filter gradient of the 32-channel stride-2 layers (oneDNN: ~62 %), and
/// the input gradient of the one-channel first layer (oneDNN: ~10 %).
/// Each call returns false where the kernel does not apply (CPU without AVX-512F, or capped below
/// it: `CPUFeatures`; or a shape it does not handle), and the caller uses another backend.
enum DirectConvolution {
    static let isAvailable = CPUFeatures.directKernelsAvailable

    /// Whether the pass has a direct kernel for this shape: the filter gradient wherever the output
    /// channels fill 16-wide vectors; the input gradient with one input channel, stride 1 and
    /// padding within the filter.
    static func applies(_ pass: ConvolutionPass, _ g: ConvolutionGeometry) -> Bool {
        guard isAvailable, g.groups == 1, g.outChannels % 16 == 0 else { return false }
        return switch pass {
        case .forward: false
        case .backwardWeights: true
        case .backwardData:
            g.inChannels == 1 && g.strideH == 1 && g.strideW == 1
                && max(g.padTop, g.padBottom) < g.kh && max(g.padLeft, g.padRight) < g.kw
        }
    }

    /// dX as a correlation of dY, zero-padded so that every tap is in bounds, with the flipped
    /// filter; each output pixel is a dot product over taps and channels. The padded copy costs
    /// one pass over dY; its rows and then dX's rows are split across the threads.
    static func backwardData(
        _ g: ConvolutionGeometry, outputGradient: UnsafePointer<Float>, filter: UnsafePointer<Float>,
        inputGradient: UnsafeMutablePointer<Float>
    ) -> Bool {
        guard applies(.backwardData, g) else { return false }
        var geometry = ck_convolution_geometry(g)
        let channels = g.outChannels
        let (paddedHeight, paddedWidth) = (g.h + g.kh - 1, g.w + g.kw - 1)
        let (top, left) = (g.kh - 1 - g.padTop, g.kw - 1 - g.padLeft)
        let padded = TensorStorage(count: g.n * paddedHeight * paddedWidth * channels)
        let target = padded.pointer
        Parallel.forEachRange(g.n * paddedHeight, cost: paddedWidth * channels) { rows in
            for row in rows {
                let (image, y) = row.quotientAndRemainder(dividingBy: paddedHeight)
                let destination = target + row * paddedWidth * channels, sourceY = y - top
                guard sourceY >= 0 && sourceY < g.outHeight else {
                    destination.update(repeating: 0, count: paddedWidth * channels)
                    continue
                }
                // left + outWidth = w + padRight ≤ paddedWidth, as padRight < kw.
                let width = g.outWidth
                destination.update(repeating: 0, count: left * channels)
                (destination + left * channels).update(
                    from: outputGradient + ((image * g.outHeight + sourceY) * g.outWidth) * channels,
                    count: width * channels)
                (destination + (left + width) * channels).update(
                    repeating: 0, count: (paddedWidth - left - width) * channels)
            }
        }
        Parallel.forEachRange(g.n * g.h, cost: g.w * g.kh * g.kw * channels) { rows in
            ck_convolution_input_gradient_one_channel(
                &geometry, target, filter, inputGradient, Int32(rows.lowerBound), Int32(rows.upperBound))
        }
        return true
    }

    /// dW = Σ over images and output pixels of X(tap) ⊗ dY, split by output rows across the
    /// threads, each summing into its own copy of dW (`Parallel.sumOfParts`).
    static func backwardWeights(
        _ g: ConvolutionGeometry, input: UnsafePointer<Float>, outputGradient: UnsafePointer<Float>,
        filterGradient: UnsafeMutablePointer<Float>
    ) -> Bool {
        guard applies(.backwardWeights, g) else { return false }
        var geometry = ck_convolution_geometry(g)
        let count = Shape.count(g.filterShape), rows = g.n * g.outHeight
        filterGradient.update(repeating: 0, count: count)
        Parallel.sumOfParts(rows, cost: g.multiplyAdds / rows, count: count, into: filterGradient) { range, partial in
            ck_convolution_filter_gradient(
                &geometry, input, outputGradient, partial, Int32(range.lowerBound), Int32(range.upperBound))
        }
        return true
    }
}

extension ck_convolution_geometry {
    init(_ g: ConvolutionGeometry) {
        self.init(
            n: Int32(g.n), h: Int32(g.h), w: Int32(g.w), in_channels: Int32(g.inChannels),
            out_channels: Int32(g.outChannels),
            kh: Int32(g.kh), kw: Int32(g.kw), stride_h: Int32(g.strideH), stride_w: Int32(g.strideW),
            pad_top: Int32(g.padTop), pad_left: Int32(g.padLeft), out_height: Int32(g.outHeight),
            out_width: Int32(g.outWidth))
    }
}
