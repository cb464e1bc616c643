package registry

import (
	"net/http"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// serveReferrers answers GET /v2/<name>/referrers/<digest>: an image
// index listing the manifests of the repository whose subject is digest
// (signatures, SBOMs, attestations), filtered by ?artifactType= when
// given. A digest nothing refers to has an empty list, as the spec says.
func (r *Registry) serveReferrers(w http.ResponseWriter, req *http.Request, ix *snapshot, repo *repository, arg string) {
	dg, err := parseDigest(arg)
	if err != nil {
		writeError(w, req, badRequest(codeDigestInvalid, err.Error()))
		return
	}
	filter := req.URL.Query()["artifactType"]
	out := v1.IndexManifest{SchemaVersion: 2, MediaType: types.OCIImageIndex, Manifests: []v1.Descriptor{}}
	for _, d := range ix.referrers[dg] {
		if !repo.content[d.Digest.String()] || (len(filter) > 0 && !contains(filter, d.ArtifactType)) {
			continue
		}
		out.Manifests = append(out.Manifests, d)
	}
	if len(filter) > 0 {
		w.Header().Set("OCI-Filters-Applied", "artifactType")
	}
	writeJSON(w, req, string(types.OCIImageIndex), out)
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
