package webhook

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Config says how the Sender talks to receivers.
type Config struct {
	// Timeout bounds a whole attempt, from connecting to reading the
	// answer, so one slow receiver can't hold a delivery worker.
	Timeout time.Duration
	// AllowPrivate lets deliveries reach loopback and private networks;
	// only for local development, where receivers run on this machine.
	AllowPrivate bool
	// UserAgent identifies the sender to receivers and their firewalls.
	UserAgent string
}

// DefaultConfig returns the settings production uses: a 10s timeout and
// public networks only.
func DefaultConfig() Config {
	return Config{Timeout: 10 * time.Second, AllowPrivate: false, UserAgent: "Pixelmill-Webhooks/1"}
}

// Validate reports a config that can't work.
func (c Config) Validate() error {
	var errs []error
	if c.Timeout <= 0 {
		errs = append(errs, fmt.Errorf("webhook: Timeout is %s, want more than 0", c.Timeout))
	}
	if strings.TrimSpace(c.UserAgent) == "" {
		errs = append(errs, errors.New("webhook: UserAgent is empty"))
	} else if strings.ContainsFunc(c.UserAgent, func(r rune) bool { return r < ' ' || r == 0x7f }) {
		errs = append(errs, fmt.Errorf("webhook: UserAgent %q holds control characters", c.UserAgent))
	}
	return errors.Join(errs...)
}

// maxResponse is how much of an answer is read, so a receiver can't make
// the sender read forever; reading (rather than just closing) lets the
// connection be reused for the next delivery.
const maxResponse = 64 << 10

// maxErrorBody is how much of an answer goes into an error message: enough
// to see what the receiver complained about, not enough to flood logs.
const maxErrorBody = 200

// Sender delivers webhooks. It is safe for concurrent use; make one and
// share it so connections to a receiver are reused.
type Sender struct {
	client    *http.Client
	userAgent string
	timeout   time.Duration
	now       func() time.Time
}

// NewSender returns a sender with cfg's settings. Unless cfg.AllowPrivate,
// its connections are checked when they are made, after DNS resolution,
// and refused unless the address is public: a hostname that passed
// ValidateURL and later resolves (or rebinds) to a private address still
// can't reach it. Redirects are never followed, since a redirect could
// point anywhere (a 3xx counts as a failed delivery), and no proxy is
// taken from the environment, since a proxy would connect on our behalf
// past the check.
func NewSender(cfg Config) (*Sender, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	dialer := &net.Dialer{Timeout: cfg.Timeout, KeepAlive: 30 * time.Second}
	if !cfg.AllowPrivate {
		dialer.Control = refuseNotPublic
	}
	transport := &http.Transport{
		Proxy:                  nil,
		DialContext:            dialer.DialContext,
		ForceAttemptHTTP2:      true,
		MaxIdleConns:           100,
		IdleConnTimeout:        90 * time.Second,
		TLSHandshakeTimeout:    cfg.Timeout,
		ExpectContinueTimeout:  1 * time.Second,
		MaxResponseHeaderBytes: 64 << 10,
	}
	client := &http.Client{
		Transport: transport,
		Timeout:   cfg.Timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
	return &Sender{client: client, userAgent: cfg.UserAgent, timeout: cfg.Timeout, now: time.Now}, nil
}

// refuseNotPublic is the dialer's Control func: it runs for every address
// a connection is attempted to, after resolution, and refuses addresses
// that aren't public.
func refuseNotPublic(network, address string, _ syscall.RawConn) error {
	if network != "tcp4" && network != "tcp6" {
		return fmt.Errorf("webhook: network %q refused", network)
	}
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("webhook: dial address %q: %w", address, err)
	}
	if !isPublic(ap.Addr()) {
		return fmt.Errorf("%w: %s", errNotPublic, ap.Addr())
	}
	return nil
}

// Deliver POSTs body (application/json) to url with the three headers,
// signed with secret at the current time. It returns the HTTP status (0
// when no response) and an error for anything but a 2xx, so the caller
// can schedule a retry (see Backoff) or, on a status like 410, give up.
// The response body is read up to 64 KiB and discarded; the error message
// includes the status and at most 200 bytes of it. url is not validated
// again here: check it with ValidateURL when it is registered; the
// connection-time check still refuses private addresses.
func (s *Sender) Deliver(ctx context.Context, url string, secret []byte, id string, body []byte) (int, error) {
	if len(secret) == 0 {
		return 0, errEmptySecret
	}
	if id == "" {
		return 0, errors.New("webhook: id is empty")
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0, fmt.Errorf("webhook: request: %w", err)
	}
	ts := s.now().Unix()
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", s.userAgent)
	req.Header.Set(HeaderID, id)
	req.Header.Set(HeaderTimestamp, strconv.FormatInt(ts, 10))
	req.Header.Set(HeaderSignature, Sign(secret, id, ts, body))

	resp, err := s.client.Do(req)
	if err != nil {
		return 0, fmt.Errorf("webhook: deliver: %w", err)
	}
	defer resp.Body.Close()
	// A read error only matters for the message: the status has arrived.
	answer, _ := io.ReadAll(io.LimitReader(resp.Body, maxResponse))

	code := resp.StatusCode
	if code >= 200 && code <= 299 {
		return code, nil
	}
	snippet := bytes.TrimSpace(answer[:min(len(answer), maxErrorBody)])
	if code >= 300 && code <= 399 {
		return code, fmt.Errorf("webhook: receiver answered %d %s (redirect to %q not followed): %q",
			code, http.StatusText(code), resp.Header.Get("Location"), snippet)
	}
	return code, fmt.Errorf("webhook: receiver answered %d %s: %q", code, http.StatusText(code), snippet)
}
