package registry

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"strconv"
	"strings"
)

// serveManifest answers GET and HEAD /v2/<name>/manifests/<reference>:
// the manifest's bytes as the layout holds them, with its own media type
// as Content-Type and its digest as Docker-Content-Digest.
func (r *Registry) serveManifest(w http.ResponseWriter, req *http.Request, ix *snapshot, full string, repo *repository, refArg string) {
	ref, err := parseReference(refArg)
	if err != nil {
		code := codeManifestInvalid
		if errors.Is(err, errDigestInvalid) {
			code = codeDigestInvalid
		}
		writeError(w, req, badRequest(code, err.Error()))
		return
	}
	dg := ref.digest
	if ref.tag != "" {
		var ok bool
		if dg, ok = repo.tags[ref.tag]; !ok {
			writeError(w, req, notFound(codeManifestUnknown, fmt.Sprintf("%s has no tag %s in %s (its tags: %s), and nothing is fetched from outside: a bundle that carries %s:%s must be made and installed",
				full, ref.tag, ix.where(), tagSummary(repo.sorted), full, ref.tag)))
			return
		}
	}
	if !repo.content[dg] || ix.manifests[dg] == nil {
		writeError(w, req, notFound(codeManifestUnknown, ix.missing(full, repo, dg, "manifest")))
		return
	}
	chosen := ix.negotiate(parseAccept(req), dg)
	if chosen == "" {
		writeError(w, req, notFound(codeManifestUnknown, fmt.Sprintf("%s@%s is %s, which the request's Accept header does not list", full, dg, ix.manifests[dg].mediaType)))
		return
	}
	m := ix.manifests[chosen]
	data, err := readManifest(r.dir, chosen)
	if err == nil && !digestMatches(chosen, data) {
		err = errors.New("content does not match its digest")
	}
	if err != nil {
		r.logger.Error("registry: manifest unreadable", "digest", chosen, "err", err)
		msg := ix.missing(full, repo, chosen, "manifest")
		if !errors.Is(err, fs.ErrNotExist) {
			msg = fmt.Sprintf("manifest %s of %s cannot be read from the layout (%v): install %s again", chosen, full, err, ix.where())
		}
		writeError(w, req, notFound(codeManifestUnknown, msg))
		return
	}
	h := w.Header()
	h.Set("Content-Type", m.mediaType)
	h.Set("Docker-Content-Digest", chosen)
	h.Set("Content-Length", strconv.Itoa(len(data)))
	h.Set("ETag", `"`+chosen+`"`)
	w.WriteHeader(http.StatusOK)
	if req.Method != http.MethodHead {
		w.Write(data)
	}
}

// missing says why dg, asked of repository full, is not served: the
// layout lacks a file it lists (damaged: install again), or the bundle
// never carried it.
func (ix *index) missing(full string, repo *repository, dg, what string) string {
	if ix.problem != "" {
		return ix.problem
	}
	if _, isManifest := ix.manifests[dg]; what == "manifest" && !isManifest && repo.content[dg] && ix.hasFile(dg) {
		return fmt.Sprintf("%s of %s is a blob (a config or a layer), not a manifest: ask /v2/<name>/blobs/%s for it", dg, full, dg)
	}
	if from, ok := ix.usedBy[dg]; ok && repo.content[dg] {
		return fmt.Sprintf("%s %s is listed by %s in the layout of %s but its file is missing: the layout is damaged; install that bundle again", what, dg, from, ix.where())
	}
	return fmt.Sprintf("%s %s of %s is not in %s, and nothing is fetched from outside: a bundle that carries it must be made and installed", what, dg, full, ix.where())
}

func tagSummary(tags []string) string {
	switch {
	case len(tags) == 0:
		return "none"
	case len(tags) > 10:
		return strings.Join(tags[:10], ", ") + fmt.Sprintf(" and %d more", len(tags)-10)
	}
	return strings.Join(tags, ", ")
}

// digestMatches checks data against a sha256 digest; the layout holds no
// other algorithm.
func digestMatches(dg string, data []byte) bool {
	enc, ok := strings.CutPrefix(dg, "sha256:")
	if !ok {
		return false
	}
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:]) == enc
}

// hasFile tells whether the layout holds the blob dg.
func (ix *index) hasFile(dg string) bool {
	_, err := os.Stat(blobPath(ix.dir, dg))
	return err == nil
}
