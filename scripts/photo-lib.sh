# Shared steps of install-photos.sh and install-eval-photos.sh (sourced, not run).
#
# Each candidate picture is decoded to PPM (djpeg, dwebp, pngtopnm), checked by photo_filter.py
# (short side >= 128 px, colourfulness >= 15 on a 256-px thumbnail), shrunk so its longer side is
# at most MAX_SIDE (decoding a 5K wallpaper for every training crop would starve the trainer),
# and written as a quality-95 JPEG. Exact duplicates (same pixels) are kept once.

MAX_SIDE=${MAX_SIDE:-1600}
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

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
}

# fetch_package NAME DIR: downloads the .deb (not installed system-wide) and unpacks it into DIR.
fetch_package() {
  local name=$1 dir=$2
  mkdir -p "$dir"
  if ! (cd "$WORK" && apt-get download "$name" >/dev/null 2>&1); then
    apt-get update -qq >/dev/null 2>&1 || true
    (cd "$WORK" && apt-get download "$name" >/dev/null 2>&1) || { echo "warning: package $name not available; skipped" >&2; return 1; }
  fi
  dpkg -x "$WORK"/"${name}"_*.deb "$dir"
}

# to_ppm FILE: decodes a JPEG, WebP or PNG to PPM on stdout.
to_ppm() {
  case "${1,,}" in
    *.jpg|*.jpeg) djpeg -ppm "$1" ;;
    *.webp) dwebp -quiet -ppm -o - "$1" ;;
    *.png) pngtopnm -mix "$1" 2>/dev/null | ppmtoppm 2>/dev/null ;;
    *) return 1 ;;
  esac
}

declare -A SEEN=()
declare -A KEPT=()

# consider PACKAGE FILE NAME: keeps FILE as DEST/PACKAGE/NAME.jpg if it passes the filter.
consider() {
  local package=$1 file=$2 name=$3
  local ppm="$WORK/current.ppm"
  to_ppm "$file" > "$ppm" 2>/dev/null || { echo "  skip $name: cannot decode" >&2; return 0; }
  local size width height
  size=$(pnmfile "$ppm" 2>/dev/null | sed -n 's/.*, \([0-9]*\) by \([0-9]*\) .*/\1 \2/p')
  read -r width height <<< "$size"
  [ -n "${width:-}" ] || { echo "  skip $name: unreadable" >&2; return 0; }
  local verdict
  verdict=$(pamscale -xyfit 256 256 "$ppm" 2>/dev/null | python3 "$here/photo_filter.py" "$width" "$height") \
    || verdict="drop cannot measure"
  if [[ $verdict != keep* ]]; then echo "  skip $name: ${verdict#drop }" >&2; return 0; fi
  local digest
  digest=$(sha256sum "$ppm" | cut -c1-64)
  if [ -n "${SEEN[$digest]:-}" ]; then echo "  skip $name: duplicate of ${SEEN[$digest]}" >&2; return 0; fi
  SEEN[$digest]=$name
  mkdir -p "$DEST/$package"
  local out="$DEST/$package/$name.jpg"
  if [ "$width" -gt "$MAX_SIDE" ] || [ "$height" -gt "$MAX_SIDE" ]; then
    pamscale -xyfit "$MAX_SIDE" "$MAX_SIDE" "$ppm" > "$WORK/scaled.ppm" 2>/dev/null
    mv "$WORK/scaled.ppm" "$ppm"
    size=$(pnmfile "$ppm" | sed -n 's/.*, \([0-9]*\) by \([0-9]*\) .*/\1 \2/p')
    read -r width height <<< "$size"
  fi
  cjpeg -quality 95 "$ppm" > "$out"
  printf '%s\t%s\t%s\t%s\n' "$package" "$package/$name.jpg" "$width" "$height" >> "$DEST/MANIFEST.tsv"
  KEPT[$package]=$(( ${KEPT[$package]:-0} + 1 ))
}

# begin VERSION: returns 1 (nothing to do) when DEST already holds this version's photos.
begin() {
  local version=$1
  if [ -f "$DEST/.stamp" ] && [ "$(cat "$DEST/.stamp")" = "$version" ]; then
    echo "photos already installed in $DEST ($(($(wc -l < "$DEST/MANIFEST.tsv") - 1)) files)"
    return 1
  fi
  ensure_tools
  rm -rf "$DEST"
  mkdir -p "$DEST"
  WORK=$(mktemp -d)
  trap 'rm -rf "$WORK"' EXIT
  printf 'package\tpath\twidth\theight\n' > "$DEST/MANIFEST.tsv"
}

# finish VERSION: prints the counts and marks DEST complete.
finish() {
  local total=0
  echo "photos in $DEST:"
  for package in $(printf '%s\n' "${!KEPT[@]}" | sort); do
    printf '  %-32s %4d\n' "$package" "${KEPT[$package]}"
    total=$((total + KEPT[$package]))
  done
  printf '  %-32s %4d\n' total "$total"
  echo "$1" > "$DEST/.stamp"
}
