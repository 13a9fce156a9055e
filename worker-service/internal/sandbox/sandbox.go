// Package sandbox runs the media decoders that live outside libvips
// (FFmpeg, poppler's PDF tools) as child processes that can't take the
// worker down with them: each runs under a wall-time limit (its whole
// process group is killed when it passes), a CPU-time and an address-space
// limit and no core dump (util-linux's prlimit), and, where the kernel
// lets an unprivileged process have one, in a network namespace of its own
// with no interface but loopback (util-linux's unshare). A decoder that
// crashes, hangs or runs out of memory is an error its caller words as the
// item's reason.
package sandbox

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Limits bound one run.
type Limits struct {
	// Wall is the most time it may take, start to exit.
	Wall time.Duration
	// CPU is the most CPU time it may use (RLIMIT_CPU, whole seconds).
	CPU time.Duration
	// Memory is the most address space it may map (RLIMIT_AS), in bytes.
	Memory int64
	// Output is the most bytes it may write to its standard output.
	Output int64
}

// DefaultLimits suit one decode of one upload on a worker of a few GiB.
func DefaultLimits() Limits {
	return Limits{Wall: 60 * time.Second, CPU: 60 * time.Second, Memory: 2 << 30, Output: 256 << 20}
}

// Error is a run that failed: the tool's exit, its signal, a limit it
// passed, and the end of what it wrote to its standard error.
type Error struct {
	Tool   string
	Reason string // "exited with status 1", "killed after 60s (wall-time limit)", …
	Stderr string
}

func (e *Error) Error() string {
	if e.Stderr == "" {
		return e.Tool + " " + e.Reason
	}
	return e.Tool + " " + e.Reason + ": " + e.Stderr
}

// Isolation says how the children are shut off from the network.
type Isolation struct {
	// Network is true when each child runs in a network namespace of its
	// own; false when the kernel refused one (then the tools' own options
	// keep them to local files: FFmpeg's protocol whitelist).
	Network bool
	Reason  string // why not, when Network is false
}

var (
	probeOnce sync.Once
	isolation Isolation
)

// Probe reports, once for the process, whether children get a network
// namespace of their own.
func Probe() Isolation {
	probeOnce.Do(func() {
		out, err := exec.Command("unshare", "--user", "--net", "--", "true").CombinedOutput()
		if err != nil {
			isolation = Isolation{Reason: strings.TrimSpace(string(out) + " " + err.Error())}
			return
		}
		isolation = Isolation{Network: true}
	})
	return isolation
}

// Run runs tool with args under l and returns what it wrote to its
// standard output.
func Run(ctx context.Context, l Limits, tool string, args ...string) ([]byte, error) {
	if l.Wall <= 0 {
		l = DefaultLimits()
	}
	ctx, cancel := context.WithTimeout(ctx, l.Wall)
	defer cancel()
	argv := []string{"prlimit", "--core=0"}
	if l.CPU > 0 {
		argv = append(argv, "--cpu="+strconv.Itoa(max(1, int(l.CPU.Seconds()))))
	}
	if l.Memory > 0 {
		argv = append(argv, "--as="+strconv.FormatInt(l.Memory, 10))
	}
	argv = append(argv, "--")
	if Probe().Network {
		argv = append(argv, "unshare", "--user", "--net", "--")
	}
	argv = append(argv, tool)
	argv = append(argv, args...)
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	// prlimit and unshare exec the tool in place: one process, in a group
	// of its own, which a timeout kills whole.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 2 * time.Second
	cmd.Env = []string{"PATH=/usr/local/bin:/usr/bin:/bin", "LC_ALL=C.UTF-8"}
	stdout := &capped{max: l.Output}
	stderr := &capped{max: 4 << 10, keepTail: true}
	cmd.Stdout, cmd.Stderr = stdout, stderr
	start := time.Now()
	err := cmd.Run()
	if err == nil && stdout.over {
		return nil, &Error{Tool: tool, Reason: fmt.Sprintf("wrote more than %d bytes (output limit)", l.Output)}
	}
	if err == nil {
		return stdout.Bytes(), nil
	}
	e := &Error{Tool: tool, Stderr: lastLines(stderr.String(), 3)}
	var exit *exec.ExitError
	switch {
	case ctx.Err() == context.DeadlineExceeded:
		e.Reason = fmt.Sprintf("killed after %s (wall-time limit)", time.Since(start).Round(100*time.Millisecond))
	case errors.As(err, &exit):
		if ws, ok := exit.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			e.Reason = "was killed by " + ws.Signal().String()
			if ws.Signal() == syscall.SIGXCPU || ws.Signal() == syscall.SIGKILL && l.CPU > 0 && exit.ProcessState.UserTime() >= l.CPU {
				e.Reason += " (CPU-time limit)"
			}
		} else {
			e.Reason = fmt.Sprintf("exited with status %d", exit.ExitCode())
		}
	default:
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		e.Reason = "could not run: " + err.Error()
	}
	return nil, e
}

// Version is the first line a tool prints of its version, for the log.
func Version(tool string, args ...string) string {
	out, err := exec.Command(tool, args...).CombinedOutput()
	if err != nil && len(out) == 0 {
		return "not found: " + err.Error()
	}
	line, _, _ := strings.Cut(strings.TrimSpace(string(out)), "\n")
	return line
}

// capped keeps at most max bytes: the first ones, or with keepTail the
// last ones; over says something was dropped. It has no ReadFrom, so that
// io.Copy goes through Write.
type capped struct {
	buf      bytes.Buffer
	max      int64
	keepTail bool
	over     bool
}

func (c *capped) Write(p []byte) (int, error) {
	n := len(p)
	if room := c.max - int64(c.buf.Len()); c.max > 0 && int64(len(p)) > room {
		c.over = true
		if c.keepTail {
			b := append(c.buf.Bytes(), p...)
			c.buf.Reset()
			c.buf.Write(b[int64(len(b))-c.max:])
			return n, nil
		}
		p = p[:max(room, 0)]
	}
	c.buf.Write(p)
	return n, nil
}

func (c *capped) Bytes() []byte  { return c.buf.Bytes() }
func (c *capped) String() string { return c.buf.String() }

// lastLines is the last n non-empty lines of s, joined by "; ".
func lastLines(s string, n int) string {
	var lines []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			lines = append(lines, l)
		}
	}
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "; ")
}
