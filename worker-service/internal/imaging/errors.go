package imaging

import (
	"errors"
	"fmt"
	"strings"
)

// InputError marks a problem with the uploaded file itself: corrupt,
// truncated, an unsupported format, or more pixels than allowed. Retrying
// cannot fix it, so the job must fail permanently; every other error this
// package returns is internal and worth a retry.
type InputError struct {
	// Reason is safe to show the uploader, e.g. "truncated or corrupt JPEG".
	Reason string
	// Err is libvips' (or the parser's) own message, for logs.
	Err error
}

// Error says what is wrong with the file, then libvips' detail.
func (e *InputError) Error() string {
	if e.Err == nil {
		return e.Reason
	}
	return e.Reason + ": " + e.Err.Error()
}

// Unwrap returns the underlying libvips error.
func (e *InputError) Unwrap() error { return e.Err }

// IsInputError reports whether err (or anything it wraps) is an *InputError,
// which is how the worker tells "mark failed" from "retry".
func IsInputError(err error) bool {
	var ie *InputError
	return errors.As(err, &ie)
}

// resourceMarkers are libvips messages about the machine, not the file.
var resourceMarkers = []string{
	"out of memory",
	"unable to allocate",
	"no space left",
	"too many open files",
}

// errTolerable marks a failure of a strict render (see importParams) on a
// file that verify found sound: Process renders it once more with the
// loaders' failure level at WordPress's, not govips's.
var errTolerable = errors.New("decodes at fail_on=error")

// classify decides whose fault a failed load, resize or encode was.
// libvips decodes lazily, so a bad file usually fails in the encoder, and
// its error buffer is process-wide, so with concurrent jobs the message
// may belong to a neighbour. The message is therefore not trusted: the
// source is decoded again on its own (shrunk on load where possible, and
// only on this failure path). If that fails too, the file is bad; if it
// passes and the render was strict, the render tripped over warnings only
// and the error wraps errTolerable.
func classify(err error, src []byte, f format, strict bool) error {
	err = libvipsError(err)
	msg := strings.ToLower(err.Error())
	for _, m := range resourceMarkers {
		if strings.Contains(msg, m) {
			return err
		}
	}
	verr := verify(src, f)
	if verr == nil {
		if strict {
			return fmt.Errorf("%w: %w", errTolerable, err)
		}
		return err
	}
	cause := err
	if strings.Contains(msg, "unknown libvips error") {
		cause = verr
	}
	return &InputError{Reason: "truncated or corrupt " + f.label(), Err: cause}
}
