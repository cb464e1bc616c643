package cmd

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The catalog commands, run as a person or a script would run them.

const openovaPlatform = "../../shared/testdata/openova-blueprints/platform"

func TestCatalogListEmbedded(t *testing.T) {
	code, stdout, stderr := run(t, "catalog", "list")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.HasPrefix(stdout, "NAME ") || !strings.Contains(stdout, "bp-catalyst-platform") ||
		!strings.Contains(stdout, "50 Blueprints from embed/blueprints, digest sha256:") {
		t.Errorf("table:\n%s", stdout)
	}
	code, stdout, _ = run(t, "catalog", "list", "-o", "json")
	var apps []map[string]any
	if code != 0 || json.Unmarshal([]byte(stdout), &apps) != nil || len(apps) != 50 {
		t.Fatalf("exit %d, json list:\n%.200s", code, stdout)
	}
	if apps[0]["slug"] != "alloy" || apps[0]["depends"] == nil {
		t.Errorf("first app = %v", apps[0])
	}
}

func TestCatalogShowAndDeps(t *testing.T) {
	code, stdout, stderr := run(t, "catalog", "show", "librechat")
	if code != 0 || !strings.Contains(stdout, "bp-librechat 1.0.0  LibreChat") || !strings.Contains(stdout, "bp-keycloak ^1.1 as idp") {
		t.Errorf("exit %d\n%s%s", code, stdout, stderr)
	}
	code, stdout, _ = run(t, "catalog", "show", "bp-librechat", "-o", "json")
	var detail map[string]any
	if code != 0 || json.Unmarshal([]byte(stdout), &detail) != nil || detail["install_order"] == nil {
		t.Errorf("exit %d, detail:\n%.300s", code, stdout)
	}
	code, stdout, _ = run(t, "catalog", "deps", "vllm")
	if code != 0 || !strings.Contains(stdout, "└── bp-kserve 1.0.0 (^1.0, as kserve)") ||
		!strings.Contains(stdout, "5. bp-vllm 1.0.0") || !strings.Contains(stdout, "bp-librechat, bp-nemo-guardrails") {
		t.Errorf("exit %d\n%s", code, stdout)
	}
	code, stdout, _ = run(t, "catalog", "deps", "vllm", "-o", "json")
	var deps struct {
		InstallOrder []string `json:"install_order"`
	}
	if code != 0 || json.Unmarshal([]byte(stdout), &deps) != nil || len(deps.InstallOrder) != 5 {
		t.Errorf("exit %d, deps:\n%s", code, stdout)
	}
}

func TestCatalogUnknownNameSaysWhatToDo(t *testing.T) {
	code, stdout, stderr := run(t, "catalog", "show", "libre")
	if code != 1 || stdout != "" || !strings.Contains(stderr, "error: Blueprint bp-libre is not in the catalog; did you mean bp-librechat?") {
		t.Errorf("exit %d\nstdout %q\nstderr %q", code, stdout, stderr)
	}
	code, _, stderr = run(t, "catalog", "deps", "zzzzzz")
	if code != 1 || !strings.Contains(stderr, "run 'sovereign catalog list' for the names") {
		t.Errorf("exit %d: %s", code, stderr)
	}
}

func TestCatalogValidate(t *testing.T) {
	if _, err := os.Stat(openovaPlatform); err != nil {
		t.Skipf("OpenOva test data not found: %v", err)
	}
	code, stdout, stderr := run(t, "catalog", "validate", openovaPlatform)
	if code != 0 || !strings.Contains(stdout, "48 Blueprints, every dependency resolves") || stderr != "" {
		t.Errorf("exit %d\n%s%s", code, stdout, stderr)
	}
	code, stdout, _ = run(t, "catalog", "list", "--catalog-dir", openovaPlatform)
	if code != 0 || !strings.Contains(stdout, "48 Blueprints from") {
		t.Errorf("exit %d\n%s", code, stdout)
	}

	dir := t.TempDir()
	write := func(name, body string) {
		os.MkdirAll(filepath.Join(dir, name), 0o755)
		if err := os.WriteFile(filepath.Join(dir, name, "blueprint.yaml"), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("a", "apiVersion: catalyst.openova.io/v1\nkind: Blueprint\nmetadata: {name: a}\nspec:\n  version: 1.0.0\n  depends: [bp-b]\n  colour: red\n")
	write("b", "apiVersion: catalyst.openova.io/v1\nkind: Blueprint\nmetadata: {name: b}\nspec:\n  version: one\n")
	code, stdout, stderr = run(t, "catalog", "validate", dir)
	if code != 1 || stdout != "" {
		t.Errorf("exit %d, stdout %q", code, stdout)
	}
	for _, want := range []string{
		"warning: " + dir + "/a/blueprint.yaml:7:3: spec.colour: unknown field, kept as is",
		dir + "/b/blueprint.yaml:5:12: spec.version: expected a semantic version such as 1.2.3, got \"one\"",
		"error: " + dir + ": 1 problem; fix the files and run 'sovereign catalog validate " + dir + "' again",
	} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	code, stdout, _ = run(t, "catalog", "validate", dir, "-o", "json")
	var report struct {
		Valid    bool     `json:"valid"`
		Problems []string `json:"problems"`
		Warnings []struct {
			Field string `json:"field"`
		} `json:"warnings"`
	}
	if code != 1 || json.Unmarshal([]byte(stdout), &report) != nil || report.Valid || len(report.Problems) != 1 || report.Warnings[0].Field != "spec.colour" {
		t.Errorf("exit %d, report:\n%s", code, stdout)
	}
	code, _, stderr = run(t, "catalog", "list", "--catalog-dir", dir)
	if code != 1 || !strings.Contains(stderr, "leave out --catalog-dir to use the embedded catalog") {
		t.Errorf("exit %d: %s", code, stderr)
	}
}
