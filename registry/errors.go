package registry

import (
	"encoding/json"
	"net/http"
	"strconv"
)

// The distribution spec's error codes this registry answers with.
const (
	codeBlobUnknown     = "BLOB_UNKNOWN"
	codeManifestUnknown = "MANIFEST_UNKNOWN"
	codeManifestInvalid = "MANIFEST_INVALID"
	codeNameUnknown     = "NAME_UNKNOWN"
	codeNameInvalid     = "NAME_INVALID"
	codeDigestInvalid   = "DIGEST_INVALID"
	codeUnauthorized    = "UNAUTHORIZED"
	codeUnsupported     = "UNSUPPORTED"
	codePaginationBad   = "PAGINATION_NUMBER_INVALID"
)

// apiError is one answer in the spec's error format:
// {"errors":[{"code":"...","message":"...","detail":...}]}.
type apiError struct {
	status  int
	code    string
	message string
}

type errorBody struct {
	Errors []errorEntry `json:"errors"`
}

type errorEntry struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Detail  any    `json:"detail,omitempty"`
}

// writeError answers e; a HEAD request gets the status and headers only.
func writeError(w http.ResponseWriter, r *http.Request, e apiError) {
	body, _ := json.Marshal(errorBody{Errors: []errorEntry{{Code: e.code, Message: e.message}}})
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(e.status)
	if r.Method != http.MethodHead {
		w.Write(body)
	}
}

func notFound(code, message string) apiError {
	return apiError{status: http.StatusNotFound, code: code, message: message}
}

func badRequest(code, message string) apiError {
	return apiError{status: http.StatusBadRequest, code: code, message: message}
}
