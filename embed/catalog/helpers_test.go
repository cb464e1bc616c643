package catalog

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"testing/fstest"
)

// openovaPlatform is OpenOva's platform/ folder, kept as test data beside
// the repository.
const openovaPlatform = "../../../shared/testdata/openova-blueprints/platform"

// needPlatform skips a test when the OpenOva test data is not there.
func needPlatform(t testing.TB) {
	t.Helper()
	if _, err := os.Stat(openovaPlatform); err != nil {
		t.Skipf("OpenOva test data not found at %s: %v", openovaPlatform, err)
	}
}

// loadPlatform loads OpenOva's 48 Blueprint files.
func loadPlatform(t testing.TB) *Catalog {
	t.Helper()
	needPlatform(t)
	c, err := LoadDir(openovaPlatform)
	if err != nil {
		t.Fatalf("load %s: %v", openovaPlatform, err)
	}
	return c
}

// blueprintYAML writes a small valid Blueprint file. Each dep is "bp-x"
// (bare form) or "bp-x ^1.0" (mapping form with a range).
func blueprintYAML(name, version string, deps ...string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "apiVersion: catalyst.openova.io/v1alpha1\nkind: Blueprint\nmetadata:\n  name: %s\nspec:\n  version: %s\n  depends:", name, version)
	if len(deps) == 0 {
		b.WriteString(" []\n")
		return b.String()
	}
	b.WriteString("\n")
	for _, d := range deps {
		if target, rng, ok := strings.Cut(d, " "); ok {
			fmt.Fprintf(&b, "    - blueprint: %s\n      version: %q\n", target, rng)
		} else {
			fmt.Fprintf(&b, "    - %s\n", d)
		}
	}
	return b.String()
}

// catalogFS lays files out as <folder>/blueprint.yaml.
func catalogFS(files map[string]string) fstest.MapFS {
	fsys := fstest.MapFS{}
	for folder, body := range files {
		fsys[folder+"/"+FileName] = &fstest.MapFile{Data: []byte(body)}
	}
	return fsys
}
