// Package webhook handles outgoing webhook deliveries for the /v1 API:
// signing, a sender that refuses private networks, and the retry schedule.
//
// A delivery is a POST of a JSON body carrying three headers: an
// idempotency id, the time it was signed, and an HMAC-SHA256 signature over
// both and the body. Receivers check it with Verify (or its equivalent in
// their language): recompute the HMAC, compare in constant time, and refuse
// old timestamps so a captured request can't be replayed later.
package webhook

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Headers of a delivery. Receivers need all three to verify a request, so
// their names are part of the public contract and never change.
const (
	// HeaderID is the idempotency id: the same for every retry of one event
	// to one webhook, so a receiver can drop a delivery it already handled.
	HeaderID = "Pixelmill-Webhook-Id"
	// HeaderTimestamp is the Unix time, in seconds, when this attempt was
	// signed; it is signed too, so a receiver can refuse stale replays.
	HeaderTimestamp = "Pixelmill-Webhook-Timestamp"
	// HeaderSignature is "v1=" + hex(HMAC-SHA256(secret, id + "." +
	// timestamp + "." + body)). It may hold several space-separated values
	// (while a secret is rotated); one valid value is enough.
	HeaderSignature = "Pixelmill-Webhook-Signature"
)

// signaturePrefix names the signing scheme, so a later scheme can be sent
// next to it without breaking receivers that only know v1.
const signaturePrefix = "v1="

// secretPrefix marks a webhook secret, so a leaked one is recognisable by
// secret scanners and in logs.
const secretPrefix = "whsec_"

var (
	errNoSignature  = errors.New("webhook: signature header has no v1 value")
	errBadSignature = errors.New("webhook: no signature matches")
	errStale        = errors.New("webhook: timestamp outside tolerance")
	errEmptySecret  = errors.New("webhook: secret is empty")
)

// mac returns HMAC-SHA256(secret, id + "." + ts + "." + body).
func mac(secret []byte, id string, ts int64, body []byte) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(id))
	m.Write([]byte{'.'})
	m.Write([]byte(strconv.FormatInt(ts, 10)))
	m.Write([]byte{'.'})
	m.Write(body)
	return m.Sum(nil)
}

// Sign returns the HeaderSignature value for one attempt, "v1=<hex>".
// The id and timestamp are signed along with the body so that neither can
// be swapped onto another request.
func Sign(secret []byte, id string, ts int64, body []byte) string {
	return signaturePrefix + hex.EncodeToString(mac(secret, id, ts, body))
}

// Verify checks a delivery the way a receiver should, so the API's own
// tests (and any Go receiver) need not re-implement it. header is the
// HeaderSignature value; it may hold several space-separated values, and
// values of schemes other than v1 are skipped. The comparison takes the
// same time whatever the signature, and a timestamp further than tolerance
// from now is refused so a captured request can't be replayed later.
func Verify(secret []byte, id string, ts int64, body []byte, header string, now time.Time, tolerance time.Duration) error {
	if len(secret) == 0 {
		return errEmptySecret
	}
	// time.Time.Sub saturates, so a wild ts can't overflow into range.
	if d := now.Sub(time.Unix(ts, 0)); d > tolerance || d < -tolerance {
		return fmt.Errorf("%w: signed at %d, now is %d, tolerance %s", errStale, ts, now.Unix(), tolerance)
	}
	want := mac(secret, id, ts, body)
	found, ok := false, false
	for _, v := range strings.Fields(header) {
		hexSig, isV1 := strings.CutPrefix(v, signaturePrefix)
		if !isV1 {
			continue
		}
		got, err := hex.DecodeString(hexSig)
		if err != nil || len(got) != len(want) {
			continue
		}
		found = true
		// No early exit: every candidate is compared.
		if hmac.Equal(got, want) {
			ok = true
		}
	}
	switch {
	case ok:
		return nil
	case !found:
		return errNoSignature
	default:
		return errBadSignature
	}
}

// NewSecret returns a fresh signing secret, "whsec_" + base64url (no
// padding) of 32 random bytes. The whole string, prefix included, is the
// HMAC key: pass []byte(secret) to Sign, so receivers in any language can
// use it as shown without decoding it.
func NewSecret() (string, error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("webhook: secret: %w", err)
	}
	return secretPrefix + base64.RawURLEncoding.EncodeToString(b[:]), nil
}
