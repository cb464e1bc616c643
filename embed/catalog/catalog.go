package catalog

// Catalog is a set of Blueprints that loaded without errors and whose
// dependencies all resolve. It is immutable once loaded, so any number of
// goroutines may read it at once.
type Catalog struct {
	source     string
	blueprints []*Blueprint // sorted by name
	byName     map[string]*Blueprint
	warnings   []Warning
	graph      *graph
	digest     string
	api        *apiCache
}

// Source names where the catalog was loaded from.
func (c *Catalog) Source() string { return c.source }

// Len is the number of Blueprints.
func (c *Catalog) Len() int { return len(c.blueprints) }

// Blueprints returns every Blueprint, sorted by name. The Blueprints are
// shared; do not modify them.
func (c *Catalog) Blueprints() []*Blueprint {
	return append([]*Blueprint(nil), c.blueprints...)
}

// Names returns every canonical name, sorted.
func (c *Catalog) Names() []string {
	names := make([]string, len(c.blueprints))
	for i, bp := range c.blueprints {
		names[i] = bp.Name
	}
	return names
}

// Get returns the Blueprint called name ("bp-cnpg" or "cnpg"), or an error
// that matches ErrNotFound.
func (c *Catalog) Get(name string) (*Blueprint, error) {
	if bp, ok := c.byName[CanonicalName(name)]; ok {
		return bp, nil
	}
	return nil, &NotFoundError{Name: CanonicalName(name)}
}

// Warnings returns what was odd but not wrong in the files.
func (c *Catalog) Warnings() []Warning { return append([]Warning(nil), c.warnings...) }

// Digest identifies the catalog's content: "sha256:" and the hex digest of
// its canonical form. Two catalogs with the same Blueprints have the same
// digest, whatever their comments, key order, layout or load order.
func (c *Catalog) Digest() string { return c.digest }
