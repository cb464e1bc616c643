package catalog

import (
	"fmt"
	"math"
	"strconv"
	"unicode/utf8"

	yaml "go.yaml.in/yaml/v3"
)

// Limits that keep a hostile file from costing more than a real one. The
// free-form parts of the largest real Blueprint file (configSchema and the
// like) hold under 100 YAML nodes, 6 levels deep; the node budget counts
// only those parts, with aliases expanded.
const (
	maxFileSize = 1 << 20
	maxNodes    = 20_000
	maxDepth    = 64
)

// node helpers: the reader walks yaml.v3 nodes rather than decoding into
// structs, so that every problem can name its field path and position, and
// so that unknown fields are seen rather than silently dropped.

// deref follows an alias to the node it names.
func deref(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && i < maxDepth; i++ {
		n = n.Alias
	}
	return n
}

// isNull reports whether n is absent or an explicit null ("key:" or "~").
func isNull(n *yaml.Node) bool {
	n = deref(n)
	return n == nil || n.Kind == 0 || (n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null")
}

// describe says what a node is, for "expected X, got Y" messages.
func describe(n *yaml.Node) string {
	n = deref(n)
	if n == nil || n.Kind == 0 {
		return "nothing"
	}
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.DocumentNode:
		return "a document"
	case yaml.AliasNode:
		return "an alias"
	}
	switch n.ShortTag() {
	case "!!null":
		return "null"
	case "!!bool":
		return "the boolean " + n.Value
	case "!!int":
		return "the integer " + clip(n.Value)
	case "!!float":
		return "the number " + clip(n.Value)
	case "!!str":
		return strconv.Quote(clip(n.Value))
	}
	return "a " + n.ShortTag() + " value"
}

// clip shortens s for a message.
func clip(s string) string {
	const max = 60
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "..."
}

// pairs calls fn for every key and value of mapping n, with the key's text.
// It reports keys that are not plain scalars and keys given twice.
func (r *reader) pairs(n *yaml.Node, field string, fn func(key string, k, v *yaml.Node)) {
	seen := make(map[string]bool, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := deref(n.Content[i]), n.Content[i+1]
		if k == nil || k.Kind != yaml.ScalarNode {
			r.fail(n.Content[i], field, "a plain key")
			continue
		}
		if seen[k.Value] {
			r.fail(k, join(field, k.Value), "each key once")
			continue
		}
		seen[k.Value] = true
		fn(k.Value, k, v)
	}
}

// join builds a field path.
func join(parent, key string) string {
	if parent == "" {
		return key
	}
	return parent + "." + key
}

// index builds the field path of a list element.
func index(parent string, i int) string {
	return parent + "[" + strconv.Itoa(i) + "]"
}

// text returns the string held by n. Null counts as absent (ok false, no
// problem). Anything but a string scalar is reported.
func (r *reader) text(n *yaml.Node, field string) (string, bool) {
	if isNull(n) {
		return "", false
	}
	d := deref(n)
	if d.Kind != yaml.ScalarNode || d.ShortTag() != "!!str" {
		r.fail(n, field, "a string")
		return "", false
	}
	return d.Value, true
}

// scalarText returns the text of any non-null scalar: for versions and
// ranges, which YAML may read as numbers ("version: 1" or "^1" are both
// fine to write).
func (r *reader) scalarText(n *yaml.Node, field, expected string) (string, bool) {
	if isNull(n) {
		return "", false
	}
	d := deref(n)
	if d.Kind != yaml.ScalarNode {
		r.fail(n, field, expected)
		return "", false
	}
	switch d.ShortTag() {
	case "!!str", "!!int", "!!float":
		return d.Value, true
	}
	r.fail(n, field, expected)
	return "", false
}

// integer returns the integer held by n.
func (r *reader) integer(n *yaml.Node, field string) (int, bool) {
	if isNull(n) {
		return 0, false
	}
	d := deref(n)
	if d.Kind == yaml.ScalarNode && d.ShortTag() == "!!int" {
		if i, err := strconv.ParseInt(d.Value, 0, 32); err == nil && i >= 0 {
			return int(i), true
		}
	}
	r.fail(n, field, "a whole number from 0 to 2147483647")
	return 0, false
}

// texts returns the strings of a list of strings.
func (r *reader) texts(n *yaml.Node, field string) []string {
	if isNull(n) {
		return nil
	}
	d := deref(n)
	if d.Kind != yaml.SequenceNode {
		r.fail(n, field, "a list of strings")
		return nil
	}
	out := make([]string, 0, len(d.Content))
	for i, item := range d.Content {
		if s, ok := r.text(item, index(field, i)); ok {
			out = append(out, s)
		} else if isNull(item) {
			r.fail(item, index(field, i), "a string")
		}
	}
	return out
}

// mapping returns n as a mapping node, or reports it. Null is absent.
func (r *reader) mapping(n *yaml.Node, field string) (*yaml.Node, bool) {
	if isNull(n) {
		return nil, false
	}
	d := deref(n)
	if d.Kind != yaml.MappingNode {
		r.fail(n, field, "a mapping")
		return nil, false
	}
	return d, true
}

// object converts a free-form mapping (configSchema, outputs, ...) into
// plain Go values that encoding/json can write.
func (r *reader) object(n *yaml.Node, field string) map[string]any {
	m, ok := r.mapping(n, field)
	if !ok {
		return nil
	}
	v, ok := r.value(m, field, 0)
	if !ok {
		return nil
	}
	return v.(map[string]any)
}

// value converts any node into plain Go values: map[string]any, []any,
// string, int64, float64, bool or nil. It counts every node it visits
// (aliases included) against the file's budget.
func (r *reader) value(n *yaml.Node, field string, depth int) (any, bool) {
	r.nodes++
	if r.nodes > maxNodes {
		if !r.tooBig {
			r.tooBig = true
			r.fail(n, field, fmt.Sprintf("at most %d YAML nodes, aliases expanded", maxNodes))
		}
		return nil, false
	}
	if depth > maxDepth {
		r.fail(n, field, fmt.Sprintf("at most %d levels of nesting", maxDepth))
		return nil, false
	}
	d := deref(n)
	if d == nil || d.Kind == yaml.AliasNode {
		r.fail(n, field, "an alias that ends at a value")
		return nil, false
	}
	switch d.Kind {
	case yaml.MappingNode:
		out := make(map[string]any, len(d.Content)/2)
		ok := true
		r.pairs(d, field, func(key string, _, v *yaml.Node) {
			val, good := r.value(v, join(field, key), depth+1)
			ok = ok && good
			out[key] = val
		})
		return out, ok
	case yaml.SequenceNode:
		out := make([]any, 0, len(d.Content))
		ok := true
		for i, item := range d.Content {
			val, good := r.value(item, index(field, i), depth+1)
			ok = ok && good
			out = append(out, val)
		}
		return out, ok
	case yaml.ScalarNode:
		return scalar(d), true
	}
	r.fail(n, field, "a value")
	return nil, false
}

// scalar converts a scalar node by its resolved tag. Numbers that JSON
// cannot carry (NaN, infinities, integers beyond 64 bits) stay as text.
func scalar(n *yaml.Node) any {
	switch n.ShortTag() {
	case "!!null":
		return nil
	case "!!bool":
		var b bool
		if err := n.Decode(&b); err == nil {
			return b
		}
	case "!!int":
		if i, err := strconv.ParseInt(n.Value, 0, 64); err == nil {
			return i
		}
		var i int64
		if err := n.Decode(&i); err == nil {
			return i
		}
	case "!!float":
		var f float64
		if err := n.Decode(&f); err == nil && !math.IsNaN(f) && !math.IsInf(f, 0) {
			return f
		}
	}
	return n.Value
}
