package main

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// buildAPI compiles api-service once per test binary, for tests that need
// it as a process of its own (a second replica, its memory measured).
var buildAPI = sync.OnceValues(func() (string, error) {
	bin, err := buildWorker() // makes workerBinDir, removed by TestMain
	if err != nil {
		return "", err
	}
	out := filepath.Join(filepath.Dir(bin), "api-service")
	cmd := exec.Command("go", "build", "-o", out, ".")
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("build api-service: %v\n%s", err, b)
	}
	return out, nil
})

// apiProcess is an API replica running as its own process.
type apiProcess struct {
	base string
	cmd  *exec.Cmd
	out  *syncBuffer
}

var listeningRE = regexp.MustCompile(`"msg":"listening".*?"addr":"([^"]+)"`)

// startAPIProcess starts another API replica on the stack's database,
// broker and bucket; extra are more NAME=value variables.
func startAPIProcess(t *testing.T, s *stack, extra ...string) *apiProcess {
	t.Helper()
	bin, err := buildAPI()
	if err != nil {
		t.Fatal(err)
	}
	proc := startProcess(t, "api replica", bin, s.env, extra...)
	p := &apiProcess{cmd: proc.cmd, out: proc.out}
	waitFor(t, 60*time.Second, "the API replica listening", func() bool { return listeningRE.MatchString(p.out.String()) })
	p.base = "http://" + listeningRE.FindStringSubmatch(p.out.String())[1]
	return p
}

// peakRSS is the process's high-water resident set (VmHWM), in bytes.
func (p *apiProcess) peakRSS(t *testing.T) int64 { return procStatus(t, p.cmd.Process.Pid, "VmHWM") }

// procStatus reads a memory field ("VmRSS", "VmHWM") of /proc/PID/status,
// in bytes.
func procStatus(t *testing.T, pid int, field string) int64 {
	t.Helper()
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), field+":"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return kb << 10
		}
	}
	t.Fatalf("no %s in /proc/%d/status", field, pid)
	return 0
}

// TestReadCacheAcrossReplicas checks the read cache's invalidation: an
// item each replica has cached, changed through one of them, reads changed
// at once there and within moments on the other, whose cache Postgres's
// notice drops.
func TestReadCacheAcrossReplicas(t *testing.T) {
	s := startStack(t, 1)
	b := startAPIProcess(t, s)
	a := s.uploadMultipart(t, filepath.Join(testdataDir(t), "photo-640x480.jpg"), "Before")
	s.waitDone(t, a.ID)
	admin := func(base string) wpClient { return wpClient{t: t, base: base, login: "admin", pass: adminPassword} }
	// The title as an editor reads it, and as anonymous readers do: the
	// anonymous view is also kept encoded (the second read of it is served
	// from there) and must change with the item.
	title := func(base string) string {
		var got attachment
		admin(base).do("GET", fmt.Sprintf("/wp-json/wp/v2/media/%d?context=edit", a.ID), nil, nil).json(t, &got)
		titles := []string{got.Title.Raw}
		for range 2 {
			var view attachment
			wpClient{t: t, base: base}.do("GET", fmt.Sprintf("/wp-json/wp/v2/media/%d", a.ID), nil, nil).json(t, &view)
			titles = append(titles, view.Title.Rendered)
		}
		if titles[1] != titles[0] || titles[2] != titles[0] {
			return fmt.Sprintf("disagreeing titles %q", titles)
		}
		return titles[0]
	}
	// Both replicas read (and cache) it.
	for range 3 {
		if title(s.base) != "Before" || title(b.base) != "Before" {
			t.Fatalf("not the uploaded title: %s, %s", title(s.base), title(b.base))
		}
	}
	for i, writer := range []string{s.base, b.base} {
		reader := []string{b.base, s.base}[i]
		want := fmt.Sprintf("After %d", i)
		if r := admin(writer).form("POST", fmt.Sprintf("/wp-json/wp/v2/media/%d", a.ID), url.Values{"title": {want}}); r.status != 200 {
			t.Fatalf("update: %d %s", r.status, r.body)
		}
		if got := title(writer); got != want {
			t.Fatalf("the writing replica reads %q after its own write, want %q", got, want)
		}
		start := time.Now()
		waitFor(t, 5*time.Second, "the other replica to read the change", func() bool { return title(reader) == want })
		t.Logf("the other replica read the change after %s", time.Since(start))
	}
}

// TestLameDuck stops a replica with PIXELMILL_SHUTDOWN_DELAY set: from the
// signal on, /readyz answers 503 (a load balancer's probe takes the replica
// out) while requests are still answered, and only after the delay does it
// stop listening and exit cleanly.
func TestLameDuck(t *testing.T) {
	s := startStack(t, 0)
	p := startAPIProcess(t, s, "PIXELMILL_SHUTDOWN_DELAY=3s")
	status := func(path string) (int, string) {
		resp, err := http.Get(p.base + path)
		if err != nil {
			return 0, err.Error()
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	if code, body := status("/readyz"); code != 200 {
		t.Fatalf("/readyz before the signal: %d %s", code, body)
	}
	signalled := time.Now()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 2*time.Second, "/readyz to fail once stopping", func() bool {
		code, body := status("/readyz")
		return code == 503 && strings.Contains(body, "shutting down")
	})
	if code, body := status("/wp-json/wp/v2/media"); code != 200 {
		t.Errorf("a request during the lame duck: %d %s, want it answered", code, body)
	}
	exited := make(chan error, 1)
	go func() { exited <- p.cmd.Wait() }()
	select {
	case err := <-exited:
		if took := time.Since(signalled); took < 3*time.Second {
			t.Errorf("exited %v after the signal, before its 3 s lame duck", took)
		}
		if err != nil {
			t.Errorf("exit: %v\n%s", err, p.out.String())
		}
	case <-time.After(40 * time.Second):
		t.Fatal("the replica did not exit within 40 s of SIGTERM")
	}
	if code, _ := status("/healthz"); code != 0 {
		t.Errorf("still answering after exit: %d", code)
	}
	if !strings.Contains(p.out.String(), `"msg":"lame_duck"`) {
		t.Errorf("no lame_duck log line:\n%s", p.out.String())
	}
}
