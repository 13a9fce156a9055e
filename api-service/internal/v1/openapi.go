package v1

import (
	_ "embed"
	"net/http"
)

// openAPIDoc describes the dialect in OpenAPI 3.1. A test checks it against
// the route table and the live answers, so it can't drift from the code.
//
//go:embed openapi.json
var openAPIDoc []byte

// OpenAPI returns the dialect's OpenAPI document.
func OpenAPI() []byte { return openAPIDoc }

func (h *Handler) handleOpenAPI(w http.ResponseWriter, r *http.Request) {
	if !h.limit(w, r, nil) {
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "public, max-age=300")
	_, _ = w.Write(openAPIDoc)
}
