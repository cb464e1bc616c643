package catalog

// detail is what GET /api/v1/sovereign/catalog/{slug} adds to an app's list
// fields. Lists are [] and mappings {} when empty, never null.
type detail struct {
	APIVersion    string            `json:"api_version"`
	Section       string            `json:"section"`
	Labels        map[string]string `json:"labels"`
	Annotations   map[string]string `json:"annotations"`
	Card          cardJSON          `json:"card"`
	ConfigSchema  map[string]any    `json:"config_schema"`
	Placement     placementJSON     `json:"placement"`
	Manifests     map[string]any    `json:"manifests"`
	Upgrades      upgradesJSON      `json:"upgrades"`
	Owner         ownerJSON         `json:"owner"`
	Observability map[string]any    `json:"observability"`
	Outputs       map[string]any    `json:"outputs"`
	Extra         map[string]any    `json:"extra"`
	Dependencies  []dependencyJSON  `json:"dependencies"`
	Tree          *Node             `json:"tree"`
	Dependents    []string          `json:"dependents"`
	DependentsAll []string          `json:"dependents_all"`
	InstallOrder  []string          `json:"install_order"`
}

type cardJSON struct {
	Title       string   `json:"title"`
	Summary     string   `json:"summary"`
	Description string   `json:"description"`
	Icon        string   `json:"icon"`
	Category    string   `json:"category"`
	Family      string   `json:"family"`
	Tags        []string `json:"tags"`
	Docs        string   `json:"docs"`
	License     string   `json:"license"`
}

type placementJSON struct {
	Modes      []string `json:"modes"`
	Default    string   `json:"default"`
	MinRegions int      `json:"min_regions"`
	MaxRegions int      `json:"max_regions"`
}

type upgradesJSON struct {
	From []string `json:"from"`
}

type ownerJSON struct {
	Team    string `json:"team"`
	Contact string `json:"contact"`
}

// dependencyJSON is one direct dependency: what was asked for and what the
// catalog gives.
type dependencyJSON struct {
	Name    string `json:"name"`
	Slug    string `json:"slug"`
	Range   string `json:"range"`
	Alias   string `json:"alias"`
	Version string `json:"version"`
}

// detailTail encodes the detail of bp as the members that follow the app's
// own fields: `,"api_version":...` without the closing brace.
func detailTail(c *Catalog, bp *Blueprint) []byte {
	deps := make([]dependencyJSON, len(bp.Depends))
	for i, d := range bp.Depends {
		deps[i] = dependencyJSON{Name: d.Name, Slug: Slug(d.Name), Range: d.Range, Alias: d.Alias,
			Version: c.byName[d.Name].Version.String()}
	}
	tree, _ := c.Tree(bp.Name)
	order, _ := c.InstallOrder(bp.Name)
	card := bp.Card
	d := detail{
		APIVersion:  bp.APIVersion,
		Section:     bp.Section(),
		Labels:      orEmptyMap(bp.Labels),
		Annotations: orEmptyMap(bp.Annotations),
		Card: cardJSON{Title: card.Title, Summary: card.Summary, Description: card.Description,
			Icon: card.Icon, Category: card.Category, Family: card.Family, Tags: orEmpty(card.Tags),
			Docs: card.Docs, License: card.License},
		ConfigSchema: orEmptyMap(bp.ConfigSchema),
		Placement: placementJSON{Modes: orEmpty(bp.Placement.Modes), Default: bp.Placement.Default,
			MinRegions: bp.Placement.MinRegions, MaxRegions: bp.Placement.MaxRegions},
		Manifests:     orEmptyMap(bp.Manifests),
		Upgrades:      upgradesJSON{From: orEmpty(bp.Upgrades.From)},
		Owner:         ownerJSON{Team: bp.Owner.Team, Contact: bp.Owner.Contact},
		Observability: orEmptyMap(bp.Observability),
		Outputs:       orEmptyMap(bp.Outputs),
		Extra:         orEmptyMap(bp.Extra),
		Dependencies:  deps,
		Tree:          tree,
		Dependents:    orEmpty(c.graph.dependents[bp.Name]),
		DependentsAll: c.graph.allDependents(bp.Name),
		InstallOrder:  order,
	}
	b := marshal(d)
	b[0] = ','
	return b[:len(b)-1]
}

// orEmpty and orEmptyMap turn nil into an empty list or mapping, so the
// JSON says [] or {} rather than null.
func orEmpty[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func orEmptyMap[M ~map[string]V, V any](m M) M {
	if m == nil {
		return M{}
	}
	return m
}
