#!/usr/bin/env bash
# Installs the Debian packages Colorize builds and tests against (run as root; idempotent).
#   libdnnl-dev            oneDNN 2.6: convolution kernels
#   libopenblas-openmp-dev OpenBLAS on the same OpenMP pool as oneDNN: matrix products
#   libpng-dev libjpeg-dev image codecs
#   webp                   dwebp, used by scripts/install-photos.sh to unpack training photos
#   chromium               headless browser for the web UI test
#   python3-pip            safetensors + numpy, for the checkpoint interoperability test; onnx + onnxruntime
#                          (and Pillow, for docs/examples/onnx) for the ONNX export test, never at run time
#   ffmpeg                 ffmpeg/ffprobe: `colorize video` decodes and encodes through them (and its tests)
#   opencv-doc             its example clips (examples/data/vtest.avi) measure `colorize video` in the README
#   openmpi-bin libopenmpi-dev  OpenMPI: mpirun and libmpi.so.40, which `colorize` loads when an MPI launcher
#                          starts it (data-parallel `pretrain`/`gan`, sharded batches); the mpirun tests need them
set -euo pipefail
packages=(libdnnl-dev libopenblas-openmp-dev libpng-dev libjpeg-dev webp pkg-config chromium ffmpeg opencv-doc
  openmpi-bin libopenmpi-dev)
missing=()
for p in "${packages[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
# The OpenMP build of OpenBLAS must win over a pthread build that another package may have pulled in.
if [ -e /usr/lib/x86_64-linux-gnu/openblas-openmp/libopenblas.so.0 ]; then
  update-alternatives --quiet --set libopenblas.so.0-x86_64-linux-gnu \
    /usr/lib/x86_64-linux-gnu/openblas-openmp/libopenblas.so.0 2>/dev/null || true
fi
python3 -c "import safetensors, numpy" 2>/dev/null \
  || python3 -m pip install --quiet safetensors numpy 2>/dev/null \
  || python3 -m pip install --quiet --break-system-packages safetensors numpy
python3 -c "import onnx, onnxruntime, PIL" 2>/dev/null \
  || python3 -m pip install --quiet onnx onnxruntime pillow 2>/dev/null \
  || python3 -m pip install --quiet --break-system-packages onnx onnxruntime pillow
echo "system packages ready"
