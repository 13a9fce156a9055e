// Package config reads Pixelmill's PIXELMILL_* environment variables. An Env
// collects every bad variable instead of stopping at the first, so an
// operator fixes them all in one go.
package config

import (
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/pixelmill/pixelmill/services/jobqueue"
	"github.com/pixelmill/pixelmill/services/objstore"
	"github.com/pixelmill/pixelmill/services/postgres"
)

// Env reads variables through getenv and remembers what was wrong.
type Env struct {
	getenv func(string) string
	errs   []error
}

// NewEnv returns an Env reading through getenv (os.Getenv, or a map in tests).
func NewEnv(getenv func(string) string) *Env { return &Env{getenv: getenv} }

// Err returns every problem found so far, joined.
func (e *Env) Err() error { return errors.Join(e.errs...) }

// String returns the variable or def when unset.
func (e *Env) String(name, def string) string {
	if v := strings.TrimSpace(e.getenv(name)); v != "" {
		return v
	}
	return def
}

// Int returns the variable as an int, or def when unset.
func (e *Env) Int(name string, def int) int {
	v := e.getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil {
		e.errs = append(e.errs, fmt.Errorf("%s=%q: not an integer", name, v))
		return def
	}
	return n
}

// Int64 returns the variable as an int64, or def when unset.
func (e *Env) Int64(name string, def int64) int64 {
	v := e.getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if err != nil {
		e.errs = append(e.errs, fmt.Errorf("%s=%q: not an integer", name, v))
		return def
	}
	return n
}

// Bool returns the variable as a bool, or def when unset.
func (e *Env) Bool(name string, def bool) bool {
	v := e.getenv(name)
	if v == "" {
		return def
	}
	b, err := strconv.ParseBool(strings.TrimSpace(v))
	if err != nil {
		e.errs = append(e.errs, fmt.Errorf("%s=%q: not a boolean", name, v))
		return def
	}
	return b
}

// Duration returns the variable as a time.Duration ("30s"), or def.
func (e *Env) Duration(name string, def time.Duration) time.Duration {
	v := e.getenv(name)
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(strings.TrimSpace(v))
	if err != nil {
		e.errs = append(e.errs, fmt.Errorf("%s=%q: not a duration like 30s", name, v))
		return def
	}
	return d
}

// Check records err (with the variable's name) when it is not nil.
func (e *Env) Check(name string, err error) {
	if err != nil {
		e.errs = append(e.errs, fmt.Errorf("%s: %w", name, err))
	}
}

// Postgres reads PIXELMILL_DATABASE_URL and PIXELMILL_DATABASE_MAX_CONNS.
func (e *Env) Postgres() postgres.Config {
	d := postgres.DefaultConfig()
	c := postgres.Config{
		URL:      e.String("PIXELMILL_DATABASE_URL", d.URL),
		MaxConns: int32(e.Int("PIXELMILL_DATABASE_MAX_CONNS", int(d.MaxConns))),
	}
	e.Check("postgres", c.Validate())
	return c
}

// ObjStore reads the PIXELMILL_S3_* variables.
func (e *Env) ObjStore() objstore.Config {
	d := objstore.DefaultConfig()
	c := objstore.Config{
		Endpoint:  e.String("PIXELMILL_S3_ENDPOINT", d.Endpoint),
		AccessKey: e.String("PIXELMILL_S3_ACCESS_KEY", d.AccessKey),
		SecretKey: e.String("PIXELMILL_S3_SECRET_KEY", d.SecretKey),
		Bucket:    e.String("PIXELMILL_S3_BUCKET", d.Bucket),
		UseTLS:    e.Bool("PIXELMILL_S3_USE_TLS", d.UseTLS),
		Region:    e.String("PIXELMILL_S3_REGION", d.Region),
		// Where clients reach storage for presigned uploads, when not the
		// same address as the services use (a proxy, a public name).
		PublicEndpoint: e.String("PIXELMILL_S3_PUBLIC_ENDPOINT", ""),
		PublicUseTLS:   e.Bool("PIXELMILL_S3_PUBLIC_USE_TLS", false),
	}
	e.Check("objstore", c.Validate())
	return c
}

// JobQueue reads PIXELMILL_NATS_URL and the delivery policy variables.
func (e *Env) JobQueue() jobqueue.Config {
	d := jobqueue.DefaultConfig()
	c := jobqueue.Config{
		URL:           e.String("PIXELMILL_NATS_URL", d.URL),
		AckWait:       e.Duration("PIXELMILL_JOB_ACK_WAIT", d.AckWait),
		MaxDeliver:    e.Int("PIXELMILL_JOB_MAX_DELIVER", d.MaxDeliver),
		MaxAckPending: e.Int("PIXELMILL_JOB_MAX_ACK_PENDING", d.MaxAckPending),
		Replicas:      e.Int("PIXELMILL_NATS_REPLICAS", d.Replicas),
	}
	e.Check("jobqueue", c.Validate())
	return c
}

// Masked returns a log value that shows whether a secret is set, never the
// secret itself.
func Masked(secret string) slog.Value {
	if secret == "" {
		return slog.StringValue("")
	}
	return slog.StringValue("****")
}

// MaskURL hides the password of a URL such as a database URL.
func MaskURL(u string) string {
	at := strings.LastIndex(u, "@")
	scheme := strings.Index(u, "://")
	if at < 0 || scheme < 0 {
		return u
	}
	userinfo := u[scheme+3 : at]
	if i := strings.Index(userinfo, ":"); i >= 0 {
		return u[:scheme+3] + userinfo[:i] + ":****" + u[at:]
	}
	return u
}
