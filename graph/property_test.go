package graph_test

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"github.com/gosd/gosd/graph"
	"github.com/gosd/gosd/loader"
)

// shuffled is a State whose Units() comes in another order each call.
type shuffled struct {
	*world
	rng *rand.Rand
}

func (s shuffled) Units() []string {
	ids := s.world.Units()
	s.rng.Shuffle(len(ids), func(i, j int) { ids[i], ids[j] = ids[j], ids[i] })
	return ids
}

// TestBuildProperties builds transactions on random unit sets and checks
// what must hold whatever the set: a transaction has one job per unit and
// one anchor; the jobs it installs, with the jobs already installed, can
// be run in an order that respects every Before=/After= between them (the
// cycles are broken); the same request gives the same answer however
// State lists its units.
func TestBuildProperties(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	kinds := []string{"Requires", "Wants", "Wants", "Wants", "BindsTo", "Requisite", "PartOf", "Conflicts", "After", "Before", "After", "Before", "PropagatesReloadTo"}
	states := []string{graph.StateActive, graph.StateInactive, graph.StateFailed, graph.StateActivating}
	types := []graph.JobType{graph.Start, graph.Stop, graph.Restart, graph.TryRestart, graph.Reload, graph.ReloadOrStart}
	modes := []graph.Mode{graph.Replace, graph.Fail, graph.Isolate, graph.IgnoreRequirements, graph.Flush}
	stats := map[string]int{}
	defer func() { t.Logf("%v", stats) }()
	for n := 0; n < 60; n++ {
		size := 3 + rng.IntN(6)
		var lines []string
		name := func(i int) string { return fmt.Sprintf("u%d.service", i) }
		for i := 0; i < size; i++ {
			line := name(i) + ":"
			for d := rng.IntN(7); d > 0; d-- {
				line += fmt.Sprintf(" %s=%s", kinds[rng.IntN(len(kinds))], name(rng.IntN(size)))
			}
			if rng.IntN(3) == 0 {
				line += " ExecReload=/bin/true AllowIsolate=yes"
			}
			lines = append(lines, line)
		}
		w := loadWorld(t, strings.Join(lines, "\n"))
		for i := 0; i < size; i++ {
			w.active[name(i)] = states[rng.IntN(len(states))]
			if rng.IntN(5) == 0 {
				w.jobs[name(i)] = []graph.JobType{graph.Start, graph.Stop}[rng.IntN(2)]
			}
		}
		for k := 0; k < 6; k++ {
			req := graph.Request{Unit: name(rng.IntN(size)), Type: types[rng.IntN(len(types))], Mode: modes[rng.IntN(len(modes))]}
			what := fmt.Sprintf("units:\n%s\nstate %v jobs %v\nrequest %+v", strings.Join(lines, "\n"), w.active, w.jobs, req)
			tr, err := graph.BuildRequest(w, req)
			tr2, err2 := graph.BuildRequest(shuffled{w, rng}, req)
			if !reflect.DeepEqual(tr, tr2) || !reflect.DeepEqual(err, err2) {
				t.Fatalf("%s\nanswer depends on the order of State.Units():\n%s\n%s", what, formatTransaction(tr, err), formatTransaction(tr2, err2))
			}
			if err != nil {
				stats["refused"]++
				continue
			}
			stats["built"]++
			for _, l := range tr.Log {
				if strings.Contains(l, "deleted to break ordering cycle") {
					stats["cycles broken"]++
				}
			}
			checkTransaction(t, w, tr, what)
		}
	}
}

func checkTransaction(t *testing.T, w *world, tr *graph.Transaction, what string) {
	t.Helper()
	anchors := 0
	for i, j := range tr.Jobs {
		if i > 0 && tr.Jobs[i-1].Unit >= j.Unit {
			t.Fatalf("%s\njobs not sorted and unique:\n%s", what, formatTransaction(tr, nil))
		}
		if j.Anchor {
			anchors++
			if tr.Anchor != j || !j.Required {
				t.Fatalf("%s\nanchor %v is not Transaction.Anchor or not required", what, j)
			}
		}
		if j.Type > graph.Restart && j.Type != graph.Nop {
			t.Fatalf("%s\njob %v is not collapsed", what, j)
		}
	}
	for _, j := range tr.Jobs {
		if tr.Job(j.Unit) != j {
			t.Fatalf("%s\nTransaction.Job(%s) does not find its job", what, j.Unit)
		}
	}
	if tr.Job("none.service") != nil {
		t.Fatalf("Transaction.Job finds a job on a unit without one")
	}
	if anchors != 1 {
		t.Fatalf("%s\n%d anchors", what, anchors)
	}
	// The jobs that will be installed: the transaction's, and the
	// installed ones of units it does not touch.
	jobs := map[string]graph.JobType{}
	ignore := map[string]bool{}
	for u, jt := range w.jobs {
		jobs[u] = jt
	}
	for _, j := range tr.Jobs {
		jobs[j.Unit] = j.Type
		ignore[j.Unit] = j.IgnoreOrder
	}
	// runsFirst: which of a's and b's jobs runs first, when a is Before= b.
	var edges [][2]string
	for a, ta := range jobs {
		u := w.set.Get(a)
		for _, b := range u.Deps.Of(loader.Before) {
			tb, ok := jobs[b]
			if !ok || ta == graph.Nop || tb == graph.Nop || ignore[a] || ignore[b] {
				continue
			}
			if tb == graph.Stop || tb == graph.Restart {
				edges = append(edges, [2]string{b, a})
			} else {
				edges = append(edges, [2]string{a, b})
			}
		}
	}
	// Kahn's algorithm: every job must come out.
	indeg := map[string]int{}
	for _, e := range edges {
		indeg[e[1]]++
	}
	var queue []string
	for u := range jobs {
		if indeg[u] == 0 {
			queue = append(queue, u)
		}
	}
	done := 0
	for len(queue) > 0 {
		u := queue[0]
		queue = queue[1:]
		done++
		for _, e := range edges {
			if e[0] == u {
				if indeg[e[1]]--; indeg[e[1]] == 0 {
					queue = append(queue, e[1])
				}
			}
		}
	}
	if done != len(jobs) {
		t.Fatalf("%s\nthe jobs still form an ordering cycle: %v\n%s", what, edges, formatTransaction(tr, nil))
	}
}
