package catalog

import (
	"bytes"
	"encoding/json"
)

// The console API serves JSON built once, when the catalog loads. Only
// "published" can change afterwards (an administrator's publish overrides,
// held in the replicated store), so each app's JSON is kept as the part
// before that value and the part after it; applying overrides is copying
// bytes, never encoding again.

// publishedKey is where an app's JSON is split.
var publishedKey = []byte(`,"published":`)

// apiCache holds the precomputed JSON of a catalog.
type apiCache struct {
	apps  []App          // sorted by slug
	index map[string]int // slug -> position in apps
	// head is an app's JSON from after "{" up to the published value;
	// tail runs from after that value to before "}".
	head, tail [][]byte
	// detail is the part of a detail document after the app's own fields.
	detail [][]byte
	// list is the whole list with every app at its default.
	list []byte
}

// buildAPI precomputes the JSON of every app and of the list.
func buildAPI(c *Catalog) *apiCache {
	g := c.graph
	system := map[string]bool{}
	if _, ok := c.byName[Umbrella]; ok {
		system = g.closure(Umbrella)
	}
	a := &apiCache{
		apps:   make([]App, len(c.blueprints)),
		index:  make(map[string]int, len(c.blueprints)),
		head:   make([][]byte, len(c.blueprints)),
		tail:   make([][]byte, len(c.blueprints)),
		detail: make([][]byte, len(c.blueprints)),
	}
	for i, bp := range c.blueprints {
		app := newApp(bp, system[bp.Name] || bp.Visibility == Unlisted, len(g.dependents[bp.Name]))
		a.apps[i] = app
		a.index[app.Slug] = i
		a.head[i], a.tail[i] = splitApp(app)
		a.detail[i] = detailTail(c, bp)
	}
	a.list = a.appendList(nil, nil)
	return a
}

// splitApp encodes app and cuts it around the published value. Inside a
// JSON string every quote is escaped, so the unescaped key can only be the
// field itself.
func splitApp(app App) (head, tail []byte) {
	app.Published = false
	b := marshal(app)
	i := bytes.Index(b, publishedKey)
	head = b[1:i]
	tail = b[i+len(publishedKey)+len("false") : len(b)-1]
	return head, tail
}

// marshal encodes v without escaping <, > and &: the JSON is served as
// application/json and read by people on the command line.
func marshal(v any) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	// Encoding cannot fail: every value is a string, number, bool, nil,
	// map or slice the reader produced.
	_ = enc.Encode(v)
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}

// published says whether app i is published under overrides.
func (a *apiCache) published(i int, overrides map[string]bool) bool {
	if v, ok := overrides[a.apps[i].Slug]; ok {
		return v
	}
	return a.apps[i].Published
}

// changes reports whether overrides change any app from its default.
func (a *apiCache) changes(overrides map[string]bool) bool {
	for slug, v := range overrides {
		if i, ok := a.index[slug]; ok && a.apps[i].Published != v {
			return true
		}
	}
	return false
}

func (a *apiCache) appendApp(dst []byte, i int, overrides map[string]bool) []byte {
	dst = append(dst, '{')
	dst = append(dst, a.head[i]...)
	dst = append(dst, publishedKey...)
	if a.published(i, overrides) {
		dst = append(dst, "true"...)
	} else {
		dst = append(dst, "false"...)
	}
	return append(dst, a.tail[i]...)
}

func (a *apiCache) appendList(dst []byte, overrides map[string]bool) []byte {
	dst = append(dst, '[')
	for i := range a.apps {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = a.appendApp(dst, i, overrides)
		dst = append(dst, '}')
	}
	return append(dst, ']')
}

// ListJSON returns the catalog as GET /api/v1/sovereign/catalog answers it:
// a JSON array of apps sorted by slug. published maps slugs ("cnpg", not
// "bp-cnpg") to an administrator's publish decision and overrides the
// default; slugs the catalog lacks are ignored, nil means no overrides.
//
// When no override changes anything, the precomputed list itself is
// returned: callers must not modify the slice.
func (c *Catalog) ListJSON(published map[string]bool) []byte {
	if !c.api.changes(published) {
		return c.api.list
	}
	return c.api.appendList(make([]byte, 0, len(c.api.list)+len(published)), published)
}

// AppendListJSON appends the list that ListJSON returns to dst, for callers
// that reuse buffers.
func (c *Catalog) AppendListJSON(dst []byte, published map[string]bool) []byte {
	return c.api.appendList(dst, published)
}

// Apps returns the console's view of every Blueprint, sorted by slug, with
// published at its default.
func (c *Catalog) Apps() []App {
	out := make([]App, len(c.api.apps))
	copy(out, c.api.apps)
	return out
}

// App returns the console's view of one Blueprint ("cnpg" or "bp-cnpg").
func (c *Catalog) App(name string) (App, error) {
	i, err := c.api.find(name)
	if err != nil {
		return App{}, err
	}
	return c.api.apps[i], nil
}

func (a *apiCache) find(name string) (int, error) {
	if i, ok := a.index[Slug(CanonicalName(name))]; ok {
		return i, nil
	}
	return 0, &NotFoundError{Name: CanonicalName(name)}
}

// DetailJSON returns GET /api/v1/sovereign/catalog/{slug}: the app's list
// fields, then its card, labels, configuration schema, placement,
// dependencies with their ranges, dependency tree, dependents and install
// order. name is a slug or a full name; published is applied as in
// ListJSON. The error matches ErrNotFound when there is no such Blueprint.
func (c *Catalog) DetailJSON(name string, published map[string]bool) ([]byte, error) {
	i, err := c.api.find(name)
	if err != nil {
		return nil, err
	}
	a := c.api
	dst := make([]byte, 0, len(a.head[i])+len(a.tail[i])+len(a.detail[i])+32)
	dst = a.appendApp(dst, i, published)
	dst = append(dst, a.detail[i]...)
	return append(dst, '}'), nil
}
