package worker

import (
	"context"
	"strings"
	"testing"

	"github.com/pixelmill/pixelmill/services/media"
)

// TestHandlers checks that the worker runs every kind media declares, and
// nothing else: adding a kind without its handler fails here.
func TestHandlers(t *testing.T) {
	declared := map[media.JobKind]bool{}
	for _, s := range media.JobKinds() {
		declared[s.Kind] = true
		h, ok := handlers[s.Kind]
		if !ok || h.run == nil {
			t.Errorf("kind %s has no handler", s.Kind)
			continue
		}
		// A kind whose jobs carry the item's sequence decides its item's
		// status, so its final failure must record something.
		if s.Seq && h.fail == nil {
			t.Errorf("kind %s carries the item's JobSeq but records no failure", s.Kind)
		}
	}
	for k := range handlers {
		if !declared[k] {
			t.Errorf("handler for undeclared kind %s", k)
		}
	}
}

// TestUnknownKind: a kind this worker does not know is an error to retry
// (a newer worker may take it), then recorded and dead-lettered as an item
// job's failure.
func TestUnknownKind(t *testing.T) {
	w := &Worker{}
	err := w.run(context.Background(), media.Job{Kind: "transcode", MediaID: 1})
	if err == nil || !strings.Contains(err.Error(), `"transcode" is unknown`) || unwanted(err) {
		t.Fatalf("run of an unknown kind: %v", err)
	}
	if record, deadLetter := finalFailure(media.Job{Kind: "transcode"}, err); !record || !deadLetter {
		t.Errorf("finalFailure of an unknown kind: record %v, dead letter %v", record, deadLetter)
	}
}
