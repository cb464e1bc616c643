package catalog

import (
	"strings"

	"github.com/Masterminds/semver/v3"
)

// The two shapes of Blueprint file found in the wild. Both carry the same
// fields; v1 files are usually shorter (card.description and card.family
// instead of card.summary and card.category).
const (
	APIVersionV1Alpha1 = "catalyst.openova.io/v1alpha1"
	APIVersionV1       = "catalyst.openova.io/v1"
)

// Labels the reader gives meaning to.
const (
	LabelSection  = "catalyst.openova.io/section"
	LabelCategory = "catalyst.openova.io/category"
)

// NamePrefix starts every canonical Blueprint name. Files may leave it out;
// the reader adds it.
const NamePrefix = "bp-"

// Visibility says who sees a Blueprint in the catalog.
type Visibility string

const (
	// Listed Blueprints are offered to people in the console.
	Listed Visibility = "listed"
	// Unlisted Blueprints exist but are not offered; the platform installs
	// them itself. A file without visibility is unlisted.
	Unlisted Visibility = "unlisted"
	// Private Blueprints belong to this Sovereign and are shown only to its
	// administrators.
	Private Visibility = "private"
)

// Blueprint is one installable unit as read from its blueprint.yaml.
// Optional fields that the file leaves out hold their zero value.
type Blueprint struct {
	// File is where the Blueprint was read from, as used in messages.
	File       string
	APIVersion string
	// Name is canonical: always starts with "bp-", whatever the file says.
	Name        string
	Labels      map[string]string
	Annotations map[string]string
	Version     *semver.Version

	Card          Card
	Visibility    Visibility
	Depends       []Dependency
	ConfigSchema  map[string]any
	Placement     Placement
	Manifests     map[string]any
	Upgrades      Upgrades
	Owner         Owner
	Observability map[string]any
	Outputs       map[string]any

	// Extra keeps every field the reader does not know, by field path
	// ("spec.topology"), so nothing in the file is lost.
	Extra map[string]any
}

// Card is what the console shows about a Blueprint.
type Card struct {
	Title       string
	Summary     string
	Description string
	Icon        string
	Category    string
	Family      string
	Tags        []string
	Docs        string
	License     string
}

// Dependency is one entry of spec.depends.
type Dependency struct {
	// Name is canonical ("bp-cnpg").
	Name string
	// Range is the version range as written ("^1.0"); "*" when the entry
	// gives none, which accepts any version.
	Range string
	// Alias is the name the dependent uses for it, if any.
	Alias string

	constraint *semver.Constraints
	// field, line and column locate the entry, for messages about it.
	field        string
	line, column int
}

// Allows reports whether version v is inside the dependency's range.
func (d Dependency) Allows(v *semver.Version) bool {
	return d.constraint == nil || d.constraint.Check(v)
}

// Placement is spec.placementSchema: where a Blueprint may run.
type Placement struct {
	Modes      []string
	Default    string
	MinRegions int
	MaxRegions int
}

// Upgrades is spec.upgrades.
type Upgrades struct {
	// From lists the version patterns this version upgrades from ("0.x").
	From []string
}

// Owner is spec.owner: the team answerable for a Blueprint.
type Owner struct {
	Team    string
	Contact string
}

// Slug is the name without the "bp-" prefix: the key of the console API.
func (b *Blueprint) Slug() string { return Slug(b.Name) }

// Section is the catalyst.openova.io/section label, or "".
func (b *Blueprint) Section() string { return b.Labels[LabelSection] }

// Slug returns name without the "bp-" prefix.
func Slug(name string) string { return strings.TrimPrefix(name, NamePrefix) }

// CanonicalName returns name with the "bp-" prefix, whether or not it had
// one.
func CanonicalName(name string) string {
	if strings.HasPrefix(name, NamePrefix) {
		return name
	}
	return NamePrefix + name
}
