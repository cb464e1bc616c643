package registry

import (
	"net/http"
	"runtime"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// accepts is what a request's Accept headers allow.
type accepts struct {
	any   bool
	types map[string]bool
}

// parseAccept reads every Accept header (a client may send several, each
// a comma-separated list); a type with q=0 is refused. No header, or one
// that lists no type, accepts anything.
func parseAccept(req *http.Request) accepts {
	vals := req.Header.Values("Accept")
	a := accepts{types: map[string]bool{}}
	listed := 0
	for _, v := range vals {
		for _, item := range strings.Split(v, ",") {
			mt, params, _ := strings.Cut(item, ";")
			mt = strings.ToLower(strings.TrimSpace(mt))
			if mt == "" {
				continue
			}
			listed++
			if refusedByQ(params) {
				continue
			}
			if mt == "*/*" || mt == "application/*" {
				a.any = true
			}
			a.types[mt] = true
		}
	}
	if listed == 0 {
		a.any = true
	}
	return a
}

func refusedByQ(params string) bool {
	for _, p := range strings.Split(params, ";") {
		k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
		if strings.EqualFold(k, "q") {
			v = strings.TrimSpace(v)
			return v == "0" || strings.Trim(v, "0.") == "" && strings.HasPrefix(v, "0")
		}
	}
	return false
}

func (a accepts) allows(mediaType string) bool {
	return a.any || a.types[strings.ToLower(mediaType)]
}

// negotiate picks what to answer for the manifest dg: itself when the
// client accepts its media type; for an index the client does not accept,
// the child for this node's platform (linux/GOARCH) when the client
// accepts that child's type, as registries do for clients that predate
// multi-arch images. It returns "" when nothing fits.
func (ix *index) negotiate(a accepts, dg string) string {
	m := ix.manifests[dg]
	if a.allows(m.mediaType) {
		return dg
	}
	if len(m.children) == 0 {
		return ""
	}
	want := v1.Platform{OS: "linux", Architecture: runtime.GOARCH}
	for _, c := range m.children {
		child := ix.manifests[c.Digest.String()]
		if child == nil || c.Platform == nil || !c.Platform.Satisfies(want) || !a.allows(child.mediaType) {
			continue
		}
		return c.Digest.String()
	}
	return ""
}
