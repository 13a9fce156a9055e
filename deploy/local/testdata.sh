#!/usr/bin/env bash
# testdata.sh builds the real-photo fixtures that worker-service's imaging
# tests run on, from Debian packages (no files are checked into the repo):
#   gnome-backgrounds                        4096x4096 WebP renders: big, detailed, asymmetric
#   golang-github-rwcarlsen-goexif-dev       camera JPEGs with EXIF (Nikon D2H with GPS/IPTC/XMP,
#                                            iPhone 4S with orientation 6, a Canon EXIF stub) and
#                                            goexif's corrupt-EXIF regression files
#   golang-github-disintegration-imaging-dev orientation_0..8.jpg: the same "F" stored eight ways
#   lomiri-wallpapers-16.04                  fifteen real photographs (CC BY-SA; a dragonfly 4224x3168,
#                                            a 16:9 phone shot 5312x2988, a portrait 2560x3837, ...),
#                                            the source of corpus/ below
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
#   media/                    audio, video, documents and hostile files: see mediadata.sh
#   corpus/                   real-world upload shapes cut from the photographs above (12 and 48 MP
#                             phone photos both ways, 16:9, 9:16, panoramas, square, EXIF
#                             orientations 1-8, progressive, CMYK, grey, 16-bit/palette/alpha PNG,
#                             animated GIF and WebP, HEIC, sizes at and one pixel over every
#                             WordPress size bound, 1x1); corpus/manifest.tsv lists each file with
#                             its format, upright width and height, EXIF orientation and what it is
#
# Needs: apt-get (download only, no root), dpkg-deb, and vips from libvips-tools.
set -euo pipefail

FIXTURE_VERSION=5
PACKAGES=(gnome-backgrounds golang-github-rwcarlsen-goexif-dev golang-github-disintegration-imaging-dev lomiri-wallpapers-16.04)

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

# media/ (audio, video, documents, hostile files) is mediadata.sh's, with
# its own version, made from the photos below.
media() { "$(dirname "${BASH_SOURCE[0]}")/mediadata.sh" "$DIR/media" "$DIR"; }

if [[ -f "$DIR/.complete" && "$(cat "$DIR/.complete")" == "$FIXTURE_VERSION" ]]; then
	media
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
PHOTOS=$WORK/root/usr/share/backgrounds
for d in "$BG" "$GOEXIF" "$IMAGING" "$PHOTOS"; do
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

# corpus/: one file per upload shape WordPress sites get, cut from the real
# photographs of lomiri-wallpapers-16.04 (and the goexif camera files and a
# GNOME render as shipped). Every size and orientation below is chosen; the
# manifest says what each file is, so the tests derive WordPress's expected
# answer from it rather than from Pixelmill's output. Names avoid endings
# WordPress renames (-WxH, -scaled, -rotated), and no two share a stem
# (Pixelmill de-duplicates stems across extensions, WordPress doesn't), so
# each file is judged on its shape alone.
C=$DIR/corpus
corpus_start=$SECONDS
rm -rf "$C"
mkdir -p "$C"
printf 'file\tformat\twidth\theight\torientation\twhat\n' >"$C/manifest.tsv"
# manifest FILE FORMAT UPRIGHT_W UPRIGHT_H ORIENTATION WHAT: one line, after
# checking the file's stored size and EXIF orientation against the claim
# (orientations 5-8 store the picture turned a quarter, so width and height
# swap; 0 means no orientation tag).
manifest() {
	local file=$1 format=$2 w=$3 h=$4 orientation=$5 what=$6 sw sh gw gh
	sw=$w sh=$h
	if ((orientation >= 5)); then
		sw=$h sh=$w
	fi
	gw=$(vipsheader -f width "$C/$file") gh=$(vipsheader -f height "$C/$file")
	if [[ "$gw $gh" != "$sw $sh" ]]; then
		echo "testdata.sh: corpus/$file is ${gw}x$gh, meant to be ${sw}x$sh" >&2
		exit 1
	fi
	if ((orientation > 0)) && [[ $(vipsheader -f orientation "$C/$file") != "$orientation" ]]; then
		echo "testdata.sh: corpus/$file lacks EXIF orientation $orientation" >&2
		exit 1
	fi
	printf '%s\t%s\t%d\t%d\t%d\t%s\n' "$file" "$format" "$w" "$h" "$orientation" "$what" >>"$C/manifest.tsv"
}
# cover SRC OUT W H: SRC scaled to cover WxH and centre-cropped to it
# (shrink-on-load from the shipped JPEG; upscales the few that need it).
cover() { vips thumbnail "$1" "$2" "$3" --height "$4" --crop centre; }

DRAGONFLY=$PHOTOS/Dragonfly_by_Bolly.jpg        # 4224x3168, 4:3 camera photo
SEEDING=$PHOTOS/seeding_by_Clements_Engelhardt.jpg # 5312x2988, 16:9 phone photo, progressive
SUNSET=$PHOTOS/sunset_by_Aitzol_Berasategi.jpg  # 4272x2848, 3:2
PICOS=$PHOTOS/picosdeeuropa_by_Aitzol_Berasategi.jpg # 3264x2448, 4:3
WINE=$PHOTOS/Wine_by_Jakkub_Mede.jpg            # 2560x3837, portrait
FRIENDS=$PHOTOS/friends_by_Aitzol_Berasategi.jpg # 2056x3088, portrait
FIG=$PHOTOS/Picture_0B_by_freespace.jpg         # 2572x1740
AITZ=$PHOTOS/aitzgorri_by_Aitzol_Berasategi.jpg # 3088x2056

# Phones: 12 MP both ways, the sideways-stored portrait an iPhone writes
# (4032x3024 pixels, EXIF orientation 6, the iPhone 4S's own EXIF block), and
# 48 MP as a 2x2 mosaic of four 12 MP photos (full-resolution detail, no
# upscaled mush).
cover "$DRAGONFLY" "$WORK/l1.v" 4032 3024
cover "$SUNSET" "$WORK/l2.v" 4032 3024
cover "$SEEDING" "$WORK/l3.v" 4032 3024
cover "$PICOS" "$WORK/l4.v" 4032 3024
cover "$WINE" "$WORK/p1.v" 3024 4032
cover "$FRIENDS" "$WORK/p2.v" 3024 4032
cover "$DRAGONFLY" "$WORK/p3.v" 3024 4032
cover "$SEEDING" "$WORK/p4.v" 3024 4032
vips copy "$WORK/l1.v" "$C/phone-12mp-landscape.jpg[Q=88,strip]"
manifest phone-12mp-landscape.jpg jpeg 4032 3024 0 "12 MP 4:3 phone photo, baseline"
vips copy "$WORK/p1.v" "$C/phone-12mp-portrait.jpg[Q=88,strip]"
manifest phone-12mp-portrait.jpg jpeg 3024 4032 0 "12 MP 3:4 phone photo stored upright"
vips rot "$WORK/p1.v" "$WORK/p1-sideways.v" d270
# insert takes the first image's metadata: the donor's EXIF, orientation 6.
vips insert "$GOEXIF/samples/has-lens-info.jpg" "$WORK/p1-sideways.v" "$C/phone-12mp-sideways.jpg[Q=88]" 0 0 --expand
manifest phone-12mp-sideways.jpg jpeg 3024 4032 6 "12 MP 3:4 phone photo stored 4032x3024 with EXIF orientation 6 (iPhone 4S EXIF)"
vips arrayjoin "$WORK/l1.v $WORK/l2.v $WORK/l3.v $WORK/l4.v" "$C/phone-48mp-landscape.jpg[Q=85,strip]" --across 2
manifest phone-48mp-landscape.jpg jpeg 8064 6048 0 "48 MP 4:3 phone photo (2x2 mosaic of 12 MP photos)"
vips arrayjoin "$WORK/p1.v $WORK/p2.v $WORK/p3.v $WORK/p4.v" "$C/phone-48mp-portrait.jpg[Q=85,strip]" --across 2
manifest phone-48mp-portrait.jpg jpeg 6048 8064 0 "48 MP 3:4 phone photo (2x2 mosaic of 12 MP photos)"
vips copy "$WORK/l2.v" "$C/phone-12mp-progressive.jpg[Q=88,strip,interlace]"
manifest phone-12mp-progressive.jpg jpeg 4032 3024 0 "12 MP 4:3 progressive JPEG"
cp "$SEEDING" "$C/phone-wide-as-shipped.jpg"
manifest phone-wide-as-shipped.jpg jpeg 5312 2988 0 "16:9 phone photo as the camera saved it (progressive)"
rm -f "$WORK"/l?.v "$WORK"/p?.v "$WORK/p1-sideways.v"

cover "$SEEDING" "$C/phone-wide.jpg[Q=88,strip]" 4000 2250
manifest phone-wide.jpg jpeg 4000 2250 0 "16:9 phone photo, baseline"
cover "$WINE" "$C/phone-tall.jpg[Q=88,strip]" 2250 4000
manifest phone-tall.jpg jpeg 2250 4000 0 "9:16 phone photo"
cover "$SEEDING" "$C/panorama-wide.jpg[Q=88,strip]" 6000 1000
manifest panorama-wide.jpg jpeg 6000 1000 0 "6:1 panorama"
cover "$WINE" "$C/panorama-tall.jpg[Q=88,strip]" 400 4000
manifest panorama-tall.jpg jpeg 400 4000 0 "1:10 vertical panorama"
cover "$DRAGONFLY" "$C/square.jpg[Q=88,strip]" 3024 3024
manifest square.jpg jpeg 3024 3024 0 "square phone photo"

# EXIF orientations 1-8 on a 1600x1200 camera picture: each file stores the
# pixels so that its orientation turns them upright (6: stored 1200x1600
# turned anticlockwise). The EXIF block, and so the orientation, comes from
# disintegration/imaging's orientation_N.jpg through insert.
cover "$PICOS" "$WORK/upright.v" 1600 1200
for n in 1 2 3 4 5 6 7 8; do
	case $n in
	1) ops=() ;;
	2) ops=(flip:horizontal) ;;
	3) ops=(rot:d180) ;;
	4) ops=(flip:vertical) ;;
	5) ops=(rot:d90 flip:horizontal) ;;
	6) ops=(rot:d270) ;;
	7) ops=(rot:d270 flip:horizontal) ;;
	8) ops=(rot:d90) ;;
	esac
	cp "$WORK/upright.v" "$WORK/o0.v"
	i=0
	for op in "${ops[@]}"; do
		vips "${op%%:*}" "$WORK/o$i.v" "$WORK/o$((i + 1)).v" "${op#*:}"
		i=$((i + 1))
	done
	vips insert "$IMAGING/orientation_$n.jpg" "$WORK/o$i.v" "$C/exif-orientation-$n.jpg[Q=88]" 0 0 --expand
	manifest "exif-orientation-$n.jpg" jpeg 1600 1200 "$n" "1600x1200 camera picture stored for EXIF orientation $n"
	rm -f "$WORK"/o?.v
done

# Colour and bit depth.
cover "$SUNSET" "$WORK/cmyk-src.v" 3000 2000
vips colourspace "$WORK/cmyk-src.v" "$C/cmyk.jpg[Q=88]" cmyk
manifest cmyk.jpg jpeg 3000 2000 0 "CMYK JPEG with a CMYK ICC profile"
cover "$AITZ" "$WORK/grey-src.v" 1500 1000
vips colourspace "$WORK/grey-src.v" "$C/grey.jpg[Q=88,strip]" b-w
manifest grey.jpg jpeg 1500 1000 0 "greyscale (one-channel) JPEG"
cover "$PICOS" "$WORK/rgb16-src.v" 1200 900
vips colourspace "$WORK/rgb16-src.v" "$C/rgb16.png[strip]" rgb16
manifest rgb16.png png 1200 900 0 "16-bit RGB PNG"
cover "$FIG" "$C/palette.png[palette,strip]" 1200 800
manifest palette.png png 1200 800 0 "8-bit palette PNG"
# A photo with transparency over the big-image threshold: WordPress 6.8+
# scales PNGs too.
cover "$FIG" "$WORK/alpha-rgb.v" 2700 1800
vips grey "$WORK/alpha-ramp.v" 2700 1800 --uchar
vips bandjoin "$WORK/alpha-rgb.v $WORK/alpha-ramp.v" "$WORK/alpha-rgba.v"
vips copy "$WORK/alpha-rgba.v" "$C/alpha.png[strip]" --interpretation srgb
manifest alpha.png png 2700 1800 0 "RGBA PNG photo, alpha ramp left to right"
rm -f "$WORK"/cmyk-src.v "$WORK"/grey-src.v "$WORK"/rgb16-src.v "$WORK"/alpha-*.v

# Animations: four frames panning across a photo, frames stacked and saved
# with page-height.
frames() { # SRC FRAME_W FRAME_H OUT_TALL
	local src=$1 fw=$2 fh=$3 out=$4 sw sh cw ch i
	sw=$(vipsheader -f width "$src") sh=$(vipsheader -f height "$src")
	ch=$sh cw=$((sh * fw / fh))
	for i in 0 1 2 3; do
		vips extract_area "$src" "$WORK/frame-crop.v" $(((sw - cw) * i / 3)) 0 "$cw" "$ch"
		vips thumbnail_image "$WORK/frame-crop.v" "$WORK/frame-$i.v" "$fw" --height "$fh" --size force
	done
	# join, not arrayjoin: vips 8.14.1's arrayjoin --across 1 segfaults.
	vips join "$WORK/frame-0.v" "$WORK/frame-1.v" "$WORK/frames-01.v" vertical
	vips join "$WORK/frame-2.v" "$WORK/frame-3.v" "$WORK/frames-23.v" vertical
	vips join "$WORK/frames-01.v" "$WORK/frames-23.v" "$out" vertical
	rm -f "$WORK"/frame-*.v "$WORK"/frames-*.v
}
cover "$DRAGONFLY" "$WORK/anim-src.v" 1600 600
frames "$WORK/anim-src.v" 480 360 "$WORK/anim-gif.v"
vips gifsave "$WORK/anim-gif.v" "$C/animated-gif.gif" --page-height 360
manifest animated-gif.gif gif 480 360 0 "animated GIF, 4 frames"
cover "$SEEDING" "$WORK/anim-src.v" 2400 600
frames "$WORK/anim-src.v" 800 600 "$WORK/anim-webp.v"
vips webpsave "$WORK/anim-webp.v" "$C/animated-webp.webp" --page-height 600 --Q 80 --strip
manifest animated-webp.webp webp 800 600 0 "animated WebP, 4 frames"
rm -f "$WORK"/anim-*.v

# HEIC as phones write it (HEVC through libheif's x265 plugin, like
# photo.heic); the 12 MP one takes x265 ~12 s on one core.
cover "$DRAGONFLY" "$WORK/heic-src.v" 4032 3024
vips heifsave "$WORK/heic-src.v" "$C/phone.heic" --Q 50 --compression hevc --strip
manifest phone.heic heic 4032 3024 0 "12 MP HEIC (HEVC)"
cover "$PICOS" "$WORK/heic-src.v" 1600 1200
vips heifsave "$WORK/heic-src.v" "$C/phone-small.heic" --Q 50 --compression hevc --strip
manifest phone-small.heic heic 1600 1200 0 "1600x1200 HEIC under the big-image threshold"
rm -f "$WORK/heic-src.v"

# Every WordPress size bound (150 thumbnail, 300 medium, 768 medium_large,
# 1024 large, 1536, 2048, 2560 big-image threshold), exactly and one pixel
# over: landscape 4:3 with the width on the bound, and portrait 3:4 with the
# height on it.
decode_once() { vips copy "$1" "$2"; }
decode_once "$PICOS" "$WORK/edge-landscape.v"
cover "$WINE" "$WORK/edge-portrait.v" 2448 3264
for b in 150 300 768 1024 1536 2048 2560; do
	for w in $b $((b + 1)); do
		h=$(((w * 3 + 2) / 4)) # round(w*3/4), halves up
		vips thumbnail_image "$WORK/edge-landscape.v" "$C/edge-w$w.jpg[Q=88,strip]" "$w" --height "$h" --size force
		manifest "edge-w$w.jpg" jpeg "$w" "$h" 0 "4:3, width $((w - b)) px over the $b bound"
	done
done
for b in 150 300 1024 2560; do
	for h in $b $((b + 1)); do
		w=$(((h * 3 + 2) / 4))
		vips thumbnail_image "$WORK/edge-portrait.v" "$C/edge-h$h.jpg[Q=88,strip]" "$w" --height "$h" --size force
		manifest "edge-h$h.jpg" jpeg "$w" "$h" 0 "3:4, height $((h - b)) px over the $b bound"
	done
done
rm -f "$WORK"/edge-*.v

# The smallest images there are.
vips thumbnail "$PICOS" "$C/tiny-jpeg.jpg[Q=88,strip]" 1 --height 1 --size force
manifest tiny-jpeg.jpg jpeg 1 1 0 "1x1 JPEG"
vips thumbnail "$PICOS" "$C/tiny-png.png[strip]" 1 --height 1 --size force
manifest tiny-png.png png 1 1 0 "1x1 PNG"

# Real files as shipped.
cp "$GOEXIF/sample1.jpg" "$C/camera-nikon-d2h.jpg"
manifest camera-nikon-d2h.jpg jpeg 500 375 1 "Nikon D2H JPEG with EXIF, GPS, IPTC and XMP"
cp "$GOEXIF/samples/has-lens-info.jpg" "$C/camera-iphone-4s.jpg"
manifest camera-iphone-4s.jpg jpeg 102 205 6 "iPhone 4S JPEG stored 205x102 with EXIF orientation 6"
ln -f "$DIR/gnome-pixels-l.webp" "$C/gnome-pixels.webp" # same file; a link saves 8 MB
manifest gnome-pixels.webp webp 4096 4096 0 "4096x4096 lossy WebP wallpaper as GNOME ships it"
echo "testdata.sh: corpus/ made in $((SECONDS - corpus_start)) s: $(($(wc -l <"$C/manifest.tsv") - 1)) files, $(du -sh "$C" | cut -f1)" >&2

media
echo "$FIXTURE_VERSION" >"$DIR/.complete"
echo "testdata.sh: made $DIR (fixtures v$FIXTURE_VERSION)" >&2
list
