// Package media is Pixelmill's domain: the media item, its renditions, its
// processing status, the jobs that make renditions, and the one error type
// every adapter translates into. Two decisions live here and nowhere else:
// which job an item needs (JobFor, over the kinds jobKinds declares, see
// job.go) and who may do what with an item (Can, see access.go). It
// imports no adapter: Postgres, MinIO, NATS and libvips live in their own
// packages and depend on this one.
package media

import (
	"errors"
	"fmt"
)

// Code classifies an Error so that each HTTP dialect can map it to its own
// status and body without knowing which adapter produced it.
type Code string

// The error codes. Adapters translate foreign errors into these at their
// boundary; anything untranslated counts as CodeInternal.
const (
	CodeInvalid     Code = "invalid"      // the request or file is wrong; retrying won't help
	CodeNotFound    Code = "not_found"    // no such item (or not visible to the caller)
	CodeConflict    Code = "conflict"     // a unique rule or a concurrent change was violated
	CodeForbidden   Code = "forbidden"    // authenticated but not allowed
	CodeUnauth      Code = "unauthorized" // no or bad credentials
	CodeTooLarge    Code = "too_large"    // an upload over the configured limit
	CodeUnavailable Code = "unavailable"  // a dependency is down; retry later
	CodeInternal    Code = "internal"     // a bug or an unclassified failure
)

// ErrSuperseded and ErrGone are the two reasons a job is no longer wanted:
// a newer job of its item took over, or its item was deleted. Stores wrap
// them in their conflict and not-found answers to a job's writes, so a
// worker drops a job for these and for nothing else: any other conflict or
// missing row is a fault to retry and, in the end, to report.
var (
	ErrSuperseded = errors.New("job superseded")
	ErrGone       = errors.New("item gone")
)

// Error is Pixelmill's domain error: a code, a message that is safe to show
// to users, and the private cause (for logs) behind Unwrap.
type Error struct {
	Code    Code
	Message string
	Err     error
}

// Error returns the message and, when present, the cause, for logs.
func (e *Error) Error() string {
	if e.Err == nil {
		return e.Message
	}
	if e.Message == "" {
		return e.Err.Error()
	}
	return e.Message + ": " + e.Err.Error()
}

// Unwrap exposes the cause to errors.Is and errors.As.
func (e *Error) Unwrap() error { return e.Err }

// Errorf builds an Error with a user-safe formatted message and no cause.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// WrapError builds an Error with a user-safe message around a private cause.
func WrapError(code Code, message string, err error) *Error {
	return &Error{Code: code, Message: message, Err: err}
}

// ErrorCode returns the code of the first *Error in err's chain, or
// CodeInternal for any other non-nil error.
func ErrorCode(err error) Code {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return CodeInternal
}

// ErrorMessage returns the user-safe message of err: the *Error's message, or
// a generic text for internal errors whose details must not leak.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) && e.Message != "" {
		return e.Message
	}
	return "Internal error."
}
