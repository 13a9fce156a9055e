#!/usr/bin/env bash
# testdata.sh builds the real-photo fixtures that worker-service's imaging
# tests run on, from Debian packages (no files are checked into the repo):
#   gnome-backgrounds                        4096x4096 WebP renders: big, detailed, asymmetric
#   golang-github-rwcarlsen-goexif-dev       camera JPEGs with EXIF (Nikon D2H with GPS/IPTC/XMP,
#                                            iPhone 4S with orientation 6, a Canon EXIF stub) and
#                                            goexif's corrupt-EXIF regression files
#   golang-github-disintegration-imaging-dev orientation_0..8.jpg: the same "F" stored eight ways
#
# Usage:
#   deploy/local/testdata.sh DIR     make DIR complete (idempotent); then
#   PIXELMILL_TESTDATA_DIR=DIR go test ./internal/imaging/   (from worker-service)
#
# DIR/.complete holds the fixture version; when it matches, nothing is done.
# Bump FIXTURE_VERSION whenever the list below changes. A flock on DIR/.lock
# makes concurrent runs wait for one build.
#
# What DIR gets (tests hard-code these names and their known facts):
#   photo-3840x2400.jpg       baseline JPEG Q90 with an embedded sRGB ICC profile and a minimal EXIF
#   photo-3000x2000.jpg       baseline JPEG Q90
#   photo-1920x1080.jpg       baseline JPEG Q90
#   photo-640x480.jpg         baseline JPEG Q90
#   photo-1800x1200.jpg       baseline JPEG Q90, upright reference for the next one
#   sideways-1200x1800.jpg    photo-1800x1200 turned 90 degrees anticlockwise, as a camera held
#                             sideways stores it (tests add EXIF orientation 6 to it)
#   progressive.jpg           800x500 progressive JPEG
#   photo.webp                1600x1000 lossy WebP
#   photo.gif                 800x500 GIF
#   photo.avif                1200x800 AVIF (libheif/aom)
#   photo.heic                1200x800 HEIC (libheif/x265)
#   alpha.png                 1200x800 RGBA PNG, alpha ramps from 0 (left) to 255 (right)
#   interlaced.png            400x300 Adam7-interlaced PNG
#   gnome-*.webp              three 4096x4096 WebP originals
#   truncated.jpg             first half of exif/nikon-d2h.jpg (header fine, pixels cut off)
#   exif/nikon-d2h.jpg        goexif sample1.jpg: 500x375, NIKON D2H, f/4.5, 23.33 mm, 1/125 s, GPS
#   exif/iphone-4s.jpg        goexif has-lens-info.jpg: 205x102, orientation 6, f/2.4, ISO 50
#   exif/geodegrees.jpg       goexif geodegrees_as_string.jpg: 205x102, GPS as strings
#   exif/canon-eos-rebel-t4i.jpg  goexif EXIF-only stub (no decodable pixels)
#   exif/corrupt/*.jpg        goexif's corrupt-EXIF files (huge_tag, infinite_loop, max_uint32)
#   orientation/orientation_0..8.jpg  50x70 upright "F", stored with EXIF orientation 0..8
#
# Needs: apt-get (download only, no root), dpkg-deb, and vips from libvips-tools.
set -euo pipefail

FIXTURE_VERSION=3
PACKAGES=(gnome-backgrounds golang-github-rwcarlsen-goexif-dev golang-github-disintegration-imaging-dev)

if [[ $# -ne 1 ]]; then
	echo "usage: $0 DIR" >&2
	exit 2
fi
DIR=$1
mkdir -p "$DIR"
DIR=$(cd "$DIR" && pwd -P)

for tool in apt-get dpkg-deb vips; do
	if ! command -v "$tool" >/dev/null; then
		echo "testdata.sh: $tool not found (vips comes with Debian's libvips-tools)" >&2
		exit 1
	fi
done

exec 9>"$DIR/.lock"
flock 9

list() {
	(cd "$DIR" && find . -type f ! -name '.lock' ! -name '.complete' | sed 's|^\./||' | sort)
}

if [[ -f "$DIR/.complete" && "$(cat "$DIR/.complete")" == "$FIXTURE_VERSION" ]]; then
	echo "testdata.sh: $DIR is complete (fixtures v$FIXTURE_VERSION)" >&2
	list
	exit 0
fi
rm -f "$DIR/.complete"

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

echo "testdata.sh: downloading ${PACKAGES[*]}" >&2
(cd "$WORK" && apt-get download "${PACKAGES[@]}" >&2)
for deb in "$WORK"/*.deb; do
	dpkg-deb -x "$deb" "$WORK/root"
done

BG=$WORK/root/usr/share/backgrounds/gnome
GOEXIF=$WORK/root/usr/share/gocode/src/github.com/rwcarlsen/goexif/exif
IMAGING=$WORK/root/usr/share/gocode/src/github.com/disintegration/imaging/testdata
for d in "$BG" "$GOEXIF" "$IMAGING"; do
	if [[ ! -d "$d" ]]; then
		echo "testdata.sh: $d missing from the packages; their layout changed" >&2
		exit 1
	fi
done

mkdir -p "$DIR/exif/corrupt" "$DIR/orientation"

# The WebP originals, as shipped.
cp "$BG/pixels-l.webp" "$DIR/gnome-pixels-l.webp"
cp "$BG/licorice-l.webp" "$DIR/gnome-licorice-l.webp"
cp "$BG/truchet-d.webp" "$DIR/gnome-truchet-d.webp"

# One decoded 4096x2560 band of pixels-l (16:10, its busiest part) is the
# source of every JPEG below, so the expensive WebP decode happens once.
vips crop "$BG/pixels-l.webp" "$WORK/band.v" 0 768 4096 2560
# 4096 * 0.9375 = 3840, 2560 * 0.9375 = 2400 exactly. profile=srgb embeds
# libvips' built-in sRGB profile (6922 bytes); libvips 8.14 ignores profile=
# under strip, so this one file also gets libvips' minimal EXIF block.
vips resize "$WORK/band.v" "$DIR/photo-3840x2400.jpg[Q=90,profile=srgb]" 0.9375
vips thumbnail "$WORK/band.v" "$DIR/photo-3000x2000.jpg[Q=90,strip]" 3000 --height 2000 --size force
vips thumbnail "$WORK/band.v" "$DIR/photo-1920x1080.jpg[Q=90,strip]" 1920 --height 1080 --size force
vips thumbnail "$WORK/band.v" "$DIR/photo-640x480.jpg[Q=90,strip]" 640 --height 480 --size force
vips thumbnail "$WORK/band.v" "$WORK/upright.v" 1800 --height 1200 --size force
vips copy "$WORK/upright.v" "$DIR/photo-1800x1200.jpg[Q=90,strip]"
# EXIF orientation 6 means "turn 90 degrees clockwise to display", so the
# stored pixels are the upright picture turned anticlockwise (d270).
vips rot "$WORK/upright.v" "$DIR/sideways-1200x1800.jpg[Q=90,strip]" d270
vips thumbnail "$WORK/band.v" "$DIR/progressive.jpg[Q=85,strip,interlace]" 800 --height 500 --size force

vips thumbnail "$BG/licorice-l.webp" "$DIR/photo.webp[Q=90,strip]" 1600 --height 1000 --size force
vips thumbnail "$WORK/band.v" "$DIR/photo.avif[Q=60,strip,compression=av1]" 1200 --height 800 --size force
vips thumbnail "$WORK/band.v" "$DIR/photo.heic[Q=60,strip,compression=hevc]" 1200 --height 800 --size force
vips thumbnail "$BG/truchet-d.webp" "$DIR/photo.gif" 800 --height 500 --size force

# alpha.png: RGB from licorice plus an alpha band that ramps left to right.
vips thumbnail "$BG/licorice-l.webp" "$WORK/rgb.v" 1200 --height 800 --size force
vips grey "$WORK/ramp.v" 1200 800 --uchar
vips bandjoin "$WORK/rgb.v $WORK/ramp.v" "$WORK/rgba.v"
vips copy "$WORK/rgba.v" "$DIR/alpha.png[strip]" --interpretation srgb
vips thumbnail "$WORK/rgb.v" "$DIR/interlaced.png[interlace,strip]" 400 --height 300 --size force

# Camera JPEGs and corrupt EXIF from goexif.
cp "$GOEXIF/sample1.jpg" "$DIR/exif/nikon-d2h.jpg"
cp "$GOEXIF/samples/has-lens-info.jpg" "$DIR/exif/iphone-4s.jpg"
cp "$GOEXIF/samples/geodegrees_as_string.jpg" "$DIR/exif/geodegrees.jpg"
cp "$GOEXIF/samples/2012-12-21-11-15-19-sep-IMG_0001.jpg" "$DIR/exif/canon-eos-rebel-t4i.jpg"
cp "$GOEXIF"/corrupt/*.jpg "$DIR/exif/corrupt/"

for i in 0 1 2 3 4 5 6 7 8; do
	cp "$IMAGING/orientation_$i.jpg" "$DIR/orientation/"
done

# truncated.jpg: a real camera JPEG cut in half mid-scan.
size=$(stat -c %s "$DIR/exif/nikon-d2h.jpg")
head -c $((size / 2)) "$DIR/exif/nikon-d2h.jpg" >"$DIR/truncated.jpg"

echo "$FIXTURE_VERSION" >"$DIR/.complete"
echo "testdata.sh: made $DIR (fixtures v$FIXTURE_VERSION)" >&2
list
