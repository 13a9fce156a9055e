package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"image"
	_ "image/jpeg" // the output check decodes headers only
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/pixelmill/pixelmill/services/media"
	"github.com/pixelmill/pixelmill/worker-service/internal/imaging"
)

// benchRendition is one output of a plan, as the peers are asked to make it.
type benchRendition struct {
	W    int  `json:"w"`
	H    int  `json:"h"`
	Crop bool `json:"crop"`
}

type benchFile struct {
	Path       string           `json:"path"`
	Renditions []benchRendition `json:"renditions"`
}

type benchPlan struct {
	Runs    int         `json:"runs"`
	Quality int         `json:"quality"`
	Files   []benchFile `json:"files"`
}

// benchResult is one tool's times for one file, best of the runs.
type benchResult struct {
	tool    string
	version string
	best    time.Duration
	dims    [][2]int
	cores   int // cores the tool used; 0 means 1
	// extra is the outputs made besides WordPress's (the Image type's
	// crops), which the other tools don't make.
	extra int
}

// runBench is `worker-service bench [--runs N] [--sharp DIR] FILE…`: WordPress's
// renditions of each JPEG by the worker's pipeline, by sharp (one pipeline
// per size, as a Node service would) and by ImageMagick's convert (one
// decode, every size resized from it, as WordPress's Imagick editor), all
// on one thread, with the same sizes and quality, in one run. It prints the
// best time of the runs per image and tool, throughput, and the ratios.
func runBench(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	runs := fs.Int("runs", 3, "runs per file and tool; the best counts")
	sharpDir := fs.String("sharp", "", "directory of deploy/bench/js with sharp installed (npm ci); empty skips sharp")
	convert := fs.String("convert", "convert", "ImageMagick's convert; empty skips ImageMagick")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() == 0 || *runs < 1 {
		return errors.New("usage: worker-service bench [--runs N] [--sharp DIR] FILE.jpg…")
	}
	single := imaging.Config{Concurrency: 1, MaxPixels: 100_000_000, MaxFrames: 1000, Renderers: 1}
	if err := imaging.Startup(single); err != nil {
		return err
	}
	parallel := single
	parallel.Renderers = runtime.NumCPU()
	defer imaging.Shutdown()

	plan := benchPlan{Runs: *runs, Quality: 82}
	results := map[string][]benchResult{}
	for _, path := range fs.Args() {
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		var res *imaging.Result
		best := time.Duration(1 << 62)
		for range *runs {
			start := time.Now()
			res, err = imaging.Process(ctx, imaging.Request{Source: src, Basename: filepath.Base(path), Sizes: media.DefaultSizes()})
			if err != nil {
				return fmt.Errorf("%s: %w", path, err)
			}
			best = min(best, time.Since(start))
		}
		f := benchFile{Path: path}
		var dims [][2]int
		outs := res.Sizes
		if res.Main != nil {
			outs = append([]imaging.File{*res.Main}, outs...)
		}
		for _, o := range outs {
			f.Renditions = append(f.Renditions, benchRendition{W: o.Width, H: o.Height, Crop: o.SizeName == "thumbnail"})
			dims = append(dims, [2]int{o.Width, o.Height})
		}
		plan.Files = append(plan.Files, f)
		results[path] = append(results[path], benchResult{tool: "pixelmill", version: "libvips " + imaging.Version(), best: best, dims: dims})
		// The job as the worker runs it for an Umbraco Image (and every
		// image uploaded through WordPress): the same renditions plus the
		// Image type's named crops, cut where libvips' attention finds the
		// subject (no focal point set).
		var crops []imaging.CropRequest
		for _, mt := range media.DefaultMediaTypes() {
			for _, c := range mt.Crops {
				crops = append(crops, imaging.CropRequest{Alias: c.Alias, W: c.Width, H: c.Height})
			}
		}
		withCrops := time.Duration(1 << 62)
		for range *runs {
			start := time.Now()
			if _, err := imaging.Process(ctx, imaging.Request{Source: src, Basename: filepath.Base(path), Sizes: media.DefaultSizes(), Crops: crops}); err != nil {
				return fmt.Errorf("%s: %w", path, err)
			}
			withCrops = min(withCrops, time.Since(start))
		}
		results[path] = append(results[path], benchResult{tool: "pixelmill + Image crops", version: "libvips " + imaging.Version() + ", thumb and wide by attention",
			best: withCrops, dims: dims, extra: len(crops)})
		if parallel.Renderers > 1 {
			// The same job with its renditions made at once on every core:
			// what a lone job's latency is on an idle worker.
			if err := imaging.Startup(parallel); err != nil {
				return err
			}
			wall := time.Duration(1 << 62)
			for range *runs {
				start := time.Now()
				if _, err := imaging.Process(ctx, imaging.Request{Source: src, Basename: filepath.Base(path), Sizes: media.DefaultSizes()}); err != nil {
					return fmt.Errorf("%s: %w", path, err)
				}
				wall = min(wall, time.Since(start))
			}
			if err := imaging.Startup(single); err != nil {
				return err
			}
			results[path] = append(results[path], benchResult{tool: fmt.Sprintf("pixelmill ×%d renderers", parallel.Renderers),
				version: "wall time on " + strconv.Itoa(parallel.Renderers) + " cores", best: wall, dims: dims, cores: parallel.Renderers})
		}
		if *convert != "" {
			im, err := benchConvert(ctx, *convert, path, f.Renditions, *runs)
			if err != nil {
				return err
			}
			results[path] = append(results[path], im)
		}
	}
	if *sharpDir != "" {
		sh, err := benchSharp(ctx, *sharpDir, plan)
		if err != nil {
			return err
		}
		for path, r := range sh {
			results[path] = append(results[path], r)
		}
	}
	return printBench(out, fs.Args(), results)
}

// benchConvert times ImageMagick making every rendition from one decode.
func benchConvert(ctx context.Context, convert, path string, rs []benchRendition, runs int) (benchResult, error) {
	dir, err := os.MkdirTemp("", "pixelmill-bench")
	if err != nil {
		return benchResult{}, err
	}
	defer os.RemoveAll(dir)
	args := []string{path, "-auto-orient", "-write", "mpr:src", "+delete"}
	var outs []string
	for i, r := range rs {
		o := filepath.Join(dir, fmt.Sprintf("%d.jpg", i))
		outs = append(outs, o)
		geom := fmt.Sprintf("%dx%d!", r.W, r.H)
		if r.Crop {
			geom = fmt.Sprintf("%dx%d^", r.W, r.H)
		}
		ops := []string{"mpr:src", "-resize", geom}
		if r.Crop {
			ops = append(ops, "-gravity", "center", "-extent", fmt.Sprintf("%dx%d", r.W, r.H))
		}
		ops = append(ops, "-strip", "-quality", "82")
		if i == len(rs)-1 {
			args = append(append(args, ops...), o) // the last is convert's own output
		} else {
			args = append(append(append(args, "("), ops...), "-write", o, "+delete", ")")
		}
	}
	best := time.Duration(1 << 62)
	for range runs {
		cmd := exec.CommandContext(ctx, convert, args...)
		cmd.Env = append(os.Environ(), "MAGICK_THREAD_LIMIT=1") // one thread, as the others
		start := time.Now()
		if b, err := cmd.CombinedOutput(); err != nil {
			return benchResult{}, fmt.Errorf("convert %s: %v: %s", path, err, b)
		}
		best = min(best, time.Since(start))
	}
	var dims [][2]int
	for _, o := range outs {
		b, err := os.ReadFile(o)
		if err != nil {
			return benchResult{}, err
		}
		cfg, _, err := image.DecodeConfig(bytes.NewReader(b))
		if err != nil {
			return benchResult{}, fmt.Errorf("convert output %s: %w", o, err)
		}
		dims = append(dims, [2]int{cfg.Width, cfg.Height})
	}
	version, _ := exec.Command(convert, "-version").Output()
	v, _, _ := strings.Cut(strings.TrimPrefix(string(version), "Version: "), " https")
	return benchResult{tool: "imagemagick", version: v, best: best, dims: dims}, nil
}

// benchSharp runs deploy/bench/js/sharp.mjs on the plan.
func benchSharp(ctx context.Context, dir string, plan benchPlan) (map[string]benchResult, error) {
	in, _ := json.Marshal(plan)
	cmd := exec.CommandContext(ctx, "node", "sharp.mjs")
	cmd.Dir = dir
	cmd.Stdin = bytes.NewReader(in)
	cmd.Stderr = os.Stderr
	b, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("sharp: %w", err)
	}
	var res struct {
		Sharp, Libvips string
		Files          []struct {
			Path    string
			Seconds []float64
			Dims    [][2]int
		}
	}
	if err := json.Unmarshal(b, &res); err != nil {
		return nil, fmt.Errorf("sharp output: %w", err)
	}
	out := map[string]benchResult{}
	for _, f := range res.Files {
		best := slices.Min(f.Seconds)
		out[f.Path] = benchResult{tool: "sharp", version: res.Sharp + " (libvips " + res.Libvips + ")", best: time.Duration(best * float64(time.Second)), dims: f.Dims}
	}
	return out, nil
}

func printBench(out io.Writer, paths []string, results map[string][]benchResult) error {
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "file\tMP\ttool\ts/image\timages/s\tMP/s per core\tvs pixelmill\toutputs")
	totals := map[string]time.Duration{}
	versions := map[string]string{}
	cores := map[string]int{}
	var tools []string
	var totalMP float64
	for _, p := range paths {
		rs := results[p]
		src, _ := os.ReadFile(p)
		cfg, _, err := image.DecodeConfig(bytes.NewReader(src))
		if err != nil {
			return err
		}
		mp := float64(cfg.Width*cfg.Height) / 1e6
		totalMP += mp
		ours := rs[0]
		for _, r := range rs {
			same := "same sizes"
			if !slices.Equal(r.dims, ours.dims) {
				same = fmt.Sprintf("DIFFER %v", r.dims)
			}
			outputs := strconv.Itoa(len(r.dims))
			if r.extra > 0 {
				outputs += fmt.Sprintf(" + %d crops", r.extra)
			}
			fmt.Fprintf(tw, "%s\t%.1f\t%s\t%.3f\t%.2f\t%.1f\t%.2f×\t%s, %s\n", filepath.Base(p), mp, r.tool, r.best.Seconds(),
				1/r.best.Seconds(), mp/r.best.Seconds()/float64(max(r.cores, 1)), r.best.Seconds()/ours.best.Seconds(), outputs, same)
			totals[r.tool] += r.best
			versions[r.tool] = r.version
			cores[r.tool] = max(r.cores, 1)
			if !slices.Contains(tools, r.tool) {
				tools = append(tools, r.tool)
			}
		}
	}
	fmt.Fprintln(tw)
	ours := totals["pixelmill"]
	for _, tool := range tools {
		t := totals[tool]
		n := float64(len(paths))
		fmt.Fprintf(tw, "all\t%.1f\t%s\t%.3f\t%.2f\t%.1f\t%.2f×\t%s\n", totalMP, tool, t.Seconds()/n, n/t.Seconds(),
			totalMP/t.Seconds()/float64(cores[tool]), t.Seconds()/ours.Seconds(), versions[tool])
	}
	return tw.Flush()
}
