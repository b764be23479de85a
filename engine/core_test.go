package engine

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cockroachdb/datadriven"

	"github.com/gosd/gosd/graph"
	"github.com/gosd/gosd/loader"
	"github.com/gosd/gosd/unit"
)

// fakeHost is the world of a transcript: unit files in a temporary root,
// a set of existing paths for conditions, PID files, the processes each
// unit has, and which of them are zombies.
type fakeHost struct {
	set      *loader.Set
	paths    map[string]bool
	pidfiles map[string]int
	notRoot  map[string]bool // PID files not owned by root
	procs    map[string][]int
	zombies  map[int]bool
}

func (h *fakeHost) Load(name string) (*loader.Unit, error) { return h.set.Load(name) }
func (h *fakeHost) Forget(id string)                       { h.set.Forget(id) }

func (h *fakeHost) Conditions(u *loader.Unit, asserts bool) (bool, string) {
	conds := u.Unit.Conditions
	prefix := "Condition"
	if asserts {
		conds, prefix = u.Unit.Asserts, "Assert"
	}
	anyTrigger, triggerOK := false, false
	for _, c := range conds {
		ok := true
		switch c.Type {
		case "PathExists":
			ok = h.paths[c.Param]
		}
		if c.Negate {
			ok = !ok
		}
		if c.Trigger {
			anyTrigger = true
			triggerOK = triggerOK || ok
			continue
		}
		if !ok {
			if asserts {
				return false, "Assertion failed for " + u.ID + "."
			}
			return false, fmt.Sprintf("%s was skipped because of an unmet condition check (%s%s=%s%s).", u.ID, prefix, c.Type, map[bool]string{true: "!"}[c.Negate], c.Param)
		}
	}
	if anyTrigger && !triggerOK {
		if asserts {
			return false, "Assertion failed for " + u.ID + "."
		}
		return false, u.ID + " was skipped because no trigger condition checks were met."
	}
	return true, ""
}

func (h *fakeHost) ReadPIDFile(path string) (int, bool, error) {
	if pid, ok := h.pidfiles[path]; ok {
		return pid, !h.notRoot[path], nil
	}
	return 0, false, os.ErrNotExist
}

func (h *fakeHost) UnitPIDs(id string) []int { return slices.Clone(h.procs[id]) }

// PIDAlive: a process is alive while some unit has it and it is no zombie.
func (h *fakeHost) PIDAlive(pid int) bool {
	return h.UnitOfPID(pid) != "" && !h.zombies[pid]
}

func (h *fakeHost) UnitOfPID(pid int) string {
	for id, ps := range h.procs {
		if slices.Contains(ps, pid) {
			return id
		}
	}
	return ""
}

func (h *fakeHost) ClaimPID(id string, pid int) bool { return h.UnitOfPID(pid) == id }

func (h *fakeHost) drop(pid int) {
	for id, ps := range h.procs {
		if i := slices.Index(ps, pid); i >= 0 {
			h.procs[id] = slices.Delete(ps, i, i+1)
		}
	}
}

type transcript struct {
	t       *testing.T
	root    string
	host    *fakeHost
	core    *Core
	now     time.Duration
	nextPID int
	nextReq uint64
	tracked map[uint64]bool // requests made with track=yes
	// held spawns are answered only by a "spawned" command.
	hold  bool
	held  []Spawn
	dirty bool
	// reaps numbers the exits fed (Exited.Seq); heldSince is the number
	// when each held spawn was asked for (Spawned.Since: before its fork)
	reaps     uint64
	heldSince []uint64
}

// keepTarget is the unit that keeps a transcript's units loaded.
const keepTarget = "transcript-keep.target"

// argKey returns the argument of d called key.
func argKey(d *datadriven.TestData, key string) (datadriven.CmdArg, bool) {
	for _, a := range d.CmdArgs {
		if a.Key == key {
			return a, true
		}
	}
	return datadriven.CmdArg{}, false
}

func mustReadDir(t *testing.T, dir string) []os.DirEntry {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	return es
}

func TestCore(t *testing.T) {
	datadriven.Walk(t, "testdata", func(t *testing.T, path string) {
		ts := &transcript{t: t, root: t.TempDir(), nextPID: 100}
		ts.reset()
		datadriven.RunTest(t, path, ts.run)
	})
}

func (ts *transcript) reset() {
	ts.host = &fakeHost{
		set:      loader.NewSet(loader.SystemPaths(ts.root), &unit.Host{Root: ts.root, Hostname: "test", MachineID: "0123456789abcdef0123456789abcdef"}),
		paths:    map[string]bool{},
		pidfiles: map[string]int{},
		notRoot:  map[string]bool{},
		procs:    map[string][]int{},
		zombies:  map[int]bool{},
	}
	ts.core = New(ts.host)
	n := 0
	ts.core.InvocationID = func() string { n++; return fmt.Sprintf("inv%d", n) }
	ts.core.Wall = func(d time.Duration) time.Time { return time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Add(d) }
}

func (ts *transcript) run(t *testing.T, d *datadriven.TestData) string {
	var b strings.Builder
	arg := func(i int) string {
		if i < len(d.CmdArgs) {
			a := d.CmdArgs[i]
			if len(a.Vals) > 0 {
				return a.Key + "=" + strings.Join(a.Vals, ",")
			}
			return a.Key
		}
		return ""
	}
	kv := func(key string) (string, bool) {
		for _, a := range d.CmdArgs {
			if a.Key == key && len(a.Vals) > 0 {
				return a.Vals[0], true
			}
		}
		return "", false
	}
	switch d.Cmd {
	case "units":
		// Unit files, each starting with a "-- name" line, written under
		// /etc/systemd/system of the transcript's root; the core restarts.
		dir := filepath.Join(ts.root, "etc/systemd/system")
		os.RemoveAll(dir)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		var name string
		var body strings.Builder
		flush := func() {
			if name != "" {
				p := filepath.Join(dir, name)
				os.MkdirAll(filepath.Dir(p), 0o755)
				if err := os.WriteFile(p, []byte(body.String()), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			body.Reset()
		}
		for _, l := range strings.Split(d.Input, "\n") {
			if n, ok := strings.CutPrefix(l, "-- "); ok {
				flush()
				name = strings.TrimSpace(n)
				continue
			}
			body.WriteString(l + "\n")
		}
		flush()
		var keep string
		if _, ok := argKey(d, "collect"); !ok {
			// As the differential suite's keep target: an active unit
			// ordered after every unit of the transcript keeps them
			// loaded, so that their state stays to be looked at. With
			// "collect", units are unloaded as systemd unloads them.
			keep = "[Unit]\nIgnoreOnIsolate=yes\n"
			for _, e := range mustReadDir(t, dir) {
				if !e.IsDir() {
					keep += "After=" + e.Name() + "\n"
				}
			}
			if err := os.WriteFile(filepath.Join(dir, keepTarget), []byte(keep), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		if _, ok := argKey(d, "defaults"); !ok {
			// Transcripts leave out the default dependencies on
			// sysinit.target & co. unless they ask for them.
			for _, t := range []string{"service", "socket", "target", "timer", "path"} {
				p := filepath.Join(dir, t+".d", "00-transcript.conf")
				os.MkdirAll(filepath.Dir(p), 0o755)
				os.WriteFile(p, []byte("[Unit]\nDefaultDependencies=no\n"), 0o644)
			}
		}
		ts.reset()
		ts.nextPID = 100
		ts.now = 0
		if keep != "" {
			// active without a job: nothing shows in the transcript
			ts.core.unit(keepTarget).sub = "active"
		}
		return ""
	case "file":
		// file NAME: write the input as /etc/systemd/system/NAME, or
		// remove it when there is none; the core keeps running
		p := filepath.Join(ts.root, "etc/systemd/system", arg(0))
		if d.Input == "" {
			if err := os.Remove(p); err != nil {
				t.Fatal(err)
			}
			return ""
		}
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(d.Input+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		return ""
	case "collect":
		// what the loop does after a call: collect the units it loaded
		ts.print(&b, ts.core.Collect())
	case "hold":
		ts.hold = true
		return ""
	case "spawned":
		// Answer the held spawns: "spawned" starts them all; "spawned
		// fail=203" fails them with that status.
		ts.hold = false
		held, since := ts.held, ts.heldSince
		ts.held, ts.heldSince = nil, nil
		// "spawned exited-first=N": each process exits with status N
		// and is reaped before its spawn is reported (the reaper and the
		// spawn worker race in the loop).
		st, _ := kv("fail")
		early, hasEarly := kv("exited-first")
		// "spawned notified-first=FIELD=VALUE": each process sends that
		// datagram before its spawn is reported (the notify socket and
		// the spawn worker race in the loop); $PID in VALUE is its pid.
		said, hasSaid := kv("notified-first")
		// "untracked": the host cannot tell the unit of a process before
		// its spawn is reported (process-group tracking).
		_, untracked := kv("untracked")
		for i, s := range held {
			if st != "" {
				n, _ := strconv.Atoi(st)
				ts.feed(&b, Spawned{Token: s.Token, Status: n, Err: errors.New("held spawn failed"), Since: since[i]})
				continue
			}
			sp := ts.started(s)
			sp.Since = since[i]
			if hasSaid && sp.PID > 0 {
				f, v, _ := strings.Cut(said, "=")
				v = strings.ReplaceAll(v, "$PID", strconv.Itoa(sp.PID))
				if untracked {
					ts.host.drop(sp.PID)
				}
				ts.feed(&b, Notified{PID: sp.PID, Fields: [][2]string{{f, v}}})
				if untracked {
					ts.host.procs[s.Unit.ID] = append(ts.host.procs[s.Unit.ID], sp.PID)
				}
			}
			if hasEarly && sp.PID > 0 {
				n, _ := strconv.Atoi(early)
				ts.host.drop(sp.PID)
				ts.reaps++
				ts.feed(&b, Exited{PID: sp.PID, Code: CLDExited, Status: n, Seq: ts.reaps})
			}
			ts.feed(&b, sp)
		}
		return b.String()
	case "start", "stop", "restart", "try-restart", "reload", "reload-or-restart", "isolate", "verify-active", "reload-or-start":
		verb := d.Cmd
		mode := graph.Replace
		if m, ok := kv("mode"); ok {
			var err error
			if mode, err = graph.ParseMode(m); err != nil {
				return err.Error()
			}
		}
		if verb == "isolate" {
			verb, mode = "start", graph.Isolate
		}
		if verb == "reload-or-restart" {
			verb = "reload-or-start"
		}
		jt, err := graph.ParseJobType(verb)
		if err != nil {
			return err.Error()
		}
		ts.nextReq++
		// "track=yes": as the private bus asks (JobRequest.Track); its
		// replies show the job's id
		_, track := kv("track")
		if track {
			if ts.tracked == nil {
				ts.tracked = map[uint64]bool{}
			}
			ts.tracked[ts.nextReq] = true
		}
		ts.feed(&b, JobRequest{ID: ts.nextReq, Unit: arg(0), Type: jt, Mode: mode, Track: track})
	case "exit":
		pid := ts.pid(arg(0))
		ev := Exited{PID: pid, Code: CLDExited}
		if s, ok := kv("status"); ok {
			ev.Status, _ = strconv.Atoi(s)
		}
		if s, ok := kv("signal"); ok {
			n, err := unit.ParseSignal(s)
			if err != nil {
				return err.Error()
			}
			ev.Code, ev.Status = CLDKilled, n
		}
		if slices.ContainsFunc(d.CmdArgs, func(a datadriven.CmdArg) bool { return a.Key == "dumped" }) {
			ev.Code = CLDDumped
		}
		ts.host.drop(pid)
		ts.reaps++
		ev.Seq = ts.reaps
		ts.feed(&b, ev)
	case "nextpid":
		// nextpid N: the next process started gets pid N (a pid used
		// again after the kernel's pids wrapped)
		ts.nextPID, _ = strconv.Atoi(arg(0))
		return ""
	case "notify":
		// notify PID|UNIT [uid=N] FIELD=VALUE...: the sender is root
		// unless uid= says otherwise.
		n := Notified{PID: ts.pid(arg(0))}
		for _, a := range d.CmdArgs[1:] {
			if a.Key == "uid" {
				u, _ := strconv.Atoi(strings.Join(a.Vals, ""))
				n.UID = uint32(u)
				continue
			}
			n.Fields = append(n.Fields, [2]string{a.Key, strings.Join(a.Vals, ",")})
		}
		ts.feed(&b, n)
	case "busname":
		// busname NAME owned|unowned|nobus: what the bus says of a name.
		e := BusName{Name: arg(0)}
		switch arg(1) {
		case "owned":
			e.Owned = true
		case "nobus":
			e.NoBus = true
		case "unowned":
		default:
			t.Fatalf("%s: busname: want owned, unowned or nobus, not %q", d.Pos, arg(1))
		}
		ts.feed(&b, e)
	case "tick":
		dur, err := time.ParseDuration(arg(0))
		if err != nil {
			return err.Error()
		}
		// Deadlines fire at their own time, one Tick each.
		end := ts.now + dur
		for {
			at, ok := ts.core.NextDeadline()
			if !ok || at > end {
				break
			}
			ts.now = max(ts.now, at)
			ts.feed(&b, Tick{})
		}
		ts.now = end
	case "fork":
		// fork UNIT PID: a process of the unit the core did not spawn.
		pid, _ := strconv.Atoi(arg(1))
		ts.host.procs[arg(0)] = append(ts.host.procs[arg(0)], pid)
		return ""
	case "pidfile":
		// pidfile PATH PID [not-root]: the file, owned by root unless
		// not-root says otherwise.
		pid, _ := strconv.Atoi(arg(1))
		ts.host.pidfiles[arg(0)] = pid
		ts.host.notRoot[arg(0)] = slices.ContainsFunc(d.CmdArgs, func(a datadriven.CmdArg) bool { return a.Key == "not-root" })
		return ""
	case "zombie":
		// zombie PID: the process exited, but its parent (not the
		// manager) has not reaped it; it stays among its unit's.
		pid, _ := strconv.Atoi(arg(0))
		ts.host.zombies[pid] = true
		return ""
	case "touch":
		ts.host.paths[arg(0)] = true
		return ""
	case "stop-all":
		ts.feed(&b, StopAll{})
	case "reset-failed":
		ts.feed(&b, ResetFailed{Unit: arg(0)})
	case "kill":
		sig, err := unit.ParseSignal(arg(1))
		if err != nil {
			return err.Error()
		}
		whom, _ := kv("whom")
		ts.feed(&b, KillRequest{Unit: arg(0), Signal: syscall.Signal(sig), Whom: whom})
	case "socket-ready":
		ts.feed(&b, SocketReady{Unit: arg(0)})
	case "connection":
		n, _ := strconv.ParseUint(arg(2), 10, 64)
		ts.feed(&b, Connection{Unit: arg(0), Instance: arg(1), Conn: n})
	case "in-set":
		// in-set NAME...: whether the host's loader still holds each unit
		for _, a := range d.CmdArgs {
			fmt.Fprintf(&b, "%s: %v\n", a.Key, ts.host.set.Get(a.Key) != nil)
		}
	case "loaded":
		// the units loaded (not unloaded by garbage collection)
		for _, id := range ts.core.Loaded() {
			if id != keepTarget {
				fmt.Fprintln(&b, id)
			}
		}
	case "state":
		ids := []string{}
		for _, a := range d.CmdArgs {
			ids = append(ids, a.Key)
		}
		if len(ids) == 0 {
			ids = slices.DeleteFunc(ts.core.Loaded(), func(id string) bool { return id == keepTarget })
		}
		for _, id := range ids {
			ts.state(&b, id)
		}
		for _, j := range ts.core.Jobs() {
			fmt.Fprintf(&b, "job %d %s %s %s\n", j.ID, j.Unit, j.Type, j.State)
		}
	default:
		t.Fatalf("%s: unknown command %q", d.Pos, d.Cmd)
	}
	return b.String()
}

// pid resolves a transcript's process: a number, UNIT (its main process)
// or control:UNIT (its control process).
func (ts *transcript) pid(s string) int {
	if n, err := strconv.Atoi(s); err == nil {
		return n
	}
	key := "MainPID"
	if u, ok := strings.CutPrefix(s, "control:"); ok {
		s, key = u, "ControlPID"
	}
	_, _, p := ts.core.Runtime(s)
	n, _ := strconv.Atoi(p[key])
	if n == 0 {
		ts.t.Fatalf("%s has no %s", s, key)
	}
	return n
}

func (ts *transcript) state(b *strings.Builder, id string) {
	active, sub, p := ts.core.Runtime(id)
	fmt.Fprintf(b, "%s: %s/%s result=%s", id, active, sub, p["Result"])
	if u := ts.core.Lookup(id); u != nil && u.Type == "service" {
		fmt.Fprintf(b, " main=%s code=%s status=%s restarts=%s", p["MainPID"], p["ExecMainCode"], p["ExecMainStatus"], p["NRestarts"])
		if p["StatusText"] != "" {
			fmt.Fprintf(b, " status-text=%q", p["StatusText"])
		}
	}
	if p["ConditionResult"] == "no" && ts.core.Timestamps(id)["ConditionTimestamp"] > 0 {
		fmt.Fprintf(b, " condition=no")
	}
	b.WriteString("\n")
}

// started answers a spawn: a path containing "missing" cannot be executed.
func (ts *transcript) started(s Spawn) Spawned {
	if strings.Contains(s.Cmd.Path, "missing") {
		return Spawned{Token: s.Token, Status: 203, Err: fmt.Errorf("%s: no such file or directory", s.Cmd.Path)}
	}
	pid := ts.nextPID
	ts.nextPID++
	ts.host.procs[s.Unit.ID] = append(ts.host.procs[s.Unit.ID], pid)
	return Spawned{Token: s.Token, PID: pid}
}

// feed hands the event to the core and prints what it does; spawns are
// answered at once (unless held), and their outcomes fed in turn.
func (ts *transcript) feed(b *strings.Builder, ev Event) {
	ts.print(b, ts.core.Handle(ts.now, ev))
}

// print prints the actions; spawns are answered (unless held) and what
// the core does with the answers is printed in turn.
func (ts *transcript) print(b *strings.Builder, actions []Action) {
	var queue []Event
	for {
		for _, a := range actions {
			switch a := a.(type) {
			case Spawn:
				argv := strings.Join(a.Cmd.Argv, " ")
				if ts.hold {
					fmt.Fprintf(b, "spawn %s %s: %s (held)\n", a.Unit.ID, a.Kind, argv)
					ts.held = append(ts.held, a)
					ts.heldSince = append(ts.heldSince, ts.reaps)
					continue
				}
				sp := ts.started(a)
				sp.Since = ts.reaps
				extra := ""
				if len(a.Sockets) > 0 {
					extra = " sockets=" + strings.Join(a.Sockets, ",")
				}
				if a.Conn != 0 {
					extra += fmt.Sprintf(" conn=%d", a.Conn)
				}
				if sp.PID > 0 {
					fmt.Fprintf(b, "spawn %s %s: %s -> pid %d%s\n", a.Unit.ID, a.Kind, argv, sp.PID, extra)
				} else {
					fmt.Fprintf(b, "spawn %s %s: %s -> status %d%s\n", a.Unit.ID, a.Kind, argv, sp.Status, extra)
				}
				queue = append(queue, sp)
			case Kill:
				pids := fmt.Sprint(a.PIDs)
				g := ""
				if a.Group {
					g = " +group"
					var rest []int
					for _, p := range ts.host.procs[a.Unit] {
						if !slices.Contains(a.PIDs, p) {
							rest = append(rest, p)
						}
					}
					if len(rest) > 0 {
						g = fmt.Sprintf(" +group%v", rest)
					}
				}
				fmt.Fprintf(b, "kill %s %s %s%s\n", a.Unit, unit.SignalName(int(a.Signal)), pids, g)
			case Reply:
				if a.Err != nil {
					fmt.Fprintf(b, "reply %d: error: %v\n", a.ID, a.Err)
				} else if ts.tracked[a.ID] && a.Queued {
					fmt.Fprintf(b, "reply %d: queued job %d\n", a.ID, a.Job)
				} else if ts.tracked[a.ID] {
					fmt.Fprintf(b, "reply %d: %s (result %s) job %d\n", a.ID, a.JobResult, a.Result, a.Job)
				} else {
					fmt.Fprintf(b, "reply %d: %s (result %s)\n", a.ID, a.JobResult, a.Result)
				}
			case Log:
				fmt.Fprintf(b, "log: %s\n", a.Msg)
			case Listen:
				fmt.Fprintf(b, "listen %s open=%v\n", a.Unit.ID, a.Open)
			case Watch:
				fmt.Fprintf(b, "watch %s on=%v\n", a.Unit, a.On)
			case CloseConn:
				fmt.Fprintf(b, "close-conn %d\n", a.Conn)
			case WatchBusName:
				fmt.Fprintf(b, "watch-bus-name %s\n", a.Name)
			case UnitAction:
				fmt.Fprintf(b, "unit-action %s %s status=%d\n", a.Unit, a.Action, a.ExitStatus)
			case Stopped:
				// cleanup of the loop's; not part of the transcripts
			default:
				fmt.Fprintf(b, "%T %+v\n", a, a)
			}
		}
		if len(queue) == 0 {
			return
		}
		ev := queue[0]
		queue = queue[1:]
		actions = ts.core.Handle(ts.now, ev)
	}
}

// TestWatchShared: a pid watched by two units (MAINPID= from root naming
// another unit's process) reaches both, and unwatching one, the primary
// or a shared one, leaves the other watching.
func TestWatchShared(t *testing.T) {
	c := New(&fakeHost{})
	a, b := &unitRT{id: "a"}, &unitRT{id: "b"}
	watching := func(pid int) []string {
		var ids []string
		if r := c.pids[pid]; r != nil {
			ids = append(ids, r.id)
		}
		for _, r := range c.shared[pid] {
			ids = append(ids, r.id)
		}
		return ids
	}
	c.watch(7, a)
	c.watch(7, b)
	c.watch(7, b)
	if got := watching(7); !slices.Equal(got, []string{"a", "b"}) {
		t.Fatalf("after watch: %v", got)
	}
	c.unwatch(7, a)
	if got := watching(7); !slices.Equal(got, []string{"b"}) || len(c.shared) != 0 {
		t.Fatalf("after unwatching the primary: %v, shared %v", got, c.shared)
	}
	c.watch(7, a)
	c.unwatch(7, a)
	if got := watching(7); !slices.Equal(got, []string{"b"}) || len(c.shared) != 0 {
		t.Fatalf("after unwatching a shared one: %v, shared %v", got, c.shared)
	}
	c.unwatch(7, b)
	if len(c.pids) != 0 || len(c.shared) != 0 {
		t.Fatalf("after unwatching both: %v %v", c.pids, c.shared)
	}
}

// TestKeepOrphanByIdentity: when the oldest of the kept exits goes, a
// later exit of the same pid (the pid used again) stays.
func TestKeepOrphanByIdentity(t *testing.T) {
	c := New(&fakeHost{})
	c.keepOrphan(Exited{PID: 7, Seq: 1})
	c.keepOrphan(Exited{PID: 7, Seq: 2, Status: 3})
	for i := range 1023 { // the 1025th exit evicts the first
		c.keepOrphan(Exited{PID: 1000 + i, Seq: uint64(3 + i)})
	}
	if got := c.orphans[7]; got.Seq != 2 || len(c.orphanAge) != 1024 {
		t.Errorf("pid 7 kept %+v, %d exits kept", got, len(c.orphanAge))
	}
}
