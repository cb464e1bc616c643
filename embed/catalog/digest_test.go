package catalog

import (
	"strings"
	"testing"
)

func TestDigestCoversContentOnly(t *testing.T) {
	load := func(files map[string]string) string {
		t.Helper()
		c, err := Load(catalogFS(files), "test")
		if err != nil {
			t.Fatal(err)
		}
		return c.Digest()
	}
	a := blueprintYAML("bp-a", "1.0.0", "bp-b ^1")
	b := blueprintYAML("bp-b", "1.2.0")
	base := load(map[string]string{"a": a, "b": b})
	if !strings.HasPrefix(base, "sha256:") || len(base) != len("sha256:")+64 {
		t.Fatalf("digest %q", base)
	}
	// Comments, key order, the bp- prefix and empty lists are not content.
	reworded := "# a comment\nkind: Blueprint\napiVersion: catalyst.openova.io/v1alpha1\nmetadata:\n  name: b\n  labels: {}\nspec:\n  depends: []\n  version: 1.2.0\n"
	if got := load(map[string]string{"first": a, "second": reworded}); got != base {
		t.Errorf("digest changed with layout only: %s != %s", got, base)
	}
	// A version, a range or a card field is.
	for name, files := range map[string]map[string]string{
		"version": {"a": a, "b": blueprintYAML("bp-b", "1.2.1")},
		"range":   {"a": blueprintYAML("bp-a", "1.0.0", "bp-b ^1.1"), "b": b},
		"card":    {"a": a, "b": b + "  card:\n    title: B\n"},
	} {
		if load(files) == base {
			t.Errorf("digest did not change with the %s", name)
		}
	}
}
