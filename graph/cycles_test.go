package graph

import (
	"slices"
	"testing"

	gonum "gonum.org/v1/gonum/graph"
)

// TestOrderGraph checks the graph.Directed that Cycles hands to gonum's
// topo: node 0 is ordered before 1 and 2, 1 before 2.
func TestOrderGraph(t *testing.T) {
	g := &orderGraph{succ: [][]int64{{1, 2}, {2}, nil}, pred: [][]int64{nil, {0}, {0, 1}}}
	ids := func(it interface {
		Next() bool
		Node() gonum.Node
	}) []int64 {
		var out []int64
		for it.Next() {
			out = append(out, it.Node().ID())
		}
		return out
	}
	if got := ids(g.Nodes()); !slices.Equal(got, []int64{0, 1, 2}) {
		t.Errorf("Nodes = %v", got)
	}
	if got := ids(g.From(0)); !slices.Equal(got, []int64{1, 2}) {
		t.Errorf("From(0) = %v", got)
	}
	if got := ids(g.To(2)); !slices.Equal(got, []int64{0, 1}) {
		t.Errorf("To(2) = %v", got)
	}
	if got := ids(g.From(7)); got != nil {
		t.Errorf("From(7) = %v, want none", got)
	}
	if !g.HasEdgeFromTo(1, 2) || g.HasEdgeFromTo(2, 1) || !g.HasEdgeBetween(2, 1) || g.HasEdgeBetween(1, 1) {
		t.Error("HasEdgeFromTo/HasEdgeBetween disagree with the edges 0->1, 0->2, 1->2")
	}
	if e := g.Edge(0, 2); e == nil || e.From().ID() != 0 || e.To().ID() != 2 || e.ReversedEdge().From().ID() != 2 {
		t.Errorf("Edge(0, 2) = %v", e)
	}
	if g.Edge(2, 0) != nil || g.Node(3) != nil || g.Node(-1) != nil || g.Node(1).ID() != 1 {
		t.Error("Edge or Node returned something for what is not in the graph")
	}
}
