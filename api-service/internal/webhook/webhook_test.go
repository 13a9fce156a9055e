package webhook

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

const tolerance = 5 * time.Minute

func TestSignFormat(t *testing.T) {
	secret, id, body := []byte("whsec_test"), "evt_1", []byte(`{"a":1}`)
	var ts int64 = 1700000000
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(id + "." + strconv.FormatInt(ts, 10) + "." + string(body)))
	want := "v1=" + hex.EncodeToString(m.Sum(nil))
	if got := Sign(secret, id, ts, body); got != want {
		t.Fatalf("Sign = %q, want %q", got, want)
	}
}

func TestVerify(t *testing.T) {
	secret, other := []byte("whsec_one"), []byte("whsec_two")
	id, body := "evt_123", []byte(`{"event":"item.created"}`)
	now := time.Unix(1700000000, 0)
	ts := now.Unix()
	sig := Sign(secret, id, ts, body)

	tests := []struct {
		name    string
		secret  []byte
		id      string
		ts      int64
		body    []byte
		header  string
		wantErr error // nil means success
	}{
		{"round trip", secret, id, ts, body, sig, nil},
		{"at tolerance past", secret, id, ts - 300, body, Sign(secret, id, ts-300, body), nil},
		{"at tolerance future", secret, id, ts + 300, body, Sign(secret, id, ts+300, body), nil},
		{"tampered body", secret, id, ts, []byte(`{"event":"item.deleted"}`), sig, errBadSignature},
		{"wrong secret", other, id, ts, body, sig, errBadSignature},
		{"wrong id", secret, "evt_124", ts, body, sig, errBadSignature},
		{"wrong timestamp", secret, id, ts + 1, body, sig, errBadSignature},
		{"stale", secret, id, ts - 301, body, Sign(secret, id, ts-301, body), errStale},
		{"future", secret, id, ts + 301, body, Sign(secret, id, ts+301, body), errStale},
		{"far past", secret, id, -1 << 63, body, Sign(secret, id, -1<<63, body), errStale},
		{"far future", secret, id, 1<<63 - 1, body, Sign(secret, id, 1<<63-1, body), errStale},
		{"rotation, new valid", secret, id, ts, body, Sign(other, id, ts, body) + " " + sig, nil},
		{"rotation, old valid", secret, id, ts, body, sig + " " + Sign(other, id, ts, body), nil},
		{"extra spaces", secret, id, ts, body, "  " + sig + "  ", nil},
		{"unknown scheme skipped", secret, id, ts, body, "v2=abcdef " + sig, nil},
		{"upper-case hex", secret, id, ts, body, "v1=" + strings.ToUpper(strings.TrimPrefix(sig, "v1=")), nil},
		{"rotation, none valid", secret, id, ts, body, Sign(other, id, ts, body) + " " + Sign([]byte("x"), id, ts, body), errBadSignature},
		{"empty header", secret, id, ts, body, "", errNoSignature},
		{"no prefix", secret, id, ts, body, strings.TrimPrefix(sig, "v1="), errNoSignature},
		{"bare prefix", secret, id, ts, body, "v1=", errNoSignature},
		{"not hex", secret, id, ts, body, "v1=" + strings.Repeat("zz", 32), errNoSignature},
		{"truncated", secret, id, ts, body, sig[:len(sig)-2], errNoSignature},
		{"comma separated", secret, id, ts, body, sig + "," + sig, errNoSignature},
		{"empty secret", nil, id, ts, body, Sign(nil, id, ts, body), errEmptySecret},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Verify(tt.secret, tt.id, tt.ts, tt.body, tt.header, now, tolerance)
			if tt.wantErr == nil {
				if err != nil {
					t.Fatalf("Verify = %v, want nil", err)
				}
				return
			}
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Verify = %v, want %v", err, tt.wantErr)
			}
		})
	}
}

func TestNewSecret(t *testing.T) {
	a, err := NewSecret()
	if err != nil {
		t.Fatal(err)
	}
	b, err := NewSecret()
	if err != nil {
		t.Fatal(err)
	}
	if a == b {
		t.Fatal("two secrets are equal")
	}
	raw, ok := strings.CutPrefix(a, "whsec_")
	if !ok {
		t.Fatalf("secret %q lacks whsec_ prefix", a)
	}
	dec, err := base64.RawURLEncoding.DecodeString(raw)
	if err != nil || len(dec) != 32 {
		t.Fatalf("secret %q: decoded %d bytes, err %v; want 32 bytes", a, len(dec), err)
	}
}

func TestValidateURL(t *testing.T) {
	tests := []struct {
		raw          string
		allowPrivate bool
		ok           bool
	}{
		{"https://example.com/hook", false, true},
		{"https://example.com:8443/hook?x=1#frag", false, true},
		{"HTTPS://Example.COM/hook", false, true},
		{"https://example.com./hook", false, true},
		{"https://hooks.example-1.co.uk/a/b", false, true},
		{"https://xn--bcher-kva.example/hook", false, true},
		{"https://8.8.8.8/hook", false, true},
		{"https://[2606:4700:4700::1111]/hook", false, true},
		{"https://[64:ff9b::808:808]/hook", false, true}, // NAT64 of 8.8.8.8

		{"ftp://example.com/hook", false, false},
		{"ftp://example.com/hook", true, false},
		{"javascript:alert(1)", true, false},
		{"/hook", false, false},
		{"/hook", true, false},
		{"example.com/hook", true, false},
		{"//example.com/hook", true, false},
		{"https:example.com", true, false},
		{"https://", true, false},
		{"https:///hook", true, false},
		{"", true, false},
		{"https://user:pass@example.com/hook", false, false},
		{"https://user@example.com/hook", true, false},
		{"http://example.com/hook", false, false},
		{"https://example.com:0/hook", true, false},
		{"https://example.com:65536/hook", true, false},
		{"https://example.com:x/hook", true, false},
		{"https://exa mple.com/hook", true, false},
		{"https://a..b/hook", true, false},
		{"https://" + strings.Repeat("a", 64) + ".com/", true, false},
		{"https://example.com/" + strings.Repeat("a", 2048), true, false},
		{"https://[example.com]/hook", true, false},
		{"https://[1.2.3.4]/hook", true, false},

		{"https://127.0.0.1/hook", false, false},
		{"https://127.8.9.10/hook", false, false},
		{"https://[::1]/hook", false, false},
		{"https://10.1.2.3/hook", false, false},
		{"https://172.16.0.1/hook", false, false},
		{"https://192.168.1.1/hook", false, false},
		{"https://169.254.169.254/latest/meta-data", false, false},
		{"https://100.64.0.1/hook", false, false},
		{"https://100.127.255.255/hook", false, false},
		{"https://0.0.0.0/hook", false, false},
		{"https://[::]/hook", false, false},
		{"https://224.0.0.1/hook", false, false},
		{"https://255.255.255.255/hook", false, false},
		{"https://[ff02::1]/hook", false, false},
		{"https://[fe80::1]/hook", false, false},
		{"https://[fe80::1%25eth0]/hook", false, false},
		{"https://[fd00::1]/hook", false, false},
		{"https://[fc00::1]/hook", false, false},
		{"https://[::ffff:127.0.0.1]/hook", false, false},
		{"https://[::ffff:10.0.0.1]/hook", false, false},
		{"https://[::ffff:169.254.169.254]/hook", false, false},
		{"https://[::127.0.0.1]/hook", false, false},
		{"https://[64:ff9b::a00:1]/hook", false, false}, // NAT64 of 10.0.0.1
		{"https://[2002:7f00:1::1]/hook", false, false}, // 6to4 of 127.0.0.1
		{"https://localhost/hook", false, false},
		{"https://LOCALHOST./hook", false, false},
		{"https://a.localhost/hook", false, false},
		{"https://%6cocalhost/hook", false, false},
		{"https://ｌｏｃａｌｈｏｓｔ/hook", false, false},
		{"https://127.1/hook", false, false},
		{"https://2130706433/hook", false, false},
		{"https://0x7f.0.0.1/hook", false, false},
		{"https://0177.0.0.1/hook", false, false},

		{"http://127.0.0.1:8080/x", true, true},
		{"https://127.0.0.1/hook", true, true},
		{"http://localhost:8080/x", true, true},
		{"http://[::1]:8080/x", true, true},
		{"http://10.1.2.3/x", true, true},
		{"http://localhost./x", true, true},
	}
	for _, tt := range tests {
		err := ValidateURL(tt.raw, tt.allowPrivate)
		if (err == nil) != tt.ok {
			t.Errorf("ValidateURL(%q, %v) = %v, want ok=%v", tt.raw, tt.allowPrivate, err, tt.ok)
		}
	}
}

func TestConfigValidate(t *testing.T) {
	if err := DefaultConfig().Validate(); err != nil {
		t.Fatalf("DefaultConfig().Validate() = %v", err)
	}
	for _, cfg := range []Config{
		{Timeout: 0, UserAgent: "x"},
		{Timeout: -time.Second, UserAgent: "x"},
		{Timeout: time.Second, UserAgent: " "},
		{Timeout: time.Second, UserAgent: "x\r\nX-Evil: 1"},
	} {
		if err := cfg.Validate(); err == nil {
			t.Errorf("Validate(%+v) = nil, want error", cfg)
		}
		if _, err := NewSender(cfg); err == nil {
			t.Errorf("NewSender(%+v) = nil error, want error", cfg)
		}
	}
}

// newSender returns a Sender with cfg and a short timeout.
func newSender(t *testing.T, allowPrivate bool, timeout time.Duration) *Sender {
	t.Helper()
	cfg := DefaultConfig()
	cfg.AllowPrivate = allowPrivate
	cfg.Timeout = timeout
	s, err := NewSender(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.client.CloseIdleConnections)
	return s
}

func TestDeliver(t *testing.T) {
	secret := []byte("whsec_deliver")
	id, body := "evt_42", []byte(`{"event":"item.created","id":42}`)
	type received struct {
		header http.Header
		body   []byte
		err    error
	}
	got := make(chan received, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		ts, err := strconv.ParseInt(r.Header.Get(HeaderTimestamp), 10, 64)
		if err == nil {
			err = Verify(secret, r.Header.Get(HeaderID), ts, b, r.Header.Get(HeaderSignature), time.Now(), tolerance)
		}
		if r.Method != http.MethodPost {
			err = errors.New("method " + r.Method)
		}
		got <- received{r.Header.Clone(), b, err}
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()

	s := newSender(t, true, 5*time.Second)
	status, err := s.Deliver(context.Background(), srv.URL+"/hook", secret, id, body)
	if err != nil || status != http.StatusNoContent {
		t.Fatalf("Deliver = %d, %v; want 204, nil", status, err)
	}
	r := <-got
	if r.err != nil {
		t.Fatalf("receiver: %v", r.err)
	}
	if string(r.body) != string(body) {
		t.Errorf("body = %q, want %q", r.body, body)
	}
	for k, want := range map[string]string{
		"Content-Type": "application/json",
		"User-Agent":   "Pixelmill-Webhooks/1",
		HeaderID:       id,
	} {
		if v := r.header.Get(k); v != want {
			t.Errorf("header %s = %q, want %q", k, v, want)
		}
	}
	ts, _ := strconv.ParseInt(r.header.Get(HeaderTimestamp), 10, 64)
	if d := time.Since(time.Unix(ts, 0)); d < -time.Second || d > 5*time.Second {
		t.Errorf("timestamp %d is %s from now", ts, d)
	}
	if sig := r.header.Get(HeaderSignature); sig != Sign(secret, id, ts, body) {
		t.Errorf("signature %q, want %q", sig, Sign(secret, id, ts, body))
	}
}

func TestDeliverServerError(t *testing.T) {
	long := strings.Repeat("x", 100<<10) // beyond both the error snippet and the read limit
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusInternalServerError)
		io.WriteString(w, "boom: "+long)
	}))
	defer srv.Close()

	s := newSender(t, true, 5*time.Second)
	status, err := s.Deliver(context.Background(), srv.URL, []byte("k"), "evt_1", []byte(`{}`))
	if err == nil || status != http.StatusInternalServerError {
		t.Fatalf("Deliver = %d, %v; want 500 and an error", status, err)
	}
	msg := err.Error()
	if !strings.Contains(msg, "500") || !strings.Contains(msg, "boom: ") {
		t.Errorf("error %q lacks the status or the answer", msg)
	}
	if n := strings.Count(msg, "x"); n > maxErrorBody {
		t.Errorf("error holds %d bytes of the answer, want at most %d", n, maxErrorBody)
	}
}

func TestDeliverRedirectNotFollowed(t *testing.T) {
	var followed atomic.Int32
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		followed.Add(1)
	}))
	defer target.Close()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, target.URL+"/elsewhere", http.StatusFound)
	}))
	defer srv.Close()

	s := newSender(t, true, 5*time.Second)
	status, err := s.Deliver(context.Background(), srv.URL, []byte("k"), "evt_1", []byte(`{}`))
	if err == nil || status != http.StatusFound {
		t.Fatalf("Deliver = %d, %v; want 302 and an error", status, err)
	}
	if followed.Load() != 0 {
		t.Fatal("redirect was followed")
	}
}

func TestDeliverTimeout(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	defer srv.Close()
	defer close(release)

	s := newSender(t, true, 200*time.Millisecond)
	start := time.Now()
	status, err := s.Deliver(context.Background(), srv.URL, []byte("k"), "evt_1", []byte(`{}`))
	if err == nil || status != 0 {
		t.Fatalf("Deliver = %d, %v; want 0 and an error", status, err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("Deliver took %s with a 200ms timeout", d)
	}
}

func TestDeliverContextCanceled(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	s := newSender(t, true, 5*time.Second)
	if status, err := s.Deliver(ctx, srv.URL, []byte("k"), "evt_1", nil); err == nil || status != 0 {
		t.Fatalf("Deliver = %d, %v; want 0 and an error", status, err)
	}
}

func TestDeliverBadInput(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Error("receiver hit")
	}))
	defer srv.Close()
	s := newSender(t, true, 5*time.Second)
	for _, tc := range []struct {
		url, id string
		secret  []byte
	}{
		{srv.URL, "evt_1", nil},
		{srv.URL, "", []byte("k")},
		{srv.URL, "evt\r\nX-Evil: 1", []byte("k")},
		{"://bad", "evt_1", []byte("k")},
	} {
		if status, err := s.Deliver(context.Background(), tc.url, tc.secret, tc.id, nil); err == nil || status != 0 {
			t.Errorf("Deliver(%q, %q, %q) = %d, %v; want 0 and an error", tc.url, tc.secret, tc.id, status, err)
		}
	}
}

func TestDeliverRefusesPrivate(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
	}))
	defer srv.Close()
	u, _ := url.Parse(srv.URL)
	_, port, _ := net.SplitHostPort(u.Host)

	urls := []string{
		srv.URL, // http://127.0.0.1:port: Deliver doesn't re-validate; the dialer refuses
		"http://127.0.0.1:" + port + "/hook",
		"http://[::ffff:127.0.0.1]:" + port + "/hook",
	}
	// A hostname is resolved first and refused at connect time, which is
	// what stops DNS rebinding.
	if addrs, err := net.LookupHost("localhost"); err == nil && len(addrs) > 0 {
		urls = append(urls, "http://localhost:"+port+"/hook")
	}

	s := newSender(t, false, 5*time.Second)
	for _, raw := range urls {
		status, err := s.Deliver(context.Background(), raw, []byte("k"), "evt_1", []byte(`{}`))
		if err == nil || status != 0 {
			t.Errorf("Deliver(%s) = %d, %v; want 0 and an error", raw, status, err)
			continue
		}
		if !errors.Is(err, errNotPublic) {
			t.Errorf("Deliver(%s) = %v; want the not-public refusal", raw, err)
		}
	}
	if n := hits.Load(); n != 0 {
		t.Fatalf("receiver hit %d times", n)
	}
}

func TestRefuseNotPublic(t *testing.T) {
	for _, tc := range []struct {
		network, address string
		ok               bool
	}{
		{"tcp4", "93.184.216.34:443", true},
		{"tcp6", "[2606:4700:4700::1111]:443", true},
		{"tcp4", "127.0.0.1:443", false},
		{"tcp6", "[::1]:443", false},
		{"tcp6", "[fe80::1%eth0]:443", false},
		{"tcp4", "169.254.169.254:80", false},
		{"udp4", "93.184.216.34:53", false},
		{"tcp4", "garbage", false},
	} {
		if err := refuseNotPublic(tc.network, tc.address, nil); (err == nil) != tc.ok {
			t.Errorf("refuseNotPublic(%s, %s) = %v, want ok=%v", tc.network, tc.address, err, tc.ok)
		}
	}
}

func TestBackoff(t *testing.T) {
	want := []time.Duration{
		time.Second, 5 * time.Second, 30 * time.Second, 2 * time.Minute,
		10 * time.Minute, 30 * time.Minute, time.Hour, time.Hour, time.Hour,
	}
	for i := 0; i < 2000; i++ {
		var prevMax time.Duration
		for n, base := range want {
			attempt := n + 1
			d := Backoff(attempt)
			lo, hi := base-base/5, base+base/5
			if d < lo || d > hi {
				t.Fatalf("Backoff(%d) = %s, want within [%s, %s]", attempt, d, lo, hi)
			}
			// Each step of the schedule is more than 1.5× the previous, so
			// with ±20% jitter a later retry never waits less than an
			// earlier one, until the schedule flattens at 1h.
			if base != want[max(n-1, 0)] && d <= prevMax {
				t.Fatalf("Backoff(%d) = %s, not above Backoff(%d)'s max %s", attempt, d, attempt-1, prevMax)
			}
			prevMax = hi
		}
		for _, attempt := range []int{0, -1, -1 << 62} {
			if d := Backoff(attempt); d < 800*time.Millisecond || d > 1200*time.Millisecond {
				t.Fatalf("Backoff(%d) = %s, want about 1s", attempt, d)
			}
		}
		if d := Backoff(1 << 62); d < 48*time.Minute || d > 72*time.Minute {
			t.Fatalf("Backoff(huge) = %s, want about 1h", d)
		}
	}
	// The jitter actually varies.
	seen := map[time.Duration]bool{}
	for range 50 {
		seen[Backoff(3)] = true
	}
	if len(seen) < 2 {
		t.Fatal("Backoff(3) is not jittered")
	}
}

// safely runs fn and turns a panic into a test failure.
func safely(t *testing.T, fn func()) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			t.Fatalf("panic: %v", r)
		}
	}()
	fn()
}

func FuzzVerify(f *testing.F) {
	secret := []byte("whsec_fuzz")
	f.Add(secret, "evt_1", int64(1700000000), []byte(`{}`), Sign(secret, "evt_1", 1700000000, []byte(`{}`)))
	f.Add(secret, "", int64(0), []byte(nil), "v1= v1=zz v2=00")
	f.Add([]byte{}, "evt", int64(-1<<63), []byte("x"), "v1=")
	f.Add(secret, "evt", int64(1<<63-1), []byte("x"), strings.Repeat("v1=00 ", 100))
	f.Fuzz(func(t *testing.T, secret []byte, id string, ts int64, body []byte, header string) {
		now := time.Unix(1700000000, 0)
		safely(t, func() {
			_ = Verify(secret, id, ts, body, header, now, tolerance)
			// What Sign makes, Verify accepts, if the secret and time are fine.
			err := Verify(secret, id, ts, body, Sign(secret, id, ts, body)+" "+header, now, tolerance)
			inTime := ts >= now.Unix()-300 && ts <= now.Unix()+300
			if (err == nil) != (len(secret) > 0 && inTime) {
				t.Fatalf("Verify(own signature) = %v (secret %d bytes, ts %d)", err, len(secret), ts)
			}
		})
	})
}

func FuzzValidateURL(f *testing.F) {
	for _, s := range []string{
		"https://example.com/hook", "http://127.0.0.1:8080/x", "https://[::ffff:127.0.0.1]/",
		"https://[fe80::1%25eth0]/", "https://a.localhost./", "https://0x7f.1/", "ftp://x/",
		"https://user@example.com/", "https://example.com:99999/", "https://%6cocalhost/",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		safely(t, func() {
			strict := ValidateURL(raw, false)
			loose := ValidateURL(raw, true)
			if strict == nil && loose != nil {
				t.Fatalf("%q passes strict but not loose: %v", raw, loose)
			}
			if strict != nil {
				return
			}
			u, err := url.Parse(raw)
			if err != nil || u.Scheme != "https" || u.User != nil {
				t.Fatalf("%q passed strict: parse %v, scheme %q", raw, err, u.Scheme)
			}
			if a, err := netip.ParseAddr(u.Hostname()); err == nil && !isPublic(a) {
				t.Fatalf("%q passed strict with a non-public host", raw)
			}
		})
	})
}
