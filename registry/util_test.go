package registry

import (
	"encoding/json"
	"io"
	"net/http"
	"testing"
)

func readAllLimit(resp *http.Response) ([]byte, error) {
	return io.ReadAll(io.LimitReader(resp.Body, 64<<20))
}

// errorCode reads the code of a distribution API error answer.
func errorCode(t testing.TB, body []byte) (string, string) {
	t.Helper()
	var e errorBody
	if err := json.Unmarshal(body, &e); err != nil || len(e.Errors) != 1 {
		t.Fatalf("not a distribution API error answer: %q", body)
	}
	return e.Errors[0].Code, e.Errors[0].Message
}
