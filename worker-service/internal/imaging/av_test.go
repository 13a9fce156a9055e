package imaging

import (
	"bytes"
	"context"
	"image"
	_ "image/jpeg"
	"math"
	"strings"
	"testing"

	"github.com/pixelmill/pixelmill/services/media"
)

// TestProbeAV reads the media fixtures' facts with ffprobe, against what
// mediadata.sh made them with.
func TestProbeAV(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	speech := &media.Tags{Title: "Renditions Explained", Artist: "Pixelmill Choir", Album: "Fixtures", Year: "2026", Genre: "Speech", Track: "3"}
	for _, tt := range []struct {
		file      string
		video     bool
		length    float64
		container string
		audio     media.AudioFacts // Codec, SampleRate, Channels, Lossless, BitrateMode checked
		w, h      int
		vcodec    string
		tags      *media.Tags
		cover     bool
	}{
		{"speech.mp3", false, 6, "mp3", media.AudioFacts{Codec: "mp3", SampleRate: 44100, Channels: 2, BitrateMode: "cbr"}, 0, 0, "", speech, true},
		{"speech.m4a", false, 6, "mov", media.AudioFacts{Codec: "aac", SampleRate: 44100, Channels: 2, BitrateMode: "cbr"}, 0, 0, "", speech, false},
		{"speech.ogg", false, 6, "ogg", media.AudioFacts{Codec: "vorbis", SampleRate: 44100, Channels: 2, BitrateMode: "vbr"}, 0, 0, "", speech, false},
		{"speech.flac", false, 6, "flac", media.AudioFacts{Codec: "flac", SampleRate: 44100, Channels: 2, BitrateMode: "vbr", Lossless: true}, 0, 0, "", speech, false},
		{"speech.wav", false, 6, "wav", media.AudioFacts{Codec: "pcm_s16le", SampleRate: 44100, Channels: 2, BitrateMode: "cbr", Lossless: true}, 0, 0, "", nil, false},
		{"clip.mp4", true, 4, "mov", media.AudioFacts{Codec: "aac", SampleRate: 44100, Channels: 2, BitrateMode: "cbr"}, 1280, 720, "h264", nil, false},
		{"phone.mov", true, 2, "mov", media.AudioFacts{Codec: "aac", SampleRate: 44100, Channels: 2, BitrateMode: "cbr"}, 720, 1280, "hevc", nil, false},
		{"clip.webm", true, 2, "matroska", media.AudioFacts{Codec: "opus", SampleRate: 48000, Channels: 2, BitrateMode: "vbr"}, 640, 360, "vp9", nil, false},
	} {
		f, err := OpenAV(fixture(t, "media/"+tt.file), DefaultAVLimits())
		if err != nil {
			t.Fatal(err)
		}
		p, err := f.Probe(ctx, tt.video)
		if err != nil {
			t.Errorf("%s: %v", tt.file, err)
			f.Close()
			continue
		}
		fx := p.Facts
		if math.Abs(fx.Length-tt.length) > 0.1 || fx.Container != tt.container {
			t.Errorf("%s: length %.3f container %s, want %.1f %s", tt.file, fx.Length, fx.Container, tt.length, tt.container)
		}
		if a := fx.Audio; a == nil || a.Codec != tt.audio.Codec || a.SampleRate != tt.audio.SampleRate || a.Channels != tt.audio.Channels ||
			a.Lossless != tt.audio.Lossless || a.BitrateMode != tt.audio.BitrateMode {
			t.Errorf("%s: audio %+v, want %+v", tt.file, a, tt.audio)
		}
		if tt.video {
			if v := fx.Video; v == nil || v.Width != tt.w || v.Height != tt.h || v.Codec != tt.vcodec || v.FrameRate <= 0 {
				t.Errorf("%s: video %+v, want %s %dx%d", tt.file, v, tt.vcodec, tt.w, tt.h)
			}
			poster, err := f.Poster(ctx, fx.Length)
			if err != nil {
				t.Errorf("%s: poster: %v", tt.file, err)
			} else if img, _, err := image.Decode(bytes.NewReader(poster)); err != nil || img.Bounds().Dx() != tt.w || img.Bounds().Dy() != tt.h {
				t.Errorf("%s: poster %v %v, want %dx%d", tt.file, img.Bounds(), err, tt.w, tt.h)
			} else if mean, _ := paper(img); mean < 40 {
				t.Errorf("%s: poster mean grey %.1f: a black frame", tt.file, mean)
			}
		} else if fx.Video != nil {
			t.Errorf("%s: an audio file with video %+v", tt.file, fx.Video)
		}
		if (tt.tags == nil) != (fx.Tags == nil) || tt.tags != nil && *tt.tags != *fx.Tags {
			t.Errorf("%s: tags %+v, want %+v", tt.file, fx.Tags, tt.tags)
		}
		if (p.Cover >= 0) != tt.cover {
			t.Errorf("%s: cover stream %d", tt.file, p.Cover)
		} else if tt.cover {
			art, err := f.Cover(ctx, p.Cover)
			if cfg, format, err2 := image.DecodeConfig(bytes.NewReader(art)); err != nil || err2 != nil || format != "jpeg" || cfg.Width != 640 || cfg.Height != 480 {
				t.Errorf("%s: cover %s %dx%d (%v %v)", tt.file, format, cfg.Width, cfg.Height, err, err2)
			}
		}
		f.Close()
	}
}

// TestProbeAVRefuses: files ffprobe can't read, or that are over the
// limits, are the file's fault, with a reason.
func TestProbeAVRefuses(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	short := DefaultAVLimits()
	short.MaxDuration = 3e9 // 3 s
	for _, tt := range []struct {
		name   string
		src    []byte
		lim    AVLimits
		video  bool
		reason string
	}{
		{"truncated.mp3", fixture(t, "media/truncated.mp3"), DefaultAVLimits(), false, "can't be read as audio or video"},
		{"noise", bytes.Repeat([]byte("not a media file "), 100), DefaultAVLimits(), false, "can't be read as audio or video"},
		{"speech.mp3 as a video", fixture(t, "media/speech.mp3"), DefaultAVLimits(), true, "has no video stream"},
		{"clip.mp4 over 3 s", fixture(t, "media/clip.mp4"), short, true, "at most 3s are accepted"},
	} {
		f, err := OpenAV(tt.src, tt.lim)
		if err != nil {
			t.Fatal(err)
		}
		_, err = f.Probe(ctx, tt.video)
		f.Close()
		if !IsInputError(err) || !strings.Contains(err.Error(), tt.reason) {
			t.Errorf("%s: %v, want an input error with %q", tt.name, err, tt.reason)
		}
	}
	// A video whose header reads but whose frames don't: no poster.
	clip := fixture(t, "media/clip.webm")
	bad := append(append([]byte{}, clip[:3000]...), bytes.Repeat([]byte{0x5a, 0xa5, 0x13}, 30000)...)
	f, err := OpenAV(bad, DefaultAVLimits())
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.Poster(ctx, 2); !IsInputError(err) {
		t.Errorf("poster of a corrupt WebM: %v", err)
	}
}

// TestWebMP4: an upright phone's HEVC QuickTime gets an H.264/AAC MP4
// copy, turned as it is shown and fitted in the bound; a WebM of VP9 and
// Opus needs none.
func TestWebMP4(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f, err := OpenAV(fixture(t, "media/phone.mov"), DefaultAVLimits())
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	p, err := f.Probe(ctx, true)
	if err != nil {
		t.Fatal(err)
	}
	if !NeedsWebVideo("video/quicktime", &p.Facts) {
		t.Fatal("HEVC in QuickTime needs no browser copy")
	}
	data, w, h, err := f.WebMP4(ctx, 640)
	if err != nil || w != 360 || h != 640 {
		t.Fatalf("web copy %dx%d: %v", w, h, err)
	}
	out, err := OpenAV(data, DefaultAVLimits())
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	q, err := out.Probe(ctx, true)
	if err != nil || q.Facts.Video.Codec != "h264" || q.Facts.Audio == nil || q.Facts.Audio.Codec != "aac" || q.Facts.Video.Rotation != 0 ||
		math.Abs(q.Facts.Length-p.Facts.Length) > 0.1 || NeedsWebVideo("video/mp4", &q.Facts) {
		t.Fatalf("web copy facts %+v %+v %v", q.Facts.Video, q.Facts.Audio, err)
	}

	w2, err := OpenAV(fixture(t, "media/clip.webm"), DefaultAVLimits())
	if err != nil {
		t.Fatal(err)
	}
	defer w2.Close()
	if p, err := w2.Probe(ctx, true); err != nil || NeedsWebVideo("video/webm", &p.Facts) {
		t.Fatalf("VP9/Opus WebM needs a browser copy (%v)", err)
	}
}
