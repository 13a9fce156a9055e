package main

import (
	"context"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestBinariesAnswerHelpAndVersion runs both real binaries with --help,
// help, version and --version in an empty environment: each must answer at
// once and exit 0 without a configuration, a database or a broker, and an
// unknown command must exit 2 with the usage.
func TestBinariesAnswerHelpAndVersion(t *testing.T) {
	t.Parallel()
	worker, err := buildWorker()
	if err != nil {
		t.Fatal(err)
	}
	api := filepath.Join(t.TempDir(), "api-service")
	if out, err := exec.Command("go", "build", "-o", api, ".").CombinedOutput(); err != nil {
		t.Fatalf("build api-service: %v\n%s", err, out)
	}
	for _, bin := range []struct{ path, name string }{{api, "api-service"}, {worker, "worker-service"}} {
		for _, args := range [][]string{{"--help"}, {"help"}, {"-h"}, {"version"}, {"--version"}, {"no-such-command"}} {
			ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
			cmd := exec.CommandContext(ctx, bin.path, args...)
			cmd.Env = []string{} // nothing configured: no database, no broker
			start := time.Now()
			out, err := cmd.CombinedOutput()
			cancel()
			took := time.Since(start)
			code := 0
			if ee, ok := err.(*exec.ExitError); ok {
				code = ee.ExitCode()
			} else if err != nil {
				t.Fatalf("%s %v: %v", bin.name, args, err)
			}
			text := string(out)
			switch {
			case args[0] == "no-such-command":
				if code != 2 || !strings.Contains(text, "unknown command") || !strings.Contains(text, "Usage:") {
					t.Errorf("%s %v: exit %d, %q; want 2 with the usage", bin.name, args, code, text)
				}
			case strings.Contains(args[0], "version"):
				if code != 0 || !strings.HasPrefix(text, bin.name+" ") || !strings.Contains(text, "go1.") {
					t.Errorf("%s %v: exit %d, %q; want 0 and the build", bin.name, args, code, text)
				}
			default:
				if code != 0 || !strings.HasPrefix(text, bin.name+" ") || !strings.Contains(text, "Usage:") || !strings.Contains(text, "PIXELMILL_") {
					t.Errorf("%s %v: exit %d, %q; want 0 and the usage", bin.name, args, code, text)
				}
			}
			if took > 5*time.Second {
				t.Errorf("%s %v took %s: it must answer without starting anything", bin.name, args, took)
			}
		}
	}
}
