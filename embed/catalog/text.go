package catalog

import (
	"fmt"
	"io"
	"sort"
	"strings"
)

// Helpers that present a catalog to people: the command line and, where it
// helps, the console.

// WriteTree draws a dependency tree, one Blueprint a line:
//
//	bp-vllm 1.0.0
//	└── bp-kserve 1.0.0 (^1.0, as kserve)
//	    ├── bp-cilium 1.1.1 (^1)
//	    ├── bp-cert-manager 1.1.1 (^1)
//	    └── bp-knative 1.0.0 (^1)
//	        └── bp-cilium 1.1.1 (^1, see above)
//
// A Blueprint met again is marked "see above" rather than drawn twice.
func WriteTree(w io.Writer, n *Node) error {
	if _, err := fmt.Fprintf(w, "%s %s\n", n.Name, n.Version); err != nil {
		return err
	}
	return writeChildren(w, n, "")
}

func writeChildren(w io.Writer, n *Node, indent string) error {
	for i, child := range n.Depends {
		branch, next := "├── ", "│   "
		if i == len(n.Depends)-1 {
			branch, next = "└── ", "    "
		}
		asked := child.Range
		if child.Alias != "" {
			asked += ", as " + child.Alias
		}
		line := fmt.Sprintf("%s%s%s %s (%s", indent, branch, child.Name, child.Version, asked)
		if child.Repeat {
			line += ", see above"
		}
		if _, err := fmt.Fprintln(w, line+")"); err != nil {
			return err
		}
		if err := writeChildren(w, child, indent+next); err != nil {
			return err
		}
	}
	return nil
}

// Setting is one top-level entry of a Blueprint's configuration schema.
type Setting struct {
	Name        string `json:"name"`
	Type        string `json:"type"`
	Default     any    `json:"default,omitempty"`
	Required    bool   `json:"required"`
	Description string `json:"description,omitempty"`
}

// Settings lists the top-level properties of the configuration schema,
// sorted by name.
func (b *Blueprint) Settings() []Setting {
	props, _ := b.ConfigSchema["properties"].(map[string]any)
	required := map[string]bool{}
	if list, ok := b.ConfigSchema["required"].([]any); ok {
		for _, r := range list {
			if s, ok := r.(string); ok {
				required[s] = true
			}
		}
	}
	out := make([]Setting, 0, len(props))
	for name, p := range props {
		s := Setting{Name: name, Required: required[name]}
		if m, ok := p.(map[string]any); ok {
			s.Type, _ = m["type"].(string)
			s.Default = m["default"]
			desc, _ := m["description"].(string)
			s.Description = collapse(desc)
		}
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Similar returns the names that look like name, for "did you mean"
// hints: those containing it, or within two edits of it.
func (c *Catalog) Similar(name string) []string {
	slug := Slug(CanonicalName(strings.ToLower(name)))
	if slug == "" {
		return nil
	}
	var out []string
	for _, bp := range c.blueprints {
		s := bp.Slug()
		if strings.Contains(s, slug) || strings.Contains(slug, s) || editDistance(s, slug) <= 2 {
			out = append(out, bp.Name)
		}
	}
	return out
}

// editDistance is the Levenshtein distance between a and b.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
