package registry

import (
	"errors"
	"io/fs"
	"net/http"
	"os"
	"time"
)

// serveBlob answers GET and HEAD /v2/<name>/blobs/<digest>, streamed from
// the layout's file: http.ServeContent answers Range (206, or 416 with
// Content-Range: bytes */SIZE, per RFC 9110), If-Range and If-None-Match,
// and copies from the file without holding it in memory.
func (r *Registry) serveBlob(w http.ResponseWriter, req *http.Request, ix *snapshot, full string, repo *repository, arg string) {
	dg, err := parseDigest(arg)
	if err != nil {
		writeError(w, req, badRequest(codeDigestInvalid, err.Error()))
		return
	}
	if !repo.content[dg] {
		writeError(w, req, notFound(codeBlobUnknown, ix.missing(full, repo, dg, "blob")))
		return
	}
	f, err := os.Open(blobPath(r.dir, dg))
	if err != nil {
		msg := ix.missing(full, repo, dg, "blob")
		if !errors.Is(err, fs.ErrNotExist) {
			r.logger.Error("registry: blob unreadable", "digest", dg, "err", err)
			msg = "blob " + dg + " cannot be read from the layout: " + err.Error()
		}
		writeError(w, req, notFound(codeBlobUnknown, msg))
		return
	}
	defer f.Close()
	h := w.Header()
	h.Set("Content-Type", "application/octet-stream")
	h.Set("Docker-Content-Digest", dg)
	h.Set("ETag", `"`+dg+`"`)
	h.Set("Cache-Control", "max-age=31536000, immutable")
	http.ServeContent(bigCopies{w, corkOf(req.Context())}, req, "", time.Time{}, f)
}
