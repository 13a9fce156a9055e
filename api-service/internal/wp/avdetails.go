package wp

import (
	"fmt"
	"math"
	"strconv"

	"github.com/pixelmill/pixelmill/services/media"
)

// featuredMedia is the id of an item's poster image (an audio file's
// cover art, a video's frame), as WordPress links it (_thumbnail_id); 0
// when it has none.
func featuredMedia(m *media.Attachment) int64 {
	if m.PosterID != nil {
		return *m.PosterID
	}
	return 0
}

// avDetails is media_details of a file that is not an image, as WordPress
// reads it with getID3 (wp_read_audio_metadata, wp_read_video_metadata):
// the file size, and for audio and video the length and the streams'
// facts under WordPress's keys, an audio file's tags too. "sizes" comes
// after.
func avDetails(m *media.Attachment) object {
	fx := m.Facts
	if fx != nil && fx.Pages > 0 {
		// A PDF's page count, which WordPress does not read, beside what
		// it does.
		return object{{"filesize", m.Filesize, ""}, {"pages", fx.Pages, ""}}
	}
	if fx == nil || fx.Length <= 0 {
		return object{{"filesize", m.Filesize, ""}}
	}
	d := object{
		{"filesize", m.Filesize, ""}, {"mime_type", m.MIME, ""},
		{"length", int(math.Round(fx.Length)), ""}, {"length_formatted", playtime(fx.Length), ""},
	}
	if v := fx.Video; v != nil {
		if fx.Bitrate > 0 {
			d = append(d, field{"bitrate", fx.Bitrate, ""})
		}
		d = append(d, field{"width", v.Width, ""}, field{"height", v.Height, ""},
			field{"fileformat", fx.Container, ""}, field{"dataformat", v.Codec, ""})
		if a := fx.Audio; a != nil {
			d = append(d, field{"audio", audioDetails(a), ""})
		}
		return d
	}
	if a := fx.Audio; a != nil {
		if a.Bitrate == 0 { // a stream that states none (FLAC, Vorbis): the file's
			b := *a
			b.Bitrate, a = fx.Bitrate, &b
		}
		d = append(d, field{"fileformat", fx.Container, ""})
		d = append(d, audioDetails(a)...)
	}
	if t := fx.Tags; t != nil {
		for _, kv := range [][2]string{{"title", t.Title}, {"artist", t.Artist}, {"album", t.Album}, {"year", t.Year}, {"genre", t.Genre}} {
			if kv[1] != "" {
				d = append(d, field{kv[0], kv[1], ""})
			}
		}
		if n, err := strconv.Atoi(t.Track); err == nil {
			d = append(d, field{"track_number", n, ""})
		}
	}
	return d
}

// audioDetails are an audio stream's facts under getID3's keys.
func audioDetails(a *media.AudioFacts) object {
	o := object{
		{"dataformat", a.Codec, ""}, {"codec", a.CodecName, ""},
		{"sample_rate", a.SampleRate, ""}, {"channels", a.Channels, ""},
	}
	if a.BitsPerSample > 0 {
		o = append(o, field{"bits_per_sample", a.BitsPerSample, ""})
	}
	if a.Bitrate > 0 {
		o = append(o, field{"bitrate", a.Bitrate, ""})
	}
	o = append(o, field{"bitrate_mode", a.BitrateMode, ""}, field{"lossless", a.Lossless, ""})
	switch a.Channels {
	case 1:
		o = append(o, field{"channelmode", "mono", ""})
	case 2:
		o = append(o, field{"channelmode", "stereo", ""})
	}
	return o
}

// playtime is getID3's playtime_string: "m:ss", or "h:mm:ss" from an hour.
func playtime(seconds float64) string {
	s := int(math.Round(seconds))
	if s >= 3600 {
		return fmt.Sprintf("%d:%02d:%02d", s/3600, s/60%60, s%60)
	}
	return fmt.Sprintf("%d:%02d", s/60, s%60)
}
