package main

import (
	"bufio"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"
)

// scrape reads a Prometheus text page into sums by metric name (every
// series of a name added up) and the label sets seen, by name.
func scrape(t *testing.T, url string) (sums map[string]float64, labels map[string][]string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain") {
		t.Fatalf("%s: %d %s", url, resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	sums, labels = map[string]float64{}, map[string][]string{}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		series, value := line[:i], line[i+1:]
		name, lbl, _ := strings.Cut(series, "{")
		v, err := strconv.ParseFloat(value, 64)
		if err != nil {
			t.Fatalf("line %q: %v", line, err)
		}
		sums[name] += v
		labels[name] = append(labels[name], strings.TrimSuffix(lbl, "}"))
	}
	return sums, labels
}

// logAddr is the address a process logged under msg's key.
func logAddr(t *testing.T, log, msg, key string) string {
	t.Helper()
	m := regexp.MustCompile(`"msg":"` + msg + `"[^\n]*"` + key + `":"([^"]+)"`).FindStringSubmatch(log)
	if m == nil {
		t.Fatalf("no %s %s in the log", msg, key)
	}
	return m[1]
}

// TestMetrics scrapes both services' metrics on a live stack, before and
// after uploads are processed (a photo, an MP3, a failing file), a
// webhook is delivered and a rate limit refuses a request: every metric
// the dashboard and the alert rules name is exported, and the ones the
// work should move have moved.
func TestMetrics(t *testing.T) {
	hooks := newHookReceiver(t)
	s := startStackEnv(t, 1, map[string]string{"PIXELMILL_WEBHOOK_ALLOW_PRIVATE": "true"})
	api := "http://" + logAddr(t, s.apiLog.String(), "metrics", "addr") + "/metrics"
	worker := "http://" + logAddr(t, s.workers[0].out.String(), "consuming", "health_addr") + "/metrics"

	key := newAPIKey(t, s.base, map[string]any{"name": "metrics", "scopes": []string{"read", "write"}, "rate_limit": 2})
	r := key.json("POST", "/v1/webhooks", map[string]any{"url": hooks.url})
	v1Expect(t, r, 201, "")
	var wh struct {
		Secret string `json:"secret"`
	}
	r.data(t, &wh)
	hooks.setSecret(wh.Secret)

	before, _ := scrape(t, api)
	dir := testdataDir(t)
	photo, _ := s.uploadRaw(t, filepath.Join(dir, "photo-640x480.jpg"), "metrics.jpg")
	song, _ := s.uploadRaw(t, filepath.Join(dir, "media", "speech.mp3"), "metrics.mp3")
	broken, _ := s.uploadRaw(t, filepath.Join(dir, "truncated.jpg"), "broken.jpg")
	// A /v1 upload, whose ready event is the webhook's.
	v1Expect(t, key.multipart(filepath.Join(dir, "photo-640x480.jpg"), "hooked.jpg"), 201, "")
	for _, id := range []int64{photo.ID, song.ID, broken.ID} {
		s.waitDone(t, id)
	}
	// The key allows 2 requests a minute: the third is refused.
	key.do("GET", "/v1/media", nil, nil)
	v1Expect(t, key.do("GET", "/v1/media", nil, nil), 429, "rate_limited")
	// The receiver answers a first attempt 503; any attempt counts.
	waitFor(t, time.Minute, "a webhook delivery attempt", func() bool {
		sums, _ := scrape(t, api)
		return sums["pixelmill_webhook_deliveries_total"] > before["pixelmill_webhook_deliveries_total"]
	})

	after, apiLabels := scrape(t, api)
	work, workLabels := scrape(t, worker)
	for _, name := range []string{
		"http_server_request_duration_seconds_count", "pixelmill_upload_received_bytes_total",
		"pixelmill_ratelimit_refusals_total", "pixelmill_webhook_deliveries_total",
	} {
		if after[name] <= before[name] {
			t.Errorf("api %s: %v, then %v: did not move", name, before[name], after[name])
		}
	}
	for _, name := range []string{
		"pixelmill_outbox_pending", "pixelmill_outbox_oldest_age_seconds", "pixelmill_items_processing",
		"pixelmill_items_processing_oldest_age_seconds", "pixelmill_queue_pending", "pixelmill_queue_ack_pending",
		"pixelmill_deadletters",
	} {
		if _, ok := after[name]; !ok {
			t.Errorf("api: %s is not exported", name)
		}
	}
	if after["pixelmill_deadletters"] < 1 {
		t.Errorf("api: %v dead letters, the broken JPEG's at least", after["pixelmill_deadletters"])
	}
	if ls := strings.Join(apiLabels["http_server_request_duration_seconds_count"], "\n"); !strings.Contains(ls, `http_route="/wp-json/wp/v2/media"`) ||
		!strings.Contains(ls, `pixelmill_dialect="wordpress"`) || !strings.Contains(ls, `pixelmill_dialect="v1"`) || !strings.Contains(ls, `http_response_status_code="429"`) {
		t.Errorf("api request series lack a route, a dialect or a status:\n%s", ls)
	}
	for _, name := range []string{
		"pixelmill_jobs_total", "pixelmill_job_duration_seconds_count", "pixelmill_job_queue_wait_seconds_count",
	} {
		if work[name] < 3 {
			t.Errorf("worker %s: %v, want the 3 jobs at least", name, work[name])
		}
	}
	if _, ok := work["pixelmill_jobs_in_flight"]; !ok {
		t.Error("worker: pixelmill_jobs_in_flight is not exported")
	}
	if work["pixelmill_vips_memory_bytes"] <= 0 {
		t.Errorf("worker: libvips memory %v", work["pixelmill_vips_memory_bytes"])
	}
	// Every metric the alert rules and the dashboard name is exported.
	for _, file := range []string{"../deploy/prometheus/alerts.yml", "../deploy/grafana/pixelmill.json"} {
		for _, name := range namedMetrics(t, file) {
			_, inAPI := after[name]
			_, inWorker := work[name]
			if !inAPI && !inWorker {
				t.Errorf("%s names %s, which no service exports", file, name)
			}
		}
	}
	if ls := strings.Join(workLabels["pixelmill_jobs_total"], "\n"); !strings.Contains(ls, `kind="audio"`) || !strings.Contains(ls, `outcome="failed"`) || !strings.Contains(ls, `outcome="done"`) {
		t.Errorf("worker job series lack a kind or an outcome:\n%s", ls)
	}
}

// namedMetrics are the metric names in a rules file's or a dashboard's
// expressions, which must parse as YAML or JSON.
func namedMetrics(t *testing.T, file string) []string {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var exprs []string
	if strings.HasSuffix(file, ".json") {
		var dash struct {
			Panels []struct {
				Targets []struct {
					Expr string `json:"expr"`
				} `json:"targets"`
			} `json:"panels"`
		}
		if err := json.Unmarshal(data, &dash); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		for _, p := range dash.Panels {
			for _, tg := range p.Targets {
				exprs = append(exprs, tg.Expr)
			}
		}
	} else {
		var rules struct {
			Groups []struct {
				Rules []struct {
					Alert string `yaml:"alert"`
					Expr  string `yaml:"expr"`
				} `yaml:"rules"`
			} `yaml:"groups"`
		}
		if err := yaml.Unmarshal(data, &rules); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		for _, g := range rules.Groups {
			for _, r := range g.Rules {
				exprs = append(exprs, r.Expr)
			}
		}
	}
	if len(exprs) < 5 {
		t.Fatalf("%s: %d expressions", file, len(exprs))
	}
	seen := map[string]bool{}
	var names []string
	for _, e := range exprs {
		// Label names (in by (…) and in selectors) are not metrics.
		e = labelParts.ReplaceAllString(e, "")
		for _, n := range metricName.FindAllString(e, -1) {
			if !seen[n] {
				seen[n] = true
				names = append(names, n)
			}
		}
	}
	return names
}

var labelParts = regexp.MustCompile(`by \([^)]*\)|\{[^}]*\}`)

var metricName = regexp.MustCompile(`\b(pixelmill_[a-z_]+|http_server_[a-z_]+)\b`)
