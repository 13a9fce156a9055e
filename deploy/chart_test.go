package deploy

import (
	"bytes"
	"encoding/json"
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

	"sigs.k8s.io/yaml"

	"github.com/pixelmill/pixelmill/services/jobqueue"
)

const chartDir = "helm/pixelmill"

// object is one rendered Kubernetes object, as decoded from JSON.
type object = map[string]any

// helm returns the helm binary: make test's (PIXELMILL_HELM), or the one
// deploy/local/tools.sh builds and caches.
func helm(t *testing.T) string {
	t.Helper()
	if h := os.Getenv("PIXELMILL_HELM"); h != "" {
		return h
	}
	out, err := exec.Command("local/tools.sh", "path", "helm").Output()
	if err != nil {
		t.Fatalf("deploy/local/tools.sh path helm: %v", err)
	}
	return strings.TrimSpace(string(out))
}

// render runs `helm template` on the chart with the value files and
// returns its objects.
func render(t *testing.T, valueFiles ...string) []object {
	t.Helper()
	out, err := renderRaw(t, valueFiles...)
	if err != nil {
		t.Fatalf("helm template %v: %v", valueFiles, err)
	}
	var objs []object
	for _, doc := range regexp.MustCompile(`(?m)^---\s*$`).Split(out, -1) {
		js, err := yaml.YAMLToJSON([]byte(doc))
		if err != nil {
			t.Fatalf("rendered YAML does not parse: %v\n%s", err, doc)
		}
		var o object
		if err := json.Unmarshal(js, &o); err != nil {
			t.Fatal(err)
		}
		if o != nil {
			objs = append(objs, o)
		}
	}
	return objs
}

func renderRaw(t *testing.T, valueFiles ...string) (string, error) {
	t.Helper()
	args := []string{"template", "pm", chartDir, "--namespace", "media"}
	for _, f := range valueFiles {
		args = append(args, "-f", f)
	}
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(helm(t), args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return "", &renderError{err, stderr.String()}
	}
	return stdout.String(), nil
}

type renderError struct {
	err    error
	stderr string
}

func (e *renderError) Error() string { return e.err.Error() + ": " + e.stderr }

// valueSets are the chart's CI value files (helm/pixelmill/ci).
func valueSets(t *testing.T) []string {
	t.Helper()
	sets, err := filepath.Glob(filepath.Join(chartDir, "ci", "*-values.yaml"))
	if err != nil || len(sets) < 3 {
		t.Fatalf("want at least 3 value sets in %s/ci, found %v (%v)", chartDir, sets, err)
	}
	return sets
}

func TestChartLints(t *testing.T) {
	for _, set := range valueSets(t) {
		out, err := exec.Command(helm(t), "lint", "--strict", chartDir, "-f", set).CombinedOutput()
		if err != nil {
			t.Errorf("helm lint --strict with %s: %v\n%s", set, err, out)
		}
	}
}

// TestChartObjectsValidate renders every value set and validates each
// object against the Kubernetes API's and KEDA's schemas, then checks the
// references between them that no schema can.
func TestChartObjectsValidate(t *testing.T) {
	v := objectValidator(t)
	for _, set := range valueSets(t) {
		t.Run(filepath.Base(set), func(t *testing.T) {
			objs := render(t, set)
			kinds := map[string]int{}
			for _, o := range objs {
				kinds[o["kind"].(string)]++
				if err := v.validate(o); err != nil {
					t.Errorf("%s %s does not validate: %v", o["kind"], name(o), err)
				}
			}
			if kinds["Deployment"] != 2 {
				t.Errorf("rendered %v, want the API's and the workers' Deployments", kinds)
			}
			checkReferences(t, objs)
		})
	}
	// The schemas do reject what a cluster rejects.
	bad := object{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": object{"name": "x"},
		"spec": object{"replica": 2, "selector": object{}, "template": object{}}}
	if err := v.validate(bad); err == nil {
		t.Error("a Deployment with a misspelt field (spec.replica) validated")
	}
	badTrigger := object{"apiVersion": "keda.sh/v1alpha1", "kind": "ScaledObject", "metadata": object{"name": "x"},
		"spec": object{"scaleTargetRef": object{"name": "w"}, "triggers": []any{
			object{"type": "nats-jetstream", "metadata": object{"lagThreshold": 5}}}}}
	if err := v.validate(badTrigger); err == nil {
		t.Error("a ScaledObject whose trigger metadata holds a number, not a string, validated")
	}
}

// checkReferences checks what ties the objects together: selectors match
// pod labels, scalers target Deployments that exist, probes name declared
// ports, secret references name keys the Secret has, and a worker's grace
// period outlasts its drain.
func checkReferences(t *testing.T, objs []object) {
	t.Helper()
	deployments := map[string]object{}
	var secret object
	for _, o := range objs {
		switch o["kind"] {
		case "Deployment":
			deployments[name(o)] = o
			sel := dig(o, "spec", "selector", "matchLabels").(map[string]any)
			if !subset(sel, dig(o, "spec", "template", "metadata", "labels").(map[string]any)) {
				t.Errorf("Deployment %s: selector %v does not match its pods' labels", name(o), sel)
			}
		case "Secret":
			secret = o
		}
	}
	podsMatch := func(sel map[string]any) bool {
		for _, d := range deployments {
			if subset(sel, dig(d, "spec", "template", "metadata", "labels").(map[string]any)) {
				return true
			}
		}
		return false
	}
	for _, o := range objs {
		switch o["kind"] {
		case "Service":
			if sel := dig(o, "spec", "selector").(map[string]any); !podsMatch(sel) {
				t.Errorf("Service %s selects no pods: %v", name(o), sel)
			}
		case "PodDisruptionBudget":
			if sel := dig(o, "spec", "selector", "matchLabels").(map[string]any); !podsMatch(sel) {
				t.Errorf("PodDisruptionBudget %s covers no pods: %v", name(o), sel)
			}
		case "HorizontalPodAutoscaler", "ScaledObject":
			target := dig(o, "spec", "scaleTargetRef", "name").(string)
			if deployments[target] == nil {
				t.Errorf("%s %s scales %q, which is not rendered", o["kind"], name(o), target)
			}
		}
		for _, c := range containers(o) {
			checkContainer(t, o, c, secret)
		}
	}
	for _, d := range deployments {
		for _, c := range containers(d) {
			drain, ok := envValue(c, "PIXELMILL_DRAIN_TIMEOUT")
			if !ok {
				continue
			}
			dt, err := time.ParseDuration(drain)
			if err != nil {
				t.Fatalf("PIXELMILL_DRAIN_TIMEOUT=%q: %v", drain, err)
			}
			grace := dig(d, "spec", "template", "spec", "terminationGracePeriodSeconds").(float64)
			if time.Duration(grace)*time.Second <= dt {
				t.Errorf("Deployment %s: grace period %vs does not outlast the drain %v", name(d), grace, dt)
			}
		}
	}
}

func checkContainer(t *testing.T, o object, c map[string]any, secret object) {
	t.Helper()
	ports := map[string]bool{}
	for _, p := range list(c["ports"]) {
		ports[p.(map[string]any)["name"].(string)] = true
	}
	for _, probe := range []string{"startupProbe", "livenessProbe", "readinessProbe"} {
		if p, ok := dig(c, probe, "httpGet", "port").(string); ok && !ports[p] {
			t.Errorf("%s %s: %s names port %q, which the container does not declare", o["kind"], name(o), probe, p)
		}
	}
	for _, e := range list(c["env"]) {
		ref, ok := dig(e, "valueFrom", "secretKeyRef").(map[string]any)
		if !ok || secret == nil { // an existing Secret: its keys are the operator's
			continue
		}
		if ref["name"] != name(secret) {
			t.Errorf("%s %s: %s comes from Secret %q, not the rendered %q", o["kind"], name(o), e.(map[string]any)["name"], ref["name"], name(secret))
		}
		_, has := dig(secret, "stringData").(map[string]any)[ref["key"].(string)]
		if !has && ref["optional"] != true {
			t.Errorf("%s %s: %s needs key %q, which the Secret lacks", o["kind"], name(o), e.(map[string]any)["name"], ref["key"])
		}
	}
}

// TestChartRefusesMissingValues: what an install cannot do without fails
// the render with a message naming it, rather than yielding pods that
// crash.
func TestChartRefusesMissingValues(t *testing.T) {
	_, err := renderRaw(t)
	if err == nil || !strings.Contains(err.Error(), "is required") {
		t.Fatalf("helm template without values: %v, want a 'required' error", err)
	}
	noKey := filepath.Join(t.TempDir(), "no-signing-key.yaml")
	if err := os.WriteFile(noKey, []byte("secrets:\n  urlSigningKey: \"\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = renderRaw(t, filepath.Join(chartDir, "ci", "minimal-values.yaml"), noKey)
	if err == nil || !strings.Contains(err.Error(), "urlSigningKey") {
		t.Fatalf("helm template without a URL signing key: %v, want it named", err)
	}
}

// TestChartScalesOnTheRealConsumers: the KEDA triggers name the job
// queue's streams and consumers as the code declares them, and read the
// NATS monitor where the NATS chart values put it.
func TestChartScalesOnTheRealConsumers(t *testing.T) {
	objs := render(t, filepath.Join(chartDir, "ci", "minimal-values.yaml"))
	var so object
	for _, o := range objs {
		if o["kind"] == "ScaledObject" {
			so = o
		}
	}
	if so == nil {
		t.Fatal("no ScaledObject rendered with KEDA on")
	}
	want := [][2]string{{jobqueue.StreamName, jobqueue.ConsumerName}, {jobqueue.DeriveStreamName, jobqueue.DeriveConsumerName}}
	var got [][2]string
	nats := natsValues(t)
	for _, tr := range list(dig(so, "spec", "triggers")) {
		md := dig(tr, "metadata").(map[string]any)
		if tr.(map[string]any)["type"] != "nats-jetstream" {
			t.Errorf("trigger type %v, want nats-jetstream", tr.(map[string]any)["type"])
		}
		got = append(got, [2]string{md["stream"].(string), md["consumer"].(string)})
		// KEDA asks the consumer's leader node as <pod>.<endpoint>, so the
		// endpoint must be the NATS chart's headless service and monitor
		// port (release "nats" in namespace "nats", as nats-values.yaml's
		// install line has it).
		wantEndpoint := "nats-headless.nats.svc.cluster.local:" + strconv.Itoa(int(dig(nats, "config", "monitor", "port").(float64)))
		if md["natsServerMonitoringEndpoint"] != wantEndpoint {
			t.Errorf("trigger endpoint %v, want %s", md["natsServerMonitoringEndpoint"], wantEndpoint)
		}
		if md["account"] != "$G" {
			t.Errorf("trigger account %v, want $G (no accounts configured)", md["account"])
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("triggers on %v, want %v", got, want)
	}
}

// TestNATSValuesGiveAJetStreamCluster: the values for the official NATS
// chart describe the cluster the Pixelmill chart's defaults assume.
func TestNATSValuesGiveAJetStreamCluster(t *testing.T) {
	nats := natsValues(t)
	for path, want := range map[string]any{
		"config.cluster.enabled":                 true,
		"config.cluster.replicas":                float64(3),
		"config.jetstream.enabled":               true,
		"config.jetstream.fileStore.enabled":     true,
		"config.jetstream.fileStore.pvc.enabled": true,
		"config.monitor.enabled":                 true,
		"podDisruptionBudget.enabled":            true,
	} {
		if got := dig(nats, strings.Split(path, ".")...); got != want {
			t.Errorf("nats-values.yaml %s = %v, want %v", path, got, want)
		}
	}
	chart := chartValues(t)
	if r := dig(chart, "nats", "streamReplicas").(float64); r > dig(nats, "config", "cluster", "replicas").(float64) {
		t.Errorf("the chart asks for %v stream replicas on a %v-node cluster", r, dig(nats, "config", "cluster", "replicas"))
	}
}

// TestChartSetsOnlyVariablesTheCodeReads: every PIXELMILL_* (and OTEL_*)
// variable a rendered container gets is one its binary reads, so a typo or
// a renamed variable cannot pass silently.
func TestChartSetsOnlyVariablesTheCodeReads(t *testing.T) {
	reads := map[string]map[string]bool{"api-service": binaryEnv(t, "api-service"), "worker-service": binaryEnv(t, "worker-service")}
	checked := 0
	for _, set := range valueSets(t) {
		for _, o := range render(t, set) {
			for _, c := range containers(o) {
				image, _ := c["image"].(string)
				binary := "api-service"
				if strings.Contains(image, "worker-service") {
					binary = "worker-service"
				}
				for _, e := range list(c["env"]) {
					n := e.(map[string]any)["name"].(string)
					if !strings.HasPrefix(n, "PIXELMILL_") && !strings.HasPrefix(n, "OTEL_") {
						continue
					}
					checked++
					if !reads[binary][n] {
						t.Errorf("%s: %s %s sets %s, which %s does not read", filepath.Base(set), o["kind"], name(o), n, binary)
					}
				}
			}
		}
	}
	if checked < 40 {
		t.Errorf("checked only %d variables; the renders lost their env?", checked)
	}
}

var (
	envOnce sync.Map // binary → map[string]bool
)

// binaryEnv runs the binary's `env` command and returns the names it
// reads.
func binaryEnv(t *testing.T, binary string) map[string]bool {
	t.Helper()
	if m, ok := envOnce.Load(binary); ok {
		return m.(map[string]bool)
	}
	cmd := exec.Command("go", "run", "../"+binary, "env")
	cmd.Env = os.Environ()
	out, err := cmd.Output()
	if err != nil {
		var stderr string
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = string(ee.Stderr)
		}
		t.Fatalf("go run %s env: %v\n%s", binary, err, stderr)
	}
	names := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		n, _, ok := strings.Cut(line, "=")
		if !ok {
			t.Fatalf("%s env printed %q, want NAME=default", binary, line)
		}
		names[n] = true
	}
	if len(names) < 10 {
		t.Fatalf("%s env listed %d variables", binary, len(names))
	}
	envOnce.Store(binary, names)
	return names
}

func natsValues(t *testing.T) object { return yamlFile(t, "helm/nats-values.yaml") }

func chartValues(t *testing.T) object { return yamlFile(t, filepath.Join(chartDir, "values.yaml")) }

func yamlFile(t *testing.T, path string) object {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var o object
	if err := yaml.Unmarshal(raw, &o); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return o
}

// containers returns the containers of a workload's pod template.
func containers(o object) []map[string]any {
	var pod any
	switch o["kind"] {
	case "Deployment", "StatefulSet", "Job", "DaemonSet":
		pod = dig(o, "spec", "template", "spec")
	default:
		return nil
	}
	var cs []map[string]any
	for _, c := range list(dig(pod, "containers")) {
		cs = append(cs, c.(map[string]any))
	}
	return cs
}

func envValue(c map[string]any, name string) (string, bool) {
	for _, e := range list(c["env"]) {
		if e := e.(map[string]any); e["name"] == name {
			v, ok := e["value"].(string)
			return v, ok
		}
	}
	return "", false
}

func name(o object) string {
	n, _ := dig(o, "metadata", "name").(string)
	return n
}

// dig walks nested maps; nil when a step is missing.
func dig(v any, path ...string) any {
	for _, p := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[p]
	}
	return v
}

func list(v any) []any {
	l, _ := v.([]any)
	return l
}

// subset reports whether every label of sel is in labels.
func subset(sel, labels map[string]any) bool {
	for k, v := range sel {
		if labels[k] != v {
			return false
		}
	}
	return len(sel) > 0
}
