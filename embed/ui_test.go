package embed

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// sourceRoots are the files and folders of ui/ that shape the build; the
// hash is the one ui/scripts/sources.mjs writes into build.json.
var sourceRoots = []string{"index.html", "package.json", "package-lock.json", "tsconfig.json", "vite.config.ts", "public", "scripts", "src"}

func uiSourceHash(t *testing.T, uiDir string) string {
	t.Helper()
	var files []string
	for _, r := range sourceRoots {
		root := filepath.Join(uiDir, r)
		if _, err := os.Stat(root); err != nil {
			continue
		}
		err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			rel, err := filepath.Rel(uiDir, p)
			if err != nil {
				return err
			}
			rel = filepath.ToSlash(rel)
			if !strings.HasSuffix(rel, ".test.ts") {
				files = append(files, rel)
			}
			return nil
		})
		if err != nil {
			t.Fatalf("walk %s: %v", root, err)
		}
	}
	sort.Strings(files)
	h := sha256.New()
	for _, rel := range files {
		data, err := os.ReadFile(filepath.Join(uiDir, rel))
		if err != nil {
			t.Fatal(err)
		}
		h.Write([]byte(rel + "\x00" + strconv.Itoa(len(data)) + "\x00"))
		h.Write(data)
	}
	return hex.EncodeToString(h.Sum(nil))
}

type buildInfo struct {
	Sources string   `json:"sources"`
	Assets  []string `json:"assets"`
}

func readBuildInfo(t *testing.T) buildInfo {
	t.Helper()
	data, err := fs.ReadFile(Console(), "build.json")
	if err != nil {
		t.Fatalf("embed/ui/build.json: %v; build the console with `npm run build` in ui/", err)
	}
	var b buildInfo
	if err := json.Unmarshal(data, &b); err != nil {
		t.Fatalf("embed/ui/build.json: %v", err)
	}
	return b
}

func TestConsoleBuildIsCurrent(t *testing.T) {
	uiDir := filepath.Join("..", "ui")
	if _, err := os.Stat(filepath.Join(uiDir, "package.json")); err != nil {
		t.Skip("ui/ sources are not beside this package")
	}
	got, want := readBuildInfo(t).Sources, uiSourceHash(t, uiDir)
	if got != want {
		t.Fatalf("the committed console build (embed/ui) was made from other sources than ui/ holds now (%.12s, ui/ is %.12s); run `npm ci && npm run build` in ui/ and commit embed/ui", got, want)
	}
}

func TestConsoleAssetsArePrecompressed(t *testing.T) {
	b := readBuildInfo(t)
	if len(b.Assets) == 0 {
		t.Fatal("build.json lists no assets")
	}
	for _, a := range b.Assets {
		for _, ext := range []string{"", ".br", ".gz"} {
			if _, err := fs.Stat(Console(), "assets/"+a+ext); err != nil {
				t.Errorf("assets/%s%s: %v", a, ext, err)
			}
		}
	}
}

func TestConsoleIndexHasNoInlineScriptOrStyle(t *testing.T) {
	index, err := fs.ReadFile(Console(), "index.html")
	if err != nil {
		t.Fatal(err)
	}
	scripts := regexp.MustCompile(`(?s)<script\b([^>]*)>(.*?)</script>`).FindAllSubmatch(index, -1)
	if len(scripts) == 0 {
		t.Fatal("index.html loads no script")
	}
	for _, m := range scripts {
		if !bytes.Contains(m[1], []byte("src=")) || len(bytes.TrimSpace(m[2])) > 0 {
			t.Errorf("inline script in index.html: %s", m[0])
		}
	}
	if bytes.Contains(index, []byte("<style")) || bytes.Contains(index, []byte(" style=")) {
		t.Error("inline style in index.html")
	}
	if bytes.Contains(index, []byte("http://")) || bytes.Contains(index, []byte("https://")) {
		t.Error("index.html names another origin")
	}
}
