package registry

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
)

// maxPage caps one page of a tag or repository list.
const maxPage = 10000

type tagList struct {
	Name string   `json:"name"`
	Tags []string `json:"tags"`
}

type catalog struct {
	Repositories []string `json:"repositories"`
}

// serveTags answers GET /v2/<name>/tags/list, in lexical order, a page of
// n tags after last when asked, with a Link to the next page.
func (r *Registry) serveTags(w http.ResponseWriter, req *http.Request, ix *snapshot, name string, repo *repository) {
	page, next, aerr := paginate(req, repo.sorted)
	if aerr != nil {
		writeError(w, req, *aerr)
		return
	}
	if next != "" {
		q := url.Values{"n": {req.URL.Query().Get("n")}, "last": {next}}
		if ns := req.URL.Query().Get("ns"); ns != "" {
			q.Set("ns", ns)
		}
		w.Header().Set("Link", fmt.Sprintf(`</v2/%s/tags/list?%s>; rel="next"`, name, q.Encode()))
	}
	writeJSON(w, req, "application/json", tagList{Name: name, Tags: page})
}

// serveCatalog answers GET /v2/_catalog (an extension of the spec that
// registries commonly serve), paginated as tags are.
func (r *Registry) serveCatalog(w http.ResponseWriter, req *http.Request, ix *snapshot) {
	names := make([]string, 0, len(ix.repos))
	for n := range ix.repos {
		names = append(names, n)
	}
	sort.Strings(names)
	page, next, aerr := paginate(req, names)
	if aerr != nil {
		writeError(w, req, *aerr)
		return
	}
	if next != "" {
		q := url.Values{"n": {req.URL.Query().Get("n")}, "last": {next}}
		w.Header().Set("Link", fmt.Sprintf(`</v2/_catalog?%s>; rel="next"`, q.Encode()))
	}
	writeJSON(w, req, "application/json", catalog{Repositories: page})
}

// paginate returns the entries of sorted after ?last=, at most ?n= of
// them, and the last one returned when more follow.
func paginate(req *http.Request, sorted []string) ([]string, string, *apiError) {
	q := req.URL.Query()
	n := -1
	if s := q.Get("n"); s != "" || q.Has("n") {
		v, err := strconv.Atoi(s)
		if err != nil || v < 0 {
			e := badRequest(codePaginationBad, fmt.Sprintf("n=%q is not a number of entries (0 or more)", truncate(s)))
			return nil, "", &e
		}
		n = min(v, maxPage)
	}
	start := 0
	if last := q.Get("last"); last != "" {
		start = sort.SearchStrings(sorted, last)
		if start < len(sorted) && sorted[start] == last {
			start++
		}
	}
	rest := sorted[start:]
	if n < 0 || n >= len(rest) {
		return append([]string{}, rest...), "", nil
	}
	page := append([]string{}, rest[:n]...)
	next := ""
	if n > 0 {
		next = page[n-1]
	}
	return page, next, nil
}

// writeJSON answers v as JSON of content type ct.
func writeJSON(w http.ResponseWriter, req *http.Request, ct string, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		writeError(w, req, apiError{status: http.StatusInternalServerError, code: codeUnsupported, message: "encode answer: " + err.Error()})
		return
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	if req.Method != http.MethodHead {
		w.Write(body)
	}
}
