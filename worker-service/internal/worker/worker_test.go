package worker

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/pixelmill/pixelmill/services/media"
)

func TestBackoff(t *testing.T) {
	t.Parallel()
	for delivery, want := range map[uint64]time.Duration{1: 2 * time.Second, 2: 4 * time.Second, 3: 8 * time.Second, 6: time.Minute, 60: time.Minute} {
		if got := backoff(delivery, 2*time.Second, time.Minute); got != want {
			t.Errorf("delivery %d: %s, want %s", delivery, got, want)
		}
	}
}

func TestConfigValidate(t *testing.T) {
	t.Parallel()
	if err := DefaultConfig().Validate(); err != nil {
		t.Fatal(err)
	}
	bad := DefaultConfig()
	bad.Concurrency, bad.RetryMax = 0, time.Millisecond
	if err := bad.Validate(); err == nil {
		t.Fatal("a zero concurrency and a retry max below the base passed")
	}
}

// TestSettle checks that only a newer job or a deleted item drop a job:
// every other store answer, conflicts and not-founds included, is retried.
func TestSettle(t *testing.T) {
	t.Parallel()
	tests := []struct {
		err  error
		drop bool
	}{
		{media.WrapError(media.CodeConflict, "job 1 superseded", media.ErrSuperseded), true},
		{media.WrapError(media.CodeNotFound, "media 7 not found", media.ErrGone), true},
		{fmt.Errorf("tx: %w", media.WrapError(media.CodeNotFound, "media 7 not found", media.ErrGone)), true},
		{media.Errorf(media.CodeConflict, "media already exists"), false},
		{media.Errorf(media.CodeNotFound, "file not found"), false},
		{errors.New("connection reset"), false},
	}
	for _, tt := range tests {
		err := settle(tt.err, "record media %d", 7)
		if errors.Is(err, errDrop) != tt.drop || !strings.Contains(err.Error(), "record media 7") {
			t.Errorf("settle(%v) = %v, want drop %v", tt.err, err, tt.drop)
		}
	}
	if settle(nil, "record media %d", 7) != nil {
		t.Error("settle(nil) is not nil")
	}
}
