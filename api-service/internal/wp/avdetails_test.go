package wp

import (
	"encoding/json"
	"testing"

	"github.com/pixelmill/pixelmill/services/media"
)

func TestPlaytime(t *testing.T) {
	t.Parallel()
	for in, want := range map[float64]string{0.4: "0:00", 6.03: "0:06", 59.6: "1:00", 754: "12:34", 3600: "1:00:00", 4000.2: "1:06:40"} {
		if got := playtime(in); got != want {
			t.Errorf("playtime(%v) = %q, want %q", in, got, want)
		}
	}
}

// TestAVDetails: an audio file's media_details carry getID3's keys and its
// tags, a video's its frame and its audio stream beneath; a file no job
// read has its size only.
func TestAVDetails(t *testing.T) {
	t.Parallel()
	audio := &media.Attachment{Media: &media.Media{MIME: "audio/mpeg", Filesize: 1000, Facts: &media.Facts{
		Length: 6.03, Container: "mp3", Bitrate: 130000,
		Audio: &media.AudioFacts{Codec: "mp3", CodecName: "MP3 (MPEG audio layer 3)", SampleRate: 44100, Channels: 2, Bitrate: 128000, BitrateMode: "cbr"},
		Tags:  &media.Tags{Title: "T", Artist: "A", Album: "B", Year: "2026", Genre: "Speech", Track: "3"},
	}}}
	video := &media.Attachment{Media: &media.Media{MIME: "video/quicktime", Filesize: 2000, Facts: &media.Facts{
		Length: 2, Container: "mov", Video: &media.VideoFacts{Codec: "hevc", Width: 720, Height: 1280},
		Audio: &media.AudioFacts{Codec: "aac", SampleRate: 44100, Channels: 1, BitrateMode: "cbr"},
	}}}
	for _, tt := range []struct {
		m    *media.Attachment
		want string
	}{
		{audio, `{"filesize":1000,"mime_type":"audio/mpeg","length":6,"length_formatted":"0:06","fileformat":"mp3",` +
			`"dataformat":"mp3","codec":"MP3 (MPEG audio layer 3)","sample_rate":44100,"channels":2,"bitrate":128000,"bitrate_mode":"cbr","lossless":false,"channelmode":"stereo",` +
			`"title":"T","artist":"A","album":"B","year":"2026","genre":"Speech","track_number":3}`},
		{video, `{"filesize":2000,"mime_type":"video/quicktime","length":2,"length_formatted":"0:02","width":720,"height":1280,"fileformat":"mov","dataformat":"hevc",` +
			`"audio":{"dataformat":"aac","codec":"","sample_rate":44100,"channels":1,"bitrate_mode":"cbr","lossless":false,"channelmode":"mono"}}`},
		{&media.Attachment{Media: &media.Media{MIME: "application/zip", Filesize: 3}}, `{"filesize":3}`},
		{&media.Attachment{Media: &media.Media{MIME: "application/pdf", Filesize: 4, Facts: &media.Facts{Pages: 73}}}, `{"filesize":4,"pages":73}`},
	} {
		got, err := json.Marshal(avDetails(tt.m))
		if err != nil || string(got) != tt.want {
			t.Errorf("%s:\n got %s\nwant %s (%v)", tt.m.MIME, got, tt.want, err)
		}
	}
}
