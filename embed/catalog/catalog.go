package catalog

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	sovereignembed "github.com/openova-io/sovereign/embed"
)

// FileName is the name of the Blueprint file inside each folder.
const FileName = "blueprint.yaml"

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

// Default loads the catalog compiled into the binary.
func Default() (*Catalog, error) {
	return Load(sovereignembed.Blueprints(), "embed/blueprints")
}

// LoadDir loads a catalog from a folder of <name>/blueprint.yaml, such as
// OpenOva's platform/ folder.
func LoadDir(dir string) (*Catalog, error) {
	info, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("catalog folder %s: %w; give a folder that holds <name>/%s files", dir, err, FileName)
	}
	if !info.IsDir() {
		return nil, fmt.Errorf("catalog folder %s is a file; give the folder that holds <name>/%s files", dir, FileName)
	}
	return Load(os.DirFS(dir), filepath.Clean(dir))
}

// Load reads every <name>/blueprint.yaml at the top of fsys, checks each
// file, then resolves every dependency. source names fsys in messages: a
// file is called source/<name>/blueprint.yaml.
//
// A catalog with any problem is refused: the error is a *LoadError listing
// every problem found (not just the first) and the warnings. On success the
// warnings are kept in the catalog (see Warnings).
func Load(fsys fs.FS, source string) (*Catalog, error) {
	lerr := &LoadError{Source: source}
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		lerr.Problems = append(lerr.Problems, fmt.Errorf("read %s: %w", source, err))
		return nil, lerr
	}
	c := &Catalog{source: source, byName: make(map[string]*Blueprint, len(entries))}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") || e.Type().IsRegular() {
			continue
		}
		bp, problem := c.readFolder(fsys, e, lerr)
		if problem != nil {
			lerr.Problems = append(lerr.Problems, problem)
			continue
		}
		if bp != nil {
			c.add(bp, lerr)
		}
	}
	if len(c.byName) == 0 && len(lerr.Problems) == 0 {
		lerr.Problems = append(lerr.Problems, fmt.Errorf(
			"no <name>/%s found in %s; give a folder laid out like OpenOva's platform/", FileName, source))
	}
	if len(lerr.Problems) > 0 {
		return nil, lerr
	}
	sort.Slice(c.blueprints, func(i, j int) bool { return c.blueprints[i].Name < c.blueprints[j].Name })
	g, problems := resolve(c.blueprints, c.byName)
	if len(problems) > 0 {
		lerr.Problems = problems
		return nil, lerr
	}
	c.graph = g
	c.warnings = lerr.Warnings
	c.digest = digest(c.blueprints)
	c.api = buildAPI(c)
	return c, nil
}

// readFolder reads the Blueprint file of one folder. A folder without one
// is skipped with a warning.
func (c *Catalog) readFolder(fsys fs.FS, e fs.DirEntry, lerr *LoadError) (*Blueprint, error) {
	rel := path.Join(e.Name(), FileName)
	file := c.source + "/" + rel
	data, err := fs.ReadFile(fsys, rel)
	if err != nil && !e.IsDir() {
		// A link or special file that does not lead to a Blueprint folder.
		return nil, nil
	}
	if errors.Is(err, fs.ErrNotExist) {
		if e.IsDir() {
			lerr.Warnings = append(lerr.Warnings, Warning{File: c.source + "/" + e.Name(), Message: "no " + FileName + "; folder skipped"})
		}
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", file, err)
	}
	bp, warnings, err := Read(file, data)
	lerr.Warnings = append(lerr.Warnings, warnings...)
	if err != nil {
		return nil, err
	}
	if Slug(bp.Name) != Slug(e.Name()) {
		lerr.Warnings = append(lerr.Warnings, Warning{File: file, Field: "metadata.name",
			Message: fmt.Sprintf("name %s differs from its folder %s", bp.Name, e.Name())})
	}
	return bp, nil
}

// add puts bp into the catalog unless another file already uses its name.
func (c *Catalog) add(bp *Blueprint, lerr *LoadError) {
	if other, dup := c.byName[bp.Name]; dup {
		lerr.Problems = append(lerr.Problems, &FieldError{File: bp.File, Field: "metadata.name",
			Expected: "a name no other file uses", Got: fmt.Sprintf("%s, also the name in %s", bp.Name, other.File)})
		return
	}
	c.byName[bp.Name] = bp
	c.blueprints = append(c.blueprints, bp)
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
