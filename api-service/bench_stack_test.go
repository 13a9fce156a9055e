//go:build bench

package main

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestBenchStack is `make bench`'s measure of the running system: it
// reports, it does not judge. It prints upload-to-ready latency through two
// workers, API throughput from wrk, and the peak memory of an API streaming
// a 1 GB upload and of a worker over many jobs. Run by deploy/local/bench.sh.
func TestBenchStack(t *testing.T) {
	dir := testdataDir(t)
	uploads := benchInt(t, "PIXELMILL_BENCH_UPLOADS", 200)
	workerJobs := benchInt(t, "PIXELMILL_BENCH_WORKER_JOBS", 1000)
	s := startStackEnv(t, 2, map[string]string{"PIXELMILL_MAX_UPLOAD_BYTES": strconv.Itoa(2 << 30), "PIXELMILL_V1_MAX_IMAGE_BYTES": strconv.Itoa(64 << 20)})
	replica := startQuietAPI(t, s) // the API whose throughput is measured
	key := newAPIKey(t, s.base, map[string]any{"name": "bench", "rate_limit": 1000000})
	c := v1Client{t: t, base: replica.base, key: key.key}
	photo, err := os.ReadFile(filepath.Join(dir, "photo-3000x2000.jpg")) // 6 MP
	if err != nil {
		t.Fatal(err)
	}
	nine, err := os.ReadFile(filepath.Join(dir, "photo-3840x2400.jpg")) // 9.2 MP
	if err != nil {
		t.Fatal(err)
	}

	// 0. End to end against sharp, first, while the stack is fresh.
	benchEndToEnd(t, s, dir)

	// 1. Upload to ready, one at a time with idle workers (the latency a
	// lone user sees), then 200 back to back (the queue's).
	idle := make([]time.Duration, 0, 20)
	for i := range 20 {
		idle = append(idle, uploadToReady(t, c, nine, fmt.Sprintf("idle-%d.jpg", i)))
	}
	report(t, fmt.Sprintf("upload-to-ready, 9.2 MP JPEG, idle workers (%d, sequential)", len(idle)), idle)
	var mu sync.Mutex
	var loaded []time.Duration
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	start := time.Now()
	for i := range uploads {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			d := uploadToReady(t, c, photo, fmt.Sprintf("load-%d.jpg", i))
			mu.Lock()
			loaded = append(loaded, d)
			mu.Unlock()
		}()
	}
	wg.Wait()
	report(t, fmt.Sprintf("upload-to-ready, 6 MP JPEG, %d uploads 8 at a time, 2 workers (%.1f images/s)", uploads, float64(uploads)/time.Since(start).Seconds()), loaded)

	// 2. API throughput and latency on loopback: one item by id, and a
	// filtered list, as an anonymous WordPress client reads them.
	wpAdmin := wpClient{t: t, base: s.base, login: "admin", pass: adminPassword}
	r := wpAdmin.raw("/wp-json/wp/v2/media", filepath.Join(dir, "photo-640x480.jpg"), "public.jpg", nil)
	var att struct {
		ID int64 `json:"id"`
	}
	r.json(t, &att)
	for _, load := range []struct {
		path string
		rate int // requests/s vegeta offers
	}{
		{fmt.Sprintf("/wp-json/wp/v2/media/%d", att.ID), 5000},
		{"/wp-json/wp/v2/media?media_type=image&per_page=10&orderby=date&search=public", 1000},
	} {
		// wrk sends as many requests as the API answers: its throughput.
		// Few connections show the latency of a moderately busy API; many,
		// how it degrades when requests queue. One wrk thread leaves the
		// API a core of the two; two threads take both, and the API's
		// latency then includes waiting for a core.
		for _, run := range []struct{ threads, conns string }{{"1", "8"}, {"2", "8"}, {"2", "32"}} {
			out, err := exec.Command("wrk", "-t"+run.threads, "-c"+run.conns, "-d10s", "--latency", replica.base+load.path).CombinedOutput()
			if err != nil {
				t.Fatalf("wrk: %v\n%s", err, out)
			}
			t.Logf("BENCH wrk GET %s (%s threads, %s connections, 10 s):\n%s", load.path, run.threads, run.conns, wrkSummary(string(out)))
		}
		// vegeta offers a set rate whatever the answers' pace, so its
		// latencies are those a client sees at that load, queueing
		// included (a closed loop like wrk's waits instead of sending,
		// which hides a stall's queue).
		vegeta(t, replica.base+load.path, load.rate, "2s") // warm-up
		logged := replica.logSize(t)
		t.Logf("BENCH vegeta GET %s at %d requests/s (10 s): %s; the API's own time (its access log) %s", load.path, load.rate,
			vegeta(t, replica.base+load.path, load.rate, "10s"), replica.handlerTimes(t, logged))
	}

	// 3. Peak RSS of an API while a 1 GB upload streams through it: a fresh
	// replica, so the loads above don't set its high-water mark.
	fresh := startAPIProcess(t, s)
	before := fresh.peakRSS(t)
	const gb = 1 << 30
	req, _ := http.NewRequest("POST", fresh.base+"/wp-json/wp/v2/media", io.MultiReader(strings.NewReader("%PDF-1.7\n"), &zeros{gb - 9}))
	req.ContentLength = gb
	req.SetBasicAuth("admin", adminPassword)
	req.Header.Set("Content-Disposition", `attachment; filename="big.pdf"`)
	req.Header.Set("Content-Type", "application/pdf")
	upStart := time.Now()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 201 {
		t.Fatalf("1 GB upload: %d %s", resp.StatusCode, body)
	}
	t.Logf("BENCH API peak RSS: %d MiB before, %d MiB after streaming a 1 GB upload (%.0f MB/s)",
		before>>20, fresh.peakRSS(t)>>20, gb/1e6/time.Since(upStart).Seconds())

	// 4. A worker's RSS over many jobs: sampled after warm-up and at the end.
	w := s.workers[0]
	small, err := os.ReadFile(filepath.Join(dir, "photo-1920x1080.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	var samples []string
	var warm int64
	for i := range workerJobs {
		src := small
		if i%10 == 0 {
			src = nine
		}
		uploadToReady(t, c, src, fmt.Sprintf("rss-%d.jpg", i))
		if i == workerJobs/10 || i == workerJobs-1 || i%(workerJobs/5) == 0 {
			rss := procStatus(t, w.cmd.Process.Pid, "VmRSS")
			if i == workerJobs/10 {
				warm = rss
			}
			samples = append(samples, fmt.Sprintf("%d jobs: %d MiB", i+1, rss>>20))
		}
	}
	end := procStatus(t, w.cmd.Process.Pid, "VmRSS")
	t.Logf("BENCH worker RSS over %d uploads (both workers share them; 1 in 10 is 9.2 MP): %s; end vs warm-up %+.1f%%",
		workerJobs, strings.Join(samples, ", "), 100*float64(end-warm)/float64(warm))
}

// uploadToReady uploads and long-polls until ready, returning the time
// from the first byte sent to the ready answer.
func uploadToReady(t *testing.T, c v1Client, data []byte, name string) time.Duration {
	start := time.Now()
	r := c.do("POST", "/v1/media?wait=60&filename="+name, bytes.NewReader(data), nil)
	var it v1Item
	r.data(t, &it)
	for it.Status == "processing" {
		r = c.do("GET", "/v1/media/"+it.MediaID+"?wait=60", nil, nil)
		r.data(t, &it)
	}
	if it.Status != "ready" {
		t.Fatalf("%s: %s", name, r.body)
	}
	return time.Since(start)
}

func report(t *testing.T, what string, ds []time.Duration) {
	slices.Sort(ds)
	q := func(p float64) time.Duration { return ds[min(len(ds)-1, int(p*float64(len(ds))))] }
	t.Logf("BENCH %s: p50 %s p95 %s p99 %s max %s", what, q(0.50).Round(time.Millisecond), q(0.95).Round(time.Millisecond),
		q(0.99).Round(time.Millisecond), ds[len(ds)-1].Round(time.Millisecond))
}

var wrkLines = regexp.MustCompile(`(?m)^\s*(Latency|Req/Sec|99%|Requests/sec:|Transfer/sec:|Non-2xx).*$`)

func wrkSummary(out string) string {
	return strings.Join(wrkLines.FindAllString(out, -1), "\n")
}

// quietAPI is an API replica logging to a file.
type quietAPI struct {
	base    string
	logPath string
}

// startQuietAPI starts an API replica whose log goes to a file rather than
// through a pipe into this test binary, as a production log goes to its
// collector: at thousands of requests a second, copying its access lines
// here would cost this process, on the same two cores, CPU the API needs.
func startQuietAPI(t *testing.T, s *stack) *quietAPI {
	t.Helper()
	bin, err := buildAPI()
	if err != nil {
		t.Fatal(err)
	}
	logPath := filepath.Join(t.TempDir(), "api.log")
	f, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin)
	cmd.Env = os.Environ()
	for k, v := range s.env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	cmd.Stdout, cmd.Stderr = f, f
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		_ = cmd.Wait()
		f.Close()
	})
	var addr []string
	waitFor(t, 60*time.Second, "the API replica listening", func() bool {
		head, _ := os.ReadFile(logPath)
		addr = listeningRE.FindStringSubmatch(string(head))
		return addr != nil
	})
	return &quietAPI{base: "http://" + addr[1], logPath: logPath}
}

// vegeta offers rate requests/s of GET url for d, and summarises what
// came back.
func vegeta(t *testing.T, url string, rate int, d string) string {
	t.Helper()
	bin := os.Getenv("PIXELMILL_BENCH_VEGETA")
	if bin == "" {
		bin = "vegeta"
	}
	// A fixed pool of 64 connections, as a proxy in front of the API
	// keeps: vegeta's default opens a connection per request it cannot
	// place, and at a stall the new connections make a stall of their own.
	// 64 in flight hold 12.8 ms of requests at 5,000/s, so a stall shorter
	// than that still delays no send; the rate actually sent is reported.
	// Bodies are read but not kept in the results.
	attack := exec.Command(bin, "attack", "-rate", strconv.Itoa(rate)+"/1s", "-duration", d, "-timeout", "10s",
		"-workers", "64", "-max-workers", "64", "-max-connections", "64", "-max-body", "0")
	attack.Stdin = strings.NewReader("GET " + url + "\n")
	results, err := attack.Output()
	if err != nil {
		t.Fatalf("vegeta attack: %v", err)
	}
	report := exec.Command(bin, "report", "-type", "json")
	report.Stdin = bytes.NewReader(results)
	out, err := report.Output()
	if err != nil {
		t.Fatalf("vegeta report: %v", err)
	}
	var m struct {
		Latencies  map[string]time.Duration `json:"latencies"`
		Rate       float64                  `json:"rate"`
		Throughput float64                  `json:"throughput"`
		Success    float64                  `json:"success"`
	}
	if err := json.Unmarshal(out, &m); err != nil {
		t.Fatalf("vegeta report: %v\n%s", err, out)
	}
	l := func(k string) time.Duration { return m.Latencies[k].Round(10 * time.Microsecond) }
	return fmt.Sprintf("sent %.0f/s, answered %.0f/s, %.2f%% successful; latency mean %s p50 %s p90 %s p99 %s max %s",
		m.Rate, m.Throughput, 100*m.Success, l("mean"), l("50th"), l("90th"), l("99th"), l("max"))
}

// logSize is how many bytes the replica has logged so far.
func (p *quietAPI) logSize(t *testing.T) int64 {
	t.Helper()
	st, err := os.Stat(p.logPath)
	if err != nil {
		t.Fatal(err)
	}
	return st.Size()
}

// handlerTimes summarises the duration_ms of the requests the replica
// logged after byte from: the time from the request's arrival in the
// handler chain to its answer, without the kernel's and the client's share.
func (p *quietAPI) handlerTimes(t *testing.T, from int64) string {
	t.Helper()
	data, err := os.ReadFile(p.logPath)
	if err != nil {
		t.Fatal(err)
	}
	var ds []time.Duration
	for line := range strings.Lines(string(data[from:])) {
		var l struct {
			Msg        string  `json:"msg"`
			DurationMS float64 `json:"duration_ms"`
		}
		if json.Unmarshal([]byte(line), &l) == nil && l.Msg == "http_request" {
			ds = append(ds, time.Duration(l.DurationMS*float64(time.Millisecond)))
		}
	}
	if len(ds) == 0 {
		t.Fatal("the replica logged no requests")
	}
	slices.Sort(ds)
	q := func(p float64) time.Duration {
		return ds[min(len(ds)-1, int(p*float64(len(ds))))].Round(10 * time.Microsecond)
	}
	return fmt.Sprintf("p50 %s p99 %s p99.9 %s max %s over %d requests", q(0.5), q(0.99), q(0.999), q(1), len(ds))
}

func benchInt(t *testing.T, name string, def int) int {
	return benchIntMin(t, name, def, 10)
}

func benchIntMin(t *testing.T, name string, def, least int) int {
	if v := os.Getenv(name); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < least {
			t.Fatalf("%s=%q: want a number ≥ %d", name, v, least)
		}
		return n
	}
	return def
}

// targetEndToEnd is the target for the end-to-end row: sharp's
// wall time over Pixelmill's, printed beside the ratio, never asserted.
const targetEndToEnd = 1.0

// benchEndToEnd uploads N photos at once through WordPress's API and
// times, on the wall clock, from the first byte sent until every one is
// ready on the stack's two workers (one libvips thread each). Then sharp
// makes the very renditions the worker made (WordPress's sizes, as
// media_details lists them; the Image type's crops, which the worker makes
// too, are not asked of it) of the same files in one Node process with two
// threads: a libuv pool of two (UV_THREADPOOL_SIZE), so two pipelines run
// at once, each on one libvips thread (sharp.concurrency(1)), as the two
// workers do. The files come from PIXELMILL_BENCH_E2E_FILES (colon-
// separated, cycled through; bench.sh sets it), by default the 9.2 MP
// photo N times.
func benchEndToEnd(t *testing.T, s *stack, dir string) {
	n := benchIntMin(t, "PIXELMILL_BENCH_E2E_PHOTOS", 10, 1)
	files := filepath.SplitList(os.Getenv("PIXELMILL_BENCH_E2E_FILES"))
	if len(files) == 0 {
		files = []string{filepath.Join(dir, "photo-3840x2400.jpg")}
	}
	sharpDir := os.Getenv("PIXELMILL_BENCH_SHARP_DIR")
	if sharpDir == "" {
		sharpDir = filepath.Join("..", "deploy", "bench", "js")
	}
	paths := make([]string, n)
	datas := make([][]byte, n)
	for i := range n {
		paths[i] = files[i%len(files)]
		b, err := os.ReadFile(paths[i])
		if err != nil {
			t.Fatal(err)
		}
		datas[i] = b
	}

	// Every upload at once, as a bulk uploader sends them; the clock runs
	// until the last is ready, polled every 20 ms.
	ids := make([]int64, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := time.Now()
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ids[i], errs[i] = benchUpload(s.base, datas[i], fmt.Sprintf("e2e-%d%s", i, filepath.Ext(paths[i])))
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	uploaded := time.Since(start)
	done := make([]attachment, n)
	took := make([]time.Duration, 0, n)
	for pending := n; pending > 0; {
		if time.Since(start) > 10*time.Minute {
			t.Fatalf("end to end: %d of %d photos still processing after 10 min", pending, n)
		}
		for i, id := range ids {
			if done[i].ID != 0 {
				continue
			}
			a := benchAttachment(t, s.base, id)
			switch a.ProcessingStatus {
			case "processing":
				continue
			case "ready":
				done[i] = a
				took = append(took, time.Since(start))
				pending--
			default:
				t.Fatalf("end to end: %s (%d): %s %s", paths[i], id, a.ProcessingStatus, a.ProcessingError)
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	wall := time.Since(start)

	// sharp's plan: each photo's renditions, as the worker made them.
	type rendition struct {
		W      int    `json:"w"`
		H      int    `json:"h"`
		Crop   bool   `json:"crop"`
		Format string `json:"format"`
	}
	type file struct {
		Path       string      `json:"path"`
		Renditions []rendition `json:"renditions"`
	}
	plan := struct {
		Runs    int    `json:"runs"`
		Quality int    `json:"quality"`
		Set     bool   `json:"set"`
		Files   []file `json:"files"`
	}{Runs: 1, Quality: 82, Set: true}
	wordpress := []string{"thumbnail", "medium", "medium_large", "large", "1536x1536", "2048x2048", "full"}
	renditions := 0
	for i, a := range done {
		abs, err := filepath.Abs(paths[i])
		if err != nil {
			t.Fatal(err)
		}
		f := file{Path: abs}
		seen := map[string]bool{}
		for _, sz := range a.MediaDetails.Sizes {
			// full is a rendition only when WordPress scaled the original
			// (-scaled); two sizes of equal dimensions share one file.
			if !slices.Contains(wordpress, sz.Name) || (sz.Name == "full" && a.MediaDetails.OriginalImage == "") || seen[sz.File] {
				continue
			}
			seen[sz.File] = true
			f.Renditions = append(f.Renditions, rendition{W: sz.Width, H: sz.Height, Crop: sz.Name == "thumbnail",
				Format: strings.TrimPrefix(sz.MIME, "image/")})
		}
		renditions += len(f.Renditions)
		plan.Files = append(plan.Files, f)
	}
	in, _ := json.Marshal(plan)
	cmd := exec.Command("node", "sharp.mjs")
	cmd.Dir = sharpDir
	cmd.Env = append(os.Environ(), "UV_THREADPOOL_SIZE=2")
	cmd.Stdin = bytes.NewReader(in)
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("sharp (npm ci in %s?): %v", sharpDir, err)
	}
	var res struct {
		Sharp, Libvips string
		Set            struct {
			Seconds []float64
			Threads int
			Dims    [][][2]int
		}
	}
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("sharp output: %v\n%s", err, out)
	}
	sharpWall := slices.Min(res.Set.Seconds)
	report(t, fmt.Sprintf("end to end, each photo's upload to ready (%d photos at once)", n), took)
	t.Logf("BENCH end to end, where a job's time went (means over the %d jobs, from the workers' job_done): %s", n, jobPhases(t, s, ids))
	t.Logf("BENCH end to end, %d photos (%s) through POST /wp-json/wp/v2/media until all ready, 2 workers (1 libvips thread, PIXELMILL_RENDERERS=%s): %s wall (uploads answered in %s); "+
		"sharp %s (libvips %s), the same %d renditions in-process, %d threads: %.3f s; sharp ÷ pixelmill %.2f× (target ≥ %.1f×: %s)",
		n, benchNames(files), cmp.Or(s.env["PIXELMILL_RENDERERS"], os.Getenv("PIXELMILL_RENDERERS"), "default"), wall.Round(time.Millisecond), uploaded.Round(time.Millisecond), res.Sharp, res.Libvips, renditions, res.Set.Threads,
		sharpWall, sharpWall/wall.Seconds(), targetEndToEnd, map[bool]string{true: "met", false: "NOT met"}[sharpWall/wall.Seconds() >= targetEndToEnd])
}

// jobPhases sums up the workers' job_done lines of the items ids: the
// mean of the job's whole time and of each stage the worker times (read
// the original, render, store the files, record them), and what is left.
func jobPhases(t *testing.T, s *stack, ids []int64) string {
	t.Helper()
	want := map[int64]bool{}
	for _, id := range ids {
		want[id] = true
	}
	keys := []string{"duration_ms", "read_ms", "render_ms", "store_ms", "record_ms"}
	sums := map[string]float64{}
	jobs := 0
	for _, w := range s.workers {
		for line := range strings.Lines(w.out.String()) {
			var rec map[string]any
			if json.Unmarshal([]byte(line), &rec) != nil || rec["msg"] != "job_done" {
				continue
			}
			if id, ok := rec["media_id"].(float64); !ok || !want[int64(id)] {
				continue
			}
			jobs++
			for _, k := range keys {
				v, ok := rec[k].(float64)
				if !ok {
					t.Fatalf("job_done without %s: %s", k, line)
				}
				sums[k] += v
			}
		}
	}
	if jobs == 0 {
		t.Fatal("the workers logged no job_done for the photos")
	}
	mean := func(k string) float64 { return sums[k] / float64(jobs) }
	other := mean("duration_ms") - mean("read_ms") - mean("render_ms") - mean("store_ms") - mean("record_ms")
	return fmt.Sprintf("job %.0f ms = read the original %.1f + render %.1f + store the files %.1f + record %.1f + the rest (load, lock, probe, crops) %.1f (%d jobs)",
		mean("duration_ms"), mean("read_ms"), mean("render_ms"), mean("store_ms"), mean("record_ms"), other, jobs)
}

// benchNames lists files by base name.
func benchNames(paths []string) string {
	names := make([]string, len(paths))
	for i, p := range paths {
		names[i] = filepath.Base(p)
	}
	return strings.Join(names, ", ")
}

// benchUpload POSTs one file to WordPress's media endpoint as the admin and
// returns the new item's id. It reports errors rather than failing the
// test, so it may run on any goroutine.
func benchUpload(base string, data []byte, name string) (int64, error) {
	req, err := http.NewRequest("POST", base+"/wp-json/wp/v2/media", bytes.NewReader(data))
	if err != nil {
		return 0, err
	}
	req.SetBasicAuth("admin", adminPassword)
	req.Header.Set("Content-Type", http.DetectContentType(data))
	req.Header.Set("Content-Disposition", "attachment; filename="+name)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, fmt.Errorf("upload %s: %w", name, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusCreated {
		return 0, fmt.Errorf("upload %s: %d %s", name, resp.StatusCode, body)
	}
	var a attachment
	if err := json.Unmarshal(body, &a); err != nil {
		return 0, fmt.Errorf("upload %s: %w", name, err)
	}
	return a.ID, nil
}

// benchAttachment reads one item as the admin sees it.
func benchAttachment(t *testing.T, base string, id int64) attachment {
	t.Helper()
	req, _ := http.NewRequest("GET", fmt.Sprintf("%s/wp-json/wp/v2/media/%d?context=edit", base, id), nil)
	req.SetBasicAuth("admin", adminPassword)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("get %d: %d %s", id, resp.StatusCode, body)
	}
	var a attachment
	if err := json.Unmarshal(body, &a); err != nil {
		t.Fatal(err)
	}
	return a
}
