package graph

import (
	"slices"

	"gonum.org/v1/gonum/graph/simple"
	"gonum.org/v1/gonum/graph/topo"

	"github.com/gosd/gosd/loader"
)

// Cycles is the transaction tests' oracle (their "cycles" command), in
// the test binary only, so that gonum stays out of the manager. It
// returns every elementary ordering cycle among units: each cycle lists unit IDs in the order they would start (each unit is Before= the
// next, the last Before= the first), starting from the smallest ID.
// Cycles are sorted. Dependencies on units not in units are ignored. It
// looks at the ordering of the units alone, not at any transaction: a
// cycle found here breaks a start only when the jobs pulled in close it.
func Cycles(units []*loader.Unit) [][]string {
	ids := make([]string, 0, len(units))
	for _, u := range units {
		ids = append(ids, u.ID)
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	index := make(map[string]int64, len(ids))
	g := simple.NewDirectedGraph()
	for i, id := range ids {
		index[id] = int64(i)
		g.AddNode(simple.Node(i))
	}
	edge := func(from, to string) {
		f, ok1 := index[from]
		t, ok2 := index[to]
		if ok1 && ok2 && f != t && !g.HasEdgeFromTo(f, t) {
			g.SetEdge(simple.Edge{F: simple.Node(f), T: simple.Node(t)})
		}
	}
	for _, u := range units {
		for _, o := range u.Deps.Of(loader.Before) {
			edge(u.ID, o)
		}
		for _, o := range u.Deps.Of(loader.After) {
			edge(o, u.ID)
		}
	}
	var out [][]string
	for _, c := range topo.DirectedCyclesIn(g) {
		c = c[:len(c)-1] // the first node is repeated at the end
		start := 0
		for i, n := range c {
			if n.ID() < c[start].ID() {
				start = i
			}
		}
		cycle := make([]string, 0, len(c))
		for i := range c {
			cycle = append(cycle, ids[c[(start+i)%len(c)].ID()])
		}
		out = append(out, cycle)
	}
	slices.SortFunc(out, func(a, b []string) int { return slices.Compare(a, b) })
	return out
}
