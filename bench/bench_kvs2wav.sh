#!/usr/bin/env bash
# kvs2wav against ffmpeg on synthetic one-hour and four-hour Connect captures.
#
# For each length: generate a two-track 8 kHz capture in Connect's layout
# (tests/fixtures/make_connect_mkv.py; about 115 MB per hour), convert it
# with kvs2wav (two mono WAVs + the stereo mix) and with
# `ffmpeg -i capture.mkv` extracting the same two tracks to WAV, check both
# gave the same samples, and print wall times (best of REPEAT runs), the
# speed ratio and kvs2wav's peak RSS (/usr/bin/time -f %M, KB).
# Targets: kvs2wav >= 5x faster than ffmpeg; peak RSS < 16 MB at 1 h and 4 h.
#
# The captures use CodecID A_PCM/INT/LIT instead of Connect's A_AAC label:
# ffmpeg would decode the A_AAC label as AAC (noise and errors); kvs2wav
# reads both the same way (same bytes, same path), which the A_AAC run at
# 1 h shows. Everything lives in a temporary directory, deleted at exit.
#
# Env: BUILD_DIR (default build), HOURS (default "1 4"), REPEAT (default 3).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build}
KVS2WAV="$PWD/$BUILD_DIR/kvs2wav"
GEN="$PWD/tests/fixtures/make_connect_mkv.py"
HOURS=${HOURS:-"1 4"}
REPEAT=${REPEAT:-3}
TIME=/usr/bin/time

[ -x "$KVS2WAV" ] || { echo "bench_kvs2wav: $KVS2WAV not built (make BUILD=$BUILD_DIR)"; exit 1; }
command -v ffmpeg >/dev/null || { echo "bench_kvs2wav: ffmpeg not installed"; exit 1; }
[ -x "$TIME" ] || { echo "bench_kvs2wav: $TIME missing (apt-get install -y time)"; exit 1; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/bench_kvs2wav.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# Runs a command REPEAT times; prints "best_seconds max_rss_kb".
measure() {
  local best="" rss=0 i out
  for ((i = 0; i < REPEAT; i++)); do
    rm -rf "$tmp/out" && mkdir -p "$tmp/out"
    sync # start each run without earlier runs' dirty pages being written back
    out=$("$TIME" -f "%e %M" "$@" 2>&1 >/dev/null | tail -n 1)
    read -r secs kb <<<"$out"
    if [ -z "$best" ] || awk -v a="$secs" -v b="$best" 'BEGIN{exit !(a<b)}'; then best=$secs; fi
    [ "$kb" -gt "$rss" ] && rss=$kb
  done
  echo "$best $rss"
}

same_audio() { # kvs2wav's and ffmpeg's mono WAVs hold the same samples
  python3 - "$@" <<'PY'
import sys, wave
a, b = sys.argv[1], sys.argv[2]
def frames(p):
    with wave.open(p) as w:
        return w.getnframes(), w.readframes(w.getnframes())
fa, fb = frames(a), frames(b)
sys.exit(0 if fa == fb else 1)
PY
}

printf '%-6s %9s %9s %10s %10s %7s %10s\n' capture "MB" "gen s" "kvs2wav s" "ffmpeg s" "ratio" "RSS MB"
status=0
for h in $HOURS; do
  cap="$tmp/capture-${h}h.mkv"
  t0=$(date +%s.%N)
  python3 "$GEN" "$cap" --contact "bench-call:$((h * 3600))" --codec A_PCM/INT/LIT 2>/dev/null
  gen=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b-a}')
  mb=$(awk -v s="$(stat -c %s "$cap")" 'BEGIN{printf "%.0f", s/1e6}')

  read -r k_s k_rss < <(measure "$KVS2WAV" --out-dir "$tmp/out" "$cap")
  cp "$tmp/out/recording_audio_from_customer.wav" "$tmp/k_from.wav"
  cp "$tmp/out/recording_audio_to_customer.wav" "$tmp/k_to.wav"
  read -r f_s _ < <(measure ffmpeg -nostdin -hide_banner -loglevel quiet -y -i "$cap" \
    -map 0:0 -c:a pcm_s16le "$tmp/out/from.wav" -map 0:1 -c:a pcm_s16le "$tmp/out/to.wav")
  if ! same_audio "$tmp/k_from.wav" "$tmp/out/from.wav" || ! same_audio "$tmp/k_to.wav" "$tmp/out/to.wav"; then
    echo "bench_kvs2wav: ${h}h: kvs2wav and ffmpeg disagree on the samples"
    status=1
  fi
  rm -f "$tmp/k_from.wav" "$tmp/k_to.wav"
  ratio=$(awk -v f="$f_s" -v k="$k_s" 'BEGIN{printf "%.1f", (k > 0 ? f / k : 0)}')
  rss_mb=$(awk -v k="$k_rss" 'BEGIN{printf "%.1f", k/1024}')
  printf '%-6s %9s %9s %10s %10s %6sx %10s\n' "${h}h" "$mb" "$gen" "$k_s" "$f_s" "$ratio" "$rss_mb"
  awk -v r="$ratio" 'BEGIN{exit !(r < 5)}' && { echo "  below target: kvs2wav < 5x ffmpeg"; status=1; }
  [ "$k_rss" -ge 16384 ] && { echo "  above target: peak RSS >= 16 MB"; status=1; }

  if [ "$h" = "$(echo $HOURS | cut -d' ' -f1)" ]; then
    # Connect's own A_AAC label with the MimeType tag: same work for kvs2wav.
    python3 "$GEN" "$cap" --contact "bench-call:$((h * 3600))" 2>/dev/null
    read -r a_s a_rss < <(measure "$KVS2WAV" --out-dir "$tmp/out" "$cap")
    printf '%-6s %9s %9s %10s %10s %7s %10s\n' "${h}h-AAC" "$mb" "" "$a_s" "-" "" \
      "$(awk -v k="$a_rss" 'BEGIN{printf "%.1f", k/1024}')"
  fi
  rm -f "$cap"
done
echo "(kvs2wav writes 3 files: two mono WAVs and the stereo mix; ffmpeg writes the two mono WAVs)"
exit $status
