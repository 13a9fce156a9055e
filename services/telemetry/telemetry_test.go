package telemetry

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/propagation"
)

// TestTracingWithoutExporter checks what a deployment without
// OTEL_EXPORTER_OTLP_ENDPOINT gets: spans that record nothing, yet carry
// ids that reach the logs and cross a message's headers to the next
// process, so a file's log lines still share a trace id.
func TestTracingWithoutExporter(t *testing.T) {
	shutdown, err := SetupTracing(t.Context(), "test", "test-1", "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = shutdown(context.Background()) })

	ctx, span := otel.Tracer("test").Start(t.Context(), "upload")
	defer span.End()
	sc := span.SpanContext()
	if !sc.IsValid() {
		t.Fatal("the span has no trace id")
	}
	if span.IsRecording() || sc.IsSampled() {
		t.Fatal("a span is recorded with no exporter to take it")
	}

	// Across a message: inject into headers, extract on the other side.
	headers := propagation.MapCarrier{}
	otel.GetTextMapPropagator().Inject(ctx, headers)
	remote := otel.GetTextMapPropagator().Extract(context.Background(), headers)
	_, child := otel.Tracer("test").Start(remote, "job")
	defer child.End()
	if got := child.SpanContext().TraceID(); got != sc.TraceID() {
		t.Fatalf("the job's trace id %s, want the upload's %s", got, sc.TraceID())
	}

	var buf bytes.Buffer
	log, err := NewLogger(&buf, "json", "info")
	if err != nil {
		t.Fatal(err)
	}
	log.InfoContext(ctx, "uploaded")
	var line map[string]any
	if err := json.Unmarshal(buf.Bytes(), &line); err != nil {
		t.Fatal(err)
	}
	if line["trace_id"] != sc.TraceID().String() || line["span_id"] != sc.SpanID().String() {
		t.Fatalf("log line %v lacks the span's ids", line)
	}
}
