package registry

import (
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"net/http"
	"os"
	"strings"
)

// ReadTokenFile reads the registry's read token from path (the file
// `serve --registry-token-file` names), without surrounding white space.
func ReadTokenFile(path string) (string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	token := strings.TrimSpace(string(data))
	if token == "" {
		return "", errors.New("the file is empty; write a token into it, or leave the flag out for an open registry")
	}
	return token, nil
}

// authorized tells whether the request may read: always when no token is
// set; otherwise with the token as a bearer token or as the password of
// basic authentication (any user name). The comparison takes the same time
// whatever the token guessed, and whatever its length.
func (r *Registry) authorized(req *http.Request) bool {
	if r.token == nil {
		return true
	}
	var given string
	auth := req.Header.Get("Authorization")
	if t, ok := cutPrefixFold(auth, "Bearer "); ok {
		given = t
	} else if _, pw, ok := req.BasicAuth(); ok {
		given = pw
	} else {
		return false
	}
	want := sha256.Sum256(r.token)
	got := sha256.Sum256([]byte(given))
	return subtle.ConstantTimeCompare(want[:], got[:]) == 1
}

func cutPrefixFold(s, prefix string) (string, bool) {
	if len(s) < len(prefix) || !strings.EqualFold(s[:len(prefix)], prefix) {
		return "", false
	}
	return strings.TrimSpace(s[len(prefix):]), true
}

// challenge answers a request without the token: 401 and the scheme to
// use. Basic, because that is what containerd sends from a static
// registries.yaml password without asking a token service.
func challenge(w http.ResponseWriter, req *http.Request) {
	w.Header().Set("WWW-Authenticate", `Basic realm="sovereign registry"`)
	writeError(w, req, apiError{status: http.StatusUnauthorized, code: codeUnauthorized,
		message: "this registry requires its read token: give it as a bearer token, or as the password of basic authentication"})
}
