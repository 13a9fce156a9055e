package imaging

import (
	"context"
	"testing"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/pixelmill/pixelmill/services/media"
)

// TestProcessSpans checks that a job's libvips stages show in its trace:
// one imaging.Process span under the caller's, holding one decode and one
// span per rendition, named after its file, with its encoded size.
func TestProcessSpans(t *testing.T) {
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	defer tp.Shutdown(context.Background())
	prev := tracer
	tracer = tp.Tracer("pixelmill/imaging")
	defer func() { tracer = prev }()

	ctx, parent := tp.Tracer("test").Start(t.Context(), "job")
	res, err := Process(ctx, Request{Source: fixture(t, "corpus/phone-12mp-portrait.jpg"), Basename: "p.jpg", Sizes: media.DefaultSizes()})
	parent.End()
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]int{res.Main.Name: len(res.Main.Data)}
	for _, f := range res.Sizes {
		files[f.Name] = len(f.Data)
	}

	var process sdktrace.ReadOnlySpan
	byName := map[string]int{}
	for _, s := range rec.Ended() {
		if s.SpanContext().TraceID() != parent.SpanContext().TraceID() {
			t.Fatalf("span %s outside the job's trace", s.Name())
		}
		byName[s.Name()]++
		if s.Name() == "imaging.Process" {
			process = s
		}
	}
	if process == nil || process.Parent().SpanID() != parent.SpanContext().SpanID() {
		t.Fatalf("no imaging.Process span under the job's: %v", byName)
	}
	if byName["imaging.decode"] != 1 {
		t.Errorf("%d decode spans, want 1 (one decode a job)", byName["imaging.decode"])
	}
	seen := map[string]bool{}
	for _, s := range rec.Ended() {
		if s.Name() != "imaging.rendition" {
			continue
		}
		if s.Parent().SpanID() != process.SpanContext().SpanID() {
			t.Errorf("rendition span outside imaging.Process")
		}
		var name string
		var bytes int64
		for _, a := range s.Attributes() {
			switch a.Key {
			case "rendition.name":
				name = a.Value.AsString()
			case "rendition.bytes":
				bytes = a.Value.AsInt64()
			}
		}
		if want, ok := files[name]; !ok || int64(want) != bytes {
			t.Errorf("rendition span %s with %d bytes; the files are %v", name, bytes, files)
		}
		seen[name] = true
	}
	if len(seen) != len(files) {
		t.Errorf("rendition spans for %v, want one for each of %v", seen, files)
	}
}
