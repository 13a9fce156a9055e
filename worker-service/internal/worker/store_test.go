package worker

import (
	"bytes"
	"context"
	"sync"
	"testing"

	"go.opentelemetry.io/otel"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/pixelmill/pixelmill/services/media"
	"github.com/pixelmill/pixelmill/services/objstore/objstoretest"
	"github.com/pixelmill/pixelmill/worker-service/internal/imaging"
)

var (
	spansOnce sync.Once
	spans     = tracetest.NewSpanRecorder()
)

// traced starts a span of a new trace whose spans recorded returns: the
// recorder is the process's tracer provider from the first call, which
// the store's global tracer then delegates to.
func traced(t *testing.T) (context.Context, trace.Span) {
	t.Helper()
	spansOnce.Do(func() {
		otel.SetTracerProvider(sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans)))
	})
	return otel.Tracer("test").Start(t.Context(), t.Name())
}

// recorded returns the ended spans of parent's trace.
func recorded(parent trace.Span) []sdktrace.ReadOnlySpan {
	var out []sdktrace.ReadOnlySpan
	for _, s := range spans.Ended() {
		if s.SpanContext().TraceID() == parent.SpanContext().TraceID() {
			out = append(out, s)
		}
	}
	return out
}

// TestStoreAll writes a portrait's outputs to a real bucket: medium_large
// and large name one file, which is written once and recorded for both,
// and every file comes back in the order given, each write a span of the
// job's trace.
func TestStoreAll(t *testing.T) {
	t.Parallel()
	objects, _ := objstoretest.NewStore(t)
	w := &Worker{objects: objects}
	m := &media.Media{ID: 1, Key: "0b9f6f5e-8a39-4a0e-9a43-7d2d7c1b9d11"}
	out := func(size, name string, fill byte) imaging.File {
		return imaging.File{SizeName: size, Name: name, MIME: "image/jpeg", Data: bytes.Repeat([]byte{fill}, 10)}
	}
	outs := []imaging.File{
		out("", "p-scaled.jpg", 1),
		out("medium", "p-225x300.jpg", 2),
		out("large", "p-768x1024.jpg", 3),
		out("thumbnail", "p-150x150.jpg", 4),
		out("medium_large", "p-768x1024.jpg", 3),
		out("square", "p~square.jpg", 5),
	}
	ctx, parent := traced(t)
	files, err := w.storeAll(ctx, m, outs)
	parent.End()
	if err != nil {
		t.Fatal(err)
	}
	// Each write is a span of the job's trace, once per file.
	puts := map[string]int{}
	for _, s := range recorded(parent) {
		if s.Name() == "S3.PutObject" && s.Parent().SpanID() == parent.SpanContext().SpanID() {
			for _, a := range s.Attributes() {
				if a.Key == "aws.s3.key" {
					puts[a.Value.AsString()]++
				}
			}
		}
	}
	if len(puts) != 5 {
		t.Errorf("PutObject spans for %v, want one for each of the 5 files", puts)
	}
	for i, f := range files {
		if f.SizeName != outs[i].SizeName || f.Name != outs[i].Name || f.Key == "" || f.Filesize != 10 {
			t.Errorf("file %d: %+v, want %s %s", i, f, outs[i].SizeName, outs[i].Name)
		}
	}
	if files[2].Key != files[4].Key {
		t.Errorf("large %s and medium_large %s must be one object", files[2].Key, files[4].Key)
	}
	stored, err := objects.ListInfo(context.Background(), "media/"+m.Key+"/")
	if err != nil {
		t.Fatal(err)
	}
	if len(stored) != 5 {
		t.Errorf("%d objects stored, want 5", len(stored))
	}
}
