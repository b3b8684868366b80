#ifndef COLORIZE_DIRECT_KERNELS_H
#define COLORIZE_DIRECT_KERNELS_H

#include <stddef.h>

/// Sizes of one 2-D convolution: NHWC input [n, h, w, in_channels], HWIO filter
/// [kh, kw, in_channels, out_channels], NHWC output [n, out_height, out_width, out_channels].
typedef struct {
    int n, h, w, in_channels, out_channels, kh, kw, stride_h, stride_w, pad_top, pad_left, out_height, out_width;
} ck_convolution_geometry;

/// Whether this CPU runs the kernels below (AVX-512F); they must not be called otherwise.
int ck_has_avx512(void);

/// Filter gradient of the output rows `row_begin..<row_end` (row = image · out_height + output y),
/// added into `filter_gradient` (HWIO):
///   dW[ky, kx, ci, co] += Σ over those rows and every output x of
///                         X[image, y·sh + ky − pad_top, x·sw + kx − pad_left, ci] · dY[image, y, x, co]
/// (taps in the padding contribute nothing). Needs out_channels % 16 == 0.
void ck_convolution_filter_gradient(const ck_convolution_geometry *g, const float *input, const float *output_gradient,
                                    float *filter_gradient, int row_begin, int row_end);

/// Input gradient of a stride-1 convolution with one input channel, for the rows
/// `row_begin..<row_end` of dX (row = image · h + y), from dY zero-padded to
/// [n, h + kh − 1, w + kw − 1, out_channels] so that every tap is in bounds:
///   dX[image, y, x] = Σ over ky, kx, co of padded_dY[image, y + kh − 1 − ky, x + kw − 1 − kx, co] · W[ky, kx, 0, co]
/// Needs out_channels % 16 == 0.
void ck_convolution_input_gradient_one_channel(const ck_convolution_geometry *g, const float *padded_output_gradient,
                                               const float *filter, float *input_gradient, int row_begin, int row_end);

#endif
