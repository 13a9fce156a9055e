package worker

import (
	"testing"
	"time"
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
