// Command media-bench times the worker's jobs for media beyond stills on
// real files: a PDF's preview (poppler and libvips), an audio file's facts
// and cover art, a video's facts and poster frame, and a browser copy of a
// video browsers can't play (FFmpeg), each as its job does it, best of
// the runs. `make bench` runs it (deploy/local/bench.sh) on the media
// fixtures. It prints seconds per item and, for audio and video, per
// minute of media; it asserts nothing.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/pixelmill/pixelmill/services/media"
	"github.com/pixelmill/pixelmill/worker-service/internal/imaging"
	"github.com/pixelmill/pixelmill/worker-service/internal/sandbox"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "media-bench:", err)
		os.Exit(1)
	}
}

// run is `media-bench [--runs N] FILE…`.
func run(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("media-bench", flag.ContinueOnError)
	runs := fs.Int("runs", 3, "runs per file; the best counts")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() == 0 || *runs < 1 {
		return errors.New("usage: media-bench [--runs N] FILE…")
	}
	if err := imaging.Startup(imaging.Config{Concurrency: 1, MaxPixels: 100_000_000, MaxFrames: 1000, Renderers: 1}); err != nil {
		return err
	}
	defer imaging.Shutdown()
	iso := sandbox.Probe()
	fmt.Fprintf(out, "   %s; %s; children in a network namespace of their own: %v\n",
		sandbox.Version("ffmpeg", "-version"), sandbox.Version("pdftoppm", "-v"), iso.Network)
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "file\tjob\tmedia length\ts per item\ts per minute of media\t")
	for _, path := range fs.Args() {
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		ft, ok := media.DecideType(src[:min(len(src), media.DetectHead)], path)
		if !ok {
			return fmt.Errorf("%s: not a type Pixelmill accepts", path)
		}
		for _, j := range jobsFor(ft.MIME) {
			best, length := time.Duration(1<<62), 0.0
			for range *runs {
				start := time.Now()
				l, err := j.run(ctx, src, filepath.Base(path), ft.MIME)
				if err != nil {
					return fmt.Errorf("%s, %s: %w", path, j.name, err)
				}
				best, length = min(best, time.Since(start)), l
			}
			lengthCol, perMinute := "-", "-"
			if length > 0 {
				lengthCol = fmt.Sprintf("%.1f s", length)
				perMinute = fmt.Sprintf("%.3f", best.Seconds()/(length/60))
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%.3f\t%s\t\n", filepath.Base(path), j.name, lengthCol, best.Seconds(), perMinute)
		}
	}
	return tw.Flush()
}

// job is one job's work on a file; it returns the media's length in
// seconds (0 for a PDF).
type job struct {
	name string
	run  func(ctx context.Context, src []byte, name, mime string) (float64, error)
}

// jobsFor are the jobs a type gets.
func jobsFor(mime string) []job {
	switch media.FamilyOf(mime) {
	case media.FamilyAudio:
		return []job{{"audio: facts, tags, cover", avJob(false, false)}}
	case media.FamilyVideo:
		jobs := []job{{"video: facts, poster", avJob(true, false)}}
		if mime != media.MP4.MIME && mime != "video/webm" && mime != "video/ogg" {
			jobs = append(jobs, job{"video: browser copy (H.264/AAC MP4)", avJob(true, true)})
		}
		return jobs
	}
	if mime == media.PDF.MIME {
		return []job{{"PDF: first page, -pdf.jpg and 3 sizes", func(ctx context.Context, src []byte, name, _ string) (float64, error) {
			_, err := imaging.PDFPreview(ctx, imaging.PDFRequest{Source: src, Basename: name, Sizes: media.DefaultSizes()})
			return 0, err
		}}}
	}
	return nil
}

// avJob is the audio or the video job's work, as kind_audio.go does it;
// web makes the browser copy alone.
func avJob(video, web bool) func(ctx context.Context, src []byte, name, mime string) (float64, error) {
	return func(ctx context.Context, src []byte, _, mime string) (float64, error) {
		f, err := imaging.OpenAV(src, imaging.DefaultAVLimits())
		if err != nil {
			return 0, err
		}
		defer f.Close()
		p, err := f.Probe(ctx, video)
		if err != nil {
			return 0, err
		}
		switch {
		case web:
			_, _, _, err = f.WebMP4(ctx, imaging.DefaultAVLimits().WebMaxSide)
		case video:
			_, err = f.Poster(ctx, p.Facts.Length)
		case p.Cover >= 0:
			_, err = f.Cover(ctx, p.Cover)
		}
		return p.Facts.Length, err
	}
}
