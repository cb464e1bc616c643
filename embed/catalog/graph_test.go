package catalog

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"testing/fstest"
)

// TestLoadRefusesBrokenGraphs: each broken catalog is refused with an error
// that names the file and field of the depends entry at fault.
func TestLoadRefusesBrokenGraphs(t *testing.T) {
	cases := []struct {
		name  string
		files map[string]string
		is    error
		file  string
		field string
		msg   string
	}{
		{
			name:  "self dependency",
			files: map[string]string{"a": blueprintYAML("bp-a", "1.0.0", "bp-a")},
			is:    ErrCycle, file: "test/a/blueprint.yaml", field: "spec.depends[0]",
			msg: "dependency cycle bp-a -> bp-a",
		},
		{
			name: "two-way cycle",
			files: map[string]string{
				"a": blueprintYAML("bp-a", "1.0.0", "bp-b ^1.0"),
				"b": blueprintYAML("b", "1.0.0", "bp-a"),
			},
			is: ErrCycle, file: "test/a/blueprint.yaml", field: "spec.depends[0]",
			msg: "dependency cycle bp-a -> bp-b -> bp-a",
		},
		{
			name: "cycle of three behind a sound edge",
			files: map[string]string{
				"a": blueprintYAML("bp-a", "1.0.0", "bp-d", "bp-c ^1"),
				"b": blueprintYAML("bp-b", "1.0.0", "bp-a ^1"),
				"c": blueprintYAML("bp-c", "1.0.0", "bp-b ^1"),
				"d": blueprintYAML("bp-d", "1.0.0"),
			},
			is: ErrCycle, file: "test/a/blueprint.yaml", field: "spec.depends[1]",
			msg: "dependency cycle bp-a -> bp-c -> bp-b -> bp-a",
		},
		{
			name: "missing dependency",
			files: map[string]string{
				"a": blueprintYAML("bp-a", "1.0.0", "bp-b ^1.0", "bp-nope ^2.1"),
				"b": blueprintYAML("bp-b", "1.3.0"),
			},
			is: ErrMissingDependency, file: "test/a/blueprint.yaml", field: "spec.depends[1]",
			msg: "bp-a needs bp-nope ^2.1, which is not in the catalog",
		},
		{
			name: "missing dependency, bare form",
			files: map[string]string{
				"a": blueprintYAML("bp-a", "1.0.0", "nope"),
			},
			is: ErrMissingDependency, file: "test/a/blueprint.yaml", field: "spec.depends[0]",
			msg: "bp-a needs bp-nope *, which is not in the catalog",
		},
		{
			name: "unsatisfiable range",
			files: map[string]string{
				"a": blueprintYAML("bp-a", "1.0.0", "bp-b ^2.0"),
				"b": blueprintYAML("bp-b", "1.4.0"),
			},
			is: ErrUnsatisfiedRange, file: "test/a/blueprint.yaml", field: "spec.depends[0]",
			msg: "bp-a needs bp-b ^2.0, but the catalog has bp-b 1.4.0",
		},
		{
			name: "unsatisfiable compound range",
			files: map[string]string{
				"a": blueprintYAML("bp-a", "1.0.0"),
				"b": blueprintYAML("bp-b", "1.0.0", "bp-a >=1.1 <2"),
			},
			is: ErrUnsatisfiedRange, file: "test/b/blueprint.yaml", field: "spec.depends[0]",
			msg: "bp-b needs bp-a >=1.1 <2, but the catalog has bp-a 1.0.0",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Load(catalogFS(tc.files), "test")
			if err == nil {
				t.Fatalf("catalog loaded (%d Blueprints); want it refused", c.Len())
			}
			if !errors.Is(err, tc.is) {
				t.Fatalf("error does not match %v: %v", tc.is, err)
			}
			var lerr *LoadError
			if !errors.As(err, &lerr) || len(lerr.Problems) != 1 {
				t.Fatalf("want one problem, got %v", err)
			}
			msg := lerr.Problems[0].Error()
			if !strings.HasPrefix(msg, tc.file+":") || !strings.Contains(msg, ": "+tc.field+": ") {
				t.Errorf("message does not name %s and %s: %s", tc.file, tc.field, msg)
			}
			if !strings.HasSuffix(msg, tc.msg) {
				t.Errorf("message = %s\nwant it to end with %s", msg, tc.msg)
			}
		})
	}
}

func TestCycleErrorCarriesThePath(t *testing.T) {
	_, err := Load(catalogFS(map[string]string{
		"x": blueprintYAML("bp-x", "1.0.0", "bp-y"),
		"y": blueprintYAML("bp-y", "1.0.0", "bp-x"),
	}), "test")
	var cycle *CycleError
	if !errors.As(err, &cycle) {
		t.Fatalf("got %v", err)
	}
	if want := []string{"bp-x", "bp-y", "bp-x"}; !reflect.DeepEqual(cycle.Path, want) {
		t.Errorf("path = %v, want %v", cycle.Path, want)
	}
	if cycle.Line == 0 {
		t.Error("cycle error has no line")
	}
}

func TestLoadReportsEveryProblemAtOnce(t *testing.T) {
	_, err := Load(catalogFS(map[string]string{
		"a":   blueprintYAML("bp-a", "1.0.0", "bp-missing"),
		"b":   blueprintYAML("bp-b", "1.0.0", "bp-a ^3"),
		"bad": "apiVersion: catalyst.openova.io/v1\nkind: Blueprint\nmetadata: {name: bad}\nspec: {version: x}\n",
		"dup": blueprintYAML("bp-a", "1.0.0"),
	}), "test")
	var lerr *LoadError
	if !errors.As(err, &lerr) {
		t.Fatalf("got %v", err)
	}
	var fileErrs int
	for _, p := range lerr.Problems {
		if errors.Is(p, ErrInvalidFile) {
			fileErrs++
		}
	}
	// The bad version and the duplicate name; the graph is checked only once
	// every file reads.
	if fileErrs != 2 || len(lerr.Problems) != 2 {
		t.Errorf("problems = %v", lerr.Problems)
	}
	if !strings.Contains(err.Error(), "test/dup/blueprint.yaml: metadata.name: expected a name no other file uses") {
		t.Errorf("duplicate name not reported: %v", err)
	}
}

func TestLoadFolderRules(t *testing.T) {
	fsys := catalogFS(map[string]string{
		"a":     blueprintYAML("bp-a", "1.0.0"),
		"other": blueprintYAML("bp-b", "1.0.0"),
	})
	fsys["README.md"] = &fstest.MapFile{}
	fsys["empty/notes.txt"] = &fstest.MapFile{}
	fsys[".git/blueprint.yaml"] = &fstest.MapFile{}
	c, err := Load(fsys, "test")
	if err != nil {
		t.Fatal(err)
	}
	if c.Len() != 2 {
		t.Errorf("loaded %v", c.Names())
	}
	var messages []string
	for _, w := range c.Warnings() {
		messages = append(messages, w.String())
	}
	want := []string{
		"test/empty: no blueprint.yaml; folder skipped",
		"test/other/blueprint.yaml: metadata.name: name bp-b differs from its folder other",
	}
	if !reflect.DeepEqual(messages, want) {
		t.Errorf("warnings =\n %q\nwant\n %q", messages, want)
	}
	if _, err := Load(catalogFS(nil), "nothing"); err == nil || !strings.Contains(err.Error(), "no <name>/blueprint.yaml found in nothing") {
		t.Errorf("empty catalog: %v", err)
	}
	if _, err := LoadDir("/does/not/exist"); err == nil || !strings.Contains(err.Error(), "give a folder") {
		t.Errorf("missing folder: %v", err)
	}
}

func TestInstallOrderIsDeterministic(t *testing.T) {
	// d and c are both free once a is in; the smaller name goes first.
	c, err := Load(catalogFS(map[string]string{
		"app": blueprintYAML("bp-app", "1.0.0", "bp-d", "bp-c"),
		"c":   blueprintYAML("bp-c", "1.0.0", "bp-a"),
		"d":   blueprintYAML("bp-d", "1.0.0", "bp-a"),
		"a":   blueprintYAML("bp-a", "1.0.0"),
		"z":   blueprintYAML("bp-z", "1.0.0"),
	}), "test")
	if err != nil {
		t.Fatal(err)
	}
	order, _ := c.InstallOrder("app")
	if want := []string{"bp-a", "bp-c", "bp-d", "bp-app"}; !reflect.DeepEqual(order, want) {
		t.Errorf("order = %v, want %v", order, want)
	}
	both, _ := c.InstallOrder("z", "bp-c")
	if want := []string{"bp-a", "bp-c", "bp-z"}; !reflect.DeepEqual(both, want) {
		t.Errorf("order of two = %v, want %v", both, want)
	}
	if _, err := c.InstallOrder("nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown name: %v", err)
	}
	tree, _ := c.Tree("app")
	if countNodes(tree, true) != 5 || countNodes(tree, false) != 4 {
		t.Errorf("tree should show bp-a twice, expanded once: %+v", tree)
	}
}
