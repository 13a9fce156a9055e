package main

import (
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pixelmill/pixelmill/services/postgres/postgrestest"
)

// TestBinariesAnswerHelpAndVersion runs both real binaries with --help,
// help, version and --version in an empty environment: each must answer at
// once and exit 0 without a configuration, a database or a broker, and an
// unknown command must exit 2 with the usage.
func TestBinariesAnswerHelpAndVersion(t *testing.T) {
	t.Parallel()
	api, worker := binaries(t)
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

// TestOperatorCommands runs the binaries' operator commands against a live
// stack: health answers the container check (0 when ready, 1 when the
// service is not there), migrate brings an empty database to the last
// migration, and requeue gives a ready item a new job, which a worker
// runs to ready again.
func TestOperatorCommands(t *testing.T) {
	s := startStack(t, 1)
	api, worker := binaries(t)
	run := func(bin string, env map[string]string, args ...string) (int, string) {
		t.Helper()
		ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, bin, args...)
		for k, v := range env {
			cmd.Env = append(cmd.Env, k+"="+v)
		}
		out, err := cmd.CombinedOutput()
		if ee, ok := err.(*exec.ExitError); ok {
			return ee.ExitCode(), string(out)
		} else if err != nil {
			t.Fatal(err)
		}
		return 0, string(out)
	}
	with := func(extra map[string]string) map[string]string {
		env := map[string]string{}
		for k, v := range s.env {
			env[k] = v
		}
		for k, v := range extra {
			env[k] = v
		}
		return env
	}

	if code, out := run(api, with(map[string]string{"PIXELMILL_HTTP_ADDR": strings.TrimPrefix(s.base, "http://")}), "health"); code != 0 {
		t.Errorf("api-service health on a ready API: %d %s", code, out)
	}
	if code, out := run(api, with(map[string]string{"PIXELMILL_HTTP_ADDR": "127.0.0.1:1"}), "health"); code != 1 || out == "" {
		t.Errorf("api-service health with no API: %d %q, want 1 with the reason", code, out)
	}
	workerAddr := logAddr(t, s.workers[0].out.String(), "consuming", "health_addr")
	if code, out := run(worker, with(map[string]string{"PIXELMILL_WORKER_HTTP_ADDR": workerAddr}), "health"); code != 0 {
		t.Errorf("worker-service health on a ready worker: %d %s", code, out)
	}

	migrations, err := filepath.Glob("../services/postgres/migrations/*.sql")
	if err != nil || len(migrations) == 0 {
		t.Fatalf("migrations: %v", err)
	}
	empty := postgrestest.NewEmptyDatabase(t)
	code, out := run(api, with(map[string]string{"PIXELMILL_DATABASE_URL": empty}), "migrate")
	if want := fmt.Sprintf("schema at version %d", len(migrations)); code != 0 || !strings.Contains(out, want) {
		t.Errorf("api-service migrate: %d %q, want %q", code, out, want)
	}

	a, _ := s.uploadRaw(t, filepath.Join(testdataDir(t), "photo-640x480.jpg"), "requeued.jpg")
	s.waitDone(t, a.ID)
	code, out = run(api, with(nil), "requeue", strconv.FormatInt(a.ID, 10))
	if code != 0 || !strings.Contains(out, "renditions job 2 issued") {
		t.Fatalf("api-service requeue: %d %q", code, out)
	}
	if a = s.waitDone(t, a.ID); a.ProcessingStatus != "ready" {
		t.Errorf("the requeued item: %s", a.ProcessingStatus)
	}
	if code, _ := run(api, with(nil), "requeue", "999999"); code != 1 {
		t.Errorf("requeue of no such item: exit %d, want 1", code)
	}
}

// binaries are both services' binaries, built once for the test process.
func binaries(t *testing.T) (api, worker string) {
	t.Helper()
	worker, err := buildWorker()
	if err != nil {
		t.Fatal(err)
	}
	if api, err = buildAPI(); err != nil {
		t.Fatal(err)
	}
	return api, worker
}
