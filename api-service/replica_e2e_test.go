package main

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
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
// broker and bucket.
func startAPIProcess(t *testing.T, s *stack) *apiProcess {
	t.Helper()
	bin, err := buildAPI()
	if err != nil {
		t.Fatal(err)
	}
	proc := startProcess(t, "api replica", bin, s.env)
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
