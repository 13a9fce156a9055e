//go:build chaos

package main

// Fault tests (`make chaos`): the core pipeline of e2e_test.go while
// workers are SIGKILLed and Postgres, NATS or MinIO go away and come back.
// deploy/local/chaos.sh starts a stack of their own and exports
// PIXELMILL_TEST_STACK_DIR, so a test can stop and start one server with
// stack.sh stop-one / start-one. Each test prints
// "submitted N, ready N, failed N, lost N" and fails unless lost is 0.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/pixelmill/pixelmill/services/jobqueue"
)

// chaosEnv makes a job whose worker died come back after 5 s rather than
// a minute. The API gets it too: the consumer's config comes from whoever
// creates it.
var chaosEnv = map[string]string{"PIXELMILL_JOB_ACK_WAIT": "5s"}

// chaosClient bounds every request: a fault must never hang a test.
var chaosClient = &http.Client{Timeout: 60 * time.Second}

// stackCtl stops or starts one server of the chaos stack (postgres, nats,
// minio) with stack.sh, which keeps its ports from stack.env.
func stackCtl(t *testing.T, action, service string) {
	t.Helper()
	dir := os.Getenv("PIXELMILL_TEST_STACK_DIR")
	if dir == "" {
		t.Fatal("PIXELMILL_TEST_STACK_DIR is not set: run the fault tests with `make chaos`")
	}
	before, _ := os.ReadFile(filepath.Join(dir, "stack.env"))
	start := time.Now()
	cmd := exec.Command(filepath.Join("..", "deploy", "local", "stack.sh"), action+"-one", dir, service)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("stack.sh %s-one %s: %v\n%s", action, service, err, out)
	}
	chaosLogf(t, "%s %s took %s", action, service, time.Since(start).Round(10*time.Millisecond))
	if after, _ := os.ReadFile(filepath.Join(dir, "stack.env")); action == "start" && !bytes.Equal(before, after) {
		// In test mode start-one takes new ports when the old ones are
		// busy; every client here still dials the old ones.
		t.Fatalf("stack.sh start-one %s changed stack.env:\nbefore:\n%s\nafter:\n%s", service, before, after)
	}
}

// chaosLogf logs to the test and to stdout, so the line shows in CI as it
// happens.
func chaosLogf(t *testing.T, format string, args ...any) {
	t.Helper()
	line := fmt.Sprintf(format, args...)
	t.Log(line)
	fmt.Printf("    %s: %s\n", t.Name(), line)
}

// report prints the test's figures and fails when an item is neither ready
// nor failed (lost).
func report(t *testing.T, submitted []int64, states map[int64]attachment) (ready, failed int) {
	t.Helper()
	var lost []string
	for _, id := range submitted {
		switch a := states[id]; a.ProcessingStatus {
		case "ready":
			ready++
		case "failed":
			failed++
		default:
			lost = append(lost, fmt.Sprintf("%d (%q)", id, a.ProcessingStatus))
		}
	}
	line := fmt.Sprintf("submitted %d, ready %d, failed %d, lost %d", len(submitted), ready, failed, len(lost))
	t.Log(line)
	fmt.Println(line)
	if len(lost) > 0 {
		t.Errorf("%d items neither ready nor failed: %s", len(lost), strings.Join(lost[:min(len(lost), 30)], ", "))
	}
	return ready, failed
}

// try sends one request as the administrator without failing the test:
// during a fault requests may fail, and the caller decides.
func (s *stack) try(method, url string, body io.Reader, header map[string]string) (int, http.Header, []byte, error) {
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		return 0, nil, nil, err
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	req.SetBasicAuth("admin", adminPassword)
	resp, err := chaosClient.Do(req)
	if err != nil {
		return 0, nil, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, b, err
}

// uploadBytes posts data as a raw-body upload and reports what came back.
func (s *stack) uploadBytes(data []byte, name string) (int, []byte, error) {
	code, _, body, err := s.try("POST", s.base+"/wp-json/wp/v2/media", bytes.NewReader(data),
		map[string]string{"Content-Type": "image/jpeg", "Content-Disposition": `attachment; filename="` + name + `"`})
	return code, body, err
}

// mustUpload uploads data and fails the test unless it gets a 201.
func (s *stack) mustUpload(t *testing.T, data []byte, name string) int64 {
	t.Helper()
	code, body, err := s.uploadBytes(data, name)
	if err != nil || code != http.StatusCreated {
		t.Fatalf("upload %s: %d %v %s", name, code, err, body)
	}
	var a attachment
	if err := json.Unmarshal(body, &a); err != nil || a.ID == 0 {
		t.Fatalf("upload %s: %v %s", name, err, body)
	}
	return a.ID
}

// states reads the items through the list endpoint, 100 at a time, into
// into. A failed request is returned, so a poll can go on through a fault.
func (s *stack) states(ids []int64, into map[int64]attachment) error {
	for chunk := range slices.Chunk(ids, 100) {
		var q []string
		for _, id := range chunk {
			q = append(q, strconv.FormatInt(id, 10))
		}
		code, _, body, err := s.try("GET", s.base+"/wp-json/wp/v2/media?context=edit&per_page=100&include="+strings.Join(q, ","), nil, nil)
		if err != nil {
			return err
		}
		if code != http.StatusOK {
			return fmt.Errorf("list: %d %s", code, body)
		}
		var list []attachment
		if err := json.Unmarshal(body, &list); err != nil {
			return fmt.Errorf("list: %v", err)
		}
		for _, a := range list {
			into[a.ID] = a
		}
	}
	return nil
}

// settle polls until no item is processing any more or timeout passes, and
// returns the last state seen of each. Failed polls (a server is down) are
// counted and tolerated.
func (s *stack) settle(t *testing.T, ids []int64, timeout time.Duration) map[int64]attachment {
	t.Helper()
	last := map[int64]attachment{}
	start := time.Now()
	errs := 0
	var lastErr error
	for {
		if err := s.states(ids, last); err != nil {
			errs++
			lastErr = err
		}
		done := 0
		for _, id := range ids {
			if st := last[id].ProcessingStatus; st == "ready" || st == "failed" {
				done++
			}
		}
		if done == len(ids) {
			chaosLogf(t, "%d items settled in %s (%d polls failed)", len(ids), time.Since(start).Round(100*time.Millisecond), errs)
			return last
		}
		if time.Since(start) > timeout {
			chaosLogf(t, "after %s only %d of %d items settled (%d polls failed, last error: %v)", timeout, done, len(ids), errs, lastErr)
			return last
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// allMedia lists every item of the test's database.
func (s *stack) allMedia(t *testing.T) []attachment {
	t.Helper()
	var all []attachment
	for page := 1; ; page++ {
		code, hdr, body, err := s.try("GET", fmt.Sprintf("%s/wp-json/wp/v2/media?per_page=100&context=edit&page=%d", s.base, page), nil, nil)
		if err != nil || code != http.StatusOK {
			t.Fatalf("list page %d: %d %v %s", page, code, err, body)
		}
		var list []attachment
		if err := json.Unmarshal(body, &list); err != nil {
			t.Fatal(err)
		}
		all = append(all, list...)
		if pages, _ := strconv.Atoi(hdr.Get("X-WP-TotalPages")); page >= pages {
			return all
		}
	}
}

// uniqueJPEG returns data with a COM segment carrying tag right after SOI:
// the same picture in a different file, whose object ETag is its own.
func uniqueJPEG(data []byte, tag string) []byte {
	seg := []byte{0xFF, 0xFE, byte((len(tag) + 2) >> 8), byte(len(tag) + 2)}
	out := append([]byte{}, data[:2]...)
	out = append(out, seg...)
	out = append(out, tag...)
	return append(out, data[2:]...)
}

func readTestdata(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(testdataDir(t), name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// fleet keeps the workers' processes: it kills and restarts them the way
// make up's supervisor does, and keeps the output of every process it ever
// ran, killed ones included.
type fleet struct {
	s     *stack
	bin   string
	mu    sync.Mutex
	outs  []*syncBuffer
	kills int
}

func newFleet(t *testing.T, s *stack) *fleet {
	t.Helper()
	bin, err := buildWorker()
	if err != nil {
		t.Fatal(err)
	}
	f := &fleet{s: s, bin: bin}
	for _, w := range s.workers {
		f.outs = append(f.outs, w.out)
	}
	t.Cleanup(func() {
		if !t.Failed() {
			return
		}
		// startStack's cleanup shows the processes running at the end;
		// these are the ones killed before.
		f.mu.Lock()
		defer f.mu.Unlock()
		for i, out := range f.outs {
			if !slices.ContainsFunc(s.workers, func(w *workerProc) bool { return w.out == out }) {
				t.Logf("killed worker process %d output:\n%s", i+1, out.String())
			}
		}
	})
	return f
}

// killRestart SIGKILLs worker i, collects the rest of its output and starts
// a new process with the same environment (plus extra "K=V" entries, which
// win) in its place. startStack's cleanup stops whichever process the
// worker has at the end.
func (f *fleet) killRestart(i int, extra ...string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	w := f.s.workers[i]
	if err := w.cmd.Process.Kill(); err != nil {
		return fmt.Errorf("kill %s: %w", w.name, err)
	}
	_ = w.cmd.Wait() // "signal: killed"; it also drains the output pipe
	cmd := exec.Command(f.bin)
	cmd.Env = append(slices.Clone(w.cmd.Env), extra...)
	out := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("restart %s: %w", w.name, err)
	}
	w.cmd, w.out = cmd, out
	f.outs = append(f.outs, out)
	f.kills++
	return nil
}

// jobLines counts, per media id, the workers' lines with each message
// (job_done, job_dropped, job_failed, job_retry) over every process; under
// "job_done_redelivered" the job_done lines of a second or later delivery,
// and under "duration_ms" the time the job_done lines report.
func (f *fleet) jobLines() map[string]map[int64]int {
	f.mu.Lock()
	outs := slices.Clone(f.outs)
	f.mu.Unlock()
	return jobLines(outs)
}

func jobLines(outs []*syncBuffer) map[string]map[int64]int {
	counts := map[string]map[int64]int{}
	for _, out := range outs {
		sc := bufio.NewScanner(strings.NewReader(out.String()))
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			var line struct {
				Msg        string `json:"msg"`
				MediaID    int64  `json:"media_id"`
				Delivery   int    `json:"delivery"`
				DurationMS int    `json:"duration_ms"`
			}
			if json.Unmarshal(sc.Bytes(), &line) != nil || line.MediaID == 0 || !strings.HasPrefix(line.Msg, "job_") {
				continue
			}
			add := func(what string, n int) {
				if counts[what] == nil {
					counts[what] = map[int64]int{}
				}
				counts[what][line.MediaID] += n
			}
			add(line.Msg, 1)
			if line.Msg == "job_done" {
				add("duration_ms", line.DurationMS)
				if line.Delivery > 1 {
					add("job_done_redelivered", 1)
				}
			}
		}
	}
	return counts
}

func workerOuts(s *stack) []*syncBuffer {
	var outs []*syncBuffer
	for _, w := range s.workers {
		outs = append(outs, w.out)
	}
	return outs
}

// consumerIdle polls JetStream until the workers' consumer has nothing
// pending or awaiting an ack: every delivery, redeliveries included, has
// been settled.
func consumerIdle(t *testing.T, timeout time.Duration) {
	t.Helper()
	nc, err := nats.Connect(natsURL(t))
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	var last string
	deadline := time.Now().Add(timeout)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		c, err := js.Consumer(ctx, jobqueue.StreamName, jobqueue.ConsumerName)
		if err == nil {
			var info *jetstream.ConsumerInfo
			if info, err = c.Info(ctx); err == nil {
				last = fmt.Sprintf("pending %d, ack pending %d, redelivered %d", info.NumPending, info.NumAckPending, info.NumRedelivered)
				if info.NumPending == 0 && info.NumAckPending == 0 && info.NumRedelivered == 0 {
					cancel()
					return
				}
			}
		}
		cancel()
		if err != nil {
			last = err.Error()
		}
		if time.Now().After(deadline) {
			t.Fatalf("the job consumer is not idle after %s: %s", timeout, last)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// TestChaosWorkerKills: 200 uploads while a worker is SIGKILLed every 2–3 s
// and started again. Every item ends ready with the right sizes, and no
// job's effect is recorded twice: one job_done per item over every worker
// process that ever ran, or, where a kill landed between the commit and
// the log line, none and a redelivery that found the job recorded.
func TestChaosWorkerKills(t *testing.T) {
	const n = 200
	photo := readTestdata(t, "photo-640x480.jpg")
	s := startStackEnv(t, 2, chaosEnv)
	f := newFleet(t, s)

	stop := make(chan struct{})
	killerDone := make(chan error, 1)
	go func() {
		for {
			select {
			case <-stop:
				killerDone <- nil
				return
			case <-time.After(2*time.Second + rand.N(time.Second)): // spacing, not synchronisation
			}
			if err := f.killRestart(rand.IntN(len(s.workers))); err != nil {
				killerDone <- err
				return
			}
		}
	}()
	stopKiller := sync.OnceFunc(func() {
		close(stop)
		if err := <-killerDone; err != nil {
			t.Error(err)
		}
	})
	defer stopKiller()

	// Four clients upload at once, faster than two workers make sizes, so
	// the workers stay busy and a kill lands in a job.
	start := time.Now()
	ids := make([]int64, n)
	var up sync.WaitGroup
	for c := range 4 {
		up.Go(func() {
			for i := c; i < n; i += 4 {
				code, body, err := s.uploadBytes(photo, fmt.Sprintf("kill-%03d.jpg", i))
				var a attachment
				if err != nil || code != http.StatusCreated || json.Unmarshal(body, &a) != nil {
					t.Errorf("upload %d: %d %v %s", i, code, err, body)
					continue
				}
				ids[i] = a.ID
			}
		})
	}
	up.Wait()
	if t.Failed() {
		t.FailNow()
	}
	chaosLogf(t, "%d uploads in %s", n, time.Since(start).Round(100*time.Millisecond))

	states := s.settle(t, ids, 4*time.Minute)
	stopKiller()
	f.mu.Lock()
	kills := f.kills
	f.mu.Unlock()
	chaosLogf(t, "%d workers killed and restarted in %s", kills, time.Since(start).Round(100*time.Millisecond))
	report(t, ids, states)

	for _, id := range ids {
		a := states[id]
		if a.ProcessingStatus != "ready" {
			t.Errorf("media %d: %s %s", id, a.ProcessingStatus, a.ProcessingError)
			continue
		}
		got := map[string]dims{}
		var url string
		for _, sz := range a.MediaDetails.Sizes {
			if sz.Name != "full" {
				got[sz.Name] = dims{sz.Width, sz.Height}
				url = sz.SourceURL
			}
		}
		if want := map[string]dims{"medium": {300, 225}, "thumbnail": {150, 150}}; len(got) != 2 || got["medium"] != want["medium"] || got["thumbnail"] != want["thumbnail"] {
			t.Errorf("media %d sizes %v, want medium 300x225 and thumbnail 150x150", id, got)
			continue
		}
		resp, err := chaosClient.Get(url)
		if err != nil {
			t.Errorf("media %d: GET %s: %v", id, url, err)
			continue
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("media %d: GET %s: %d", id, url, resp.StatusCode)
		}
	}

	// Every delivery settled (a redelivery of a job whose ack was lost
	// would show up now), then each item's job_done line is written.
	consumerIdle(t, time.Minute)
	var lines map[string]map[int64]int
	deadline := time.Now().Add(10 * time.Second)
	for {
		lines = f.jobLines()
		missing := 0
		for _, id := range ids {
			if lines["job_done"][id] == 0 {
				missing++
			}
		}
		if missing == 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	twice, lostLines := 0, 0
	for _, id := range ids {
		c := lines["job_done"][id]
		if c == 0 && lines["job_dropped"][id] > 0 {
			// A kill between the result's commit and the job_done line:
			// the redelivery finds the job recorded and drops it (every
			// item here has one job, so a drop means exactly that). The
			// item was still recorded once; only the line was lost.
			lostLines++
			continue
		}
		if c != 1 {
			twice++
			t.Errorf("media %d: %d job_done lines (job_dropped %d, job_retry %d, job_failed %d)", id, c,
				lines["job_dropped"][id], lines["job_retry"][id], lines["job_failed"][id])
		}
	}
	sum := func(m map[int64]int) (n int) {
		for _, id := range ids {
			n += m[id]
		}
		return n
	}
	// A kill that lands in a job shows as a job_done on a later delivery.
	if kills < 2 || sum(lines["job_done_redelivered"]) == 0 {
		t.Errorf("%d kills, %d jobs finished on a redelivery: no kill interrupted a job, so the test proved nothing", kills, sum(lines["job_done_redelivered"]))
	}
	chaosLogf(t, "worker lines over %d processes: job_done %d (%d of them on a redelivery, mean %d ms), job_dropped %d, job_retry %d, job_failed %d; items without exactly one job_done: %d (and %d whose done line a kill cut off, recorded once all the same)",
		len(f.outs), sum(lines["job_done"]), sum(lines["job_done_redelivered"]), sum(lines["duration_ms"])/max(sum(lines["job_done"]), 1),
		sum(lines["job_dropped"]), sum(lines["job_retry"]), sum(lines["job_failed"]), twice, lostLines)
}

// TestChaosNATSOutage: with NATS down every upload still gets its 201 (the
// job waits in the Postgres outbox); when NATS is back, the API's relay and
// the workers reconnect by themselves and every item ends ready.
func TestChaosNATSOutage(t *testing.T) {
	const n = 100
	photo := readTestdata(t, "photo-640x480.jpg")
	s := startStackEnv(t, 2, chaosEnv)
	pids := map[string]int{}
	for _, w := range s.workers {
		pids[w.name] = w.cmd.Process.Pid
	}

	stackCtl(t, "stop", "nats")
	down := time.Now()
	restarted := false
	defer func() {
		if !restarted {
			stackCtl(t, "start", "nats")
		}
	}()
	var ids []int64
	var slowest time.Duration
	for i := range n {
		t0 := time.Now()
		ids = append(ids, s.mustUpload(t, photo, fmt.Sprintf("nats-%03d.jpg", i)))
		slowest = max(slowest, time.Since(t0))
	}
	chaosLogf(t, "%d uploads with NATS down in %s, all 201 (slowest %s)", n, time.Since(down).Round(100*time.Millisecond), slowest.Round(time.Millisecond))
	mid := map[int64]attachment{}
	if err := s.states(ids, mid); err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		if st := mid[id].ProcessingStatus; st != "processing" {
			t.Errorf("media %d is %q with NATS down", id, st)
		}
	}
	// /readyz shows the outage meanwhile, and the recovery after.
	readyz := func() int {
		code, _, _, err := s.try("GET", s.base+"/readyz", nil, nil)
		if err != nil {
			return 0
		}
		return code
	}
	waitFor(t, 10*time.Second, "/readyz to report NATS down", func() bool { return readyz() == http.StatusServiceUnavailable })
	time.Sleep(time.Until(down.Add(15 * time.Second))) // the outage lasts ~15 s
	stackCtl(t, "start", "nats")
	restarted = true
	chaosLogf(t, "NATS was down for %s", time.Since(down).Round(100*time.Millisecond))
	waitFor(t, 30*time.Second, "/readyz to recover", func() bool { return readyz() == http.StatusOK })

	states := s.settle(t, ids, 2*time.Minute)
	report(t, ids, states)
	for _, id := range ids {
		if a := states[id]; a.ProcessingStatus != "ready" {
			t.Errorf("media %d: %s %s", id, a.ProcessingStatus, a.ProcessingError)
		}
	}
	for _, w := range s.workers {
		if w.cmd.Process.Pid != pids[w.name] || w.cmd.ProcessState != nil {
			t.Errorf("%s was restarted or exited", w.name)
		}
	}
	lines := jobLines(workerOuts(s))
	extra := 0
	for _, id := range ids {
		extra += max(lines["job_done"][id]-1, 0)
	}
	chaosLogf(t, "job_done lines beyond one per item: %d", extra)
	if t.Failed() {
		for _, l := range strings.Split(s.apiLog.String(), "\n") {
			if !strings.Contains(l, `"msg":"http_request"`) {
				t.Log("api: " + l)
			}
		}
	}
}

// wpError is WordPress's error body.
type wpError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Data    struct {
		Status int `json:"status"`
	} `json:"data"`
}

var mediaKeyRE = regexp.MustCompile(`^media/([0-9a-fA-F-]{36})/(original|files/[^/]+)$`)

// TestChaosMinIOOutage: with MinIO down an upload gets a prompt 503 with a
// WordPress error body; uploads in flight as it goes down end one way or
// the other; afterwards no row lacks its objects and no object lacks its
// row; and uploads work again once it is back.
func TestChaosMinIOOutage(t *testing.T) {
	photo := readTestdata(t, "photo-640x480.jpg")
	s := startStackEnv(t, 2, chaosEnv)
	var submitted []int64
	var mu sync.Mutex
	seq := 0
	next := func(prefix string) ([]byte, string) {
		mu.Lock()
		defer mu.Unlock()
		seq++
		return uniqueJPEG(photo, fmt.Sprintf("pixelmill chaos %s %d %d", prefix, seq, time.Now().UnixNano())), fmt.Sprintf("%s-%03d.jpg", prefix, seq)
	}
	check503 := func(what string, code int, body []byte) bool {
		var e wpError
		if code != http.StatusServiceUnavailable || json.Unmarshal(body, &e) != nil || e.Code == "" || e.Message == "" || e.Data.Status != 503 {
			t.Errorf("%s: want 503 with a WordPress error body, got %d %s", what, code, body)
			return false
		}
		return true
	}

	for range 5 {
		data, name := next("before")
		submitted = append(submitted, s.mustUpload(t, data, name))
	}

	// Uploads keep coming while MinIO stops: each gets 201 or 503.
	stopUploads := make(chan struct{})
	var wg sync.WaitGroup
	var during []int64
	refusedDuring := 0
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stopUploads:
				return
			default:
			}
			data, name := next("stopping")
			code, body, err := s.uploadBytes(data, name)
			var a attachment
			switch {
			case err != nil:
				t.Errorf("upload %s while MinIO stops: %v", name, err)
			case code == http.StatusCreated && json.Unmarshal(body, &a) == nil:
				mu.Lock()
				during = append(during, a.ID)
				mu.Unlock()
			case check503("upload "+name+" while MinIO stops", code, body):
				mu.Lock()
				refusedDuring++
				mu.Unlock()
			}
			time.Sleep(50 * time.Millisecond) // spacing
		}
	}()
	time.Sleep(500 * time.Millisecond) // let a few through first
	stackCtl(t, "stop", "minio")
	close(stopUploads)
	wg.Wait()
	down := time.Now()
	restarted := false
	defer func() {
		if !restarted {
			stackCtl(t, "start", "minio")
		}
	}()
	submitted = append(submitted, during...)
	chaosLogf(t, "while MinIO stopped: %d uploads got 201, %d got 503", len(during), refusedDuring)

	const refused = 8
	var slowest time.Duration
	for range refused {
		data, name := next("down")
		t0 := time.Now()
		code, body, err := s.uploadBytes(data, name)
		took := time.Since(t0)
		slowest = max(slowest, took)
		if err != nil {
			t.Errorf("upload %s with MinIO down: %v after %s", name, err, took)
			continue
		}
		check503("upload "+name+" with MinIO down", code, body)
		if took > 10*time.Second {
			t.Errorf("upload %s with MinIO down took %s", name, took)
		}
	}
	chaosLogf(t, "%d uploads with MinIO down: 503, slowest answer in %s", refused, slowest.Round(time.Millisecond))
	stackCtl(t, "start", "minio")
	restarted = true
	chaosLogf(t, "MinIO was down for %s", time.Since(down).Round(100*time.Millisecond))

	// Uploads work again.
	for range 5 {
		data, name := next("after")
		submitted = append(submitted, s.mustUpload(t, data, name))
	}
	states := s.settle(t, submitted, 3*time.Minute)
	report(t, submitted, states)
	for _, id := range submitted {
		if a := states[id]; a.ProcessingStatus == "failed" {
			t.Logf("media %d failed: %s", id, a.ProcessingError)
		}
	}
	for _, id := range submitted[len(submitted)-5:] {
		if a := states[id]; a.ProcessingStatus != "ready" {
			t.Errorf("upload after MinIO came back: media %d %s %s", id, a.ProcessingStatus, a.ProcessingError)
		}
	}

	checkStoreConsistency(t, s)
}

// checkStoreConsistency matches the bucket against the rows: every row's
// files are served (so its objects exist), and every object under
// media/<uuid>/ belongs to a row. An item's original is unique here (see
// uniqueJPEG), so the ETag its URL serves names its uuid in the bucket.
func checkStoreConsistency(t *testing.T, s *stack) {
	t.Helper()
	store := s.objects(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	objects, err := store.ListInfo(ctx, "")
	if err != nil {
		t.Fatalf("list bucket: %v", err)
	}
	var keys []string
	for _, o := range objects {
		keys = append(keys, o.Key)
	}
	groups := map[string][]string{} // uuid → its objects' names
	originalETag := map[string]string{}
	for _, k := range keys {
		m := mediaKeyRE.FindStringSubmatch(k)
		if m == nil {
			t.Errorf("object %s is outside the key layout", k)
			continue
		}
		groups[m[1]] = append(groups[m[1]], m[2])
		if m[2] == "original" {
			info, err := store.Stat(ctx, k)
			if err != nil {
				t.Fatalf("stat %s: %v", k, err)
			}
			originalETag[strings.Trim(info.ETag, `"`)] = m[1]
		}
	}

	rows := s.allMedia(t)
	owner := map[string]int64{} // uuid → row
	for _, a := range rows {
		// The original's URL: source_url is the -scaled file for big
		// images; media_details.original_image names the original then.
		orig := a.SourceURL
		if a.MediaDetails.OriginalImage != "" {
			orig = a.SourceURL[:strings.LastIndex(a.SourceURL, "/")+1] + a.MediaDetails.OriginalImage
		}
		etag, ok := fetchETag(t, orig)
		if !ok {
			t.Errorf("media %d (%s): original %s is not served", a.ID, a.ProcessingStatus, orig)
			continue
		}
		id, ok := originalETag[etag]
		if !ok {
			t.Errorf("media %d: its original (ETag %s) is no original object in the bucket", a.ID, etag)
			continue
		}
		if prev, dup := owner[id]; dup {
			t.Errorf("media %d and %d share the objects of %s", prev, a.ID, id)
		}
		owner[id] = a.ID
		for _, sz := range a.MediaDetails.Sizes {
			if sz.Name == "full" {
				continue
			}
			if !slices.Contains(groups[id], "files/"+sz.File) {
				t.Errorf("media %d: size %s (%s) has no object under media/%s/", a.ID, sz.Name, sz.File, id)
			}
			if _, ok := fetchETag(t, sz.SourceURL); !ok {
				t.Errorf("media %d: %s is not served", a.ID, sz.SourceURL)
			}
		}
	}
	var orphans []string
	for id, names := range groups {
		if _, ok := owner[id]; !ok {
			sort.Strings(names)
			orphans = append(orphans, fmt.Sprintf("media/%s/ (%s)", id, strings.Join(names, ", ")))
		}
	}
	sort.Strings(orphans)
	for _, o := range orphans {
		t.Errorf("objects without a row: %s", o)
	}
	chaosLogf(t, "bucket: %d objects of %d items; %d rows; %d items without a row", len(keys), len(groups), len(rows), len(orphans))
}

// fetchETag GETs a file URL and returns its ETag when it is served.
func fetchETag(t *testing.T, url string) (string, bool) {
	t.Helper()
	resp, err := chaosClient.Get(url)
	if err != nil {
		t.Errorf("GET %s: %v", url, err)
		return "", false
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return strings.Trim(resp.Header.Get("ETag"), `"`), resp.StatusCode == http.StatusOK
}

// TestChaosPostgresRestart: Postgres stops and starts again while 30 jobs
// run; every one still ends ready.
func TestChaosPostgresRestart(t *testing.T) {
	const n = 30
	photo := readTestdata(t, "photo-1920x1080.jpg")
	s := startStackEnv(t, 2, chaosEnv)
	var ids []int64
	for i := range n {
		ids = append(ids, s.mustUpload(t, photo, fmt.Sprintf("pg-%03d.jpg", i)))
	}
	// Restart once the workers are well under way.
	seen := map[int64]attachment{}
	waitFor(t, 2*time.Minute, "3 items ready", func() bool {
		if s.states(ids, seen) != nil {
			return false
		}
		ready := 0
		for _, a := range seen {
			if a.ProcessingStatus == "ready" {
				ready++
			}
		}
		return ready >= 3
	})
	processing := 0
	for _, a := range seen {
		if a.ProcessingStatus == "processing" {
			processing++
		}
	}
	down := time.Now()
	stackCtl(t, "stop", "postgres")
	stackCtl(t, "start", "postgres")
	chaosLogf(t, "Postgres restarted with %d of %d items still processing; down for %s", processing, n, time.Since(down).Round(100*time.Millisecond))
	if processing == 0 {
		t.Error("every item was ready before Postgres stopped: the test proved nothing")
	}

	states := s.settle(t, ids, 3*time.Minute)
	report(t, ids, states)
	for _, id := range ids {
		if a := states[id]; a.ProcessingStatus != "ready" {
			t.Errorf("media %d: %s %s", id, a.ProcessingStatus, a.ProcessingError)
		}
	}
	lines := jobLines(workerOuts(s))
	retries := 0
	for _, id := range ids {
		retries += lines["job_retry"][id]
	}
	chaosLogf(t, "job_retry lines: %d", retries)
}

// TestChaosPoisonFile: two files that can never be made, one a permanent
// input error (truncated.jpg: failed at once) and one that fails as an
// internal error on every delivery (an original over the workers' load
// limit: failed after the last delivery), end failed and dead-lettered,
// while the jobs around them go on.
func TestChaosPoisonFile(t *testing.T) {
	const maxDeliver = 3
	s := startStackEnv(t, 2, map[string]string{"PIXELMILL_JOB_ACK_WAIT": "5s", "PIXELMILL_JOB_MAX_DELIVER": strconv.Itoa(maxDeliver)})
	f := newFleet(t, s)
	// The workers (not the API) load originals of at most 1 MB from now on.
	for i := range s.workers {
		if err := f.killRestart(i, "PIXELMILL_MAX_UPLOAD_BYTES=1000000"); err != nil {
			t.Fatal(err)
		}
		f.mu.Lock()
		w := s.workers[i]
		f.mu.Unlock()
		waitFor(t, time.Minute, w.name+" consuming again", func() bool { return strings.Contains(w.out.String(), `"msg":"consuming"`) })
	}
	dir := testdataDir(t)
	var ids []int64
	truncated, _ := s.uploadRaw(t, filepath.Join(dir, "truncated.jpg"), "truncated.jpg")
	big, _ := s.uploadRaw(t, filepath.Join(dir, "photo-3840x2400.jpg"), "too-big.jpg")
	ids = append(ids, truncated.ID, big.ID)
	photo := readTestdata(t, "photo-640x480.jpg")
	for i := range 20 {
		ids = append(ids, s.mustUpload(t, photo, fmt.Sprintf("poison-neighbour-%02d.jpg", i)))
	}

	states := s.settle(t, ids, 3*time.Minute)
	report(t, ids, states)
	for _, id := range ids {
		a := states[id]
		switch id {
		case truncated.ID, big.ID:
			if a.ProcessingStatus != "failed" || a.ProcessingError == "" {
				t.Errorf("poison media %d: %q %q, want failed with a reason", id, a.ProcessingStatus, a.ProcessingError)
			}
			chaosLogf(t, "media %d failed: %s", id, a.ProcessingError)
		default:
			if a.ProcessingStatus != "ready" {
				t.Errorf("media %d next to the poison: %s %s", id, a.ProcessingStatus, a.ProcessingError)
			}
		}
	}
	lines := f.jobLines()
	chaosLogf(t, "deliveries that failed and were retried: truncated %d, too big %d (max deliver %d)",
		lines["job_retry"][truncated.ID], lines["job_retry"][big.ID], maxDeliver)
	if n := lines["job_retry"][truncated.ID]; n != 0 {
		t.Errorf("truncated.jpg was retried %d times: an input error is final at once", n)
	}

	// Both sit in the dead-letter stream.
	keys := []string{s.mediaKey(t, truncated.ID), s.mediaKey(t, big.ID)}
	var list string
	deadline := time.Now().Add(30 * time.Second)
	for {
		list = s.dlq(t, "list")
		if strings.Contains(list, keys[0]) && strings.Contains(list, keys[1]) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("dlq list lacks %v after 30s:\n%s", keys, list)
		}
		time.Sleep(500 * time.Millisecond)
	}
	chaosLogf(t, "dead letters:\n%s\n%s", lineWith(list, keys[0]), lineWith(list, keys[1]))
}

// TestChaosWorkerDiesOnEveryDelivery: a job whose worker dies every time
// it runs it (as a file that crashes libvips would make it) is given up by
// JetStream after MaxDeliver; the max-deliveries advisory marks the item
// failed and dead-letters the job, and the other jobs go on.
func TestChaosWorkerDiesOnEveryDelivery(t *testing.T) {
	const maxDeliver = 3
	s := startStackEnv(t, 2, map[string]string{"PIXELMILL_JOB_ACK_WAIT": "2s", "PIXELMILL_JOB_MAX_DELIVER": strconv.Itoa(maxDeliver)})
	f := newFleet(t, s)
	dir := testdataDir(t)
	victim, _ := s.uploadRaw(t, filepath.Join(dir, "photo-3840x2400.jpg"), "crasher.jpg")
	const started = `"msg":"job_started"`
	mark := fmt.Sprintf(`"media_id":%d,`, victim.ID)

	// Kill whichever worker starts the victim's job, as often as it starts.
	stop := make(chan struct{})
	killed := make(chan int, 1)
	go func() {
		kills := 0
		defer func() { killed <- kills }()
		for {
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
			}
			f.mu.Lock()
			hit := -1
			for i, w := range s.workers {
				for _, line := range strings.Split(w.out.String(), "\n") {
					if strings.Contains(line, started) && strings.Contains(line, mark) {
						hit = i
					}
				}
			}
			f.mu.Unlock()
			if hit >= 0 {
				if err := f.killRestart(hit); err != nil {
					t.Error(err)
					return
				}
				kills++
			}
		}
	}()

	photo := readTestdata(t, "photo-640x480.jpg")
	ids := []int64{victim.ID}
	for i := range 10 {
		ids = append(ids, s.mustUpload(t, photo, fmt.Sprintf("bystander-%02d.jpg", i)))
	}
	states := s.settle(t, ids, 3*time.Minute)
	close(stop)
	kills := <-killed
	report(t, ids, states)
	chaosLogf(t, "the victim's worker was killed %d times (max deliver %d)", kills, maxDeliver)
	if kills != maxDeliver {
		t.Errorf("killed %d times, want one per delivery (%d)", kills, maxDeliver)
	}
	if a := states[victim.ID]; a.ProcessingStatus != "failed" || !strings.Contains(a.ProcessingError, "stopped the worker") {
		t.Errorf("victim: %s %q", a.ProcessingStatus, a.ProcessingError)
	}
	for _, id := range ids[1:] {
		if states[id].ProcessingStatus != "ready" {
			t.Errorf("bystander %d: %s %s", id, states[id].ProcessingStatus, states[id].ProcessingError)
		}
	}
	if list := s.dlq(t, "list"); !strings.Contains(list, s.mediaKey(t, victim.ID)) {
		t.Errorf("the victim is not in the dead-letter stream:\n%s", list)
	}
}

// TestChaosWorkerDrains: on SIGTERM a worker stops fetching, finishes the
// job it is on, and exits; the jobs it had not started go to the other
// worker.
func TestChaosWorkerDrains(t *testing.T) {
	s := startStackEnv(t, 2, chaosEnv)
	dir := testdataDir(t)
	big, _ := s.uploadRaw(t, filepath.Join(dir, "photo-3840x2400.jpg"), "drain.jpg")
	mark := fmt.Sprintf(`"media_id":%d,`, big.ID)
	var w *workerProc
	waitFor(t, time.Minute, "a worker to start the big job", func() bool {
		for _, cand := range s.workers {
			if l := lineWith(cand.out.String(), `"msg":"job_started"`); strings.Contains(cand.out.String(), mark) && l != "" {
				w = cand
				return true
			}
		}
		return false
	})
	if err := w.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	photo := readTestdata(t, "photo-640x480.jpg")
	ids := []int64{big.ID}
	for i := range 5 {
		ids = append(ids, s.mustUpload(t, photo, fmt.Sprintf("after-term-%d.jpg", i)))
	}
	exited := make(chan error, 1)
	go func() { exited <- w.cmd.Wait() }()
	select {
	case err := <-exited:
		if err != nil {
			t.Errorf("%s exited with %v after SIGTERM", w.name, err)
		}
	case <-time.After(45 * time.Second):
		t.Fatalf("%s did not exit within the drain bound", w.name)
	}
	out := w.out.String()
	done, stopped := strings.Index(out, `"msg":"job_done"`), strings.Index(out, `"msg":"stopped"`)
	if done < 0 || stopped < done || !strings.Contains(lineWith(out[done:], `"msg":"job_done"`), mark) {
		t.Errorf("%s did not finish its job before stopping:\n%s", w.name, out)
	}
	states := s.settle(t, ids, 2*time.Minute)
	report(t, ids, states)
	for _, id := range ids {
		if states[id].ProcessingStatus != "ready" {
			t.Errorf("media %d: %s", id, states[id].ProcessingStatus)
		}
	}
}
