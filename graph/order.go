package graph

import (
	"github.com/gosd/gosd/loader"
)

// verifyOrder looks for a cycle in the order the transaction's jobs (and
// the installed jobs of units without one) would run in. It breaks the
// first cycle found by deleting the jobs of a unit that does not matter to
// the anchor and reports again, so that the caller looks anew; a cycle of
// units that all matter fails the transaction. Jobs are visited from each
// unit in ID order, where systemd takes them in hash-table order.
func (tr *txn) verifyOrder() (again bool, err *Error) {
	tr.generation++
	g := tr.generation
	for _, id := range tr.sortedUnits() {
		j := tr.jobs[id]
		if j == nil {
			continue
		}
		again, err := tr.verifyOrderFrom(j, nil, g)
		if again || err != nil {
			return again, err
		}
	}
	return false, nil
}

// verifyOrderFrom walks, depth first, from j to every job that must wait
// for j. from is the job the walk came from; each job on the current path
// keeps it in marker, so that a cycle can be followed back.
func (tr *txn) verifyOrderFrom(j, from *job, g int) (again bool, err *Error) {
	if j.generation == g {
		if j.marker == nil {
			return false, nil // explored before, no cycle from here
		}
		return tr.breakCycle(j, from, g)
	}
	j.marker = j
	if from != nil {
		j.marker = from
	}
	j.generation = g
	for _, dir := range []loader.Dep{loader.Before, loader.After} {
		for _, id := range j.u.Deps.Of(dir) {
			o := tr.jobs[id]
			if o == nil {
				if o = tr.installedJob(id); o == nil {
					continue
				}
			}
			if compareJobs(j, o, dir) >= 0 {
				continue // o does not wait for j
			}
			if again, err := tr.verifyOrderFrom(o, j, g); again || err != nil {
				return again, err
			}
		}
	}
	j.marker = nil
	return false, nil
}

// breakCycle handles the cycle found on reaching j, which is on the
// current path, again from from: it logs the cycle as systemd does and
// deletes the first job along it, going backwards from from, whose unit
// has no job that matters to the anchor.
func (tr *txn) breakCycle(j, from *job, g int) (bool, *Error) {
	var cycle []*job
	var del *job
	for k := from; k != nil; {
		cycle = append(cycle, k)
		if del == nil && !k.installed && !tr.unitMatters(k.unit) {
			del = k
		}
		if k == j {
			break
		}
		if k.generation == g && k.marker != k {
			k = k.marker
		} else {
			k = nil
		}
	}
	for i, k := range cycle {
		what := "dependency"
		if i == 0 {
			what = "ordering cycle"
		}
		tr.logf(j.unit, "Found %s on %s/%s", what, k.unit, k.typ)
	}
	if del != nil {
		tr.logf(j.unit, "Job %s/%s deleted to break ordering cycle starting with %s/%s", del.unit, del.typ, j.unit, j.typ)
		tr.deleteUnit(del.unit)
		return true, nil
	}
	tr.logf(j.unit, "Unable to break cycle starting with %s/%s", j.unit, j.typ)
	return false, &Error{Code: ErrOrderIsCyclic, Msg: "Transaction order is cyclic. See system logs for details."}
}

// compareJobs tells which of a and b runs first when a's unit has an
// ordering dependency dir (Before or After) on b's: negative when a does,
// positive when b does, 0 when their order does not matter (a nop, or a
// job that ignores ordering). A stop (or the stop half of a restart) runs
// in the reverse order of a start.
func compareJobs(a, b *job, dir loader.Dep) int {
	if a.typ == Nop || b.typ == Nop || a.ignoreOrder || b.ignoreOrder {
		return 0
	}
	if dir == loader.After {
		return -compareJobs(b, a, loader.Before)
	}
	if b.typ == Stop || b.typ == Restart {
		return 1
	}
	return -1
}
