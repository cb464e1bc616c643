package catalog

import (
	"container/heap"
	"sort"
	"strings"
)

// graph is the dependency graph of a catalog whose edges all resolve and
// which has no cycle.
type graph struct {
	byName map[string]*Blueprint
	// dependents holds the reverse edges: who depends on a Blueprint
	// directly, sorted by name.
	dependents map[string][]string
	// order is every name, each after all of its dependencies; among
	// Blueprints free to go next, the smallest name goes first, so the
	// order depends only on the catalog's content.
	order []string
	rank  map[string]int
}

// resolve checks every dependency edge and looks for cycles, then builds
// the graph. It returns every problem found, as *DependencyError and
// *CycleError values, in file order.
func resolve(bps []*Blueprint, byName map[string]*Blueprint) (*graph, []error) {
	var problems []error
	for _, bp := range bps {
		for _, d := range bp.Depends {
			target, ok := byName[d.Name]
			if ok && d.Allows(target.Version) {
				continue
			}
			e := &DependencyError{File: bp.File, Line: d.line, Column: d.column, Field: d.field,
				From: bp.Name, To: d.Name, Range: d.Range}
			if ok {
				e.Have = target.Version.String()
			}
			problems = append(problems, e)
		}
	}
	problems = append(problems, findCycles(bps, byName)...)
	if len(problems) > 0 {
		return nil, problems
	}
	g := &graph{byName: byName, dependents: make(map[string][]string, len(bps))}
	for _, bp := range bps { // sorted by name, so each list comes out sorted
		for _, d := range bp.Depends {
			g.dependents[d.Name] = append(g.dependents[d.Name], bp.Name)
		}
	}
	g.order = g.topological(bps)
	g.rank = make(map[string]int, len(g.order))
	for i, name := range g.order {
		g.rank[name] = i
	}
	return g, nil
}

// findCycles walks the graph depth first and reports each loop once, as
// the path that starts at the loop's smallest name.
func findCycles(bps []*Blueprint, byName map[string]*Blueprint) []error {
	const (
		unvisited = iota
		onPath
		done
	)
	state := make(map[string]int, len(bps))
	var path []*Blueprint
	reported := map[string]bool{}
	var problems []error
	var visit func(bp *Blueprint)
	visit = func(bp *Blueprint) {
		state[bp.Name] = onPath
		path = append(path, bp)
		for _, d := range bp.Depends {
			next, ok := byName[d.Name]
			if !ok {
				continue
			}
			switch state[next.Name] {
			case unvisited:
				visit(next)
			case onPath:
				start := len(path) - 1
				for path[start] != next {
					start--
				}
				if e := cycleError(path[start:], reported); e != nil {
					problems = append(problems, e)
				}
			}
		}
		path = path[:len(path)-1]
		state[bp.Name] = done
	}
	for _, bp := range bps {
		if state[bp.Name] == unvisited {
			visit(bp)
		}
	}
	return problems
}

// cycleError describes loop (each Blueprint depending on the next, the last
// on the first), unless the same loop was reported already.
func cycleError(loop []*Blueprint, reported map[string]bool) error {
	first := 0
	for i := range loop {
		if loop[i].Name < loop[first].Name {
			first = i
		}
	}
	names := make([]string, 0, len(loop)+1)
	for i := range loop {
		names = append(names, loop[(first+i)%len(loop)].Name)
	}
	names = append(names, names[0])
	key := strings.Join(names, " ")
	if reported[key] {
		return nil
	}
	reported[key] = true
	from := loop[first]
	d, _ := from.dependency(names[1])
	return &CycleError{File: from.File, Line: d.line, Column: d.column, Field: d.field, Path: names}
}

// dependency returns bp's dependency on name.
func (bp *Blueprint) dependency(name string) (Dependency, bool) {
	for _, d := range bp.Depends {
		if d.Name == name {
			return d, true
		}
	}
	return Dependency{}, false
}

// topological orders every Blueprint after its dependencies (Kahn's
// algorithm, smallest ready name first).
func (g *graph) topological(bps []*Blueprint) []string {
	waiting := make(map[string]int, len(bps))
	ready := &nameHeap{}
	for _, bp := range bps {
		waiting[bp.Name] = len(bp.Depends)
		if len(bp.Depends) == 0 {
			heap.Push(ready, bp.Name)
		}
	}
	order := make([]string, 0, len(bps))
	for ready.Len() > 0 {
		name := heap.Pop(ready).(string)
		order = append(order, name)
		for _, dependent := range g.dependents[name] {
			waiting[dependent]--
			if waiting[dependent] == 0 {
				heap.Push(ready, dependent)
			}
		}
	}
	return order
}

// closure returns names and everything they depend on, to any depth.
func (g *graph) closure(names ...string) map[string]bool {
	seen := make(map[string]bool)
	var walk func(name string)
	walk = func(name string) {
		if seen[name] {
			return
		}
		seen[name] = true
		for _, d := range g.byName[name].Depends {
			walk(d.Name)
		}
	}
	for _, name := range names {
		walk(name)
	}
	return seen
}

// inOrder returns the members of set in install order.
func (g *graph) inOrder(set map[string]bool) []string {
	out := make([]string, 0, len(set))
	for name := range set {
		out = append(out, name)
	}
	sort.Slice(out, func(i, j int) bool { return g.rank[out[i]] < g.rank[out[j]] })
	return out
}

// allDependents returns every Blueprint that needs name, directly or not,
// sorted by name.
func (g *graph) allDependents(name string) []string {
	seen := map[string]bool{}
	var walk func(string)
	walk = func(n string) {
		for _, d := range g.dependents[n] {
			if !seen[d] {
				seen[d] = true
				walk(d)
			}
		}
	}
	walk(name)
	out := make([]string, 0, len(seen))
	for d := range seen {
		out = append(out, d)
	}
	sort.Strings(out)
	return out
}

// nameHeap is a min-heap of names for container/heap.
type nameHeap []string

func (h nameHeap) Len() int           { return len(h) }
func (h nameHeap) Less(i, j int) bool { return h[i] < h[j] }
func (h nameHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *nameHeap) Push(x any)        { *h = append(*h, x.(string)) }
func (h *nameHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}
