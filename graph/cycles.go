package graph

import (
	"slices"

	gonum "gonum.org/v1/gonum/graph"
	"gonum.org/v1/gonum/graph/iterator"
	"gonum.org/v1/gonum/graph/topo"

	"github.com/gosd/gosd/loader"
)

// Cycles returns every elementary ordering cycle among units: each cycle
// lists unit IDs in the order they would start (each unit is Before= the
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
	for i, id := range ids {
		index[id] = int64(i)
	}
	g := &orderGraph{succ: make([][]int64, len(ids)), pred: make([][]int64, len(ids))}
	edge := func(from, to string) {
		f, ok1 := index[from]
		t, ok2 := index[to]
		if ok1 && ok2 && f != t && !g.HasEdgeFromTo(f, t) {
			g.succ[f] = append(g.succ[f], t)
			g.pred[t] = append(g.pred[t], f)
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

// orderGraph is the ordering among units as gonum's graph.Directed, for
// topo's cycle finding: node i is the unit ids[i]; succ and pred list
// the nodes each is ordered before and after. gonum's simple graph would
// do, but it links gonum's mat, BLAS and LAPACK into the manager (100 KB
// of binary, all of it mapped, and their package initialisation).
type orderGraph struct{ succ, pred [][]int64 }

type node int64

func (n node) ID() int64 { return int64(n) }

type edge struct{ from, to node }

func (e edge) From() gonum.Node         { return e.from }
func (e edge) To() gonum.Node           { return e.to }
func (e edge) ReversedEdge() gonum.Edge { return edge{e.to, e.from} }

func (g *orderGraph) has(id int64) bool { return id >= 0 && id < int64(len(g.succ)) }

func (g *orderGraph) Node(id int64) gonum.Node {
	if !g.has(id) {
		return nil
	}
	return node(id)
}

func (g *orderGraph) Nodes() gonum.Nodes {
	ns := make([]gonum.Node, len(g.succ))
	for i := range ns {
		ns[i] = node(i)
	}
	return iterator.NewOrderedNodes(ns)
}

func nodesOf(ids []int64) gonum.Nodes {
	ns := make([]gonum.Node, len(ids))
	for i, id := range ids {
		ns[i] = node(id)
	}
	return iterator.NewOrderedNodes(ns)
}

func (g *orderGraph) From(id int64) gonum.Nodes {
	if !g.has(id) {
		return gonum.Empty
	}
	return nodesOf(g.succ[id])
}

func (g *orderGraph) To(id int64) gonum.Nodes {
	if !g.has(id) {
		return gonum.Empty
	}
	return nodesOf(g.pred[id])
}

func (g *orderGraph) HasEdgeFromTo(u, v int64) bool {
	return g.has(u) && slices.Contains(g.succ[u], v)
}

func (g *orderGraph) HasEdgeBetween(x, y int64) bool {
	return g.HasEdgeFromTo(x, y) || g.HasEdgeFromTo(y, x)
}

func (g *orderGraph) Edge(u, v int64) gonum.Edge {
	if !g.HasEdgeFromTo(u, v) {
		return nil
	}
	return edge{node(u), node(v)}
}
