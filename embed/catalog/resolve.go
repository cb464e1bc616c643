package catalog

// Node is one Blueprint in a dependency tree.
type Node struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	// Range and Alias are what the parent's depends entry asked for; empty
	// at the root.
	Range string `json:"range,omitempty"`
	Alias string `json:"alias,omitempty"`
	// Repeat marks a Blueprint already shown higher up in the same tree;
	// its dependencies are listed there, not again here. This keeps the
	// tree as small as the graph however many paths share a Blueprint.
	Repeat  bool    `json:"repeat,omitempty"`
	Depends []*Node `json:"depends"`
}

// Tree returns the full dependency tree of name, children in the order the
// file lists them.
func (c *Catalog) Tree(name string) (*Node, error) {
	bp, err := c.Get(name)
	if err != nil {
		return nil, err
	}
	seen := make(map[string]bool)
	var grow func(bp *Blueprint, d Dependency) *Node
	grow = func(bp *Blueprint, d Dependency) *Node {
		n := &Node{Name: bp.Name, Version: bp.Version.String(), Range: d.Range, Alias: d.Alias, Depends: []*Node{}}
		if seen[bp.Name] {
			n.Repeat = true
			return n
		}
		seen[bp.Name] = true
		for _, dep := range bp.Depends {
			n.Depends = append(n.Depends, grow(c.byName[dep.Name], dep))
		}
		return n
	}
	return grow(bp, Dependency{}), nil
}

// Dependencies returns everything name needs, to any depth, in install
// order. name itself is not in the list.
func (c *Catalog) Dependencies(name string) ([]string, error) {
	order, err := c.InstallOrder(name)
	if err != nil {
		return nil, err
	}
	return order[:len(order)-1], nil
}

// InstallOrder returns the named Blueprints and everything they need, each
// after all of its dependencies. The order is deterministic: it is the
// catalog's own order (see Order) restricted to these Blueprints.
func (c *Catalog) InstallOrder(names ...string) ([]string, error) {
	canonical := make([]string, len(names))
	for i, name := range names {
		bp, err := c.Get(name)
		if err != nil {
			return nil, err
		}
		canonical[i] = bp.Name
	}
	return c.graph.inOrder(c.graph.closure(canonical...)), nil
}

// Order returns every Blueprint of the catalog, each after all of its
// dependencies; among those free to go next, the smallest name first.
func (c *Catalog) Order() []string { return append([]string(nil), c.graph.order...) }

// Dependents returns the Blueprints that depend on name directly, sorted.
func (c *Catalog) Dependents(name string) ([]string, error) {
	bp, err := c.Get(name)
	if err != nil {
		return nil, err
	}
	return append([]string{}, c.graph.dependents[bp.Name]...), nil
}

// AllDependents returns every Blueprint that needs name, directly or
// through others, sorted: what stops working if name goes.
func (c *Catalog) AllDependents(name string) ([]string, error) {
	bp, err := c.Get(name)
	if err != nil {
		return nil, err
	}
	return c.graph.allDependents(bp.Name), nil
}
