package registry

import (
	"fmt"
	"net/http"
	"strings"
)

// The routes of the pull half of the distribution API. A repository name
// may itself hold "manifests" or "blobs" as an element, so a route is
// recognised by the end of the path, as the spec's grammar reads it.
type route int

const (
	routeBase route = iota
	routeCatalog
	routeTags
	routeManifest
	routeBlob
	routeUpload
	routeReferrers
	routeUnknown
)

// request is a parsed distribution API path.
type request struct {
	route route
	name  string // repository name as given, before ns
	arg   string // the reference or digest
}

// ServeHTTP answers a distribution API request.
func (r *Registry) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	w.Header().Set("Docker-Distribution-API-Version", "registry/2.0")
	if !r.authorized(req) {
		challenge(w, req)
		return
	}
	p, aerr := parsePath(req)
	if aerr != nil {
		writeError(w, req, *aerr)
		return
	}
	if p.route == routeUpload || (req.Method != http.MethodGet && req.Method != http.MethodHead) {
		refuseWrite(w, req)
		return
	}
	ix := r.current()
	switch p.route {
	case routeBase:
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", "2")
		if req.Method == http.MethodGet {
			w.Write([]byte("{}"))
		}
		return
	case routeCatalog:
		r.serveCatalog(w, req, ix)
		return
	case routeUnknown:
		writeError(w, req, notFound(codeUnsupported, fmt.Sprintf("this registry has no endpoint at %s: it serves the pull half of the OCI distribution API under /v2/", truncate(req.URL.Path))))
		return
	}
	full, repo, aerr := ix.lookup(p.name, req.URL.Query().Get("ns"))
	if aerr != nil {
		writeError(w, req, *aerr)
		return
	}
	switch p.route {
	case routeTags:
		r.serveTags(w, req, ix, p.name, repo)
	case routeManifest:
		r.serveManifest(w, req, ix, full, repo, p.arg)
	case routeBlob:
		r.serveBlob(w, req, ix, full, repo, p.arg)
	case routeReferrers:
		r.serveReferrers(w, req, ix, repo, p.arg)
	}
}

// refuseWrite answers any method that would change the registry.
func refuseWrite(w http.ResponseWriter, req *http.Request) {
	w.Header().Set("Allow", "GET, HEAD")
	writeError(w, req, apiError{status: http.StatusMethodNotAllowed, code: codeUnsupported,
		message: fmt.Sprintf("%s %s: this registry is read-only; it serves the images of the installed bundle, and a new image comes with a new bundle (sovereign bundle create --oci-layout, then sovereign install)", req.Method, truncate(req.URL.Path))})
}

// parsePath splits the path into a route, a name and an argument. It
// refuses percent-escapes (no name, tag or digest holds one), empty, "."
// and ".." elements before anything else looks at the path.
func parsePath(req *http.Request) (request, *apiError) {
	path := req.URL.Path
	if strings.Contains(req.URL.RawPath, "%") || strings.ContainsAny(path, "%\\") {
		return request{}, &apiError{status: http.StatusBadRequest, code: codeNameInvalid, message: "the path holds a percent-escape or a backslash, which no repository name, tag or digest does"}
	}
	rest, ok := strings.CutPrefix(path, "/v2")
	if !ok || (rest != "" && rest[0] != '/') {
		return request{route: routeUnknown}, nil
	}
	if rest == "" || rest == "/" {
		return request{route: routeBase}, nil
	}
	rest = strings.TrimPrefix(rest, "/")
	trailing := strings.HasSuffix(rest, "/")
	rest = strings.TrimSuffix(rest, "/")
	segs := strings.Split(rest, "/")
	for _, s := range segs {
		if s == "" || s == "." || s == ".." {
			return request{}, &apiError{status: http.StatusBadRequest, code: codeNameInvalid, message: fmt.Sprintf("the path %q holds an empty, \".\" or \"..\" element: give a repository name as published (such as ghcr.io/openova-io/bp-cilium)", truncate(path))}
		}
	}
	n := len(segs)
	name := func(k int) string { return strings.Join(segs[:n-k], "/") }
	switch {
	case n == 1 && segs[0] == "_catalog" && !trailing:
		return request{route: routeCatalog}, nil
	case n >= 3 && segs[n-2] == "blobs" && segs[n-1] == "uploads":
		return request{route: routeUpload, name: name(2)}, nil
	case n >= 4 && segs[n-3] == "blobs" && segs[n-2] == "uploads":
		return request{route: routeUpload, name: name(3)}, nil
	case trailing:
		return request{route: routeUnknown}, nil
	case n >= 3 && segs[n-2] == "tags" && segs[n-1] == "list":
		return request{route: routeTags, name: name(2)}, nil
	case n >= 3 && segs[n-2] == "manifests":
		return request{route: routeManifest, name: name(2), arg: segs[n-1]}, nil
	case n >= 3 && segs[n-2] == "blobs":
		return request{route: routeBlob, name: name(2), arg: segs[n-1]}, nil
	case n >= 3 && segs[n-2] == "referrers":
		return request{route: routeReferrers, name: name(2), arg: segs[n-1]}, nil
	}
	return request{route: routeUnknown}, nil
}

// lookup finds the repository a request names.
func (ix *index) lookup(name, ns string) (string, *repository, *apiError) {
	cands, err := candidates(name, ns)
	if err != nil {
		e := badRequest(codeNameInvalid, err.Error())
		return "", nil, &e
	}
	for _, c := range cands {
		if repo := ix.repos[c]; repo != nil {
			return c, repo, nil
		}
	}
	// A client pointed at the node itself (helm pull oci://NODE/org/chart)
	// names no host: the one repository of that path is meant, whichever
	// registry it was published on.
	if full := ix.byPath[name]; ns == "" && len(full) == 1 {
		return full[0], ix.repos[full[0]], nil
	}
	if ix.problem != "" {
		e := notFound(codeNameUnknown, ix.problem)
		return "", nil, &e
	}
	e := notFound(codeNameUnknown, fmt.Sprintf("repository %s is not in %s, and nothing is fetched from outside: to serve it, make a bundle that carries it (sovereign bundle create --oci-layout ...) and install that", cands[0], ix.where()))
	return "", nil, &e
}
