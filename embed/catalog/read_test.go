package catalog

import (
	"errors"
	"strings"
	"testing"

	yaml "go.yaml.in/yaml/v3"
)

// validYAML uses every field the reader knows.
const validYAML = `apiVersion: catalyst.openova.io/v1alpha1
kind: Blueprint
metadata:
  name: bp-demo
  labels:
    catalyst.openova.io/section: pts-4-1-data-services
spec:
  version: 1.2.3
  card:
    title: Demo
    summary: A demo.
    description: A demo Blueprint.
    icon: demo.svg
    category: data
    family: foundation
    tags: [a, b]
    docs: https://example.org/docs
    license: MIT
  visibility: listed
  configSchema:
    type: object
  placementSchema:
    modes: [single-region, active-active]
    default: single-region
    minRegions: 1
    maxRegions: 2
  manifests:
    chart: ./chart
  depends:
    - blueprint: bp-base
      version: ^1.0
      alias: base
    - bp-other
  upgrades:
    from: ["0.x"]
  owner:
    team: platform
    contact: platform@example.org
  observability:
    metrics: prometheus
  outputs:
    port: 8080
`

// withField returns validYAML with the field at path set to value (nil
// deletes nothing: it sets null). path segments are map keys, or list
// indexes written as ints.
func withField(t *testing.T, value any, path ...any) []byte {
	t.Helper()
	var doc any
	if err := yaml.Unmarshal([]byte(validYAML), &doc); err != nil {
		t.Fatal(err)
	}
	var set func(node any, path []any) any
	set = func(node any, path []any) any {
		if len(path) == 0 {
			return value
		}
		switch key := path[0].(type) {
		case string:
			m := node.(map[string]any)
			m[key] = set(m[key], path[1:])
			return m
		case int:
			l := node.([]any)
			l[key] = set(l[key], path[1:])
			return l
		}
		t.Fatalf("bad path %v", path)
		return nil
	}
	out, err := yaml.Marshal(set(doc, path))
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestReadValidFile(t *testing.T) {
	bp, warnings, err := Read("demo/blueprint.yaml", []byte(validYAML))
	if err != nil {
		t.Fatal(err)
	}
	if len(warnings) != 0 {
		t.Errorf("warnings: %v", warnings)
	}
	if bp.Name != "bp-demo" || bp.Version.String() != "1.2.3" || bp.Visibility != Listed {
		t.Errorf("got %s %s %s", bp.Name, bp.Version, bp.Visibility)
	}
	if len(bp.Depends) != 2 {
		t.Fatalf("depends = %+v", bp.Depends)
	}
	mapped, bare := bp.Depends[0], bp.Depends[1]
	if mapped.Name != "bp-base" || mapped.Range != "^1.0" || mapped.Alias != "base" {
		t.Errorf("mapping form read as %+v", mapped)
	}
	if bare.Name != "bp-other" || bare.Range != "*" || bare.Alias != "" {
		t.Errorf("bare form read as %+v", bare)
	}
	if bp.Placement.Default != "single-region" || bp.Placement.MaxRegions != 2 || len(bp.Placement.Modes) != 2 {
		t.Errorf("placement = %+v", bp.Placement)
	}
	if bp.Outputs["port"] != int64(8080) || bp.Owner.Team != "platform" || bp.Upgrades.From[0] != "0.x" {
		t.Errorf("outputs %v owner %v upgrades %v", bp.Outputs, bp.Owner, bp.Upgrades)
	}
}

func TestReadShortFileWithoutOptionalFields(t *testing.T) {
	data := "apiVersion: catalyst.openova.io/v1\nkind: Blueprint\nmetadata:\n  name: tiny\nspec:\n  version: 0.1.0\n"
	bp, warnings, err := Read("tiny/blueprint.yaml", []byte(data))
	if err != nil {
		t.Fatal(err)
	}
	if len(warnings) != 0 {
		t.Errorf("warnings: %v", warnings)
	}
	if bp.Name != "bp-tiny" || bp.Visibility != Unlisted || bp.Depends != nil || bp.ConfigSchema != nil {
		t.Errorf("got %+v", bp)
	}
}

func TestReadVersionRanges(t *testing.T) {
	for _, rng := range []string{"^1.0", "~1.2", ">=1.0 <2.0", "1.x", "1", "*", ">= 1.2, < 3", "^1 || ^2"} {
		data := withField(t, rng, "spec", "depends", 0, "version")
		bp, _, err := Read("demo/blueprint.yaml", data)
		if err != nil {
			t.Errorf("range %q: %v", rng, err)
			continue
		}
		if bp.Depends[0].Range != rng {
			t.Errorf("range %q read as %q", rng, bp.Depends[0].Range)
		}
	}
}

func TestReadUnknownFieldsAreKeptWithWarnings(t *testing.T) {
	data := strings.Replace(validYAML, "  visibility: listed\n",
		"  visibility: listed\n  topology:\n    supported: [singleton]\n", 1)
	data = strings.Replace(data, "    license: MIT\n", "    license: MIT\n    color: blue\n", 1)
	data += "status:\n  ready: true\n"
	bp, warnings, err := Read("demo/blueprint.yaml", []byte(data))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{"spec.topology": true, "spec.card.color": true, "status": true}
	for _, w := range warnings {
		if !want[w.Field] {
			t.Errorf("unexpected warning %s", w)
		}
		if !strings.HasPrefix(w.String(), "demo/blueprint.yaml:") || !strings.Contains(w.String(), w.Field) {
			t.Errorf("warning %q does not name the file and field", w)
		}
		delete(want, w.Field)
	}
	for field := range want {
		t.Errorf("no warning for %s", field)
	}
	if bp.Extra["spec.card.color"] != "blue" || bp.Extra["status"].(map[string]any)["ready"] != true {
		t.Errorf("extra = %v", bp.Extra)
	}
}

// TestReadWrongTypeInEachField puts a value of the wrong type (or a wrong
// value) in each field in turn: every error names the file and the field.
func TestReadWrongTypeInEachField(t *testing.T) {
	section := "catalyst.openova.io/section"
	cases := []struct {
		value any
		path  []any
		field string // when it differs from the path
	}{
		{7, []any{"apiVersion"}, ""},
		{"catalyst.openova.io/v2", []any{"apiVersion"}, ""},
		{[]any{"Blueprint"}, []any{"kind"}, ""},
		{"Chart", []any{"kind"}, ""},
		{"demo", []any{"metadata"}, ""},
		{42, []any{"metadata", "name"}, ""},
		{"Not_A_Name", []any{"metadata", "name"}, ""},
		{nil, []any{"metadata", "name"}, ""},
		{[]any{"a"}, []any{"metadata", "labels"}, ""},
		{map[string]any{"a": 1}, []any{"metadata", "labels", section}, "metadata.labels." + section},
		{"demo", []any{"spec"}, ""},
		{[]any{1}, []any{"spec", "version"}, ""},
		{"banana", []any{"spec", "version"}, ""},
		{1.5, []any{"spec", "version"}, ""},
		{"text", []any{"spec", "card"}, ""},
		{[]any{"a"}, []any{"spec", "card", "title"}, ""},
		{map[string]any{"a": "b"}, []any{"spec", "card", "summary"}, ""},
		{true, []any{"spec", "card", "description"}, ""},
		{5, []any{"spec", "card", "icon"}, ""},
		{[]any{}, []any{"spec", "card", "category"}, ""},
		{map[string]any{}, []any{"spec", "card", "family"}, ""},
		{"a,b", []any{"spec", "card", "tags"}, ""},
		{map[string]any{"a": 1}, []any{"spec", "card", "tags", 0}, "spec.card.tags[0]"},
		{1, []any{"spec", "card", "docs"}, ""},
		{[]any{"MIT"}, []any{"spec", "card", "license"}, ""},
		{"public", []any{"spec", "visibility"}, ""},
		{3, []any{"spec", "visibility"}, ""},
		{"bp-base", []any{"spec", "depends"}, ""},
		{5, []any{"spec", "depends", 0}, "spec.depends[0]"},
		{[]any{"bp-base"}, []any{"spec", "depends", 0, "blueprint"}, "spec.depends[0].blueprint"},
		{map[string]any{"min": 1}, []any{"spec", "depends", 0, "version"}, "spec.depends[0].version"},
		{"not a range!", []any{"spec", "depends", 0, "version"}, "spec.depends[0].version"},
		{[]any{"x"}, []any{"spec", "depends", 0, "alias"}, "spec.depends[0].alias"},
		{"Bad_Name", []any{"spec", "depends", 1}, "spec.depends[1]"},
		{"bp-base", []any{"spec", "depends", 1}, "spec.depends[1]"}, // listed twice
		{"text", []any{"spec", "configSchema"}, ""},
		{"text", []any{"spec", "placementSchema"}, ""},
		{"single-region", []any{"spec", "placementSchema", "modes"}, ""},
		{5, []any{"spec", "placementSchema", "default"}, ""},
		{"elsewhere", []any{"spec", "placementSchema", "default"}, ""},
		{"one", []any{"spec", "placementSchema", "minRegions"}, ""},
		{-1, []any{"spec", "placementSchema", "maxRegions"}, ""},
		{[]any{"./chart"}, []any{"spec", "manifests"}, ""},
		{"text", []any{"spec", "upgrades"}, ""},
		{"0.x", []any{"spec", "upgrades", "from"}, ""},
		{"text", []any{"spec", "owner"}, ""},
		{[]any{}, []any{"spec", "owner", "team"}, ""},
		{map[string]any{}, []any{"spec", "owner", "contact"}, ""},
		{"text", []any{"spec", "observability"}, ""},
		{[]any{}, []any{"spec", "outputs"}, ""},
	}
	const file = "platform/demo/blueprint.yaml"
	for _, tc := range cases {
		field := tc.field
		if field == "" {
			parts := make([]string, len(tc.path))
			for i, p := range tc.path {
				parts[i] = p.(string)
			}
			field = strings.Join(parts, ".")
		}
		t.Run(field, func(t *testing.T) {
			_, _, err := Read(file, withField(t, tc.value, tc.path...))
			if err == nil {
				t.Fatalf("%s = %#v: no error", field, tc.value)
			}
			var fe *FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("error is %T, not a *FieldError: %v", err, err)
			}
			if !errors.Is(err, ErrInvalidFile) {
				t.Errorf("error does not match ErrInvalidFile")
			}
			if fe.File != file || fe.Field != field {
				t.Errorf("error names %s %q, want %s %q: %v", fe.File, fe.Field, file, field, err)
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, file+":") || !strings.Contains(msg, field+": expected ") {
				t.Errorf("message does not name file, field and what was expected: %s", msg)
			}
			if fe.Line == 0 {
				t.Errorf("no line number: %s", msg)
			}
		})
	}
}

func TestReadMissingRequiredFields(t *testing.T) {
	cases := map[string]string{
		"apiVersion":    "kind: Blueprint\nmetadata: {name: x}\nspec: {version: 1.0.0}\n",
		"kind":          "apiVersion: catalyst.openova.io/v1\nmetadata: {name: x}\nspec: {version: 1.0.0}\n",
		"metadata":      "apiVersion: catalyst.openova.io/v1\nkind: Blueprint\nspec: {version: 1.0.0}\n",
		"metadata.name": "apiVersion: catalyst.openova.io/v1\nkind: Blueprint\nmetadata: {labels: {}}\nspec: {version: 1.0.0}\n",
		"spec":          "apiVersion: catalyst.openova.io/v1\nkind: Blueprint\nmetadata: {name: x}\n",
		"spec.version":  "apiVersion: catalyst.openova.io/v1\nkind: Blueprint\nmetadata: {name: x}\nspec: {card: {title: X}}\n",
		"spec.depends[0].blueprint": "apiVersion: catalyst.openova.io/v1\nkind: Blueprint\nmetadata: {name: x}\n" +
			"spec:\n  version: 1.0.0\n  depends:\n    - version: ^1\n",
	}
	for field, data := range cases {
		t.Run(field, func(t *testing.T) {
			_, _, err := Read("x/blueprint.yaml", []byte(data))
			var fe *FieldError
			if !errors.As(err, &fe) || fe.Field != field || fe.Got != "nothing" {
				t.Errorf("got %v, want %s missing", err, field)
			}
		})
	}
}

func TestReadReportsEveryProblemOfAFile(t *testing.T) {
	data := "apiVersion: 3\nkind: Blueprint\nmetadata: {name: X}\nspec:\n  version: one\n  visibility: public\n"
	_, _, err := Read("x/blueprint.yaml", []byte(data))
	var fileErr *FileError
	if !errors.As(err, &fileErr) {
		t.Fatalf("got %v", err)
	}
	var fields []string
	for _, p := range fileErr.Problems {
		fields = append(fields, p.Field)
	}
	want := "apiVersion metadata.name spec.version spec.visibility"
	if strings.Join(fields, " ") != want {
		t.Errorf("problems at %v, want %s", fields, want)
	}
}

func TestReadBadDocuments(t *testing.T) {
	cases := map[string]struct{ data, expected string }{
		"empty":          {"", "a Blueprint document"},
		"comment only":   {"# nothing here\n", "a Blueprint document"},
		"syntax":         {"apiVersion: [\nkind: Blueprint\n", "well-formed YAML"},
		"tab indent":     {"spec:\n\tversion: 1\n", "well-formed YAML"},
		"list":           {"- a\n- b\n", "a mapping"},
		"scalar":         {"hello\n", "a mapping"},
		"duplicate key":  {strings.Replace(validYAML, "kind: Blueprint\n", "kind: Blueprint\nkind: Blueprint\n", 1), "each key once"},
		"too large":      {strings.Repeat("#", maxFileSize+1), "a file of at most"},
		"alias bomb":     {aliasBomb(), "at most 20000 YAML nodes"},
		"deeply nested":  {"apiVersion: catalyst.openova.io/v1\nkind: Blueprint\nmetadata: {name: x}\nspec:\n  version: 1.0.0\n  outputs: {a: " + strings.Repeat("[", 100) + strings.Repeat("]", 100) + "}\n", "levels of nesting"},
		"binary garbage": {"\x00\x01\x02", "well-formed YAML"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			_, _, err := Read("x/blueprint.yaml", []byte(tc.data))
			if err == nil || !strings.Contains(err.Error(), tc.expected) {
				t.Errorf("got %v, want an error expecting %q", err, tc.expected)
			}
			if err != nil && !strings.HasPrefix(err.Error(), "x/blueprint.yaml") {
				t.Errorf("error does not name the file: %v", err)
			}
		})
	}
}

// aliasBomb is a small file whose aliases expand to billions of nodes.
func aliasBomb() string {
	var b strings.Builder
	b.WriteString("apiVersion: catalyst.openova.io/v1\nkind: Blueprint\nmetadata: {name: x}\nspec:\n  version: 1.0.0\n  outputs:\n")
	b.WriteString("    a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n")
	for i := 1; i < 10; i++ {
		b.WriteString("    a" + string(rune('0'+i)) + ": &a" + string(rune('0'+i)) + " [")
		for j := 0; j < 10; j++ {
			if j > 0 {
				b.WriteString(", ")
			}
			b.WriteString("*a" + string(rune('0'+i-1)))
		}
		b.WriteString("]\n")
	}
	return b.String()
}

func TestReadSecondDocumentIsAWarning(t *testing.T) {
	_, warnings, err := Read("x/blueprint.yaml", []byte(validYAML+"---\nkind: Other\n"))
	if err != nil {
		t.Fatal(err)
	}
	if len(warnings) != 1 || !strings.Contains(warnings[0].Message, "only the first") {
		t.Errorf("warnings = %v", warnings)
	}
}

func TestReadKeepsYAML12Strings(t *testing.T) {
	data := strings.Replace(validYAML, "  configSchema:\n    type: object\n",
		"  configSchema:\n    type: object\n    enum: [Off, On, yes, no, true]\n", 1)
	bp, _, err := Read("x/blueprint.yaml", []byte(data))
	if err != nil {
		t.Fatal(err)
	}
	got := bp.ConfigSchema["enum"].([]any)
	want := []any{"Off", "On", "yes", "no", true}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("enum[%d] = %#v, want %#v", i, got[i], want[i])
		}
	}
}
