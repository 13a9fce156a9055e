package sandbox

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestRun(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	l := Limits{Wall: 10 * time.Second, CPU: 10 * time.Second, Memory: 256 << 20, Output: 1 << 20}

	out, err := Run(ctx, l, "echo", "hello")
	if err != nil || string(out) != "hello\n" {
		t.Fatalf("echo: %q %v", out, err)
	}

	for _, tt := range []struct {
		name   string
		limits Limits
		args   []string
		reason string
	}{
		{"a hang is killed at the wall-time limit", Limits{Wall: 300 * time.Millisecond}, []string{"sleep", "30"}, "wall-time limit"},
		{"a crash is reported, not shared", l, []string{"sh", "-c", "kill -SEGV $$"}, "segmentation fault"},
		{"a failure keeps its exit status and stderr", l, []string{"sh", "-c", "echo bad input >&2; exit 3"}, "exited with status 3: bad input"},
		// tail keeps the last 200 MB in memory: over a 100 MB address space.
		{"memory over the limit fails the run", Limits{Wall: 10 * time.Second, Memory: 100 << 20},
			[]string{"sh", "-c", "head -c 300000000 /dev/zero | tail -c 200000000 >/dev/null"}, "exited with status"},
		{"output over the limit fails the run", Limits{Wall: 10 * time.Second, Output: 1000}, []string{"head", "-c", "5000", "/dev/zero"}, "output limit"},
	} {
		start := time.Now()
		_, err := Run(ctx, tt.limits, tt.args[0], tt.args[1:]...)
		var e *Error
		if !errors.As(err, &e) || !strings.Contains(err.Error(), tt.reason) {
			t.Errorf("%s: %v, want an *Error with %q", tt.name, err, tt.reason)
		}
		if time.Since(start) > 5*time.Second {
			t.Errorf("%s: took %s", tt.name, time.Since(start))
		}
	}
}

// TestNoNetwork: where the kernel gives children a network namespace, they
// see no interface but loopback; the probe says which it is.
func TestNoNetwork(t *testing.T) {
	t.Parallel()
	iso := Probe()
	out, err := Run(context.Background(), DefaultLimits(), "cat", "/proc/net/dev")
	if err != nil {
		t.Fatal(err)
	}
	var ifaces []string
	for _, line := range strings.Split(string(out), "\n") {
		if name, _, ok := strings.Cut(line, ":"); ok && !strings.Contains(name, "|") {
			ifaces = append(ifaces, strings.TrimSpace(name))
		}
	}
	if iso.Network && (len(ifaces) != 1 || ifaces[0] != "lo") {
		t.Fatalf("isolated children see interfaces %v", ifaces)
	}
	if !iso.Network && iso.Reason == "" {
		t.Fatal("no network namespace, and no reason given")
	}
	t.Logf("network namespace: %v (%s); interfaces seen: %v", iso.Network, iso.Reason, ifaces)
}
