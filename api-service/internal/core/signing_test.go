package core

import (
	"net/url"
	"testing"
	"time"
)

func TestURLSigner(t *testing.T) {
	t.Parallel()
	s := NewURLSigner([]byte("secret"), time.Hour)
	now := time.Unix(1_700_000_000, 0)
	s.now = func() time.Time { return now }
	q, _ := url.ParseQuery(s.Query("2026/11/a.jpg"))
	if !s.Valid("2026/11/a.jpg", q) {
		t.Fatal("a fresh signature is refused")
	}
	if s.Valid("2026/11/b.jpg", q) {
		t.Fatal("a signature works for another path")
	}
	other := NewURLSigner([]byte("other"), time.Hour)
	other.now = s.now
	if other.Valid("2026/11/a.jpg", q) {
		t.Fatal("a signature works under another key")
	}
	tampered, _ := url.ParseQuery(q.Encode())
	tampered.Set("expires", "9999999999")
	if s.Valid("2026/11/a.jpg", tampered) {
		t.Fatal("a moved expiry is accepted")
	}
	now = now.Add(2 * time.Hour)
	if s.Valid("2026/11/a.jpg", q) {
		t.Fatal("an expired signature is accepted")
	}
}
