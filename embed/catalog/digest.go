package catalog

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
)

// canonical is the content of a Blueprint in a fixed form: what the digest
// covers. Where the file was, its comments, key order and layout are not
// content; JSON encoding sorts map keys, so equal content encodes equally.
type canonical struct {
	Name          string            `json:"name"`
	APIVersion    string            `json:"apiVersion"`
	Labels        map[string]string `json:"labels"`
	Annotations   map[string]string `json:"annotations"`
	Version       string            `json:"version"`
	Card          canonicalCard     `json:"card"`
	Visibility    Visibility        `json:"visibility"`
	Depends       []canonicalDep    `json:"depends"`
	ConfigSchema  map[string]any    `json:"configSchema"`
	Placement     Placement         `json:"placement"`
	Manifests     map[string]any    `json:"manifests"`
	Upgrades      Upgrades          `json:"upgrades"`
	Owner         Owner             `json:"owner"`
	Observability map[string]any    `json:"observability"`
	Outputs       map[string]any    `json:"outputs"`
	Extra         map[string]any    `json:"extra"`
}

type canonicalCard struct {
	Title, Summary, Description, Icon, Category, Family string
	Tags                                                []string
	Docs, License                                       string
}

type canonicalDep struct {
	Name  string `json:"name"`
	Range string `json:"range"`
	Alias string `json:"alias"`
}

// digest hashes the canonical form of bps, which are sorted by name, so the
// order files were read in does not matter.
func digest(bps []*Blueprint) string {
	h := sha256.New()
	enc := json.NewEncoder(h)
	enc.SetEscapeHTML(false)
	for _, bp := range bps {
		deps := make([]canonicalDep, len(bp.Depends))
		for i, d := range bp.Depends {
			deps[i] = canonicalDep{Name: d.Name, Range: d.Range, Alias: d.Alias}
		}
		c := bp.Card
		p, u := bp.Placement, bp.Upgrades
		p.Modes, u.From = orNil(p.Modes), orNil(u.From)
		// Encoding cannot fail: the reader produces only strings, whole
		// numbers, finite floats, booleans, nil, maps and slices.
		_ = enc.Encode(canonical{
			Name:        bp.Name,
			APIVersion:  bp.APIVersion,
			Labels:      orNilMap(bp.Labels),
			Annotations: orNilMap(bp.Annotations),
			Version:     bp.Version.String(),
			Card: canonicalCard{c.Title, c.Summary, c.Description, c.Icon,
				c.Category, c.Family, orNil(c.Tags), c.Docs, c.License},
			Visibility:    bp.Visibility,
			Depends:       orNil(deps),
			ConfigSchema:  orNilMap(bp.ConfigSchema),
			Placement:     p,
			Manifests:     orNilMap(bp.Manifests),
			Upgrades:      u,
			Owner:         bp.Owner,
			Observability: orNilMap(bp.Observability),
			Outputs:       orNilMap(bp.Outputs),
			Extra:         orNilMap(bp.Extra),
		})
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil))
}

// orNil and orNilMap make an empty list or mapping equal to an absent one:
// "tags: []" and no tags at all are the same content.
func orNil[T any](s []T) []T {
	if len(s) == 0 {
		return nil
	}
	return s
}

func orNilMap[M ~map[string]V, V any](m M) M {
	if len(m) == 0 {
		return nil
	}
	return m
}
