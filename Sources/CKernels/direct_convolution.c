// Direct convolution kernels with AVX-512 intrinsics, for the passes where oneDNN's JIT code is
// far from the FMA peak. Plain C: Swift cannot compile one function for AVX-512 while the rest of
// the program stays portable, clang can (`target` attribute), and the caller checks the CPU first.

#include "direct_kernels.h"

#include <immintrin.h>

int ck_has_avx512(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f");
}

#define TARGET __attribute__((target("avx512f,fma")))
// Input channels per filter-gradient tile: 8 × 2 vectors = 16 accumulators (12 rows, 24
// accumulators, measured 2.5× slower on Zen 4).
#define TILE_ROWS 8
#define ALWAYS_INLINE __attribute__((always_inline)) inline

// One register tile of the filter gradient: ROWS input channels × VECTORS·16 output channels at one
// tap (ky, kx), accumulated over `count` output pixels of one output row:
//   acc[r][v] += x[pixel][ci + r] · dy[pixel][co + 16v .. co + 16v + 15]
// x advances by `x_step` floats per output pixel (stride · in_channels), dy by `dy_step` (out_channels).
// Each pixel costs VECTORS loads and ROWS broadcasts for ROWS·VECTORS FMAs, all in registers.
static ALWAYS_INLINE TARGET void filter_gradient_tile(const float *x, size_t x_step, const float *dy, size_t dy_step,
                                                      int count, float *dw, size_t dw_row, const int ROWS, const int VECTORS) {
    __m512 acc[TILE_ROWS][2];
    for (int r = 0; r < ROWS; r++)
        for (int v = 0; v < VECTORS; v++) acc[r][v] = _mm512_loadu_ps(dw + r * dw_row + 16 * v);
    for (int p = 0; p < count; p++) {
        __m512 g[2];
        for (int v = 0; v < VECTORS; v++) g[v] = _mm512_loadu_ps(dy + 16 * v);
        for (int r = 0; r < ROWS; r++) {
            __m512 b = _mm512_set1_ps(x[r]);
            for (int v = 0; v < VECTORS; v++) acc[r][v] = _mm512_fmadd_ps(b, g[v], acc[r][v]);
        }
        x += x_step;
        dy += dy_step;
    }
    for (int r = 0; r < ROWS; r++)
        for (int v = 0; v < VECTORS; v++) _mm512_storeu_ps(dw + r * dw_row + 16 * v, acc[r][v]);
}

// A switch over 1…8 whose cases call a tile with that size as a compile-time constant, so its
// loops unroll into registers.
#define CASES_1_TO_8(CASE, V) CASE(1, V) CASE(2, V) CASE(3, V) CASE(4, V) CASE(5, V) CASE(6, V) CASE(7, V) CASE(8, V)

#define TILE_CASE(R, V) case R: filter_gradient_tile(x, x_step, dy, dy_step, count, dw, dw_row, R, V); break;
static TARGET void filter_gradient_tile_any(const float *x, size_t x_step, const float *dy, size_t dy_step, int count,
                                            float *dw, size_t dw_row, int rows, int vectors) {
    if (vectors == 2) {
        switch (rows) { CASES_1_TO_8(TILE_CASE, 2) }
    } else {
        switch (rows) { CASES_1_TO_8(TILE_CASE, 1) }
    }
}

TARGET void ck_convolution_filter_gradient(const ck_convolution_geometry *g, const float *input, const float *output_gradient,
                                           float *filter_gradient, int row_begin, int row_end) {
    const int ci_count = g->in_channels, co_count = g->out_channels;
    for (int row = row_begin; row < row_end; row++) {
        const int image = row / g->out_height, oy = row % g->out_height;
        const float *dy_row = output_gradient + (size_t)row * g->out_width * co_count;
        for (int ky = 0; ky < g->kh; ky++) {
            const int iy = oy * g->stride_h + ky - g->pad_top;
            if (iy < 0 || iy >= g->h) continue;
            const float *x_row = input + ((size_t)image * g->h + iy) * g->w * ci_count;
            for (int kx = 0; kx < g->kw; kx++) {
                // Output pixels whose tap kx lands inside the row: 0 ≤ ox·sw + kx − pad_left < w.
                const int shift = kx - g->pad_left, limit = g->w - 1 - shift;
                if (limit < 0) continue;
                const int first = shift >= 0 ? 0 : (-shift + g->stride_w - 1) / g->stride_w;
                int last = limit / g->stride_w;  // inclusive
                if (last > g->out_width - 1) last = g->out_width - 1;
                if (first > last) continue;
                const int count = last - first + 1;
                const float *x0 = x_row + (size_t)(first * g->stride_w + shift) * ci_count;
                const float *dy0 = dy_row + (size_t)first * co_count;
                float *dw_tap = filter_gradient + ((size_t)ky * g->kw + kx) * ci_count * co_count;
                for (int co = 0; co < co_count; co += 32) {
                    const int vectors = co_count - co >= 32 ? 2 : 1;
                    for (int ci = 0; ci < ci_count; ci += TILE_ROWS) {
                        const int rows = ci_count - ci >= TILE_ROWS ? TILE_ROWS : ci_count - ci;
                        filter_gradient_tile_any(x0 + ci, (size_t)g->stride_w * ci_count, dy0 + co, (size_t)co_count, count,
                                                 dw_tap + (size_t)ci * co_count + co, (size_t)co_count, rows, vectors);
                    }
                }
            }
        }
    }
}

// dX for PIXELS consecutive pixels of one row and VECTORS·16 output channels: one accumulator
// vector per pixel and channel block holds Σ over taps of dY ⊙ W (the pixel's 16-wide partial
// dot products), summed across its lanes at the end. Each tap loads W once for all PIXELS pixels.
static ALWAYS_INLINE TARGET void input_gradient_tile(const float *dy, size_t dy_row, size_t dy_pixel, const float *w,
                                                     int kh, int kw, size_t w_tap, float *dx, int accumulate,
                                                     const int PIXELS, const int VECTORS) {
    __m512 acc[8][2];
    for (int j = 0; j < PIXELS; j++)
        for (int v = 0; v < VECTORS; v++) acc[j][v] = _mm512_setzero_ps();
    for (int ky = 0; ky < kh; ky++) {
        // Tap (ky, kx) reads padded dY at (y + kh − 1 − ky, x + kw − 1 − kx).
        const float *dy_tap_row = dy + (size_t)(kh - 1 - ky) * dy_row;
        for (int kx = 0; kx < kw; kx++) {
            const float *source = dy_tap_row + (size_t)(kw - 1 - kx) * dy_pixel;
            const float *weights = w + ((size_t)ky * kw + kx) * w_tap;
            __m512 wv[2];
            for (int v = 0; v < VECTORS; v++) wv[v] = _mm512_loadu_ps(weights + 16 * v);
            for (int j = 0; j < PIXELS; j++)
                for (int v = 0; v < VECTORS; v++)
                    acc[j][v] = _mm512_fmadd_ps(_mm512_loadu_ps(source + j * dy_pixel + 16 * v), wv[v], acc[j][v]);
        }
    }
    for (int j = 0; j < PIXELS; j++) {
        __m512 total = acc[j][0];
        for (int v = 1; v < VECTORS; v++) total = _mm512_add_ps(total, acc[j][v]);
        const float sum = _mm512_reduce_add_ps(total);
        dx[j] = accumulate ? dx[j] + sum : sum;
    }
}

#define INPUT_TILE_CASE(P, V) case P: input_gradient_tile(dy, dy_row, dy_pixel, w, kh, kw, w_tap, dx, accumulate, P, V); break;
static TARGET void input_gradient_tile_any(const float *dy, size_t dy_row, size_t dy_pixel, const float *w, int kh, int kw,
                                           size_t w_tap, float *dx, int accumulate, int pixels, int vectors) {
    if (vectors == 2) {
        switch (pixels) { CASES_1_TO_8(INPUT_TILE_CASE, 2) }
    } else {
        switch (pixels) { CASES_1_TO_8(INPUT_TILE_CASE, 1) }
    }
}

TARGET void ck_convolution_input_gradient_one_channel(const ck_convolution_geometry *g, const float *padded_output_gradient,
                                                      const float *filter, float *input_gradient, int row_begin, int row_end) {
    const int co_count = g->out_channels, padded_h = g->h + g->kh - 1, padded_w = g->w + g->kw - 1;
    const size_t dy_pixel = (size_t)co_count, dy_row = (size_t)padded_w * co_count;
    for (int row = row_begin; row < row_end; row++) {
        const int image = row / g->h, y = row % g->h;
        const float *dy_image_row = padded_output_gradient + ((size_t)image * padded_h + y) * dy_row;
        float *dx_row = input_gradient + (size_t)row * g->w;
        for (int co = 0; co < co_count; co += 32) {
            const int vectors = co_count - co >= 32 ? 2 : 1;
            for (int x = 0; x < g->w; x += 8) {
                const int pixels = g->w - x >= 8 ? 8 : g->w - x;
                input_gradient_tile_any(dy_image_row + (size_t)x * dy_pixel + co, dy_row, dy_pixel, filter + co, g->kh, g->kw,
                                        (size_t)co_count, dx_row + x, co > 0, pixels, vectors);
            }
        }
    }
}
