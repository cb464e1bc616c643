package catalog

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"

	"github.com/Masterminds/semver/v3"
	yaml "go.yaml.in/yaml/v3"

	"github.com/openova-io/sovereign/internal/names"
)

// yamlLineRE finds the line number in a YAML syntax error.
var yamlLineRE = regexp.MustCompile(`^yaml: (?:line (\d+): )?`)

// reader holds the state of reading one file.
type reader struct {
	file   string
	errs   []*FieldError
	warns  []Warning
	nodes  int
	tooBig bool
	bp     *Blueprint
}

// fail records a problem at node n.
func (r *reader) fail(n *yaml.Node, field, expected string) {
	e := &FieldError{File: r.file, Field: field, Expected: expected, Got: describe(n)}
	if n != nil {
		e.Line, e.Column = n.Line, n.Column
	}
	r.errs = append(r.errs, e)
}

// failf records a problem whose "got" part is not a node.
func (r *reader) failf(n *yaml.Node, field, expected, got string) {
	r.fail(n, field, expected)
	r.errs[len(r.errs)-1].Got = got
}

// warn records a warning at node n.
func (r *reader) warn(n *yaml.Node, field, msg string) {
	w := Warning{File: r.file, Field: field, Message: msg}
	if n != nil {
		w.Line, w.Column = n.Line, n.Column
	}
	r.warns = append(r.warns, w)
}

// unknown keeps a field the reader does not know and warns about it.
func (r *reader) unknown(k, v *yaml.Node, field string) {
	val, _ := r.value(v, field, 0)
	if r.bp.Extra == nil {
		r.bp.Extra = make(map[string]any)
	}
	r.bp.Extra[field] = val
	r.warn(k, field, "unknown field, kept as is")
}

// Read parses one Blueprint file. file names it in messages. It returns the
// Blueprint and the warnings, or a *FileError listing every problem found.
// Read never panics, whatever data holds.
func Read(file string, data []byte) (bp *Blueprint, warnings []Warning, err error) {
	r := &reader{file: file, bp: &Blueprint{File: file}}
	if len(data) > maxFileSize {
		r.failf(nil, "", fmt.Sprintf("a file of at most %d bytes", maxFileSize), fmt.Sprintf("%d bytes", len(data)))
		return nil, nil, r.result()
	}
	root, ok := r.parse(data)
	if ok {
		r.document(root)
	}
	if len(r.errs) > 0 {
		return nil, r.warns, r.result()
	}
	return r.bp, r.warns, nil
}

// result gathers the problems into one error.
func (r *reader) result() error {
	return &FileError{File: r.file, Problems: r.errs}
}

// parse turns data into the root node of its first YAML document.
func (r *reader) parse(data []byte) (root *yaml.Node, ok bool) {
	defer func() {
		// The YAML parser is not ours; should it ever panic on odd input,
		// the file is reported as unreadable instead of taking the
		// process down.
		if p := recover(); p != nil {
			r.failf(nil, "", "well-formed YAML", fmt.Sprint("a parser failure: ", p))
			root, ok = nil, false
		}
	}()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			r.failf(nil, "", "a Blueprint document", "an empty file")
			return nil, false
		}
		r.syntax(err)
		return nil, false
	}
	var next yaml.Node
	if err := dec.Decode(&next); err == nil {
		r.warn(&next, "", "more than one YAML document; only the first is read")
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
		r.failf(nil, "", "a Blueprint document", "an empty file")
		return nil, false
	}
	return doc.Content[0], true
}

// syntax records a YAML syntax error with the line it names.
func (r *reader) syntax(err error) {
	msg := err.Error()
	line := 0
	if m := yamlLineRE.FindStringSubmatch(msg); m != nil {
		line, _ = strconv.Atoi(m[1])
		msg = msg[len(m[0]):]
	}
	r.errs = append(r.errs, &FieldError{File: r.file, Line: line, Column: 1, Expected: "well-formed YAML", Got: clip(msg)})
	if line == 0 {
		r.errs[len(r.errs)-1].Column = 0
	}
}

// document reads the top level: apiVersion, kind, metadata, spec.
func (r *reader) document(n *yaml.Node) {
	top, ok := r.mapping(n, "")
	if !ok {
		if isNull(n) {
			r.failf(n, "", "a Blueprint document", "an empty file")
		}
		return
	}
	var metadata, spec *yaml.Node
	seen := map[string]bool{}
	r.pairs(top, "", func(key string, k, v *yaml.Node) {
		seen[key] = true
		switch key {
		case "apiVersion":
			r.apiVersion(v)
		case "kind":
			r.kind(v)
		case "metadata":
			metadata = v
		case "spec":
			spec = v
		default:
			r.unknown(k, v, key)
		}
	})
	for _, key := range []string{"apiVersion", "kind", "metadata", "spec"} {
		if !seen[key] {
			r.failf(top, key, requiredWhat[key], "nothing")
		}
	}
	if metadata != nil {
		r.metadata(metadata)
	}
	if spec != nil {
		r.spec(spec)
	}
}

// requiredWhat says what a required field must hold, for "missing" errors.
var requiredWhat = map[string]string{
	"apiVersion":    fmt.Sprintf("%q or %q", APIVersionV1Alpha1, APIVersionV1),
	"kind":          `"Blueprint"`,
	"metadata":      "a mapping with the Blueprint's name",
	"spec":          "a mapping with at least the version",
	"metadata.name": "a name such as bp-cilium",
	"spec.version":  "a semantic version such as 1.2.3",
}

func (r *reader) apiVersion(n *yaml.Node) {
	s, ok := r.text(n, "apiVersion")
	if !ok {
		if isNull(n) {
			r.fail(n, "apiVersion", requiredWhat["apiVersion"])
		}
		return
	}
	if s != APIVersionV1Alpha1 && s != APIVersionV1 {
		r.fail(n, "apiVersion", requiredWhat["apiVersion"])
		return
	}
	r.bp.APIVersion = s
}

func (r *reader) kind(n *yaml.Node) {
	s, ok := r.text(n, "kind")
	if (!ok && isNull(n)) || (ok && s != "Blueprint") {
		r.fail(n, "kind", requiredWhat["kind"])
	}
}

func (r *reader) metadata(n *yaml.Node) {
	m, ok := r.mapping(n, "metadata")
	if !ok {
		if isNull(n) {
			r.fail(n, "metadata", requiredWhat["metadata"])
		}
		return
	}
	named := false
	r.pairs(m, "metadata", func(key string, k, v *yaml.Node) {
		field := join("metadata", key)
		switch key {
		case "name":
			named = true
			if name, ok := r.name(v, field); ok {
				r.bp.Name = name
			}
		case "labels":
			r.bp.Labels = r.labels(v, field)
		case "annotations":
			r.bp.Annotations = r.labels(v, field)
		default:
			r.unknown(k, v, field)
		}
	})
	if !named {
		r.failf(m, "metadata.name", requiredWhat["metadata.name"], "nothing")
	}
}

// name reads a Blueprint name, with or without "bp-", and returns it in
// canonical form.
func (r *reader) name(n *yaml.Node, field string) (string, bool) {
	s, ok := r.text(n, field)
	if !ok {
		if isNull(n) {
			r.fail(n, field, requiredWhat["metadata.name"])
		}
		return "", false
	}
	name := CanonicalName(s)
	// A Blueprint name without its "bp-" prefix is a DNS label.
	if names.DNSLabel(Slug(name)) != nil || len(name) > 63 {
		r.fail(n, field, "a name of lowercase letters, digits and dashes, at most 63 characters, such as bp-cilium")
		return "", false
	}
	return name, true
}

// labels reads a mapping of strings to strings.
func (r *reader) labels(n *yaml.Node, field string) map[string]string {
	m, ok := r.mapping(n, field)
	if !ok {
		return nil
	}
	out := make(map[string]string, len(m.Content)/2)
	r.pairs(m, field, func(key string, _, v *yaml.Node) {
		if s, ok := r.text(v, join(field, key)); ok {
			out[key] = s
		} else if isNull(v) {
			out[key] = ""
		}
	})
	return out
}

func (r *reader) spec(n *yaml.Node) {
	m, ok := r.mapping(n, "spec")
	if !ok {
		if isNull(n) {
			r.fail(n, "spec", requiredWhat["spec"])
		}
		return
	}
	versioned := false
	var depends *yaml.Node
	r.pairs(m, "spec", func(key string, k, v *yaml.Node) {
		field := join("spec", key)
		switch key {
		case "version":
			versioned = true
			r.version(v, field)
		case "card":
			r.card(v, field)
		case "visibility":
			r.visibility(v, field)
		case "depends":
			depends = v
		case "configSchema":
			r.bp.ConfigSchema = r.object(v, field)
		case "placementSchema":
			r.placement(v, field)
		case "manifests":
			r.bp.Manifests = r.object(v, field)
		case "upgrades":
			r.upgrades(v, field)
		case "owner":
			r.owner(v, field)
		case "observability":
			r.bp.Observability = r.object(v, field)
		case "outputs":
			r.bp.Outputs = r.object(v, field)
		default:
			r.unknown(k, v, field)
		}
	})
	if !versioned {
		r.failf(m, "spec.version", requiredWhat["spec.version"], "nothing")
	}
	if r.bp.Visibility == "" {
		r.bp.Visibility = Unlisted
	}
	if depends != nil {
		r.depends(depends, "spec.depends")
	}
}

func (r *reader) version(n *yaml.Node, field string) {
	s, ok := r.scalarText(n, field, requiredWhat["spec.version"])
	if !ok {
		if isNull(n) {
			r.fail(n, field, requiredWhat["spec.version"])
		}
		return
	}
	v, err := semver.StrictNewVersion(s)
	if err != nil {
		r.fail(n, field, requiredWhat["spec.version"])
		return
	}
	r.bp.Version = v
}

func (r *reader) card(n *yaml.Node, field string) {
	m, ok := r.mapping(n, field)
	if !ok {
		return
	}
	c := &r.bp.Card
	strs := map[string]*string{
		"title": &c.Title, "summary": &c.Summary, "description": &c.Description,
		"icon": &c.Icon, "category": &c.Category, "family": &c.Family,
		"docs": &c.Docs, "license": &c.License,
	}
	var documentation string
	r.pairs(m, field, func(key string, k, v *yaml.Node) {
		f := join(field, key)
		if p, ok := strs[key]; ok {
			*p, _ = r.text(v, f)
			return
		}
		switch key {
		case "tags":
			c.Tags = r.texts(v, f)
		case "documentation":
			// The v1alpha1 files spell docs out; both mean the same.
			documentation, _ = r.text(v, f)
		default:
			r.unknown(k, v, f)
		}
	})
	if c.Docs == "" {
		c.Docs = documentation
	}
}

func (r *reader) visibility(n *yaml.Node, field string) {
	s, ok := r.text(n, field)
	if !ok {
		return
	}
	switch v := Visibility(s); v {
	case Listed, Unlisted, Private:
		r.bp.Visibility = v
	default:
		r.fail(n, field, `"listed", "unlisted" or "private"`)
	}
}

func (r *reader) placement(n *yaml.Node, field string) {
	m, ok := r.mapping(n, field)
	if !ok {
		return
	}
	p := &r.bp.Placement
	var defNode, maxNode *yaml.Node
	r.pairs(m, field, func(key string, k, v *yaml.Node) {
		f := join(field, key)
		switch key {
		case "modes":
			p.Modes = r.texts(v, f)
		case "default":
			p.Default, _ = r.text(v, f)
			defNode = v
		case "minRegions":
			p.MinRegions, _ = r.integer(v, f)
		case "maxRegions":
			p.MaxRegions, _ = r.integer(v, f)
			maxNode = v
		default:
			r.unknown(k, v, f)
		}
	})
	if p.Default != "" && len(p.Modes) > 0 && !contains(p.Modes, p.Default) {
		r.fail(defNode, join(field, "default"), "one of the modes "+strings.Join(p.Modes, ", "))
	}
	if p.MaxRegions > 0 && p.MinRegions > p.MaxRegions {
		r.fail(maxNode, join(field, "maxRegions"), fmt.Sprintf("at least minRegions (%d)", p.MinRegions))
	}
}

func (r *reader) upgrades(n *yaml.Node, field string) {
	m, ok := r.mapping(n, field)
	if !ok {
		return
	}
	r.pairs(m, field, func(key string, k, v *yaml.Node) {
		f := join(field, key)
		if key == "from" {
			r.bp.Upgrades.From = r.texts(v, f)
			return
		}
		r.unknown(k, v, f)
	})
}

func (r *reader) owner(n *yaml.Node, field string) {
	m, ok := r.mapping(n, field)
	if !ok {
		return
	}
	r.pairs(m, field, func(key string, k, v *yaml.Node) {
		f := join(field, key)
		switch key {
		case "team":
			r.bp.Owner.Team, _ = r.text(v, f)
		case "contact":
			r.bp.Owner.Contact, _ = r.text(v, f)
		default:
			r.unknown(k, v, f)
		}
	})
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
