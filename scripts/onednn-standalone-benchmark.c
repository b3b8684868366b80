/* The yardstick for the engine's convolution speed: oneDNN called directly from C, no Swift in
 * between, on the generator's dec1 layer (96→64 channels, 5×5, 128×128, batch 6), NHWC activations
 * and weights in the layout oneDNN prefers (format_tag_any). Prints the best of 5 runs per pass;
 * compare with `colorize-benchmark engine` (median of 5) on the same machine.
 *
 *   cc -O2 scripts/onednn-standalone-benchmark.c -ldnnl -o /tmp/onednn-bench && /tmp/onednn-bench
 */
#include <oneapi/dnnl/dnnl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#define CHECK(x) do { if ((x) != dnnl_success) { printf("fail %s line %d\n", #x, __LINE__); exit(1);} } while (0)
static double now() { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec * 1e-9; }
int main() {
  int N=6, C=96, K=64, H=128, W=128, R=5;
  dnnl_engine_t eng; CHECK(dnnl_engine_create(&eng, dnnl_cpu, 0));
  dnnl_stream_t s; CHECK(dnnl_stream_create(&s, eng, dnnl_stream_default_flags));
  dnnl_dims_t src_d = {N, C, H, W}, wei_d = {K, C, R, R}, dst_d = {N, K, H, W}, st = {1, 1}, pad = {2, 2};
  dnnl_memory_desc_t src, wei, dst;
  CHECK(dnnl_memory_desc_init_by_tag(&src, 4, src_d, dnnl_f32, dnnl_nhwc));
  CHECK(dnnl_memory_desc_init_by_tag(&wei, 4, wei_d, dnnl_f32, dnnl_format_tag_any));
  CHECK(dnnl_memory_desc_init_by_tag(&dst, 4, dst_d, dnnl_f32, dnnl_nhwc));
  dnnl_convolution_desc_t fd, bd, wd;
  CHECK(dnnl_convolution_forward_desc_init(&fd, dnnl_forward_training, dnnl_convolution_direct, &src, &wei, NULL, &dst, st, pad, pad));
  CHECK(dnnl_convolution_backward_data_desc_init(&bd, dnnl_convolution_direct, &src, &wei, &dst, st, pad, pad));
  CHECK(dnnl_convolution_backward_weights_desc_init(&wd, dnnl_convolution_direct, &src, &wei, NULL, &dst, st, pad, pad));
  dnnl_primitive_desc_t fpd, bpd, wpd;
  CHECK(dnnl_primitive_desc_create(&fpd, &fd, NULL, eng, NULL));
  CHECK(dnnl_primitive_desc_create(&bpd, &bd, NULL, eng, fpd));
  CHECK(dnnl_primitive_desc_create(&wpd, &wd, NULL, eng, fpd));
  dnnl_primitive_desc_t pds[3] = {fpd, bpd, wpd};
  const char *names[3] = {"forward", "backward-data", "backward-weights"};
  double flops = 2.0 * N * H * W * K * C * R * R;
  for (int p = 0; p < 3; p++) {
    const char *info; dnnl_primitive_desc_query(pds[p], dnnl_query_impl_info_str, 0, &info);
    dnnl_primitive_t prim; CHECK(dnnl_primitive_create(&prim, pds[p]));
    dnnl_memory_t ms[3];
    dnnl_query_t q[3][3] = {{dnnl_query_src_md, dnnl_query_weights_md, dnnl_query_dst_md},
                            {dnnl_query_diff_src_md, dnnl_query_weights_md, dnnl_query_diff_dst_md},
                            {dnnl_query_src_md, dnnl_query_diff_weights_md, dnnl_query_diff_dst_md}};
    int args[3][3] = {{DNNL_ARG_SRC, DNNL_ARG_WEIGHTS, DNNL_ARG_DST}, {DNNL_ARG_DIFF_SRC, DNNL_ARG_WEIGHTS, DNNL_ARG_DIFF_DST},
                      {DNNL_ARG_SRC, DNNL_ARG_DIFF_WEIGHTS, DNNL_ARG_DIFF_DST}};
    dnnl_exec_arg_t ea[3];
    for (int i = 0; i < 3; i++) { CHECK(dnnl_memory_create(&ms[i], dnnl_primitive_desc_query_md(pds[p], q[p][i], 0), eng, DNNL_MEMORY_ALLOCATE)); ea[i].arg = args[p][i]; ea[i].memory = ms[i]; }
    for (int w = 0; w < 2; w++) { CHECK(dnnl_primitive_execute(prim, s, 3, ea)); dnnl_stream_wait(s); }
    double best = 1e9;
    for (int r = 0; r < 5; r++) { double t0 = now(); CHECK(dnnl_primitive_execute(prim, s, 3, ea)); dnnl_stream_wait(s); double t = now() - t0; if (t < best) best = t; }
    printf("%-17s %7.1f ms %6.1f GFLOP/s  (%s)\n", names[p], best * 1e3, flops / best / 1e9, info);
  }
  return 0;
}
