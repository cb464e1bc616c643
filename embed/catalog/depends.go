package catalog

import (
	"github.com/Masterminds/semver/v3"
	yaml "go.yaml.in/yaml/v3"
)

// anyVersion is the range of a dependency that names no version.
const anyVersion = "*"

// depends reads spec.depends. Each entry is either a bare name
// ("- bp-cnpg") or a mapping ("- blueprint: bp-cnpg", "version: ^1.0",
// optional "alias: db").
func (r *reader) depends(n *yaml.Node, field string) {
	if isNull(n) {
		return
	}
	list := deref(n)
	if list.Kind != yaml.SequenceNode {
		r.fail(n, field, "a list of dependencies")
		return
	}
	where := make(map[string]string, len(list.Content))
	for i, item := range list.Content {
		f := index(field, i)
		d, ok := r.dependency(item, f)
		if !ok {
			continue
		}
		if first, dup := where[d.Name]; dup {
			r.fail(item, f, "each Blueprint once, but "+d.Name+" is already at "+first)
			continue
		}
		where[d.Name] = f
		r.bp.Depends = append(r.bp.Depends, d)
	}
}

const dependencyWhat = "a Blueprint name or a mapping with blueprint and version"

func (r *reader) dependency(n *yaml.Node, field string) (Dependency, bool) {
	d := Dependency{Range: anyVersion, field: field, line: n.Line, column: n.Column}
	item := deref(n)
	switch {
	case isNull(n):
		r.fail(n, field, dependencyWhat)
		return d, false
	case item.Kind == yaml.ScalarNode:
		name, ok := r.name(n, field)
		d.Name = name
		return d, ok
	case item.Kind != yaml.MappingNode:
		r.fail(n, field, dependencyWhat)
		return d, false
	}
	ok := true
	named := false
	r.pairs(item, field, func(key string, k, v *yaml.Node) {
		f := join(field, key)
		switch key {
		case "blueprint":
			named = true
			name, good := r.name(v, f)
			d.Name, ok = name, ok && good
		case "version":
			rng, good := r.versionRange(v, f)
			if good {
				d.Range, d.constraint = rng.text, rng.constraint
			}
			ok = ok && (good || isNull(v))
		case "alias":
			d.Alias, _ = r.text(v, f)
		default:
			r.unknown(k, v, f)
		}
	})
	if !named {
		r.failf(item, join(field, "blueprint"), "the name of the Blueprint depended on", "nothing")
		ok = false
	}
	return d, ok
}

type versionRange struct {
	text       string
	constraint *semver.Constraints
}

const rangeWhat = "a version range such as ^1.0, ~1.2 or >=1.0 <2.0"

// versionRange reads a semver range. YAML reads "version: 1" as a number;
// that is fine, the text is what counts.
func (r *reader) versionRange(n *yaml.Node, field string) (versionRange, bool) {
	s, ok := r.scalarText(n, field, rangeWhat)
	if !ok {
		return versionRange{}, false
	}
	c, err := newConstraint(s)
	if err != nil {
		r.fail(n, field, rangeWhat)
		return versionRange{}, false
	}
	return versionRange{text: s, constraint: c}, true
}

// newConstraint parses a range. The semver library is not ours; should it
// ever panic on odd input, the range is reported as invalid instead.
func newConstraint(s string) (c *semver.Constraints, err error) {
	defer func() {
		if p := recover(); p != nil {
			c, err = nil, semver.ErrInvalidSemVer
		}
	}()
	return semver.NewConstraint(s)
}
