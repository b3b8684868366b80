#!/usr/bin/env bash
# The per-picture half of photo-lib.sh's pipeline, run in parallel (xargs -P) on the queued pictures:
# decodes FILE to PPM (djpeg, dwebp, pngtopnm), turns it clockwise by ROTATE degrees (0, 90, 180,
# 270), makes the 256-px thumbnail that photo_filter.py measures, hashes the full-size pixels
# (exact duplicates), shrinks it so its longer side is at most MAX_SIDE and writes the quality-95
# JPEG. With FAST=1 a JPEG larger than twice MAX_SIDE is decoded at the smallest libjpeg scale M/8
# that still covers MAX_SIDE (much faster for 4K wallpapers; the result is resampled once more
# anyway). Keeps nothing and decides nothing: photo_filter.py --select then reads, in queue order,
#   WORK/INDEX.result  "ok WIDTH HEIGHT OUT_WIDTH OUT_HEIGHT SHA256" | "small WIDTH HEIGHT" | "fail REASON"
#   WORK/INDEX.thumb.ppm, WORK/INDEX.jpg
# WIDTH HEIGHT are the decoded size (so a FAST decode reports its reduced size).
#
# Usage: photo-prepare.sh WORK MAX_SIDE INDEX FILE ROTATE FAST [INDEX FILE ROTATE FAST ...]
set -u
work=$1 max_side=$2
shift 2

to_ppm() {  # FILE FAST
  case "${1,,}" in
    *.jpg|*.jpeg)
      local scale=8 w h
      if [ "$2" = 1 ]; then
        read -r w h <<< "$(rdjpgcom -verbose "$1" 2>/dev/null | sed -n 's/^JPEG image is \([0-9]*\)w \* \([0-9]*\)h.*/\1 \2/p')"
        local long=$(( ${w:-0} > ${h:-0} ? ${w:-0} : ${h:-0} ))
        if [ "$long" -gt $((2 * max_side)) ]; then
          scale=1
          while [ $((long * scale)) -lt $((8 * max_side)) ]; do scale=$((scale + 1)); done
        fi
      fi
      if [ "$scale" = 8 ]; then djpeg -ppm "$1"; else djpeg -scale "$scale/8" -ppm "$1"; fi ;;
    *.webp) dwebp -quiet -ppm -o - "$1" ;;
    *.png) pngtopnm -mix "$1" 2>/dev/null | ppmtoppm 2>/dev/null | pamdepth 255 2>/dev/null ;;
    *) return 1 ;;
  esac
}

# size_of PPM: "WIDTH HEIGHT" from a netpbm header without comments (what these tools write).
size_of() {
  local magic line
  { IFS= read -r magic; IFS= read -r line; } < "$1" 2>/dev/null || return 0
  case "$magic" in P5|P6) ;; *) return 0 ;; esac
  if [[ $line =~ ^([0-9]+)[[:space:]]+([0-9]+)$ ]]; then echo "${BASH_REMATCH[1]} ${BASH_REMATCH[2]}"
  else pnmfile "$1" 2>/dev/null | sed -n 's/.*, \([0-9]*\) by \([0-9]*\) .*/\1 \2/p'; fi
}

prepare() {  # INDEX FILE ROTATE FAST
  local index=$1 file=$2 rotate=$3 fast=$4
  local ppm=$work/$index.ppm result=$work/$index.result width height out_width out_height digest
  to_ppm "$file" "$fast" > "$ppm" 2>/dev/null && [ -s "$ppm" ] || { echo "fail cannot decode" > "$result"; rm -f "$ppm"; return; }
  case "$rotate" in
    90) pamflip -cw "$ppm" > "$ppm.t" && mv "$ppm.t" "$ppm" ;;
    180) pamflip -r180 "$ppm" > "$ppm.t" && mv "$ppm.t" "$ppm" ;;
    270) pamflip -ccw "$ppm" > "$ppm.t" && mv "$ppm.t" "$ppm" ;;
  esac
  read -r width height <<< "$(size_of "$ppm")"
  if [ -z "${width:-}" ]; then echo "fail unreadable" > "$result"; rm -f "$ppm"; return; fi
  if [ "$width" -lt 128 ] || [ "$height" -lt 128 ]; then
    echo "small $width $height" > "$result"; rm -f "$ppm"; return
  fi
  pamscale -xyfit 256 256 "$ppm" > "$work/$index.thumb.ppm" 2>/dev/null
  digest=$(sha256sum "$ppm")
  out_width=$width out_height=$height
  if [ "$width" -gt "$max_side" ] || [ "$height" -gt "$max_side" ]; then
    pamscale -xyfit "$max_side" "$max_side" "$ppm" > "$ppm.t" 2>/dev/null && mv "$ppm.t" "$ppm"
    read -r out_width out_height <<< "$(size_of "$ppm")"
  fi
  cjpeg -quality 95 "$ppm" > "$work/$index.jpg" || { echo "fail cannot encode" > "$result"; rm -f "$ppm"; return; }
  rm -f "$ppm"
  echo "ok $width $height $out_width $out_height ${digest%% *}" > "$result"
}

while [ $# -ge 4 ]; do
  prepare "$1" "$2" "$3" "$4"
  shift 4
done
