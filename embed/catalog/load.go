package catalog

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"

	sovereignembed "github.com/openova-io/sovereign/embed"
)

// FileName is the name of the Blueprint file inside each folder.
const FileName = "blueprint.yaml"

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
// file is called source/<name>/blueprint.yaml. Folders without the file
// are skipped with a warning; plain files and names starting with "." are
// ignored.
//
// A catalog with any problem is refused: the error is a *LoadError listing
// every problem found (not just the first) and the warnings. On success the
// warnings are kept in the catalog (see Warnings).
func Load(fsys fs.FS, source string) (*Catalog, error) {
	lerr := &LoadError{Source: source}
	folders, err := readFolders(fsys, source, lerr)
	if err != nil {
		lerr.Problems = append(lerr.Problems, err)
		return nil, lerr
	}
	parse(folders)
	c := &Catalog{source: source, byName: make(map[string]*Blueprint, len(folders))}
	for _, f := range folders {
		lerr.Warnings = append(lerr.Warnings, f.warnings...)
		var fileErr *FileError
		if errors.As(f.err, &fileErr) {
			for _, p := range fileErr.Problems {
				lerr.Problems = append(lerr.Problems, p)
			}
			continue
		}
		if f.err != nil {
			lerr.Problems = append(lerr.Problems, f.err)
			continue
		}
		if Slug(f.bp.Name) != Slug(f.name) {
			lerr.Warnings = append(lerr.Warnings, Warning{File: f.file, Field: "metadata.name",
				Message: fmt.Sprintf("name %s differs from its folder %s", f.bp.Name, f.name)})
		}
		c.add(f.bp, lerr)
	}
	if len(folders) == 0 && len(lerr.Problems) == 0 {
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

// folder is one Blueprint folder: its file as read, then as parsed.
type folder struct {
	name     string // the folder's own name
	file     string // the file's name in messages
	data     []byte
	bp       *Blueprint
	warnings []Warning
	err      error
}

// readFolders reads the Blueprint file of every folder, in name order. It
// reads one file at a time: an fs.FS need not allow more.
func readFolders(fsys fs.FS, source string, lerr *LoadError) ([]*folder, error) {
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", source, err)
	}
	var folders []*folder
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") || e.Type().IsRegular() {
			continue
		}
		rel := path.Join(e.Name(), FileName)
		f := &folder{name: e.Name(), file: source + "/" + rel}
		f.data, err = fs.ReadFile(fsys, rel)
		switch {
		case err != nil && !e.IsDir():
			// A link or special file that does not lead to a Blueprint
			// folder.
			continue
		case errors.Is(err, fs.ErrNotExist):
			lerr.Warnings = append(lerr.Warnings, Warning{File: source + "/" + e.Name(),
				Message: "no " + FileName + "; folder skipped"})
			continue
		case err != nil:
			f.err = fmt.Errorf("read %s: %w", f.file, err)
		}
		folders = append(folders, f)
	}
	return folders, nil
}

// parse reads the Blueprints of folders on every CPU at once: parsing YAML
// is most of what loading a catalog costs.
func parse(folders []*folder) {
	work := make(chan *folder)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(folders)) {
		wg.Go(func() {
			for f := range work {
				f.bp, f.warnings, f.err = Read(f.file, f.data)
			}
		})
	}
	for _, f := range folders {
		if f.err == nil {
			work <- f
		}
	}
	close(work)
	wg.Wait()
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
