package imaging

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/pixelmill/pixelmill/services/media"
	"github.com/pixelmill/pixelmill/worker-service/internal/sandbox"
)

// AVLimits bound the audio and video files whose facts are read. A file
// over them fails before any frame is decoded.
type AVLimits struct {
	// MaxDuration is the longest a file may last.
	MaxDuration time.Duration
	// MaxPixels bounds a video's frame, width × height.
	MaxPixels int64
	// MaxTranscode is the longest video given a copy browsers can play
	// (WebMP4) when its own can't be; a longer one is kept as it is.
	MaxTranscode time.Duration
	// WebMaxSide bounds that copy's frame: it is fitted in a square of
	// this side.
	WebMaxSide int
	// Tool bounds each run of FFmpeg's ffprobe and ffmpeg.
	Tool sandbox.Limits
}

// DefaultAVLimits are the limits unless configured.
func DefaultAVLimits() AVLimits {
	return AVLimits{MaxDuration: 4 * time.Hour, MaxPixels: 8192 * 8192, MaxTranscode: 10 * time.Minute, WebMaxSide: 1920,
		Tool: sandbox.DefaultLimits()}
}

// ffmpegInput keeps FFmpeg and ffprobe to the one local file they are
// given: no network protocol, no playlist that names others.
var ffmpegInput = []string{"-hide_banner", "-protocol_whitelist", "file"}

// AVFile is an audio or video file on disk, where FFmpeg reads it.
type AVFile struct {
	path string
	lim  AVLimits
}

// OpenAV writes src to a temporary file for FFmpeg. Close removes it.
func OpenAV(src []byte, lim AVLimits) (*AVFile, error) {
	if lim.MaxDuration == 0 {
		lim = DefaultAVLimits()
	}
	f, err := os.CreateTemp("", "pixelmill-*.av")
	if err != nil {
		return nil, err
	}
	_, err = f.Write(src)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(f.Name())
		return nil, err
	}
	return &AVFile{path: f.Name(), lim: lim}, nil
}

// Close removes the file.
func (f *AVFile) Close() error { return os.Remove(f.path) }

// AVProbe is what ffprobe read of a file.
type AVProbe struct {
	Facts media.Facts
	// Cover is the index of the stream holding embedded cover art (an
	// attached picture), -1 when there is none.
	Cover int
}

// Probe reads the file's facts and tags with ffprobe and checks them
// against the limits: a file ffprobe can't read, one without the stream
// its kind needs (wantVideo: a video frame), one longer than
// MaxDuration or with frames over MaxPixels is an *InputError.
func (f *AVFile) Probe(ctx context.Context, wantVideo bool) (*AVProbe, error) {
	out, err := sandbox.Run(ctx, f.lim.Tool, "ffprobe", append(slices.Clone(ffmpegInput),
		"-v", "error", "-print_format", "json", "-show_format", "-show_streams", f.path)...)
	if err != nil {
		return nil, toolError("the file can't be read as audio or video", err)
	}
	p, err := parseFFprobe(out)
	if err != nil {
		return nil, &InputError{Reason: "the file can't be read as audio or video", Err: err}
	}
	switch {
	case wantVideo && p.Facts.Video == nil:
		return nil, &InputError{Reason: "the file has no video stream"}
	case !wantVideo && p.Facts.Audio == nil:
		return nil, &InputError{Reason: "the file has no audio stream"}
	case p.Facts.Length <= 0:
		return nil, &InputError{Reason: "the file's length can't be read"}
	case p.Facts.Length > f.lim.MaxDuration.Seconds():
		return nil, &InputError{Reason: fmt.Sprintf("the file lasts %s; at most %s are accepted",
			(time.Duration(p.Facts.Length) * time.Second).String(), f.lim.MaxDuration)}
	}
	if v := p.Facts.Video; v != nil && int64(v.Width)*int64(v.Height) > f.lim.MaxPixels {
		return nil, &InputError{Reason: fmt.Sprintf("the video's frames are %dx%d; at most %d pixels are accepted", v.Width, v.Height, f.lim.MaxPixels)}
	}
	return p, nil
}

// Cover copies out the embedded picture of stream index, as stored
// (usually a JPEG or a PNG).
func (f *AVFile) Cover(ctx context.Context, index int) ([]byte, error) {
	out, err := sandbox.Run(ctx, f.lim.Tool, "ffmpeg", append(slices.Clone(ffmpegInput),
		"-nostdin", "-v", "error", "-i", f.path, "-map", "0:"+strconv.Itoa(index), "-c", "copy", "-f", "image2pipe", "-")...)
	if err != nil {
		return nil, toolError("the embedded cover art can't be read", err)
	}
	if len(out) == 0 {
		return nil, &InputError{Reason: "the embedded cover art is empty"}
	}
	return out, nil
}

// Poster is a representative frame of a video, as a JPEG of the size it is
// shown at: FFmpeg's thumbnail filter picks the frame most like the
// others among the 50 after a tenth of the length (at most 5 s in), so a
// fade from black or a title card is passed over. A video whose frames
// can't be decoded is an *InputError.
func (f *AVFile) Poster(ctx context.Context, length float64) ([]byte, error) {
	at := math.Min(length/10, 5)
	out, err := sandbox.Run(ctx, f.lim.Tool, "ffmpeg", append(slices.Clone(ffmpegInput),
		"-nostdin", "-v", "error", "-xerror", "-ss", strconv.FormatFloat(at, 'f', 3, 64), "-i", f.path,
		"-map", "0:v:0", "-vf", "thumbnail=50", "-frames:v", "1", "-c:v", "mjpeg", "-q:v", "2", "-f", "image2pipe", "-")...)
	if err != nil {
		return nil, toolError("no frame of the video can be decoded", err)
	}
	if len(out) == 0 {
		return nil, &InputError{Reason: "no frame of the video can be decoded"}
	}
	return out, nil
}

// ffprobeOut is the part of `ffprobe -show_format -show_streams`'s JSON
// read here.
type ffprobeOut struct {
	Streams []struct {
		Index         int               `json:"index"`
		CodecName     string            `json:"codec_name"`
		CodecLongName string            `json:"codec_long_name"`
		CodecType     string            `json:"codec_type"`
		SampleRate    string            `json:"sample_rate"`
		Channels      int               `json:"channels"`
		BitsPerSample int               `json:"bits_per_sample"`
		BitsPerRaw    string            `json:"bits_per_raw_sample"`
		BitRate       string            `json:"bit_rate"`
		Width         int               `json:"width"`
		Height        int               `json:"height"`
		AvgFrameRate  string            `json:"avg_frame_rate"`
		RFrameRate    string            `json:"r_frame_rate"`
		Disposition   map[string]int    `json:"disposition"`
		Tags          map[string]string `json:"tags"`
		SideData      []struct {
			Rotation *float64 `json:"rotation"`
		} `json:"side_data_list"`
	} `json:"streams"`
	Format struct {
		FormatName string            `json:"format_name"`
		Duration   string            `json:"duration"`
		BitRate    string            `json:"bit_rate"`
		Tags       map[string]string `json:"tags"`
	} `json:"format"`
}

// losslessCodecs are the audio codecs that keep every sample.
var losslessCodecs = map[string]bool{"flac": true, "alac": true, "wavpack": true, "ape": true, "tta": true, "mlp": true, "truehd": true}

// parseFFprobe turns ffprobe's JSON into facts.
func parseFFprobe(out []byte) (*AVProbe, error) {
	var o ffprobeOut
	if err := json.Unmarshal(out, &o); err != nil {
		return nil, fmt.Errorf("ffprobe's output: %w", err)
	}
	p := &AVProbe{Cover: -1}
	fx := &p.Facts
	fx.Length, _ = strconv.ParseFloat(o.Format.Duration, 64)
	fx.Container, _, _ = strings.Cut(o.Format.FormatName, ",")
	fx.Bitrate, _ = strconv.ParseInt(o.Format.BitRate, 10, 64)
	tags := map[string]string{}
	for _, s := range o.Streams {
		switch {
		case s.CodecType == "video" && s.Disposition["attached_pic"] == 1:
			if p.Cover < 0 {
				p.Cover = s.Index
			}
		case s.CodecType == "video" && fx.Video == nil:
			v := &media.VideoFacts{Codec: s.CodecName, CodecName: s.CodecLongName, Width: s.Width, Height: s.Height, FrameRate: rate(s.AvgFrameRate)}
			if v.FrameRate == 0 {
				v.FrameRate = rate(s.RFrameRate)
			}
			for _, sd := range s.SideData {
				if sd.Rotation != nil {
					// FFmpeg gives the display matrix's turn anticlockwise.
					v.Rotation = ((-int(math.Round(*sd.Rotation)))%360 + 360) % 360
				}
			}
			if r, err := strconv.Atoi(s.Tags["rotate"]); err == nil && v.Rotation == 0 {
				v.Rotation = (r%360 + 360) % 360
			}
			if v.Rotation == 90 || v.Rotation == 270 {
				v.Width, v.Height = v.Height, v.Width
			}
			fx.Video = v
		case s.CodecType == "audio" && fx.Audio == nil:
			a := &media.AudioFacts{Codec: s.CodecName, CodecName: s.CodecLongName, Channels: s.Channels, BitsPerSample: s.BitsPerSample}
			a.SampleRate, _ = strconv.Atoi(s.SampleRate)
			a.Bitrate, _ = strconv.ParseInt(s.BitRate, 10, 64)
			if a.BitsPerSample == 0 {
				a.BitsPerSample, _ = strconv.Atoi(s.BitsPerRaw)
			}
			a.Lossless = losslessCodecs[s.CodecName] || strings.HasPrefix(s.CodecName, "pcm_")
			// PCM is constant by nature; FFmpeg reports a stream's nominal
			// rate only when it is constant, as LAME's and AAC encoders'
			// CBR streams are.
			a.BitrateMode = "vbr"
			if strings.HasPrefix(s.CodecName, "pcm_") || a.Bitrate > 0 && !a.Lossless && s.CodecName != "vorbis" && s.CodecName != "opus" {
				a.BitrateMode = "cbr"
			}
			fx.Audio = a
			for k, v := range s.Tags { // Ogg keeps its comments on the stream
				tags[strings.ToLower(k)] = v
			}
		}
	}
	for k, v := range o.Format.Tags {
		tags[strings.ToLower(k)] = v
	}
	t := media.Tags{Title: tags["title"], Artist: first(tags["artist"], tags["album_artist"]), Album: tags["album"],
		Year: first(tags["date"], tags["year"]), Genre: tags["genre"], Track: first(tags["track"], tags["tracknumber"])}
	if len(t.Year) > 4 {
		if _, err := strconv.Atoi(t.Year[:4]); err == nil {
			t.Year = t.Year[:4] // "2026-05-01"
		}
	}
	if t != (media.Tags{}) {
		fx.Tags = &t
	}
	if fx.Audio == nil && fx.Video == nil {
		return nil, fmt.Errorf("no audio or video stream")
	}
	return p, nil
}

// rate reads a frame rate such as "30000/1001"; 0 when there is none.
func rate(s string) float64 {
	n, d, ok := strings.Cut(s, "/")
	num, err1 := strconv.ParseFloat(n, 64)
	den, err2 := strconv.ParseFloat(d, 64)
	if !ok || err1 != nil || err2 != nil || den == 0 {
		return 0
	}
	return math.Round(num/den*1000) / 1000
}

func first(vs ...string) string {
	for _, v := range vs {
		if v = strings.TrimSpace(v); v != "" {
			return v
		}
	}
	return ""
}

// webVideo are the video codecs, and webAudio the audio codecs, that every
// current browser plays, in the containers webMIMEs name.
var (
	webVideo = map[string]bool{"h264": true, "vp8": true, "vp9": true, "av1": true}
	webAudio = map[string]bool{"aac": true, "mp3": true, "opus": true, "vorbis": true, "flac": true}
	webMIMEs = map[string]bool{"video/mp4": true, "video/webm": true, "video/ogg": true}
)

// NeedsWebVideo reports whether a video of type mime, with these facts,
// needs a copy browsers can play: its container or one of its codecs is
// not one every current browser plays (HEVC in QuickTime, AVI, 3GP).
func NeedsWebVideo(mime string, fx *media.Facts) bool {
	if fx == nil || fx.Video == nil {
		return false
	}
	return !webMIMEs[mime] || !webVideo[fx.Video.Codec] || fx.Audio != nil && !webAudio[fx.Audio.Codec]
}

// WebMP4 makes the copy of a video every current browser plays: H.264 and
// AAC in an MP4 that starts playing before it is all loaded, upright (its
// display matrix applied), fitted in maxSide × maxSide. It returns the
// file and its frame size.
func (f *AVFile) WebMP4(ctx context.Context, maxSide int) (data []byte, width, height int, err error) {
	out := f.path + ".web.mp4"
	defer os.Remove(out)
	fit := fmt.Sprintf("scale=w='min(iw,%[1]d)':h='min(ih,%[1]d)':force_original_aspect_ratio=decrease:force_divisible_by=2", maxSide)
	if _, err := sandbox.Run(ctx, f.lim.Tool, "ffmpeg", append(slices.Clone(ffmpegInput),
		"-nostdin", "-v", "error", "-y", "-i", f.path, "-map", "0:v:0", "-map", "0:a:0?", "-vf", fit,
		"-c:v", "libx264", "-preset", "veryfast", "-crf", "23", "-pix_fmt", "yuv420p",
		"-c:a", "aac", "-b:a", "128k", "-movflags", "+faststart", "-f", "mp4", out)...); err != nil {
		return nil, 0, 0, toolError("the video can't be made playable in browsers", err)
	}
	made := &AVFile{path: out, lim: f.lim} // removed by the defer above
	p, err := made.Probe(ctx, true)
	if err != nil {
		return nil, 0, 0, fmt.Errorf("the browser copy of the video: %w", err)
	}
	if data, err = os.ReadFile(out); err != nil {
		return nil, 0, 0, err
	}
	return data, p.Facts.Video.Width, p.Facts.Video.Height, nil
}
