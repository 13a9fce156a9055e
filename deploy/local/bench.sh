#!/usr/bin/env bash
# bench.sh is `make bench`: it measures, side by side in one run on the same
# real photos, (1) WordPress's renditions by the worker's pipeline, by sharp
# and by ImageMagick, each on one thread, then the audio, video and PDF
# jobs' work on the media fixtures (1b); and, on a private stack, (2)
# upload-to-ready latency through two workers, (3) API throughput from wrk
# and latency at a set request rate from vegeta,
# and (4) the peak memory of an API streaming a 1 GB upload and of a worker
# over many jobs, and (5) the media library's list queries on 10,000 items. It prints; it asserts nothing about speed, so a slow
# machine never fails it. docs/benchmarks.md records results.
#
# (1) ends with Pixelmill's ratio to sharp per photo and over the set, and
# (2) starts with an end-to-end row: N photos uploaded through WordPress's
# API until all are ready on two workers, against sharp making the same
# renditions in-process with two threads on the same files.
#
# Usage: deploy/local/bench.sh
# Environment:
#   PIXELMILL_BENCH_FILES         photos for (1) and the end-to-end row instead of the default
#                                 set: files or folders, separated by spaces, commas or colons
#   PIXELMILL_BENCH_RUNS          runs per file and tool in (1), the best counts (default 3)
#   PIXELMILL_BENCH_E2E_PHOTOS    uploads in the end-to-end row (default 10)
#   PIXELMILL_BENCH_UPLOADS       uploads in (2) (default 200)
#   PIXELMILL_BENCH_WORKER_JOBS   jobs in (4) (default 1000)
#   PIXELMILL_BENCH_SKIP_STACK=1       run (1) only
#   PIXELMILL_BENCH_SKIP_RENDITIONS=1  run (2)-(4) only
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
ROOT=$(cd "$SCRIPT_DIR/../.." && pwd -P)

# shellcheck source=teststack.sh
. "$SCRIPT_DIR/teststack.sh"
pm_test_prepare
# shellcheck source=tools.sh
. "$SCRIPT_DIR/tools.sh"
PM_DEB_PACKAGES=(imagemagick wrk)
pm_tools_ensure_debs
# vegeta offers a constant request rate (wrk offers as many as the API
# takes): the latency at a given load, without coordinated omission.
PIXELMILL_BENCH_VEGETA=$(pm_tools_go_tool vegeta github.com/tsenart/vegeta/v12 v12.13.0 vegeta)
export PIXELMILL_BENCH_VEGETA
if ! command -v npm >/dev/null 2>&1; then
	echo "bench.sh: installing Debian's nodejs and npm for sharp"
	pm_tools_as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null
fi
echo "bench.sh: installing sharp (npm ci in deploy/bench/js)"
(cd "$ROOT/deploy/bench/js" && npm ci --no-audit --no-fund --loglevel=error)

bin=$(mktemp -d /tmp/pixelmill-bench-bin.XXXXXX)
trap 'rm -rf "$bin"' EXIT
(cd "$ROOT/worker-service" && go build -o "$bin/rendition-bench" ./cmd/rendition-bench && go build -o "$bin/media-bench" ./cmd/media-bench)

T=$PIXELMILL_TESTDATA_DIR
C=$T/corpus
files=()
if [[ -n ${PIXELMILL_BENCH_FILES:-} ]]; then
	IFS=' ,:' read -r -a entries <<<"$PIXELMILL_BENCH_FILES"
	for e in "${entries[@]}"; do
		if [[ -d $e ]]; then
			while IFS= read -r f; do files+=("$(realpath "$f")"); done < <(find "$e" -maxdepth 1 -type f ! -name '.*' | sort)
		elif [[ -f $e ]]; then
			files+=("$(realpath "$e")")
		else
			echo "bench.sh: PIXELMILL_BENCH_FILES: $e is neither a file nor a folder" >&2
			exit 2
		fi
	done
	if ((${#files[@]} == 0)); then
		echo "bench.sh: PIXELMILL_BENCH_FILES names no file" >&2
		exit 2
	fi
	# The end-to-end row cycles through the user's photos; sharp's side
	# cannot read a HEIC, so those stay out of it.
	e2e=()
	for f in "${files[@]}"; do
		[[ ${f,,} == *.heic || ${f,,} == *.heif ]] || e2e+=("$f")
	done
else
	# The corpus has no ~9 MP PNG (its photo PNG is 4.9 MP): one is cut
	# from the 12 MP phone photo for the run, 3492x2619, not committed.
	vips resize "$C/phone-12mp-landscape.jpg" "$bin/phone-9mp-3492x2619.png" 0.866
	files=("$T/photo-3840x2400.jpg" "$T/photo-3000x2000.jpg" "$T/photo-1920x1080.jpg" "$T/photo-1800x1200.jpg"
		"$T/sideways-1200x1800.jpg" "$C/phone-12mp-landscape.jpg" "$C/phone-48mp-landscape.jpg"
		"$C/phone-12mp-progressive.jpg" "$bin/phone-9mp-3492x2619.png" "$C/phone.heic")
	e2e=("$T/photo-3840x2400.jpg") # the 9.2 MP photo, N times
fi
PIXELMILL_BENCH_E2E_FILES=$(
	IFS=:
	echo "${e2e[*]}"
)
PIXELMILL_BENCH_SHARP_DIR=$ROOT/deploy/bench/js
export PIXELMILL_BENCH_E2E_FILES PIXELMILL_BENCH_SHARP_DIR

if [[ ${PIXELMILL_BENCH_SKIP_RENDITIONS:-} != 1 ]]; then
	echo
	echo "== 1. WordPress's renditions (2560 -scaled + default sizes, JPEG q82; a PNG's stay PNG), one thread each, best of ${PIXELMILL_BENCH_RUNS:-3}"
	echo "   $(uname -srm), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
	# /usr/bin/convert: Debian's ImageMagick, not whatever stands first on PATH.
	"$bin/rendition-bench" --runs "${PIXELMILL_BENCH_RUNS:-3}" --convert /usr/bin/convert --sharp "$ROOT/deploy/bench/js" "${files[@]}"
	echo
	echo "== 1b. Media beyond stills: each job's work on the media fixtures (sandboxed FFmpeg and poppler, then libvips), best of ${PIXELMILL_BENCH_RUNS:-3}"
	M=$T/media
	"$bin/media-bench" --runs "${PIXELMILL_BENCH_RUNS:-3}" "$M/debian-faq.pdf" "$M/speech.mp3" "$M/speech.m4a" "$M/speech.flac" "$M/complete.oga" \
		"$M/clip.mp4" "$M/phone.mov" "$M/clip.webm"
fi

if [[ ${PIXELMILL_BENCH_SKIP_STACK:-} == 1 ]]; then
	exit 0
fi
echo
echo "== 2-4. The running system: end to end against sharp, latency, API throughput, memory"
pm_test_stack bench
(cd "$ROOT/api-service" && go test -tags bench -count=1 -timeout 60m -run TestBenchStack -v . 2>&1 | grep -E 'BENCH|^\s+(Latency|Req/Sec|[0-9]+%|Requests/sec|Transfer/sec|Non-2xx)|^(--- |ok|FAIL|PASS)' | sed 's/^ *[a-z_]*_test.go:[0-9]*: //')
echo
echo "== 5. The media library's list queries on 10,000 items (WordPress's list, 40 a page, newest first)"
(cd "$ROOT/services" && go test -count=1 -run '^$' -bench BenchmarkLibraryPages -benchtime 200x ./postgres 2>&1 | grep -E '^(Benchmark|ok|FAIL)')
