// Package config reads Pixelmill's PIXELMILL_* environment variables. An Env
// collects every bad variable instead of stopping at the first, so an
// operator fixes them all in one go. It knows no adapter: each reads its
// own variables through an Env (postgres.ConfigFromEnv, …).
package config

import (
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Env reads variables through getenv and remembers what was wrong, and
// which variables it was asked for with their defaults (Vars), so a binary
// can list what it reads.
type Env struct {
	getenv func(string) string
	errs   []error
	vars   map[string]string
}

// NewEnv returns an Env reading through getenv (os.Getenv, or a map in tests).
func NewEnv(getenv func(string) string) *Env {
	return &Env{getenv: getenv, vars: map[string]string{}}
}

// Err returns every problem found so far, joined.
func (e *Env) Err() error { return errors.Join(e.errs...) }

// Load reads a configuration through getenv with read, which reads every
// variable through the Env it is given and reports what was wrong.
func Load[C any](getenv func(string) string, read func(*Env) (C, error)) (C, error) {
	return read(NewEnv(getenv))
}

// Defaults lists every variable read reads, with its default: what a
// binary's `env` command prints. Nothing is set, so nothing secret shows.
func Defaults[C any](read func(*Env) (C, error)) []Var {
	env := NewEnv(func(string) string { return "" })
	_, _ = read(env) // the defaults are what is listed, valid or not
	return env.Vars()
}

// Var is a variable an Env was asked for and its default, as text.
type Var struct{ Name, Default string }

// Vars returns every variable read so far, sorted by name.
func (e *Env) Vars() []Var {
	vs := make([]Var, 0, len(e.vars))
	for n, d := range e.vars {
		vs = append(vs, Var{n, d})
	}
	slices.SortFunc(vs, func(a, b Var) int { return strings.Compare(a.Name, b.Name) })
	return vs
}

// read returns the variable's value and records it with its default.
func (e *Env) read(name, def string) string {
	if _, seen := e.vars[name]; !seen {
		e.vars[name] = def
	}
	return e.getenv(name)
}

// String returns the variable or def when unset.
func (e *Env) String(name, def string) string {
	if v := strings.TrimSpace(e.read(name, def)); v != "" {
		return v
	}
	return def
}

// Int returns the variable as an int, or def when unset.
func (e *Env) Int(name string, def int) int {
	v := e.read(name, strconv.Itoa(def))
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
	v := e.read(name, strconv.FormatInt(def, 10))
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
	v := e.read(name, strconv.FormatBool(def))
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
	v := e.read(name, def.String())
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
