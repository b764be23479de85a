package graph_test

import (
	"errors"
	"testing"

	"github.com/gosd/gosd/graph"
)

// TestMergeTable checks every pair of installable job types against
// systemd 252's merge table (job_merging_table in its job.c, read as a
// table of facts): start+verify-active is start, start+reload is
// reload-or-start, verify-active+reload is reload, restart absorbs start,
// verify-active and reload, stop merges with nothing else, nop with all.
func TestMergeTable(t *testing.T) {
	const x = graph.JobType(255) // cannot merge
	types := []graph.JobType{graph.Start, graph.VerifyActive, graph.Stop, graph.Reload, graph.Restart, graph.Nop}
	want := map[[2]graph.JobType]graph.JobType{
		{graph.Start, graph.Start}:               graph.Start,
		{graph.Start, graph.VerifyActive}:        graph.Start,
		{graph.Start, graph.Stop}:                x,
		{graph.Start, graph.Reload}:              graph.ReloadOrStart,
		{graph.Start, graph.Restart}:             graph.Restart,
		{graph.VerifyActive, graph.VerifyActive}: graph.VerifyActive,
		{graph.VerifyActive, graph.Stop}:         x,
		{graph.VerifyActive, graph.Reload}:       graph.Reload,
		{graph.VerifyActive, graph.Restart}:      graph.Restart,
		{graph.Stop, graph.Stop}:                 graph.Stop,
		{graph.Stop, graph.Reload}:               x,
		{graph.Stop, graph.Restart}:              x,
		{graph.Reload, graph.Reload}:             graph.Reload,
		{graph.Reload, graph.Restart}:            graph.Restart,
		{graph.Restart, graph.Restart}:           graph.Restart,
	}
	for _, a := range types {
		for _, b := range types {
			w, ok := want[[2]graph.JobType{a, b}]
			if !ok {
				w, ok = want[[2]graph.JobType{b, a}]
			}
			if !ok { // nop merges into the other type
				w = b
				if b == graph.Nop {
					w = a
				}
			}
			got, merged := graph.Merge(a, b)
			if w == x {
				if merged {
					t.Errorf("Merge(%s, %s) = %s, want no merge", a, b, got)
				}
				if !graph.Conflicting(a, b) {
					t.Errorf("Conflicting(%s, %s) = false", a, b)
				}
				continue
			}
			if !merged || got != w {
				t.Errorf("Merge(%s, %s) = %s, %v; want %s", a, b, got, merged, w)
			}
			if graph.Conflicting(a, b) {
				t.Errorf("Conflicting(%s, %s) = true", a, b)
			}
			if super := graph.Superset(a, b); super != (w == a) {
				t.Errorf("Superset(%s, %s) = %v", a, b, super)
			}
		}
	}
}

func TestCollapse(t *testing.T) {
	for _, c := range []struct {
		in    graph.JobType
		state string
		want  graph.JobType
	}{
		{graph.TryRestart, graph.StateActive, graph.Restart},
		{graph.TryRestart, graph.StateActivating, graph.Restart},
		{graph.TryRestart, graph.StateReloading, graph.Restart},
		{graph.TryRestart, graph.StateMaintenance, graph.Restart},
		{graph.TryRestart, graph.StateInactive, graph.Nop},
		{graph.TryRestart, graph.StateFailed, graph.Nop},
		{graph.TryRestart, graph.StateDeactivating, graph.Nop},
		{graph.TryReload, graph.StateActive, graph.Reload},
		{graph.TryReload, graph.StateFailed, graph.Nop},
		{graph.ReloadOrStart, graph.StateActive, graph.Reload},
		{graph.ReloadOrStart, graph.StateActivating, graph.Reload},
		{graph.ReloadOrStart, graph.StateInactive, graph.Start},
		{graph.ReloadOrStart, graph.StateDeactivating, graph.Start},
		{graph.Start, graph.StateInactive, graph.Start},
		{graph.Stop, graph.StateActive, graph.Stop},
		{graph.Restart, graph.StateInactive, graph.Restart},
	} {
		if got := graph.Collapse(c.in, c.state); got != c.want {
			t.Errorf("Collapse(%s, %s) = %s, want %s", c.in, c.state, got, c.want)
		}
	}
}

func TestRedundant(t *testing.T) {
	states := []string{graph.StateActive, graph.StateReloading, graph.StateInactive, graph.StateFailed, graph.StateActivating, graph.StateDeactivating, graph.StateMaintenance}
	want := map[graph.JobType][]string{
		graph.Start:        {graph.StateActive, graph.StateReloading},
		graph.VerifyActive: {graph.StateActive, graph.StateReloading},
		graph.Stop:         {graph.StateInactive, graph.StateFailed},
		graph.Reload:       {graph.StateReloading},
		graph.Restart:      {graph.StateActivating},
		graph.Nop:          states,
	}
	for typ, redundantIn := range want {
		for _, s := range states {
			w := false
			for _, r := range redundantIn {
				w = w || r == s
			}
			if got := graph.Redundant(typ, s); got != w {
				t.Errorf("Redundant(%s, %s) = %v, want %v", typ, s, got, w)
			}
		}
	}
}

func TestNames(t *testing.T) {
	jobs := []string{"start", "verify-active", "stop", "reload", "restart", "try-restart", "reload-or-start", "try-reload", "nop"}
	for i, n := range jobs {
		if s := graph.JobType(i).String(); s != n {
			t.Errorf("JobType(%d) = %q, want %q", i, s, n)
		}
		if jt, err := graph.ParseJobType(n); err != nil || jt != graph.JobType(i) {
			t.Errorf("ParseJobType(%q) = %v, %v", n, jt, err)
		}
	}
	modes := []string{"replace", "fail", "isolate", "flush", "ignore-dependencies", "ignore-requirements", "replace-irreversibly", "triggering", "restart-dependencies"}
	for i, n := range modes {
		if s := graph.Mode(i).String(); s != n {
			t.Errorf("Mode(%d) = %q, want %q", i, s, n)
		}
	}
	for i, n := range modes[:len(modes)-1] {
		if m, err := graph.ParseMode(n); err != nil || m != graph.Mode(i) {
			t.Errorf("ParseMode(%q) = %v, %v", n, m, err)
		}
	}
	// systemd 252 does not know restart-dependencies (254 added it) and
	// answers `systemctl start --job-mode=bogus x` with "Failed to start
	// x: Job mode bogus invalid" (exit 1).
	for _, bad := range []string{"bogus", "restart-dependencies", "", "Replace"} {
		_, err := graph.ParseMode(bad)
		var ge *graph.Error
		if !errors.As(err, &ge) || ge.Msg != "Job mode "+bad+" invalid" || ge.Code != graph.ErrInvalidArgs || ge.ExitStatus() != 1 {
			t.Errorf("ParseMode(%q): %#v", bad, err)
		}
	}
	if _, err := graph.ParseJobType("bogus"); err == nil || err.Error() != "Job type bogus invalid" {
		t.Errorf("ParseJobType(bogus): %v", err)
	}
	if _, err := graph.Build(&world{}, "x.service", graph.Start, graph.RestartDependencies); err == nil || err.Error() != "Job mode restart-dependencies invalid" {
		t.Errorf("Build with restart-dependencies: %v", err)
	}
}

// TestErrorExitStatus checks what systemctl 252 did with each refusal
// (exit status, and whether it added "See system logs and 'systemctl
// status x' for details."), as observed with nsboot.
func TestErrorExitStatus(t *testing.T) {
	for _, c := range []struct {
		code    string
		exit    int
		seeLogs bool
	}{
		{graph.ErrNoSuchUnit, 5, false},           // "Unit nf-missing.service not found.", "Unit x not loaded."
		{graph.ErrUnitMasked, 1, false},           // "Unit mk-masked.service is masked."
		{graph.ErrJobTypeNotApplicable, 3, false}, // "Job type reload is not applicable for unit rl-none.service."
		{graph.ErrOnlyByDependency, 4, true},
		{graph.ErrNoIsolation, 4, true},
		{graph.ErrTransactionDestructive, 4, true},
		{graph.ErrOrderIsCyclic, 1, true},
		{graph.ErrJobsConflicting, 1, true},
		{graph.ErrBadUnitSetting, 1, true},
		{graph.ErrInvalidArgs, 1, true}, // bad job mode; "failed to load properly ...: Invalid argument"
	} {
		e := &graph.Error{Code: c.code, Msg: "x"}
		if e.ExitStatus() != c.exit || e.SeeLogs() != c.seeLogs {
			t.Errorf("%s: exit %d, see logs %v; want %d, %v", c.code, e.ExitStatus(), e.SeeLogs(), c.exit, c.seeLogs)
		}
	}
	err := error(&graph.Error{Code: graph.ErrNoSuchUnit, Msg: "Unit a.service not found."})
	if !errors.Is(err, &graph.Error{Code: graph.ErrNoSuchUnit}) || errors.Is(err, &graph.Error{Code: graph.ErrUnitMasked}) {
		t.Error("errors.Is does not match on Code")
	}
}
