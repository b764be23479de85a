package main

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"path"
	"slices"
	"sort"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/gosd/gosd/engine"
	"github.com/gosd/gosd/graph"
	"github.com/gosd/gosd/install"
	"github.com/gosd/gosd/loader"
	"github.com/gosd/gosd/props"
	"github.com/gosd/gosd/unit"
)

// liveVerbs are the systemctl verbs a running manager answers.
func liveVerbs() map[string]cmdFunc {
	job := func(verb string) cmdFunc { return func(c *cli, a []string) int { return liveJob(c, verb, a) } }
	return map[string]cmdFunc{
		"start":                 job("start"),
		"stop":                  job("stop"),
		"restart":               job("restart"),
		"try-restart":           job("try-restart"),
		"condrestart":           job("try-restart"),
		"reload":                job("reload"),
		"reload-or-restart":     job("reload-or-restart"),
		"try-reload-or-restart": job("try-reload-or-restart"),
		"force-reload":          job("try-reload-or-restart"),
		"isolate":               job("isolate"),
		"verify-active":         job("verify-active"),
		"show":                  cmdShow,
		"status":                liveStatus,
		"is-active":             liveIsActive,
		"is-failed":             liveIsFailed,
		"kill":                  liveKill,
		"reset-failed":          liveResetFailed,
		"list-units":            liveListUnits,
		"list-jobs":             liveListJobs,
		"daemon-reload":         liveDaemonReload,
		"is-system-running":     liveIsSystemRunning,
		"poweroff":              livePoweroff,
		"halt":                  livePoweroff,
		"reboot":                livePoweroff,
		"exit":                  livePoweroff,
	}
}

// systemctlLive runs systemctl inside the manager for a client.
func systemctlLive(argv []string, stdout, stderr io.Writer, m *manager) int {
	c := &cli{stdout: stdout, stderr: stderr, lines: -1, mgr: m}
	pos, err := parseSystemctlArgs(c, argv)
	if err != nil {
		fmt.Fprintf(stderr, "systemctl: %v\n", err)
		return usageError
	}
	verb := "list-units"
	if len(pos) > 0 {
		verb, pos = pos[0], pos[1:]
	}
	f, ok := liveVerbs()[verb]
	if !ok {
		if f, ok = systemctlVerbs()[verb]; !ok {
			fmt.Fprintf(stderr, "Unknown command verb %s.\n", verb)
			return usageError
		}
	}
	return f(c, pos)
}

// jobOf gives the job type and mode of each job verb (start for any other).
func jobOf(verb string) (graph.JobType, graph.Mode) {
	switch verb {
	case "stop":
		return graph.Stop, graph.Replace
	case "restart":
		return graph.Restart, graph.Replace
	case "try-restart":
		return graph.TryRestart, graph.Replace
	case "reload":
		return graph.Reload, graph.Replace
	case "reload-or-restart":
		return graph.ReloadOrStart, graph.Replace
	case "try-reload-or-restart":
		return graph.TryReload, graph.Replace
	case "isolate":
		return graph.Start, graph.Isolate
	case "verify-active":
		return graph.VerifyActive, graph.Replace
	}
	return graph.Start, graph.Replace
}

// verbWord is how systemctl names the operation in its messages.
func verbWord(verb string) string {
	switch verb {
	case "try-restart", "condrestart":
		return "try-restart"
	case "reload-or-restart":
		return "reload-or-restart"
	case "try-reload-or-restart", "force-reload":
		return "try-reload-or-restart"
	case "isolate":
		return "start"
	}
	return verb
}

func liveJob(c *cli, verb string, args []string) int {
	if len(args) == 0 {
		fmt.Fprintln(c.stderr, "Too few arguments.")
		return 1
	}
	jt, mode := jobOf(verb)
	if c.jobMode != "" {
		m, err := graph.ParseMode(c.jobMode)
		if err != nil {
			fmt.Fprintf(c.stderr, "%v\n", err)
			return 1
		}
		mode = m
	}
	if verb == "isolate" && len(args) > 1 {
		fmt.Fprintln(c.stderr, "Too many arguments.")
		return 1
	}
	type answer struct {
		unit string
		r    engine.Reply
	}
	names := make([]string, len(args))
	for i, a := range args {
		if verb == "isolate" {
			if n, ok := c.mangle(a, ".target"); ok {
				a = n
			}
			names[i] = a
			continue
		}
		names[i] = c.unitName(a)
	}
	ch := make(chan answer, len(names))
	for _, n := range names {
		n := n
		t := jt
		if verb == "reload-or-restart" || verb == "try-reload-or-restart" || verb == "force-reload" {
			t = c.mgr.reloadOrRestart(n, verb != "reload-or-restart")
		}
		c.mgr.loop.Request(engine.JobRequest{Unit: n, Type: t, Mode: mode, NoBlock: c.noBlock}, func(r engine.Reply) {
			ch <- answer{n, r}
		})
	}
	got := map[string]engine.Reply{}
	for range names {
		a := <-ch
		got[a.unit] = a.r
	}
	// systemctl warns after each job is queued, before it waits for them.
	for _, n := range names {
		if got[n].Err == nil {
			warnChanged(c, n)
		}
	}
	code := 0
	for _, n := range names {
		r := got[n]
		if r.Err != nil {
			fmt.Fprintf(c.stderr, "Failed to %s %s: %v\n", verbWord(verb), n, r.Err)
			st, seeLogs := 1, true
			var ge *graph.Error
			if errors.As(r.Err, &ge) {
				st, seeLogs = ge.ExitStatus(), ge.SeeLogs()
			}
			if code == 0 {
				code = st
			}
			if seeLogs {
				fmt.Fprintf(c.stderr, "See system logs and 'systemctl status %s' for details.\n", n)
			}
			continue
		}
		if msg := jobFailureMessage(n, r, c.mgr); msg != "" {
			fmt.Fprint(c.stderr, msg)
			if code == 0 {
				code = 1
			}
		}
	}
	if verb == "stop" && !c.quiet {
		for _, n := range names {
			if got[n].Err == nil {
				warnTriggers(c, n)
			}
		}
	}
	return code
}

// warnTriggers prints systemctl's warning after a stop: the unit can still
// be started by the active units that trigger it (sockets, paths, timers).
func warnTriggers(c *cli, name string) {
	var active []string
	c.mgr.loop.Call(func(core *engine.Core) {
		u := core.Lookup(name)
		if u == nil || u.LoadState == "masked" {
			return
		}
		for _, id := range u.Deps.Of(loader.TriggeredBy) {
			if st, _, _ := core.Runtime(id); st == "active" || st == "reloading" {
				active = append(active, id)
			}
		}
	})
	if len(active) > 0 {
		fmt.Fprintf(c.stderr, "Warning: Stopping %s, but it can still be activated by:\n", name)
		for _, id := range active {
			fmt.Fprintf(c.stderr, "  %s\n", id)
		}
	}
}

// jobFailureMessage is what systemctl prints when a job it waited for did
// not succeed.
func jobFailureMessage(unit string, r engine.Reply, m *manager) string {
	switch r.JobResult {
	case "done", "queued", "skipped":
		return ""
	case "canceled":
		return fmt.Sprintf("Job for %s canceled.\n", unit)
	case "timeout":
		return fmt.Sprintf("Job for %s timed out.\n", unit)
	case "dependency":
		return fmt.Sprintf("A dependency job for %s failed. See 'journalctl -xe' for details.\n", unit)
	case "invalid":
		return fmt.Sprintf("%s is not active, cannot reload.\n", unit)
	case "assert":
		return fmt.Sprintf("Assertion failed on job for %s.\n", unit)
	case "unsupported":
		return fmt.Sprintf("Operation on or unit type of %s not supported on this system.\n", unit)
	case "once":
		return fmt.Sprintf("Unit %s was started already once and can't be started again.\n", unit)
	}
	why := ""
	switch r.Result {
	case "protocol":
		why = " because the service did not take the steps required by its unit configuration"
	case "timeout":
		why = " because a timeout was exceeded"
	case "exit-code":
		why = " because the control process exited with error code"
	case "signal":
		why = " because a fatal signal was delivered to the control process"
	case "core-dump":
		why = " because a fatal signal was delivered causing the control process to dump core"
	case "watchdog":
		why = " because the service watchdog did not respond in time"
	case "start-limit-hit":
		why = " because start of the service was attempted too often"
	case "resources":
		why = " because of unavailable resources or another system error"
	case "oom-kill":
		why = " because the control process was killed by the OOM killer"
	}
	msg := fmt.Sprintf("Job for %s failed%s.\nSee \"systemctl status %s\" and \"journalctl -xeu %s\" for details.\n", unit, why, unit, unit)
	if r.Result == "start-limit-hit" {
		msg += fmt.Sprintf("To force a start use \"systemctl reset-failed %s\"\nfollowed by \"systemctl start %s\" again.\n", unit, unit)
	}
	return msg
}

// unitState returns the loaded unit and its run-time state.
func (m *manager) unitState(name string) (u *loader.Unit, active, sub string, rt map[string]string, ts map[string]time.Duration) {
	m.loop.Call(func(core *engine.Core) {
		u = snapshot(core.Lookup(name))
		if u == nil {
			return
		}
		active, sub, rt = core.Runtime(u.ID)
		ts = core.Timestamps(u.ID)
	})
	return
}

// needReload is NeedDaemonReload= of the unit name: its files changed on
// disk since it was loaded (loader's NeedReload).
func (m *manager) needReload(name string) (need bool) {
	m.loop.Call(func(core *engine.Core) {
		if u := core.Lookup(name); u != nil {
			need = m.set.NeedReload(u)
		}
	})
	return need
}

// warnChanged prints systemctl's warning for a unit whose files changed
// on disk since it was loaded (after a job request and in status).
func warnChanged(c *cli, name string) {
	if c.mgr.needReload(name) {
		fmt.Fprintf(c.stderr, "Warning: The unit file, source configuration file or drop-ins of %s changed on disk. Run 'systemctl daemon-reload' to reload units.\n", name)
	}
}

// liveProps is show's state for a unit of the running manager.
func (c *cli) liveProps(u *loader.Unit, in *install.Installer, presets *install.Presets) *props.State {
	st, _ := c.liveState(u, in, presets)
	return st
}

// liveState is liveProps with the unit's timestamps as the engine keeps
// them (since the manager's start).
func (c *cli) liveState(u *loader.Unit, in *install.Installer, presets *install.Presets) (*props.State, map[string]time.Duration) {
	st := c.unitState(in, presets, u)
	_, active, sub, rt, ts := c.mgr.unitState(u.ID)
	st.ActiveState, st.SubState = active, sub
	st.NeedDaemonReload = c.mgr.needReload(u.ID)
	st.Runtime = rt
	if st.Runtime == nil {
		st.Runtime = map[string]string{}
	}
	for k, d := range ts {
		if d == 0 {
			continue
		}
		st.Runtime[k] = formatTimestamp(c.mgr.wall(d))
		st.Runtime[k+"Monotonic"] = fmt.Sprint(c.mgr.monotonic(d).Microseconds())
	}
	return st, ts
}

func formatTimestamp(t time.Time) string { return t.Format("Mon 2006-01-02 15:04:05 MST") }

func liveIsActive(c *cli, args []string) int {
	return liveStateCheck(c, args, 3, "active", "reloading")
}

func liveIsFailed(c *cli, args []string) int { return liveStateCheck(c, args, 1, "failed") }

// liveStateCheck prints each unit's ActiveState (unless -q) and exits 0 if
// any of them is in one of states, otherwise with miss.
func liveStateCheck(c *cli, args []string, miss int, states ...string) int {
	if len(args) == 0 {
		fmt.Fprintln(c.stderr, "Too few arguments.")
		return 1
	}
	code := miss
	for _, a := range args {
		_, active, _, _, _ := c.mgr.unitState(c.unitName(a))
		if active == "" {
			active = "inactive"
		}
		if slices.Contains(states, active) {
			code = 0
		}
		if !c.quiet {
			fmt.Fprintln(c.stdout, active)
		}
	}
	return code
}

func liveKill(c *cli, args []string) int {
	if len(args) == 0 {
		fmt.Fprintln(c.stderr, "Too few arguments.")
		return 1
	}
	sig := syscall.SIGTERM
	if c.signal != "" {
		n, err := unit.ParseSignal(c.signal)
		if err != nil {
			fmt.Fprintf(c.stderr, "Invalid signal name: %s\n", c.signal)
			return 1
		}
		sig = syscall.Signal(n)
	}
	whom := c.killWhom
	switch whom {
	case "", "all":
		whom = "all"
	case "main", "control":
	default:
		fmt.Fprintf(c.stderr, "Invalid kill-whom value: %s\n", whom)
		return 1
	}
	for _, a := range args {
		n := c.unitName(a)
		u, _, _, _, _ := c.mgr.unitState(n)
		if u == nil || u.LoadState == "not-found" {
			fmt.Fprintf(c.stderr, "Failed to kill unit %s: Unit %s not loaded.\n", n, n)
			return 1
		}
		c.mgr.loop.Post(engine.KillRequest{Unit: u.ID, Signal: sig, Whom: whom})
	}
	return 0
}

func liveResetFailed(c *cli, args []string) int {
	if len(args) == 0 {
		c.mgr.loop.Post(engine.ResetFailed{})
	}
	for _, a := range args {
		c.mgr.loop.Post(engine.ResetFailed{Unit: c.unitName(a)})
	}
	// Let the loop handle it before answering, so that what the client
	// does next sees the result.
	c.mgr.loop.Call(func(*engine.Core) {})
	return 0
}

type unitRow struct {
	id, load, active, sub, desc string
	job                         string // the pending job's type, "" for none
	jobID                       uint32
}

func (m *manager) rows() []unitRow {
	var rows []unitRow
	m.loop.Call(func(core *engine.Core) {
		jobs := map[string]engine.JobInfo{}
		for _, j := range core.Jobs() {
			jobs[j.Unit] = j
		}
		for _, id := range core.Loaded() {
			u := core.Lookup(id)
			active, sub, _ := core.Runtime(id)
			desc := u.Unit.Description
			if desc == "" {
				desc = id
			}
			j := jobs[id]
			rows = append(rows, unitRow{id, u.LoadState, active, sub, desc, j.Type, j.ID})
		}
	})
	return rows
}

func liveListUnits(c *cli, args []string) int {
	var rows []unitRow
	for _, r := range c.mgr.rows() {
		if showUnitRow(c, args, r) {
			rows = append(rows, r)
		}
	}
	writeUnitList(c, rows)
	return 0
}

// showUnitRow is systemctl list-units' filter: patterns and types always;
// --state= always (the manager filters by it); without --all and
// --state=, inactive units without a pending job are left out.
func showUnitRow(c *cli, patterns []string, r unitRow) bool {
	if len(patterns) > 0 && !matchAny(patterns, r.id) {
		return false
	}
	if len(c.types) > 0 && !slices.Contains(c.types, strings.TrimPrefix(typeOf(r.id), ".")) {
		return false
	}
	if len(c.states) > 0 {
		return slices.Contains(c.states, r.active) || slices.Contains(c.states, r.sub) || slices.Contains(c.states, r.load)
	}
	return c.all || r.job != "" || r.active != "inactive"
}

// writeUnitList prints rows as systemctl 252's list-units does (the
// cases of TestWriteUnitList were printed by it): sorted by type, then
// name; a JOB column when a unit has a job; a bullet before failed and
// not properly loaded units unless --plain; the legend unless
// --no-legend, shortened when nothing is listed or --state= was given.
func writeUnitList(c *cli, rows []unitRow) {
	// sort.Slice, not slices.SortFunc: a struct type's sorting code would
	// be ~13 KB more of PID 1's binary, resident whole.
	sort.Slice(rows, func(i, j int) bool {
		a, b := &rows[i], &rows[j]
		if r := cmp.Compare(strings.ToLower(typeOf(a.id)), strings.ToLower(typeOf(b.id))); r != 0 {
			return r < 0
		}
		return strings.ToLower(a.id) < strings.ToLower(b.id)
	})
	jobs := slices.ContainsFunc(rows, func(r unitRow) bool { return r.job != "" })
	lead := "  "
	if c.plain {
		lead = ""
	}
	tw := tabwriter.NewWriter(c.stdout, 0, 0, 1, ' ', 0)
	if !c.noLegend {
		if jobs {
			fmt.Fprintln(tw, lead+"UNIT\tLOAD\tACTIVE\tSUB\tJOB\tDESCRIPTION")
		} else {
			fmt.Fprintln(tw, lead+"UNIT\tLOAD\tACTIVE\tSUB\tDESCRIPTION")
		}
	}
	for _, r := range rows {
		mark := lead
		if !c.plain && (r.active == "failed" || r.load != "loaded") {
			mark = "● "
		}
		if jobs {
			fmt.Fprintf(tw, "%s%s\t%s\t%s\t%s\t%s\t%s\n", mark, r.id, r.load, r.active, r.sub, r.job, r.desc)
		} else {
			fmt.Fprintf(tw, "%s%s\t%s\t%s\t%s\t%s\n", mark, r.id, r.load, r.active, r.sub, r.desc)
		}
	}
	tw.Flush()
	if c.noLegend {
		return
	}
	if len(rows) > 0 {
		fmt.Fprintln(c.stdout)
		fmt.Fprintln(c.stdout, "LOAD   = Reflects whether the unit definition was properly loaded.")
		fmt.Fprintln(c.stdout, "ACTIVE = The high-level unit activation state, i.e. generalization of SUB.")
		fmt.Fprintln(c.stdout, "SUB    = The low-level unit activation state, values depend on unit type.")
		if jobs {
			fmt.Fprintln(c.stdout, "JOB    = Pending job for the unit.")
			fmt.Fprintln(c.stdout)
		}
	}
	switch {
	case c.all || slices.Contains(c.states, "inactive"):
		fmt.Fprintf(c.stdout, "%d loaded units listed.\n", len(rows))
		fmt.Fprintln(c.stdout, "To show all installed unit files use 'systemctl list-unit-files'.")
	case len(c.states) == 0:
		fmt.Fprintf(c.stdout, "%d loaded units listed. Pass --all to see loaded but inactive units, too.\n", len(rows))
		fmt.Fprintln(c.stdout, "To show all installed unit files use 'systemctl list-unit-files'.")
	default:
		fmt.Fprintf(c.stdout, "%d loaded units listed.\n", len(rows))
	}
}

func typeOf(id string) string {
	if i := strings.LastIndexByte(id, '.'); i >= 0 {
		return id[i:]
	}
	return ""
}

func matchAny(patterns []string, id string) bool {
	for _, p := range patterns {
		if ok, _ := path.Match(p, id); ok {
			return true
		}
	}
	return false
}

func liveListJobs(c *cli, args []string) int {
	var jobs []engine.JobInfo
	c.mgr.loop.Call(func(core *engine.Core) { jobs = core.Jobs() })
	if len(jobs) == 0 {
		if !c.noLegend {
			fmt.Fprintln(c.stdout, "No jobs running.")
		}
		return 0
	}
	tw := tabwriter.NewWriter(c.stdout, 0, 0, 1, ' ', 0)
	if !c.noLegend {
		fmt.Fprintln(tw, "JOB\tUNIT\tTYPE\tSTATE")
	}
	for _, j := range jobs {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\n", j.ID, j.Unit, j.Type, j.State)
	}
	tw.Flush()
	if !c.noLegend {
		fmt.Fprintf(c.stdout, "\n%d jobs listed.\n", len(jobs))
	}
	return 0
}

func liveDaemonReload(c *cli, args []string) int {
	if err := c.mgr.reload(); err != nil {
		fmt.Fprintf(c.stderr, "Failed to reload daemon: %v\n", err)
		return 1
	}
	return 0
}

func liveIsSystemRunning(c *cli, args []string) int {
	state := c.mgr.systemState(c.mgr.rows())
	if !c.quiet {
		fmt.Fprintln(c.stdout, state)
	}
	if state == "running" {
		return 0
	}
	return 1
}

// systemState is SystemState: stopping once the manager goes away,
// degraded when one of rows failed, starting while jobs run, else
// running.
func (m *manager) systemState(rows []unitRow) string {
	if m.stopping() {
		return "stopping"
	}
	for _, r := range rows {
		if r.active == "failed" {
			return "degraded"
		}
	}
	busy := false
	m.loop.Call(func(core *engine.Core) { busy = core.Busy() })
	if busy {
		return "starting"
	}
	return "running"
}

func livePoweroff(c *cli, args []string) int {
	go c.mgr.shutdown()
	return 0
}

// liveStatus prints systemctl status for each unit.
func liveStatus(c *cli, args []string) int {
	if len(args) == 0 {
		fmt.Fprintln(c.stderr, "gosd: status without a unit is not supported; name a unit.")
		return 1
	}
	code := 0
	in := install.New("", io.Discard)
	presets, _ := in.ReadPresets()
	for i, a := range args {
		n := c.unitName(a)
		u, active, sub, rt, ts := c.mgr.unitState(n)
		if i > 0 {
			fmt.Fprintln(c.stdout)
		}
		if u == nil || u.LoadState == "not-found" {
			fmt.Fprintf(c.stderr, "Unit %s could not be found.\n", n)
			code = 4
			continue
		}
		bullet := "●"
		switch active {
		case "inactive":
			bullet = "○"
		case "failed":
			bullet = "×"
		}
		title := u.ID
		if u.Unit.Description != "" {
			title += " - " + u.Unit.Description
		}
		fmt.Fprintf(c.stdout, "%s %s\n", bullet, title)
		state, preset := in.ShowState(u.ID, u.FragmentPath, presets)
		loaded := u.LoadState
		if u.FragmentPath != "" {
			extra := u.FragmentPath
			if state != "" {
				extra += "; " + state
				if preset != "" {
					extra += "; vendor preset: " + preset
				}
			}
			loaded += " (" + extra + ")"
		}
		fmt.Fprintf(c.stdout, "     Loaded: %s\n", loaded)
		warnChanged(c, u.ID) // on stderr
		if len(u.DropInPaths) > 0 {
			byDir := map[string][]string{}
			var dirs []string
			for _, p := range u.DropInPaths {
				d, f := splitPath(p)
				if _, ok := byDir[d]; !ok {
					dirs = append(dirs, d)
				}
				byDir[d] = append(byDir[d], f)
			}
			for i, d := range dirs {
				lead := "    Drop-In: "
				if i > 0 {
					lead = "             "
				}
				fmt.Fprintf(c.stdout, "%s%s\n             └─%s\n", lead, d, strings.Join(byDir[d], ", "))
			}
		}
		line := fmt.Sprintf("%s (%s)", active, sub)
		if active == "failed" && rt["Result"] != "" {
			line = fmt.Sprintf("failed (Result: %s)", rt["Result"])
		}
		key := "ActiveEnterTimestamp"
		switch active {
		case "inactive", "failed":
			key = "InactiveEnterTimestamp"
		case "activating":
			key = "InactiveExitTimestamp"
		case "deactivating":
			key = "ActiveExitTimestamp"
		}
		if d := ts[key]; d > 0 {
			at := c.mgr.wall(d)
			line += fmt.Sprintf(" since %s; %s ago", formatTimestamp(at), ago(time.Since(at)))
		}
		fmt.Fprintf(c.stdout, "     Active: %s\n", line)
		if pid := rt["MainPID"]; pid != "" && pid != "0" {
			fmt.Fprintf(c.stdout, "   Main PID: %s\n", pid)
		} else if rt["ExecMainPID"] != "" && rt["ExecMainPID"] != "0" && rt["ExecMainCode"] != "0" {
			fmt.Fprintf(c.stdout, "   Main PID: %s (code=%s, status=%s)\n", rt["ExecMainPID"], codeWord(rt["ExecMainCode"]), rt["ExecMainStatus"])
		}
		if s := rt["StatusText"]; s != "" {
			fmt.Fprintf(c.stdout, "     Status: \"%s\"\n", s)
		}
		nl := 10
		if c.lines >= 0 {
			nl = c.lines
		}
		if lines := c.mgr.tail(u.ID, nl); len(lines) > 0 {
			fmt.Fprintln(c.stdout)
			for _, l := range lines {
				fmt.Fprintln(c.stdout, l)
			}
		}
		switch active {
		case "active", "reloading":
		case "failed", "inactive", "activating", "deactivating":
			if code == 0 {
				code = 3
			}
		}
	}
	return code
}

func codeWord(code string) string {
	switch code {
	case "1":
		return "exited"
	case "2":
		return "killed"
	case "3":
		return "dumped"
	}
	return code
}

func splitPath(p string) (dir, file string) {
	i := strings.LastIndexByte(p, '/')
	return p[:i], p[i+1:]
}

func ago(d time.Duration) string {
	switch {
	case d < time.Second:
		return fmt.Sprintf("%dms", d.Milliseconds())
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dmin %ds", int(d.Minutes()), int(d.Seconds())%60)
	}
	return fmt.Sprintf("%dh %dmin", int(d.Hours()), int(d.Minutes())%60)
}
