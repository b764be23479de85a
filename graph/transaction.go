package graph

import (
	"fmt"
	"slices"

	"github.com/gosd/gosd/loader"
	"github.com/gosd/gosd/unit"
)

// State is what Build needs to know of the manager; the engine implements
// it. Every method is called with unit IDs.
type State interface {
	// Unit returns the loaded unit with that ID, or nil when no such unit
	// is known or loadable.
	Unit(id string) *loader.Unit
	// ActiveState is "active", "reloading", "inactive", "failed",
	// "activating", "deactivating" or "maintenance".
	ActiveState(id string) string
	// Job returns the type of the job installed on the unit now, if any
	// (not counting a nop job).
	Job(id string) (JobType, bool)
	// Units returns the IDs of every unit the manager has loaded, in any
	// order: isolate stops those that are active, isolate and flush
	// cancel the jobs installed on them.
	Units() []string
}

// IrreversibleJobs is implemented by a State that knows which installed
// jobs were queued with mode replace-irreversibly. Build refuses to
// replace such a job in any mode. A State without the method has none.
type IrreversibleJobs interface {
	JobIrreversible(id string) bool
}

// Job is one job of a transaction, to be installed on its unit.
type Job struct {
	Unit string
	// Type is already collapsed against the unit's state: try-restart of
	// an inactive unit is Nop, reload-or-start is Reload or Start.
	Type JobType
	// Anchor marks the job the request asked for.
	Anchor       bool
	Irreversible bool
	// IgnoreOrder is set with mode ignore-dependencies: the job runs
	// without waiting for the jobs of units it is ordered after.
	IgnoreOrder bool
	// Required is true when failure of this job must fail the anchor
	// (systemd's "matters to anchor"); false for jobs only pulled in by
	// Wants= and the like.
	Required bool
}

// String is "unit/type", as systemd writes a job in its log.
func (j *Job) String() string { return j.Unit + "/" + j.Type.String() }

// Transaction is the set of jobs a request installs.
type Transaction struct {
	Anchor *Job
	// Jobs holds every job to install, the anchor included, sorted by Unit.
	Jobs []*Job
	// Cancel lists, sorted, the units whose installed jobs the engine
	// must cancel before installing Jobs: with isolate and flush, those
	// of every unit that has no job in Jobs and is not IgnoreOnIsolate=.
	Cancel []string
	// Log holds the messages systemd logs at notice level and above
	// while it builds the transaction, in order, each as its journal
	// shows it: "a.service: Found ordering cycle on b.service/start",
	// "a.service: Job b.service/start deleted to break ordering cycle
	// starting with a.service/start", "b.service: Cannot add dependency
	// job, ignoring: Unit b.service has a bad unit file setting.",
	// "Requested transaction contains an unfixable cyclic ordering
	// dependency: ...". Debug-level messages (a wanted unit that is not
	// found or masked, jobs dropped as redundant) are left out, as
	// systemd's log leaves them out by default.
	Log []string
}

// Job returns the transaction's job on the unit with that ID, or nil.
func (t *Transaction) Job(unit string) *Job {
	i, ok := slices.BinarySearchFunc(t.Jobs, unit, func(j *Job, u string) int {
		switch {
		case j.Unit < u:
			return -1
		case j.Unit > u:
			return 1
		}
		return 0
	})
	if !ok {
		return nil
	}
	return t.Jobs[i]
}

// Request is one job request.
type Request struct {
	Unit string
	Type JobType
	Mode Mode
	// Internal marks a request the manager makes itself (an OnFailure=
	// unit, a socket or timer starting its service, a restart after
	// Restart=): RefuseManualStart= and RefuseManualStop= do not apply to
	// it, nor does a stop of a unit that failed to load fail.
	Internal bool
}

// Build computes the transaction for a client's request (unit, t, mode)
// as systemd 252 does: it follows the dependencies systemd follows for
// each job type, merges jobs on the same unit (systemd's job type merge
// table), breaks ordering cycles by deleting a job that does not matter to
// the anchor, drops jobs that are not needed, and in Fail mode refuses to
// replace installed conflicting jobs. Every refusal is an *Error. A
// requisite (verify-active) of a unit that is not active fails when the
// engine runs the job, not here.
func Build(st State, unit string, t JobType, mode Mode) (*Transaction, error) {
	return BuildRequest(st, Request{Unit: unit, Type: t, Mode: mode})
}

// BuildRequest is Build for any request, internal ones included.
func BuildRequest(st State, r Request) (*Transaction, error) {
	if r.Mode >= RestartDependencies {
		return nil, invalidModeError(r.Mode.String())
	}
	u := st.Unit(r.Unit)
	if u == nil {
		u = stubUnit(r.Unit)
	}
	id := u.ID
	state := st.ActiveState(id)
	if !r.Internal {
		if err := refuseManual(u, r.Type, state); err != nil {
			return nil, err
		}
	}
	switch {
	case r.Mode == Isolate && r.Type != Start:
		return nil, &Error{Code: ErrInvalidArgs, Msg: "Isolate is only valid for start."}
	case r.Mode == Isolate && !u.Unit.AllowIsolate:
		return nil, &Error{Code: ErrNoIsolation, Msg: "Operation refused, unit may not be isolated."}
	case r.Mode == Triggering && r.Type != Stop:
		return nil, &Error{Code: ErrInvalidArgs, Msg: "--job-mode=triggering is only valid for stop."}
	}
	tr := &txn{
		st:           st,
		jobs:         map[string]*job{},
		units:        map[string]*loader.Unit{},
		installed:    map[string]*job{},
		irreversible: r.Mode == ReplaceIrreversibly,
	}
	ignoreReq := r.Mode == IgnoreDependencies || r.Mode == IgnoreRequirements
	if err := tr.add(Collapse(r.Type, state), u, nil, true, false, ignoreReq, r.Mode == IgnoreDependencies); err != nil {
		err.Log = tr.log
		return nil, err
	}
	switch r.Mode {
	case Isolate:
		tr.addIsolateJobs()
	case Triggering:
		tr.addTriggeringJobs(u)
	}
	if err := tr.activate(r.Mode); err != nil {
		err.Log = tr.log
		return nil, err
	}
	return tr.result(r.Mode), nil
}

// refuseManual is the check systemd's D-Bus API makes before it queues a
// client's job: stopping a unit that failed to load and is inactive, and
// RefuseManualStart=/RefuseManualStop=.
func refuseManual(u *loader.Unit, t JobType, state string) error {
	if t == Stop && state == StateInactive {
		switch u.LoadState {
		case loader.StateNotFound, loader.StateError, loader.StateBadSetting:
			return notLoadedError(u.ID)
		}
	}
	start, stop := u.Unit.RefuseManualStart, u.Unit.RefuseManualStop
	if (t == Start && start) || (t == Stop && stop) ||
		((t == Restart || t == TryRestart) && (start || stop)) ||
		(t == ReloadOrStart && start && Collapse(t, state) == Start) {
		return &Error{Code: ErrOnlyByDependency, Msg: "Operation refused, unit " + u.ID + " may be requested by dependency only (it is configured to refuse manual start/stop)."}
	}
	return nil
}

func notLoadedError(id string) *Error {
	return &Error{Code: ErrNoSuchUnit, Msg: "Unit " + id + " not loaded."}
}

// job is a job while the transaction is built. A unit may have several
// until they are merged; jobs[unit] is the newest, next the one before.
type job struct {
	unit         string
	u            *loader.Unit
	typ          JobType
	matters      bool
	irreversible bool
	ignoreOrder  bool
	// installed marks the stand-in for a job already installed on a unit
	// that has none in the transaction: ordering cycles may pass through it.
	installed bool
	deleted   bool

	subjects []*link // the jobs this one pulled in
	objects  []*link // the jobs that pulled this one in
	next     *job

	generation int
	marker     *job
}

// link records that subject pulled in object.
type link struct {
	subject, object *job
	matters         bool // object's failure fails subject
	conflicts       bool // object is a stop pulled in by Conflicts=
}

type txn struct {
	st           State
	jobs         map[string]*job
	units        map[string]*loader.Unit
	installed    map[string]*job
	anchor       *job
	irreversible bool
	generation   int
	log          []string
}

func (tr *txn) logf(unit, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if unit != "" {
		msg = unit + ": " + msg
	}
	tr.log = append(tr.log, msg)
}

// unit returns the unit with that ID, a not-found stand-in if State does
// not know it.
func (tr *txn) unit(id string) *loader.Unit {
	u, ok := tr.units[id]
	if !ok {
		if u = tr.st.Unit(id); u == nil {
			u = stubUnit(id)
		}
		tr.units[id] = u
	}
	return u
}

func (tr *txn) activeState(id string) string { return tr.st.ActiveState(id) }

// installedJob returns the stand-in for the job installed on the unit, or
// nil.
func (tr *txn) installedJob(id string) *job {
	if j, ok := tr.installed[id]; ok {
		return j
	}
	var j *job
	if t, ok := tr.st.Job(id); ok {
		j = &job{unit: id, u: tr.unit(id), typ: t, installed: true}
	}
	tr.installed[id] = j
	return j
}

func (tr *txn) installedIrreversible(id string) bool {
	ij, ok := tr.st.(IrreversibleJobs)
	return ok && ij.JobIrreversible(id)
}

// addOne returns the unit's job of type t in the transaction, adding one
// if there is none.
func (tr *txn) addOne(t JobType, u *loader.Unit) (*job, bool) {
	head := tr.jobs[u.ID]
	for j := head; j != nil; j = j.next {
		if j.typ == t {
			return j, false
		}
	}
	j := &job{unit: u.ID, u: u, typ: t, irreversible: tr.irreversible, next: head}
	tr.jobs[u.ID] = j
	return j, true
}

// Dependency kinds whose units each job type pulls in, by what it pulls.
var (
	pullStart        = []loader.Dep{loader.Requires, loader.BindsTo}
	pullStartIgnored = []loader.Dep{loader.Wants, loader.Upholds}
	pullVerify       = []loader.Dep{loader.Requisite}
	pullStop         = []loader.Dep{loader.Conflicts}
	pullStopIgnored  = []loader.Dep{loader.ConflictedBy}
	propagateStop    = []loader.Dep{loader.RequiredBy, loader.RequisiteOf, loader.BoundBy, loader.ConsistsOf, loader.PropagatesStopTo}
	propagateRestart = []loader.Dep{loader.RequiredBy, loader.RequisiteOf, loader.BoundBy, loader.ConsistsOf}
	propagateReload  = []loader.Dep{loader.PropagatesReloadTo}
)

// depUnits calls f for every unit u has a dependency of the given kinds
// on, kind by kind, each kind's units by ID. It stops at f's first error.
func (tr *txn) depUnits(u *loader.Unit, kinds []loader.Dep, f func(id string) *Error) *Error {
	for _, k := range kinds {
		for _, id := range u.Deps.Of(k) {
			if err := f(id); err != nil {
				return err
			}
		}
	}
	return nil
}

// addDep adds a job of type t on the unit with that ID for by.
func (tr *txn) addDep(t JobType, id string, by *job, matters, conflicts, ignoreOrder bool) *Error {
	return tr.add(t, tr.unit(id), by, matters, conflicts, false, ignoreOrder)
}

// stubUnit stands for a unit State does not know, as systemd's manager
// makes a not-found unit for any name it is asked about.
func stubUnit(id string) *loader.Unit {
	return &loader.Unit{ID: id, Type: unit.NameType(id), Names: []string{id}, LoadState: loader.StateNotFound, LoadError: notFoundError(id)}
}

// add adds a job of type t on u, pulled in by by (nil for the anchor), and
// the jobs it pulls in (transaction_add_job_and_dependencies). A failure
// to add a required dependency fails the whole request; the jobs added
// before it stay, as in systemd, which matters when the request itself
// only wanted this job.
func (tr *txn) add(t JobType, u *loader.Unit, by *job, matters, conflicts, ignoreReq, ignoreOrder bool) *Error {
	if t != Stop {
		if err := loadStateError(u); err != nil {
			return err
		}
	}
	if !Applicable(u, t) {
		return &Error{Code: ErrJobTypeNotApplicable, Msg: fmt.Sprintf("Job type %s is not applicable for unit %s.", t, u.ID)}
	}
	j, isNew := tr.addOne(t, u)
	j.ignoreOrder = j.ignoreOrder || ignoreOrder
	if by != nil {
		l := &link{subject: by, object: j, matters: matters, conflicts: conflicts}
		by.subjects = append(by.subjects, l)
		j.objects = append(j.objects, l)
	} else {
		tr.anchor = j
	}
	if !isNew || ignoreReq || t == Nop {
		return nil
	}
	// A required dependency that the unit's type cannot take the job
	// is skipped; any other failure fails the request.
	required := func(err *Error) *Error {
		if err != nil && err.Code != ErrJobTypeNotApplicable {
			return err
		}
		return nil
	}
	if t == Start || t == Restart {
		err := tr.depUnits(u, pullStart, func(id string) *Error {
			return required(tr.addDep(Start, id, j, true, false, ignoreOrder))
		})
		if err != nil {
			return err
		}
		tr.depUnits(u, pullStartIgnored, func(id string) *Error {
			if err := tr.addDep(Start, id, j, false, false, ignoreOrder); err != nil {
				// systemd logs a wanted unit that is masked, not
				// found or cannot be started at debug level only.
				switch err.Code {
				case ErrUnitMasked, ErrNoSuchUnit, ErrJobTypeNotApplicable:
				default:
					tr.logf(id, "Cannot add dependency job, ignoring: %s", err.Msg)
				}
			}
			return nil
		})
		err = tr.depUnits(u, pullVerify, func(id string) *Error {
			return required(tr.addDep(VerifyActive, id, j, true, false, ignoreOrder))
		})
		if err != nil {
			return err
		}
		err = tr.depUnits(u, pullStop, func(id string) *Error {
			return required(tr.addDep(Stop, id, j, true, true, ignoreOrder))
		})
		if err != nil {
			return err
		}
		tr.depUnits(u, pullStopIgnored, func(id string) *Error {
			if err := tr.addDep(Stop, id, j, false, false, ignoreOrder); err != nil {
				tr.logf(id, "Cannot add dependency job, ignoring: %s", err.Msg)
			}
			return nil
		})
	}
	if t == Stop || t == Restart {
		// A stop propagates as a stop; a restart only as a try-restart,
		// so that units that are not running are not started.
		kinds, pt := propagateStop, Stop
		if t == Restart {
			kinds, pt = propagateRestart, TryRestart
		}
		err := tr.depUnits(u, kinds, func(id string) *Error {
			nt := Collapse(pt, tr.activeState(id))
			if nt == Nop {
				return nil
			}
			return required(tr.addDep(nt, id, j, true, false, ignoreOrder))
		})
		if err != nil {
			return err
		}
	}
	if t == Reload {
		tr.depUnits(u, propagateReload, func(id string) *Error {
			nt := Collapse(TryReload, tr.activeState(id))
			if nt == Nop {
				return nil
			}
			if err := tr.addDep(nt, id, j, false, false, ignoreOrder); err != nil {
				tr.logf(id, "Cannot add dependency reload job, ignoring: %s", err.Msg)
			}
			return nil
		})
	}
	return nil
}

// Applicable reports whether a job of type t may be queued on u at all:
// start, verify-active and nop on any unit; stop on any unit systemd
// never stops (Perpetual) excepted; restart on units that can both start
// and stop; reload on units that can reload (CanReload).
func Applicable(u *loader.Unit, t JobType) bool {
	switch t {
	case Start, VerifyActive, Nop:
		return true
	case Stop:
		return !u.Perpetual()
	case Restart, TryRestart:
		return canStart(u) && canStop(u)
	case Reload, TryReload:
		return CanReload(u)
	case ReloadOrStart:
		return CanReload(u) && canStart(u)
	}
	return false
}

// canStart reports whether the manager can start u itself: devices only
// appear, and a unit that did not load cannot start.
func canStart(u *loader.Unit) bool {
	return u.LoadState == loader.StateLoaded && u.Type != "device"
}

func canStop(u *loader.Unit) bool { return !u.Perpetual() && u.Type != "device" }

// CanReload reports whether u supports reload: a service with ExecReload=,
// a mount unit with a unit file, and a unit of another type that
// propagates reloads to others (PropagatesReloadTo=). Client requests to
// reload-or-restart become ReloadOrStart when it does, Restart otherwise.
func CanReload(u *loader.Unit) bool {
	switch u.Type {
	case "service":
		return u.Service != nil && len(u.Service.ExecReload) > 0
	case "mount":
		return u.FragmentPath != ""
	}
	return len(u.Deps.Of(loader.PropagatesReloadTo)) > 0
}

// addIsolateJobs adds a stop job, pulled in by the anchor, on every unit
// that is active (or has a job) and not in the transaction, unless it has
// IgnoreOnIsolate=.
func (tr *txn) addIsolateJobs() {
	ids := slices.Clone(tr.st.Units())
	slices.Sort(ids)
	ids = slices.Compact(ids)
	for _, id := range ids {
		u := tr.unit(id)
		if u.ID != id {
			continue // an alias
		}
		if inactiveOrFailed(tr.activeState(id)) && tr.installedJob(id) == nil {
			continue
		}
		if u.Unit.IgnoreOnIsolate || tr.jobs[id] != nil {
			continue
		}
		if err := tr.add(Stop, u, tr.anchor, true, false, false, false); err != nil {
			tr.logf(id, "Cannot add isolate job, ignoring: %s", err.Msg)
		}
	}
}

// addTriggeringJobs adds a stop job on every unit that triggers u and is
// active (or has a job), for mode triggering.
func (tr *txn) addTriggeringJobs(u *loader.Unit) {
	for _, id := range u.Deps.Of(loader.TriggeredBy) {
		o := tr.unit(id)
		if inactiveOrFailed(tr.activeState(id)) && tr.installedJob(id) == nil {
			continue
		}
		if tr.jobs[id] != nil {
			continue
		}
		if err := tr.add(Stop, o, tr.anchor, true, false, false, false); err != nil {
			tr.logf(id, "Cannot add triggered by job, ignoring: %s", err.Msg)
		}
	}
}

// anchorFirst returns the IDs of the units with jobs: the anchor's first,
// then the others sorted. Where systemd reports the first unit of its job
// hash table that fails a check, gosd reports the anchor's if it fails.
func (tr *txn) anchorFirst() []string {
	ids := tr.sortedUnits()
	if i := slices.Index(ids, tr.anchor.unit); i > 0 {
		copy(ids[1:i+1], ids[:i])
		ids[0] = tr.anchor.unit
	}
	return ids
}

// sortedUnits returns the IDs of the units with jobs, sorted.
func (tr *txn) sortedUnits() []string {
	ids := make([]string, 0, len(tr.jobs))
	for id := range tr.jobs {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// deleteJob removes j from the transaction. With deps it also deletes,
// recursively, every job that required j.
func (tr *txn) deleteJob(j *job, deps bool) {
	if j.deleted {
		return
	}
	j.deleted = true
	// Unlink from the unit's list.
	if head := tr.jobs[j.unit]; head == j {
		if j.next != nil {
			tr.jobs[j.unit] = j.next
		} else {
			delete(tr.jobs, j.unit)
		}
	} else {
		for p := head; p != nil; p = p.next {
			if p.next == j {
				p.next = j.next
				break
			}
		}
	}
	j.next = nil
	for _, l := range j.subjects {
		l.object.objects = removeLink(l.object.objects, l)
	}
	j.subjects = nil
	for len(j.objects) > 0 {
		l := j.objects[0]
		j.objects = j.objects[1:]
		l.subject.subjects = removeLink(l.subject.subjects, l)
		if deps && l.matters {
			tr.deleteJob(l.subject, deps)
		}
	}
}

func removeLink(ls []*link, l *link) []*link {
	if i := slices.Index(ls, l); i >= 0 {
		return slices.Delete(ls, i, i+1)
	}
	return ls
}

// deleteUnit deletes every job of the unit, and the jobs that require them.
func (tr *txn) deleteUnit(id string) {
	for tr.jobs[id] != nil {
		tr.deleteJob(tr.jobs[id], true)
	}
}

// activate turns the jobs added into the transaction to install
// (transaction_activate, without the installing).
func (tr *txn) activate(mode Mode) *Error {
	tr.findMatters(tr.anchor)
	if mode == Fail {
		tr.minimizeImpact()
	}
	tr.dropRedundant()
	for {
		if mode != Isolate {
			tr.collectGarbage()
		}
		again, err := tr.verifyOrder()
		if err != nil {
			tr.logf("", "Requested transaction contains an unfixable cyclic ordering dependency: %s", err.Msg)
			return err
		}
		if !again {
			break
		}
	}
	for {
		again, err := tr.mergeJobs()
		if err != nil {
			tr.logf("", "Requested transaction contains unmergeable jobs: %s", err.Msg)
			return err
		}
		if !again {
			break
		}
		if mode != Isolate {
			tr.collectGarbage()
		}
	}
	tr.dropRedundant()
	if err := tr.destructive(mode); err != nil {
		tr.logf("", "Requested transaction contradicts existing jobs: %s", err.Msg)
		return err
	}
	return nil
}

// findMatters marks the jobs the anchor requires, directly or not.
func (tr *txn) findMatters(j *job) {
	j.matters = true
	for _, l := range j.subjects {
		if l.matters && !l.object.matters {
			tr.findMatters(l.object)
		}
	}
}

// unitMatters reports whether any job of the unit matters to the anchor.
func (tr *txn) unitMatters(id string) bool {
	for j := tr.jobs[id]; j != nil; j = j.next {
		if j.matters {
			return true
		}
	}
	return false
}

// minimizeImpact (mode fail) deletes the jobs that do not matter to the
// anchor but would stop a running unit or replace an installed job.
//
// systemd rescans its job table from the start after each deletion; gosd
// goes on scanning and repeats until nothing changes. A deletion never
// makes another job keepable, so both end with the same jobs.
func (tr *txn) minimizeImpact() {
	for changed := true; changed; {
		changed = false
		for _, id := range tr.sortedUnits() {
			for j := tr.jobs[id]; j != nil; j = j.next {
				if j.matters {
					continue
				}
				stops := j.typ == Stop && activeOrActivating(tr.activeState(id))
				changes := false
				if ij := tr.installedJob(id); ij != nil {
					changes = Conflicting(j.typ, ij.typ)
				}
				if stops || changes {
					tr.deleteJob(j, true)
					changed = true
					break // the unit's list changed; look at it again next pass
				}
			}
		}
	}
}

// dropRedundant deletes the jobs of every unit whose jobs would all do
// nothing, unless one is the anchor or would replace an installed job.
func (tr *txn) dropRedundant() {
	for _, id := range tr.sortedUnits() {
		state := tr.activeState(id)
		ij := tr.installedJob(id)
		keep := false
		for k := tr.jobs[id]; k != nil; k = k.next {
			if k == tr.anchor || !Redundant(k.typ, state) || (ij != nil && Conflicting(k.typ, ij.typ)) {
				keep = true
				break
			}
		}
		for !keep && tr.jobs[id] != nil {
			tr.deleteJob(tr.jobs[id], false)
		}
	}
}

// collectGarbage deletes the jobs nothing pulls in any more (looking, as
// systemd does, at each unit's newest job), until there are none left.
func (tr *txn) collectGarbage() {
	for changed := true; changed; {
		changed = false
		for _, id := range tr.sortedUnits() {
			j := tr.jobs[id]
			if j == nil || j == tr.anchor || len(j.objects) > 0 {
				continue
			}
			tr.deleteJob(j, true)
			changed = true
		}
	}
}

// mergeJobs merges the jobs of each unit into one. When two cannot be
// merged it deletes one that does not matter to the anchor and reports
// again; when both matter it fails.
func (tr *txn) mergeJobs() (again bool, err *Error) {
	for _, id := range tr.anchorFirst() {
		j := tr.jobs[id]
		state := tr.activeState(id)
		t := j.typ
		for k := j.next; k != nil; k = k.next {
			if m, ok := mergeAndCollapse(t, k.typ, state); ok {
				t = m
				continue
			}
			if tr.deleteOneUnmergeable(j) {
				return true, nil
			}
			return false, &Error{Code: ErrJobsConflicting, Msg: fmt.Sprintf(
				"Transaction contains conflicting jobs '%s' and '%s' for %s. Probably contradicting requirement dependencies configured.",
				t, k.typ, id)}
		}
	}
	for _, id := range tr.sortedUnits() {
		j := tr.jobs[id]
		state := tr.activeState(id)
		t := j.typ
		for k := j.next; k != nil; k = k.next {
			t, _ = mergeAndCollapse(t, k.typ, state)
		}
		for j.next != nil {
			k := j.next
			if k == tr.anchor {
				tr.mergeInto(k, j, t)
				j = k
			} else {
				tr.mergeInto(j, k, t)
			}
		}
		j.typ = t
	}
	return false, nil
}

// mergeInto makes j the unit's one job, of type t, taking over other's
// links, and deletes other.
func (tr *txn) mergeInto(j, other *job, t JobType) {
	j.typ = t
	j.irreversible = j.irreversible || other.irreversible
	j.matters = j.matters || other.matters
	for _, l := range other.subjects {
		l.subject = j
		j.subjects = append(j.subjects, l)
	}
	for _, l := range other.objects {
		l.object = j
		j.objects = append(j.objects, l)
	}
	other.subjects, other.objects = nil, nil
	tr.deleteJob(other, true)
}

// deleteOneUnmergeable deletes one of two jobs of the unit that cannot be
// merged, preferring one that does not matter to the anchor and, among
// two that do not, the stop, unless the stop comes from a Conflicts=.
func (tr *txn) deleteOneUnmergeable(head *job) bool {
	for j := head; j != nil; j = j.next {
		for k := j.next; k != nil; k = k.next {
			if !Conflicting(j.typ, k.typ) {
				continue
			}
			var d *job
			switch {
			case !j.matters && !k.matters:
				switch {
				case j.typ == Stop && conflictedBy(j):
					d = k
				case j.typ == Stop:
					d = j
				case k.typ == Stop && conflictedBy(k):
					d = j
				case k.typ == Stop:
					d = k
				default:
					d = j
				}
			case !j.matters:
				d = j
			case !k.matters:
				d = k
			default:
				return false
			}
			tr.deleteJob(d, true)
			return true
		}
	}
	return false
}

// conflictedBy reports whether j was pulled in by a Conflicts=.
func conflictedBy(j *job) bool {
	for _, l := range j.objects {
		if l.conflicts {
			return true
		}
	}
	return false
}

// destructive refuses a transaction that would replace an installed job
// it conflicts with, in mode fail or when that job is irreversible.
func (tr *txn) destructive(mode Mode) *Error {
	for _, id := range tr.anchorFirst() {
		j := tr.jobs[id]
		ij := tr.installedJob(id)
		if ij == nil || !Conflicting(ij.typ, j.typ) {
			continue
		}
		if mode == Fail || tr.installedIrreversible(id) {
			return &Error{Code: ErrTransactionDestructive, Msg: fmt.Sprintf(
				"Transaction for %s/%s is destructive (%s has '%s' job queued, but '%s' is included in transaction).",
				tr.anchor.unit, tr.anchor.typ, id, ij.typ, j.typ)}
		}
	}
	return nil
}

// result turns the merged jobs into the Transaction.
func (tr *txn) result(mode Mode) *Transaction {
	out := &Transaction{Log: tr.log}
	for _, id := range tr.sortedUnits() {
		j := tr.jobs[id]
		pj := &Job{Unit: id, Type: j.typ, Anchor: j == tr.anchor, Irreversible: j.irreversible, IgnoreOrder: j.ignoreOrder, Required: j.matters}
		if pj.Anchor {
			out.Anchor = pj
		}
		out.Jobs = append(out.Jobs, pj)
	}
	if mode == Isolate || mode == Flush {
		ids := slices.Clone(tr.st.Units())
		slices.Sort(ids)
		for _, id := range slices.Compact(ids) {
			if tr.jobs[id] != nil || tr.installedJob(id) == nil {
				continue
			}
			if tr.unit(id).Unit.IgnoreOnIsolate {
				continue
			}
			out.Cancel = append(out.Cancel, id)
		}
	}
	return out
}
