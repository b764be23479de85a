package main

import (
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"syscall"

	"github.com/gosd/gosd/engine"
	"github.com/gosd/gosd/graph"
	"github.com/gosd/gosd/unit"
)

// The private bus's Manager methods that act on units and the manager:
// what Debian's own systemctl (and so Ansible, invoke-rc.d and
// deb-systemd-invoke) asks of PID 1 to start, stop, kill, list and power
// off. A job method answers with the job's object at once; the client
// then waits for the JobRemoved signal with that object.

const busJobPrefix = busManagerPath + "/job/"

// busJobTypes are the job methods and the jobs they queue; the
// reload-or-restart methods queue a reload where the unit can reload
// (manager.reloadOrRestart).
var busJobTypes = map[string]graph.JobType{
	"StartUnit":              graph.Start,
	"StopUnit":               graph.Stop,
	"ReloadUnit":             graph.Reload,
	"RestartUnit":            graph.Restart,
	"TryRestartUnit":         graph.TryRestart,
	"ReloadOrRestartUnit":    graph.ReloadOrStart,
	"ReloadOrTryRestartUnit": graph.TryReload,
}

// busJobCall answers the Manager's job, kill, reset-failed, reload,
// power and list methods (ok false for any other).
func busJobCall(m *busMsg, b busBackend) (typ byte, sig string, body []byte, ok bool) {
	fail := func(name, format string, a ...any) (byte, string, []byte, bool) {
		return busError, name, []byte(fmt.Sprintf(format, a...)), true
	}
	failErr := func(err error) (byte, string, []byte, bool) {
		var ge *graph.Error
		if errors.As(err, &ge) {
			return fail(ge.Code, "%s", ge.Msg)
		}
		return fail("org.freedesktop.DBus.Error.Failed", "%v", err)
	}
	switch m.member {
	case "StartUnit", "StopUnit", "ReloadUnit", "RestartUnit", "TryRestartUnit", "ReloadOrRestartUnit", "ReloadOrTryRestartUnit":
		args, err := m.strings(2)
		if err != nil {
			return fail(busErrInvalidArgs, "%s takes a unit name and a job mode: %v", m.member, err)
		}
		if !unit.IsValidName(args[0]) {
			return fail(busErrInvalidArgs, "Unit name %s is not valid.", args[0])
		}
		mode, err := graph.ParseMode(args[1])
		if err != nil {
			return failErr(err)
		}
		id, err := b.busJob(busJobTypes[m.member], args[0], mode)
		if err != nil {
			return failErr(err)
		}
		return busReturn, "o", busString(nil, busJobPath(id)), true
	case "KillUnit":
		if m.sig != "ssi" {
			return fail(busErrInvalidArgs, "KillUnit takes a unit name, whom and a signal (ssi), not %q", m.sig)
		}
		d := busDecoder{b: m.body, order: m.order}
		name, whom, signo := d.string(), d.string(), int(int32(d.uint32()))
		if d.err != nil {
			return fail(busErrInvalidArgs, "KillUnit: %v", d.err)
		}
		switch whom {
		case "":
			whom = "all"
		case "main", "control", "all":
		default:
			return fail(busErrInvalidArgs, "Invalid who argument %s", whom)
		}
		if signo < 1 || signo >= 65 {
			return fail(busErrInvalidArgs, "Signal number out of range.")
		}
		if !unit.IsValidName(name) || !b.busLoaded(name) {
			return fail(busErrNoSuchUnit, "Unit %s not loaded.", name)
		}
		b.busKill(name, whom, syscall.Signal(signo))
		return busReturn, "", nil, true
	case "ResetFailedUnit":
		args, err := m.strings(1)
		if err != nil {
			return fail(busErrInvalidArgs, "ResetFailedUnit takes a unit name: %v", err)
		}
		if !unit.IsValidName(args[0]) || !b.busLoaded(args[0]) {
			return fail(busErrNoSuchUnit, "Unit %s not loaded.", args[0])
		}
		b.busResetFailed(args[0])
		return busReturn, "", nil, true
	case "ResetFailed":
		b.busResetFailed("")
		return busReturn, "", nil, true
	case "Reload":
		if err := b.busReload(); err != nil {
			return failErr(err)
		}
		return busReturn, "", nil, true
	case "PowerOff", "Reboot", "Halt", "KExec", "Exit":
		// systemctl --force poweroff and systemd-poweroff.service's kin:
		// gosd stops every unit and ends (manager.unitAction)
		b.busShutdown(m.member)
		return busReturn, "", nil, true
	case "SetExitCode":
		if m.sig != "y" || len(m.body) != 1 {
			return fail(busErrInvalidArgs, "SetExitCode takes a byte (y), not %q", m.sig)
		}
		b.busSetExitCode(m.body[0])
		return busReturn, "", nil, true
	case "ListUnits", "ListUnitsFiltered", "ListUnitsByPatterns":
		// systemctl list-units asks ByPatterns, then Filtered where that
		// is unknown
		want := map[string]string{"ListUnits": "", "ListUnitsFiltered": "as", "ListUnitsByPatterns": "asas"}[m.member]
		if m.sig != want {
			return fail(busErrInvalidArgs, "Invalid arguments '%s' to call %s.%s(), expecting '%s'.", m.sig, busManagerIface, m.member, want)
		}
		args, err := busReadArgs(m.body, m.order, want)
		if err != nil {
			return fail(busErrBadMessage, "Bad message")
		}
		var states, patterns []string
		if len(args) > 0 {
			states = args[0].([]string)
		}
		if len(args) > 1 {
			patterns = args[1].([]string)
		}
		var rows []unitRow
		for _, r := range b.busUnits() {
			if len(states) > 0 && !slices.Contains(states, r.load) && !slices.Contains(states, r.active) && !slices.Contains(states, r.sub) {
				continue
			}
			if len(patterns) > 0 && !matchAny(patterns, r.id) {
				continue
			}
			rows = append(rows, r)
		}
		return busReturn, "a(ssssssouso)", busUnitList(rows), true
	case "ListJobs":
		b2 := []byte{0, 0, 0, 0}
		b2 = busPad(b2, 8)
		start := len(b2)
		for _, j := range b.busJobs() {
			b2 = busPad(b2, 8)
			b2 = busValue(b2, j.ID)
			for _, v := range []string{j.Unit, j.Type, j.State, busJobPath(j.ID), busUnitPath(j.Unit)} {
				b2 = busString(b2, v)
			}
		}
		binary.LittleEndian.PutUint32(b2, uint32(len(b2)-start))
		return busReturn, "a(usssoo)", b2, true
	}
	return 0, "", nil, false
}

// busUnitList is ListUnits' a(ssssssouso): name, description, load,
// active and sub state, the unit it follows (none in gosd), its object,
// and its job's id, type and object ("/" when it has none).
func busUnitList(rows []unitRow) []byte {
	b := []byte{0, 0, 0, 0}
	b = busPad(b, 8)
	start := len(b)
	for _, r := range rows {
		b = busPad(b, 8)
		for _, v := range []string{r.id, r.desc, r.load, r.active, r.sub, "", busUnitPath(r.id)} {
			b = busString(b, v)
		}
		job := "/"
		if r.jobID != 0 {
			job = busJobPath(r.jobID)
		}
		b = busValue(b, r.jobID)
		b = busString(b, r.job)
		b = busString(b, job)
	}
	binary.LittleEndian.PutUint32(b, uint32(len(b)-start))
	return b
}

func busJobPath(id uint32) string { return busJobPrefix + strconv.FormatUint(uint64(id), 10) }

// busJobRemoved is the JobRemoved signal's body (uoss): the job's id and
// object, its unit and its result.
func busJobRemoved(id uint32, name, result string) []byte {
	b := busValue(nil, id)
	b = busString(b, busJobPath(id))
	b = busString(b, name)
	return busString(b, result)
}

// busOut is one private-bus connection's outgoing messages. Its own
// goroutine writes them, so that a signal sent from the loop never waits
// for a client; a client that lets 1 MiB pile up loses its connection.
type busOut struct {
	mu      sync.Mutex
	w       busStream
	serial  uint32
	queue   [][]byte
	queued  int
	holds   int // while a method is answered, signals wait for its reply
	pending []busPending
	wake    chan struct{}
	closed  bool
}

// busPending is a signal held back by busOut.hold.
type busPending struct {
	member string
	body   []byte
}

const busOutMax = 1 << 20

func newBusOut(w busStream) *busOut {
	o := &busOut{w: w, wake: make(chan struct{}, 1)}
	go o.run()
	return o
}

// run writes the queued messages until the connection ends.
func (o *busOut) run() {
	for range o.wake {
		o.mu.Lock()
		q := o.queue
		o.queue, o.queued = nil, 0
		closed := o.closed
		o.mu.Unlock()
		for _, msg := range q {
			if _, err := o.w.Write(msg); err != nil {
				o.close()
				return
			}
		}
		if closed {
			return
		}
	}
}

// close ends the connection: the session's read fails and it returns.
func (o *busOut) close() {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.closeLocked()
}

func (o *busOut) closeLocked() {
	if !o.closed {
		o.closed = true
		o.queue = nil
		o.w.Close()
		close(o.wake)
	}
}

// push queues a message built with the connection's next serial. The
// caller holds mu.
func (o *busOut) push(typ byte, fields []busField, sig string, body []byte) {
	if o.closed {
		return
	}
	o.serial++
	msg := busMessage(typ, busNoReply, o.serial, fields, sig, body)
	o.queue = append(o.queue, msg)
	o.queued += len(msg)
	if o.queued > busOutMax {
		o.closeLocked()
		return
	}
	select {
	case o.wake <- struct{}{}:
	default:
	}
}

// reply queues a method's answer.
func (o *busOut) reply(typ byte, fields []busField, sig string, body []byte) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.push(typ, fields, sig, body)
}

// hold makes signals wait until release: a job method's reply must reach
// the client before the job's JobRemoved, which the loop may send first.
func (o *busOut) hold() {
	o.mu.Lock()
	o.holds++
	o.mu.Unlock()
}

func (o *busOut) release() {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.holds--; o.holds > 0 {
		return
	}
	for _, p := range o.pending {
		o.signalLocked(p.member, p.body)
	}
	o.pending = nil
}

// signal sends a Manager signal of signature uoss (JobRemoved).
func (o *busOut) signal(member string, body []byte) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.holds > 0 {
		o.pending = append(o.pending, busPending{member, body})
		return
	}
	o.signalLocked(member, body)
}

func (o *busOut) signalLocked(member string, body []byte) {
	fields := []busField{
		{code: busFieldPath, sig: "o", s: busManagerPath},
		{code: busFieldIface, sig: "s", s: busManagerIface},
		{code: busFieldMember, sig: "s", s: member},
		{code: busFieldSender, sig: "s", s: "org.freedesktop.systemd1"},
	}
	o.push(busSignal, fields, "uoss", body)
}

// busHub is the private bus's connections, to which the manager's signals
// go: systemd sends them to every connection of its private bus, asked or
// not.
type busHub struct {
	mu    sync.Mutex
	conns map[*busOut]struct{}
}

func (h *busHub) add(o *busOut) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.conns == nil {
		h.conns = map[*busOut]struct{}{}
	}
	h.conns[o] = struct{}{}
}

func (h *busHub) remove(o *busOut) {
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.conns, o)
}

// jobRemoved sends JobRemoved to every connection.
func (h *busHub) jobRemoved(id uint32, name, result string) {
	body := busJobRemoved(id, name, result)
	h.mu.Lock()
	defer h.mu.Unlock()
	for o := range h.conns {
		o.signal("JobRemoved", body)
	}
}

// busJob is busBackend's: it queues the job and returns its id once it is
// queued; JobRemoved goes to the bus when it ends.
func (m *manager) busJob(t graph.JobType, name string, mode graph.Mode) (uint32, error) {
	switch t {
	case graph.ReloadOrStart:
		t = m.reloadOrRestart(name, false)
	case graph.TryReload:
		t = m.reloadOrRestart(name, true)
	}
	ch := make(chan engine.Reply, 1)
	answered := false // on the loop's goroutine only
	m.loop.Request(engine.JobRequest{Unit: name, Type: t, Mode: mode, Track: true}, func(r engine.Reply) {
		if !r.Queued && r.Err == nil {
			m.busHub.jobRemoved(r.Job, r.Unit, r.JobResult)
		}
		if !answered {
			answered = true
			ch <- r
		}
	})
	select {
	case r := <-ch:
		return r.Job, r.Err
	case <-m.loop.Done():
		return 0, errors.New("the manager is shutting down")
	}
}

// reloadOrRestart is the job systemd queues for reload-or-restart (try:
// try-reload-or-restart): a reload where the unit can reload, else a
// restart.
func (m *manager) reloadOrRestart(name string, try bool) graph.JobType {
	u, _ := m.lookup(name)
	can := u != nil && graph.CanReload(u)
	switch {
	case try && can:
		return graph.TryReload
	case try:
		return graph.TryRestart
	case can:
		return graph.ReloadOrStart
	}
	return graph.Restart
}

func (m *manager) busKill(name, whom string, sig syscall.Signal) {
	m.loop.Post(engine.KillRequest{Unit: name, Signal: sig, Whom: whom})
	m.loop.Call(func(*engine.Core) {})
}

func (m *manager) busResetFailed(name string) {
	m.loop.Post(engine.ResetFailed{Unit: name})
	m.loop.Call(func(*engine.Core) {})
}

func (m *manager) busReload() error { return m.reload() }

func (m *manager) busShutdown(method string) {
	m.log.Warn().Str("method", method).Msg("shutdown asked on the private bus: stopping every unit and ending")
	go m.shutdown()
}

func (m *manager) busSetExitCode(code byte) { m.exitStatus.Store(int32(code)) }

func (m *manager) busSignals() *busHub { return &m.busHub }

func (m *manager) busUnits() []unitRow { return m.rows() }

func (m *manager) busJobs() (jobs []engine.JobInfo) {
	m.loop.Call(func(c *engine.Core) { jobs = c.Jobs() })
	return jobs
}
