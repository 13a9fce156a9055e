#!/usr/bin/env bash
# mediadata.sh builds the media fixtures beyond stills: real files from
# Debian packages, and files made from real photos and recorded speech with
# FFmpeg, plus hostile ones. Nothing is checked into the repo.
#   sound-theme-freedesktop   the freedesktop sound theme's Ogg Vorbis sounds
#   debian-faq                the Debian FAQ as a 73-page A4 PDF
#   python3-docx              python-docx's default.docx, a Word document
#   espeak-ng                 speech, recorded by the synthesizer
# The photos come from testdata.sh's DIR (photo-1920x1080.jpg, photo-640x480.jpg).
#
# Usage: deploy/local/mediadata.sh DIR PHOTOS   (testdata.sh runs it as DIR/media)
#
# DIR/manifest.tsv lists every file with what the workers must find in it:
#   file  mime  family  duration_s  width  height  pages  outcome  what  title  poster
# duration, width and height are the displayed ones (a phone video's
# rotation applied), "-" where they don't apply; outcome is "ready",
# "failed" (a hostile file a worker fails) or "refused" (one the API turns
# away at upload, storing nothing); title is the file's own title tag, the
# item's title where the client gave none; poster is "yes" when the file
# gets a poster image item (embedded cover art, a video's frame).
#
# Needs: apt-get (download only), dpkg-deb, ffmpeg, ffprobe, pdfinfo, espeak-ng, zip, gzip.
set -euo pipefail

MEDIA_VERSION=6
PACKAGES=(sound-theme-freedesktop debian-faq python3-docx)

if [[ $# -ne 2 ]]; then
	echo "usage: $0 DIR PHOTOS" >&2
	exit 2
fi
DIR=$1
PHOTOS=$2
mkdir -p "$DIR"
DIR=$(cd "$DIR" && pwd -P)
if [[ -f "$DIR/.complete" && "$(cat "$DIR/.complete")" == "$MEDIA_VERSION" ]]; then
	exit 0
fi
for tool in apt-get dpkg-deb ffmpeg ffprobe pdfinfo espeak-ng zip gzip; do
	if ! command -v "$tool" >/dev/null; then
		echo "mediadata.sh: $tool not found (deploy/local/tools.sh ensure installs it)" >&2
		exit 1
	fi
done
for f in photo-1920x1080.jpg photo-640x480.jpg; do
	[[ -f $PHOTOS/$f ]] || {
		echo "mediadata.sh: $PHOTOS/$f missing" >&2
		exit 1
	}
done
# A new version starts from nothing: no file of an older one lingers.
find "$DIR" -mindepth 1 -delete
start=$SECONDS

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
(cd "$WORK" && apt-get download "${PACKAGES[@]}" >&2 2>/dev/null)
for deb in "$WORK"/*.deb; do
	dpkg-deb -x "$deb" "$WORK/root"
done

ff() { ffmpeg -hide_banner -loglevel error -nostdin -y "$@"; }

printf 'file\tmime\tfamily\tduration_s\twidth\theight\tpages\toutcome\twhat\ttitle\tposter\n' >"$DIR/manifest.tsv"
# entry FILE MIME FAMILY DURATION WIDTH HEIGHT PAGES OUTCOME WHAT [TITLE [POSTER]]
entry() {
	[[ -s $DIR/$1 ]] || {
		echo "mediadata.sh: $1 was not made" >&2
		exit 1
	}
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" "$5" "$6" "$7" "$8" "$9" "${10:--}" "${11:-no}" >>"$DIR/manifest.tsv"
}
# probed FILE: the duration ffprobe reads of a file this script did not
# make, rounded to milliseconds.
probed() { ffprobe -v error -show_entries format=duration -of csv=p=0 "$1" | xargs printf '%.3f'; }

# Real audio, as the sound theme ships it.
cp "$WORK/root/usr/share/sounds/freedesktop/stereo/complete.oga" "$DIR/complete.oga"
entry complete.oga audio/ogg audio "$(probed "$DIR/complete.oga")" - - - ready "freedesktop sound theme's complete.oga, Ogg Vorbis as shipped"

# Recorded speech, and every audio format made from it, each tagged as a
# music player tags it; the MP3 carries a cover picture.
espeak-ng -s 150 -w "$WORK/speech-raw.wav" \
	"Pixelmill turns every upload into renditions. This recording checks that audio files are read, tagged and kept." 2>/dev/null
# Exactly 6 s: the known length the tests check.
ff -i "$WORK/speech-raw.wav" -af apad -t 6 -ar 44100 -ac 2 "$DIR/speech.wav"
entry speech.wav audio/wav audio 6.000 - - - ready "espeak-ng speech, 6 s, 44.1 kHz stereo PCM"
tags=(-metadata title="Renditions Explained" -metadata artist="Pixelmill Choir" -metadata album="Fixtures"
	-metadata date=2026 -metadata genre=Speech -metadata track=3)
ff -i "$DIR/speech.wav" -i "$PHOTOS/photo-640x480.jpg" -map 0:a -map 1:v -c:a libmp3lame -b:a 128k -c:v copy \
	-id3v2_version 3 -metadata:s:v title="Album cover" -metadata:s:v comment="Cover (front)" \
	-disposition:v attached_pic "${tags[@]}" "$DIR/speech.mp3"
entry speech.mp3 audio/mpeg audio 6.000 - - - ready "MP3 CBR 128 kb/s with ID3v2.3 tags and a 640x480 JPEG cover" "Renditions Explained" yes
ff -i "$DIR/speech.wav" -c:a aac -b:a 96k "${tags[@]}" "$DIR/speech.m4a"
entry speech.m4a audio/mpeg audio 6.000 - - - ready "AAC in MP4 (M4A) with iTunes tags" "Renditions Explained"
ff -i "$DIR/speech.wav" -c:a libvorbis -q:a 3 "${tags[@]}" "$DIR/speech.ogg"
entry speech.ogg audio/ogg audio 6.000 - - - ready "Ogg Vorbis with Vorbis comments" "Renditions Explained"
ff -i "$DIR/speech.wav" -c:a flac "${tags[@]}" "$DIR/speech.flac"
entry speech.flac audio/flac audio 6.000 - - - ready "FLAC, lossless, with Vorbis comments" "Renditions Explained"

# Video from a real photo and the speech: the first second fades in from
# black, so a poster taken at 0 s would be black.
vf="scale=1280:720,zoompan=z='min(zoom+0.0015,1.2)':d=1:s=1280x720:fps=25,fade=in:0:25,format=yuv420p"
ff -loop 1 -framerate 25 -t 4 -i "$PHOTOS/photo-1920x1080.jpg" -i "$DIR/speech.wav" -vf "$vf" -t 4 \
	-c:v libx264 -preset veryfast -crf 23 -c:a aac -b:a 96k -movflags +faststart "$DIR/clip.mp4"
entry clip.mp4 video/mp4 video 4.000 1280 720 - ready "H.264/AAC MP4, 4 s, 25 fps, fades in from black" - yes
# A phone held upright: the frames are stored 1280x720 and a display
# matrix turns them a quarter, so they show 720x1280. HEVC, as an iPhone.
ff -loop 1 -framerate 30 -t 2 -i "$PHOTOS/photo-1920x1080.jpg" -i "$DIR/speech.wav" -vf "scale=1280:720,format=yuv420p" -t 2 \
	-c:v libx265 -preset ultrafast -tag:v hvc1 -x265-params log-level=error -c:a aac -b:a 64k "$WORK/phone.mov"
# FFmpeg 5.1 writes the display matrix from the rotate tag on a stream copy.
ff -i "$WORK/phone.mov" -c copy -metadata:s:v:0 rotate=90 "$DIR/phone.mov"
entry phone.mov video/quicktime video 2.000 720 1280 - ready "HEVC/AAC QuickTime, 2 s, stored 1280x720 with a 90 degree display matrix" - yes
ff -loop 1 -framerate 25 -t 2 -i "$PHOTOS/photo-1920x1080.jpg" -i "$DIR/speech.wav" -vf "scale=640:360,format=yuv420p" -t 2 \
	-c:v libvpx-vp9 -deadline realtime -cpu-used 8 -b:v 300k -c:a libopus -b:a 48k "$DIR/clip.webm"
entry clip.webm video/webm video 2.000 640 360 - ready "VP9/Opus WebM, 2 s" - yes

# Documents.
gzip -dc "$WORK/root/usr/share/doc/debian/FAQ/debian-faq.en.pdf.gz" >"$DIR/debian-faq.pdf"
pages=$(pdfinfo "$DIR/debian-faq.pdf" | awk '/^Pages:/ {print $2}')
entry debian-faq.pdf application/pdf document - - - "$pages" ready "the Debian FAQ as Debian ships it, A4"
cp "$WORK/root/usr/lib/python3/dist-packages/docx/templates/default.docx" "$DIR/letter.docx"
entry letter.docx application/vnd.openxmlformats-officedocument.wordprocessingml.document document - - - - ready "python-docx's default.docx, made by Word"
# A spreadsheet, assembled as Office Open XML: the parts Excel needs.
mkdir -p "$WORK/xlsx/_rels" "$WORK/xlsx/xl/_rels" "$WORK/xlsx/xl/worksheets"
cat >"$WORK/xlsx/[Content_Types].xml" <<'XML'
<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>
XML
cat >"$WORK/xlsx/_rels/.rels" <<'XML'
<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>
XML
cat >"$WORK/xlsx/xl/workbook.xml" <<'XML'
<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sizes" sheetId="1" r:id="rId1"/></sheets></workbook>
XML
cat >"$WORK/xlsx/xl/_rels/workbook.xml.rels" <<'XML'
<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>
XML
cat >"$WORK/xlsx/xl/worksheets/sheet1.xml" <<'XML'
<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>size</t></is></c><c r="B1" t="inlineStr"><is><t>width</t></is></c></row><row r="2"><c r="A2" t="inlineStr"><is><t>thumbnail</t></is></c><c r="B2"><v>150</v></c></row><row r="3"><c r="A3" t="inlineStr"><is><t>medium</t></is></c><c r="B3"><v>300</v></c></row></sheetData></worksheet>
XML
(cd "$WORK/xlsx" && zip -q -X -r "$DIR/sizes.xlsx" '[Content_Types].xml' _rels xl)
entry sizes.xlsx application/vnd.openxmlformats-officedocument.spreadsheetml.sheet document - - - - ready "a one-sheet workbook, Office Open XML"
(cd "$PHOTOS" && zip -q -X "$DIR/photos.zip" photo-640x480.jpg photo-1920x1080.jpg)
entry photos.zip application/zip archive - - - - ready "a ZIP of two photos, stored as it is, never unpacked"
printf 'Pixelmill notes\n\nEvery upload ends ready or failed, with a reason.\nÜnïcödé survives.\n' >"$DIR/notes.txt"
entry notes.txt text/plain document - - - - ready "UTF-8 plain text"

# Hostile files: each must end failed, with a reason, and leave its worker
# running.
head -c 20000 "$DIR/speech.mp3" >"$DIR/truncated.mp3"
entry truncated.mp3 audio/mpeg audio - - - - failed "the first 20,000 bytes of speech.mp3: tags, then audio cut off"
{
	head -c 4096 "$DIR/clip.mp4"
	head -c 200000 /dev/urandom
} >"$DIR/corrupt.mp4"
{
	head -c 3000 "$DIR/clip.webm"
	head -c 100000 /dev/urandom
} >"$DIR/corrupt.webm"
entry corrupt.webm video/webm video - - - - failed "clip.webm's first 3,000 bytes, then random bytes: a header that reads, frames that don't"
# AVI files of raw video whose headers claim 100,000 x 100,000 and
# 12,000 x 12,000 frames: FFmpeg refuses the first itself; the second is
# over the pixel limit before a frame is read.
claim() { # claim FILE HEX_LE_SIDE
	ff -f lavfi -i color=c=red:s=16x16:d=1:r=5 -c:v rawvideo -pix_fmt bgr24 "$DIR/$1"
	local off
	off=$(LC_ALL=C grep -obUa strf "$DIR/$1" | head -1 | cut -d: -f1)
	printf "$2$2" | dd of="$DIR/$1" bs=1 seek=$((off + 12)) conv=notrunc status=none
}
claim claims-100000.avi '\xa0\x86\x01\x00'
entry claims-100000.avi video/avi video - - - - failed "raw video claiming 100,000 x 100,000 frames in its BITMAPINFOHEADER"
claim claims-12000.avi '\xe0\x2e\x00\x00'
entry claims-12000.avi video/avi video - - - - failed "raw video claiming 12,000 x 12,000 frames: 144 MP, over the pixel limit"
entry corrupt.mp4 video/mp4 video - - - - refused "clip.mp4's first 4 KiB, then random bytes: the API reads an MP4's moov box at upload"
# A PDF of 10,000 pages, and one whose page is 100,000 points square:
# both valid, both over the limits.
{
	printf '%%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n'
	printf '2 0 obj << /Type /Pages /Count 10000 /Kids ['
	for ((i = 0; i < 10000; i++)); do printf ' %d 0 R' $((i + 3)); done
	printf ' ] /MediaBox [0 0 612 792] >> endobj\n'
	for ((i = 0; i < 10000; i++)); do printf '%d 0 obj << /Type /Page /Parent 2 0 R >> endobj\n' $((i + 3)); done
	printf 'trailer << /Root 1 0 R >>\n%%%%EOF\n'
} >"$DIR/pages-10000.pdf"
entry pages-10000.pdf application/pdf document - - - 10000 failed "10,000 empty pages"
printf '%%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n2 0 obj << /Type /Pages /Count 1 /Kids [3 0 R] >> endobj\n3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 100000 100000] >> endobj\ntrailer << /Root 1 0 R >>\n%%%%EOF\n' >"$DIR/page-100000pt.pdf"
entry page-100000pt.pdf application/pdf document - - - 1 failed "one page of 100,000 points square"
# Polyglots: the bytes decide, and what they are is what is processed.
cat "$PHOTOS/photo-640x480.jpg" "$DIR/photos.zip" >"$DIR/jpeg-zip.zip"
entry jpeg-zip.zip image/jpeg image - 640 480 - ready "a JPEG with a ZIP appended, named .zip: a JPEG"
{
	head -c 2000 "$PHOTOS/photo-640x480.jpg"
	cat "$DIR/debian-faq.pdf"
} >"$DIR/jpeg-header.pdf"
entry jpeg-header.pdf image/jpeg image - 640 480 - ready "a JPEG's first 2,000 bytes, then a PDF: a damaged JPEG, decoded with its damage as libjpeg warns of it (a JPEG cut short fails)"

echo "$MEDIA_VERSION" >"$DIR/.complete"
echo "mediadata.sh: made $DIR in $((SECONDS - start)) s: $(($(wc -l <"$DIR/manifest.tsv") - 1)) files" >&2
