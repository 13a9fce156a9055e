package main

import (
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/protobuf/proto"
)

// otlpSpan is a span as the receiver got it.
type otlpSpan struct {
	trace, id, parent, name, service, instance string
	attrs                                      map[string]string
}

// otlpReceiver is an OTLP/HTTP trace receiver: it keeps every span the
// services export to it.
type otlpReceiver struct {
	url   string
	mu    sync.Mutex
	spans []otlpSpan
}

func newOTLPReceiver(t *testing.T) *otlpReceiver {
	r := &otlpReceiver{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		var ex coltracepb.ExportTraceServiceRequest
		if req.URL.Path != "/v1/traces" || proto.Unmarshal(body, &ex) != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		r.mu.Lock()
		defer r.mu.Unlock()
		for _, rs := range ex.ResourceSpans {
			res := map[string]string{}
			for _, kv := range rs.GetResource().GetAttributes() {
				res[kv.Key] = kv.GetValue().GetStringValue()
			}
			for _, ss := range rs.ScopeSpans {
				for _, sp := range ss.Spans {
					attrs := map[string]string{}
					for _, kv := range sp.Attributes {
						attrs[kv.Key] = kv.GetValue().GetStringValue()
					}
					r.spans = append(r.spans, otlpSpan{hex.EncodeToString(sp.TraceId), hex.EncodeToString(sp.SpanId),
						hex.EncodeToString(sp.ParentSpanId), sp.Name, res["service.name"], res["service.instance.id"], attrs})
				}
			}
		}
		w.Header().Set("Content-Type", "application/x-protobuf")
		_, _ = w.Write(nil)
	}))
	t.Cleanup(srv.Close)
	r.url = srv.URL
	return r
}

func (r *otlpReceiver) all() []otlpSpan {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]otlpSpan(nil), r.spans...)
}

// TestUploadTrace exports the traces of one upload to an OTLP receiver:
// the request's span in the API, and in the same trace the worker's job
// span, named for its worker, with the object-store read and write, the
// Postgres queries and the libvips stages beneath it.
func TestUploadTrace(t *testing.T) {
	recv := newOTLPReceiver(t)
	s := startStackEnv(t, 1, map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": recv.url, "OTEL_TRACES_SAMPLER": "always_on"})
	a, _ := s.uploadRaw(t, filepath.Join(testdataDir(t), "photo-640x480.jpg"), "traced.jpg")
	if a = s.waitDone(t, a.ID); a.ProcessingStatus != "ready" {
		t.Fatalf("upload %s", a.ProcessingStatus)
	}
	var upload, job otlpSpan
	var under []otlpSpan
	waitFor(t, 30*time.Second, "the upload's trace", func() bool {
		spans := recv.all()
		upload, job = otlpSpan{}, otlpSpan{}
		for _, sp := range spans {
			if sp.service == "api-service" && sp.parent == "" && strings.Contains(sp.name, "/wp-json/wp/v2/media") && strings.HasPrefix(sp.name, "POST") {
				upload = sp
			}
		}
		for _, sp := range spans {
			if sp.service == "worker-service" && sp.name == "job renditions" && sp.trace == upload.trace {
				job = sp
			}
		}
		if upload.id == "" || job.id == "" {
			return false
		}
		// Every span beneath the job, at any depth.
		byParent := map[string][]otlpSpan{}
		for _, sp := range spans {
			byParent[sp.parent] = append(byParent[sp.parent], sp)
		}
		under = nil
		for queue := []string{job.id}; len(queue) > 0; queue = queue[1:] {
			for _, c := range byParent[queue[0]] {
				under = append(under, c)
				queue = append(queue, c.id)
			}
		}
		names := map[string]bool{}
		for _, sp := range under {
			names[sp.name] = true
		}
		return names["S3.ReadAll"] && names["S3.PutObject"] && names["imaging.Process"] && names["imaging.rendition"]
	})
	if job.instance != "worker-1" {
		t.Errorf("the job span's resource names worker %q, want worker-1", job.instance)
	}
	found := map[string]bool{}
	for _, sp := range under {
		found[sp.name] = true
		if sp.attrs["db.system"] == "postgresql" || sp.attrs["db.system.name"] == "postgresql" {
			found["postgres"] = true
		}
	}
	for _, want := range []string{"S3.ReadAll", "S3.PutObject", "postgres", "imaging.Process", "imaging.decode", "imaging.rendition"} {
		if !found[want] {
			t.Errorf("no %s span under the job span; found %v", want, found)
		}
	}
}
