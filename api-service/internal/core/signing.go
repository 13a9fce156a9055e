package core

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net/url"
	"strconv"
	"time"
)

// URLSigner makes and checks expiring signatures for file paths, so a
// private item's files can be handed to a browser (an <img src>) without
// credentials, for a while.
type URLSigner struct {
	key []byte
	ttl time.Duration
	now func() time.Time
}

// NewURLSigner returns a signer; every API replica must share key.
func NewURLSigner(key []byte, ttl time.Duration) *URLSigner {
	return &URLSigner{key: key, ttl: ttl, now: time.Now}
}

func (s *URLSigner) mac(path string, expires int64) string {
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte(path))
	m.Write([]byte{0})
	m.Write([]byte(strconv.FormatInt(expires, 10)))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// Query returns the query string that signs path until now+ttl.
func (s *URLSigner) Query(path string) string {
	expires := s.now().Add(s.ttl).Unix()
	return url.Values{"expires": {strconv.FormatInt(expires, 10)}, "signature": {s.mac(path, expires)}}.Encode()
}

// Valid reports whether q carries an unexpired signature of path. The
// comparison takes the same time whatever the signature.
func (s *URLSigner) Valid(path string, q url.Values) bool {
	expires, err := strconv.ParseInt(q.Get("expires"), 10, 64)
	if err != nil || s.now().Unix() > expires {
		return false
	}
	return hmac.Equal([]byte(q.Get("signature")), []byte(s.mac(path, expires)))
}
