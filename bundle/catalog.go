package bundle

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"path"
	"strings"

	"sigs.k8s.io/yaml"
)

// catalogFiles lists the regular files of a catalog (a folder of
// <name>/blueprint.yaml, and whatever else the folders hold), in lexical
// order. A link or any other kind of file is refused: what goes on the
// stick is exactly what the manifest lists.
func catalogFiles(fsys fs.FS) ([]string, error) {
	var files []string
	blueprints := 0
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		if !d.Type().IsRegular() {
			return fmt.Errorf("%s is not a regular file (links and devices cannot go into a bundle)", p)
		}
		if err := checkPath(CatalogDir + "/" + p); err != nil {
			return err
		}
		if path.Base(p) == "blueprint.yaml" && strings.Count(p, "/") == 1 {
			blueprints++
		}
		files = append(files, p)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read catalog: %w", err)
	}
	if blueprints == 0 {
		return nil, fmt.Errorf("read catalog: no <name>/blueprint.yaml found; --catalog takes a folder of Blueprint folders")
	}
	return files, nil
}

// CatalogFilesDigest is a digest of a catalog's files: sha256 over the
// lines "<sha256 of file>  <path>\n" in path order, the form sha256sum
// prints. Create uses it when the caller brings no digest of its own.
func CatalogFilesDigest(fsys fs.FS) (string, error) {
	files, err := catalogFiles(fsys)
	if err != nil {
		return "", err
	}
	all := sha256.New()
	for _, p := range files {
		f, err := fsys.Open(p)
		if err != nil {
			return "", err
		}
		h := sha256.New()
		_, err = io.Copy(h, f)
		f.Close()
		if err != nil {
			return "", fmt.Errorf("read catalog %s: %w", p, err)
		}
		fmt.Fprintf(all, "%s  %s\n", hex.EncodeToString(h.Sum(nil)), p)
	}
	return "sha256:" + hex.EncodeToString(all.Sum(nil)), nil
}

// blueprintInfo is what the SBOM says about a Blueprint.
type blueprintInfo struct {
	Name    string
	Version string
	Path    string // inside the bundle
	SHA256  string
}

// readBlueprintInfo reads name and version of a blueprint.yaml, leniently:
// checking Blueprints is the catalog reader's job, the SBOM only records.
func readBlueprintInfo(fsys fs.FS, p string) blueprintInfo {
	info := blueprintInfo{Name: path.Dir(p), Path: CatalogDir + "/" + p}
	f, err := fsys.Open(p)
	if err != nil {
		return info
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, 4<<20))
	if err != nil {
		return info
	}
	var doc struct {
		Metadata struct {
			Name string `json:"name"`
		} `json:"metadata"`
		Spec struct {
			Version string `json:"version"`
		} `json:"spec"`
	}
	if yaml.Unmarshal(data, &doc) == nil {
		if doc.Metadata.Name != "" {
			info.Name = doc.Metadata.Name
		}
		info.Version = doc.Spec.Version
	}
	return info
}
