package main

import (
	"context"
	"fmt"
	"net/http"
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
// runs to ready again; env lists the variables read, and keys makes,
// lists and revokes API keys that the running API honours.
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

	// env lists what the binary reads with its defaults, never the values
	// set (which may be secrets).
	code, out = run(api, with(map[string]string{"PIXELMILL_HTTP_ADDR": "0.0.0.0:1234", "PIXELMILL_URL_SIGNING_KEY": "a-secret-set-here"}), "env")
	if code != 0 || !strings.Contains(out, "PIXELMILL_HTTP_ADDR=127.0.0.1:8080\n") ||
		!strings.Contains(out, "PIXELMILL_SHUTDOWN_DELAY=0s\n") || strings.Contains(out, "a-secret-set-here") {
		t.Errorf("api-service env: %d\n%s", code, out)
	}
	if code, out = run(worker, nil, "env"); code != 0 || !strings.Contains(out, "PIXELMILL_DRAIN_TIMEOUT=30s\n") {
		t.Errorf("worker-service env: %d\n%s", code, out)
	}

	// keys: a key made on the command line opens /v1, is listed without
	// itself, and stops working on the running API once revoked.
	code, out = run(api, with(nil), "keys", "create", "--scopes", "read", "ci-robot")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	key := lines[len(lines)-1]
	if code != 0 || !strings.HasPrefix(key, "pm_") {
		t.Fatalf("api-service keys create: %d %q", code, out)
	}
	id := strings.Fields(lines[0])[1]
	v1Status := func() int {
		req, _ := http.NewRequest("GET", s.base+"/v1/media", nil)
		req.Header.Set("Authorization", "Bearer "+key)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if st := v1Status(); st != 200 {
		t.Errorf("GET /v1/media with the new key: %d", st)
	}
	code, out = run(api, with(nil), "keys", "list")
	if code != 0 || !strings.Contains(out, "ci-robot") || !strings.Contains(out, key[:9]+"…") || strings.Contains(out, key) {
		t.Errorf("api-service keys list: %d\n%s", code, out)
	}
	if code, out = run(api, with(nil), "keys", "create", "--owner", "nobody", "x"); code != 1 || !strings.Contains(out, `no user "nobody"`) {
		t.Errorf("keys create for no such owner: %d %q", code, out)
	}
	if code, out = run(api, with(nil), "keys", "create", "--scopes", "admin", "x"); code != 1 || !strings.Contains(out, "unknown scope") {
		t.Errorf("keys create with a bad scope: %d %q", code, out)
	}
	if code, out = run(api, with(nil), "keys", "revoke", id); code != 0 || !strings.Contains(out, "revoked") {
		t.Fatalf("api-service keys revoke %s: %d %q", id, code, out)
	}
	waitFor(t, 10*time.Second, "the revoked key to be refused", func() bool { return v1Status() == 401 })
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
