// Package track knows which processes belong to which unit, so that the
// engine can signal all of them when the unit stops, forked daemons
// included.
//
// With a writable cgroup v2 hierarchy each unit gets a cgroup of its own
// below the manager's (no controllers are enabled), and the kernel keeps
// the membership. Otherwise the tracker works from /proc: a process
// belongs to a unit when it is a process the unit was given (Adopt), a
// descendant of one, in a session or process group one of them led, or,
// for orphans, carries the unit's INVOCATION_ID in its environment. It
// records sessions and groups when it sees them, so that a daemon which
// double-forked and called setsid() is still found after the middle
// process is gone. Its limits: a process that left the unit's sessions,
// was orphaned and cleared its environment before the tracker first saw
// its ancestry is lost; and a session or group ID is forgotten once no
// process carries it, so a recycled pid can only be mistaken for the unit
// between two scans.
package track

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// Modes of a Tracker.
const (
	ModeCgroup       = "cgroup2"
	ModeProcessGroup = "process-groups"
)

// Options configure a Tracker.
type Options struct {
	// Root is where /proc and /sys are ("/" normally).
	Root string
	// Slice is the directory below the manager's own cgroup that holds
	// the units' cgroups; "gosd.slice" by default. (systemd uses
	// system.slice; gosd's own name keeps it apart from a systemd that
	// shares the hierarchy, as in nsboot.)
	Slice string
	// ProcessGroups forces the fallback mode.
	ProcessGroups bool
}

// Tracker tracks the processes of units. Its methods are safe for
// concurrent use.
type Tracker struct {
	root              string
	proc              string
	mode              string
	base              string // cgroup mode: the host directory holding the units' cgroups
	baseSlash         string // base + "/", the start of each unit's cgroup path
	baseFd            int    // cgroup mode: base, open (O_PATH), when baseOpen
	baseOpen          bool
	mount             string // cgroup mode: where the cgroup2 hierarchy is mounted (host path)
	reason            string // why the fallback is used
	self              int
	selfSid, selfPgid int

	mu    sync.Mutex
	units map[string]*unitProcs
	// pending holds the cgroups to remove, with the number of retries so
	// far (notTried before the first attempt); fresh those released since
	// the remover last looked, in order; removing those whose rmdir is
	// under way, without mu held (a Prepare of one waits on removed); kick
	// wakes the remover goroutine (nil before the first Release).
	pending  map[string]int
	fresh    []string
	removing map[string]bool
	removed  sync.Cond
	kick     chan struct{}
	// beforeRemove, when set (by tests), runs before each rmdir
	beforeRemove func(path string)
	// envCache holds the INVOCATION_ID of processes read so far, by pid
	// and start time.
	envCache map[procKey]string
	// batch counts the Batch calls not yet ended; while it is above 0,
	// the process-group mode's scans share snap, one reading of /proc.
	batch int
	snap  *snapshot
	// sent holds the Signal calls made within the batch, for its end.
	sent  []*sentSignal
	reads int // readings of /proc so far (for tests)
}

// snapshot is one reading of /proc: the live processes, by pid, and the
// sessions and process groups they carry.
type snapshot struct {
	procs             []procStat
	byPid             map[int]procStat
	liveSid, livePgid map[int]bool
}

// newSnapshot indexes a reading of /proc (each pid once).
func newSnapshot(procs []procStat) *snapshot {
	sn := &snapshot{procs: procs, byPid: make(map[int]procStat, len(procs)),
		liveSid: map[int]bool{}, livePgid: map[int]bool{}}
	for _, p := range procs {
		sn.byPid[p.pid] = p
		sn.liveSid[p.sid], sn.livePgid[p.pgid] = true, true
	}
	return sn
}

// put adds p to the reading, or replaces what it held of p.pid.
func (sn *snapshot) put(p procStat) {
	if _, ok := sn.byPid[p.pid]; ok {
		i := slices.IndexFunc(sn.procs, func(q procStat) bool { return q.pid == p.pid })
		sn.procs[i] = p
	} else {
		sn.procs = append(sn.procs, p)
	}
	sn.byPid[p.pid] = p
	sn.liveSid[p.sid], sn.livePgid[p.pgid] = true, true
}

type procKey struct {
	pid   int
	start uint64
}

// sentSignal is a Signal made within a batch in the process-groups mode.
type sentSignal struct {
	sig  syscall.Signal
	skip map[int]bool // the pids it signalled or was told to spare
	// reached holds the unit's processes it saw, and their sessions and
	// groups: what a process new at the batch's end must be a member of
	reached *unitProcs
}

// unitProcs is what the fallback mode knows of one unit.
type unitProcs struct {
	known       map[int]uint64 // pid -> start time, adopted or found
	sids, pgids map[int]bool
	invocations map[string]bool
	// since is the start time of the process last adopted (spawned):
	// Claim takes an orphan started since then.
	since uint64
}

// New returns a tracker for the manager running with the given root,
// using a cgroup v2 sub-tree when one can be made.
func New(root string) (*Tracker, error) { return NewWithOptions(Options{Root: root}) }

// NewWithOptions is New with options.
func NewWithOptions(o Options) (*Tracker, error) {
	if o.Root == "" {
		o.Root = "/"
	}
	if o.Slice == "" {
		o.Slice = "gosd.slice"
	}
	t := &Tracker{root: o.Root, proc: filepath.Join(o.Root, "proc"), self: os.Getpid(),
		units: map[string]*unitProcs{}, envCache: map[procKey]string{},
		pending: map[string]int{}, removing: map[string]bool{}}
	t.removed.L = &t.mu
	t.selfSid, _ = getsid(0)
	t.selfPgid = syscall.Getpgrp()
	if _, err := os.Stat(filepath.Join(t.proc, "self/stat")); err != nil {
		return nil, fmt.Errorf("track: no /proc: %w", err)
	}
	if o.ProcessGroups {
		t.mode, t.reason = ModeProcessGroup, "asked for"
		return t, nil
	}
	mount, own, err := OwnCgroup(o.Root)
	base := filepath.Join(own, o.Slice)
	if err == nil {
		err = os.MkdirAll(base, 0o755)
	}
	if err != nil {
		t.mode, t.reason = ModeProcessGroup, err.Error()
		return t, nil
	}
	t.mode, t.base, t.baseSlash, t.mount = ModeCgroup, base, base+"/", mount
	if fd, err := unix.Open(base, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0); err == nil {
		t.baseFd, t.baseOpen = fd, true
	}
	return t, nil
}

// Close ends the remover goroutine, its retries too, and lets go of the
// descriptor of the units' cgroup directory (once no removal in flight
// uses it). The removals still pending are left to Flush (a Release
// after Close starts the remover again).
func (t *Tracker) Close() {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.kick != nil {
		close(t.kick)
		t.kick = nil
	}
	for len(t.removing) > 0 {
		t.removed.Wait()
	}
	if t.baseOpen {
		unix.Close(t.baseFd)
		t.baseOpen = false
	}
}

// at names path p as a directory descriptor and a path relative to it:
// the units' cgroups are reached from the descriptor of their base
// directory, which spares the kernel the walk down every component above
// it (with mkdir and open, a third of the manager's system time in a boot
// of 1000 services).
func (t *Tracker) at(p string) (int, string) {
	if t != nil && t.baseOpen {
		if rel, ok := strings.CutPrefix(p, t.baseSlash); ok && rel != "" {
			return t.baseFd, rel
		}
	}
	return unix.AT_FDCWD, p
}

// mkdirCgroup creates the cgroup at p; one that exists already is fine.
func (t *Tracker) mkdirCgroup(p string) error {
	dir, rel := t.at(p)
	if err := unix.Mkdirat(dir, rel, 0o755); err != nil && err != unix.EEXIST {
		return &os.PathError{Op: "mkdir", Path: p, Err: err}
	}
	return nil
}

// Batch makes the calls until end share one reading of /proc in the
// process-group mode, where each look at a unit's processes otherwise
// reads every /proc/PID/stat: the manager brackets the handling of one
// event with it, so that stopping 1000 units reads /proc once, not 1000
// times (13 s before this for a shutdown of 1000 services). A process
// adopted meanwhile (Adopt, from a spawn worker) is added to the reading.
// Children a signalled process forks within the batch are not in the
// reading, so Signal makes one pass: when Signal was called, end reads
// /proc once more and sends each signal to the processes new since the
// batch's reading that descend from, or share a session or group with,
// one it reached (not to the manager's own children: a unit's next
// process, spawned meanwhile, has a session of its own). Later children
// are found by the looks that follow their parents' exits. In the cgroup
// mode it does nothing.
func (t *Tracker) Batch() (end func()) {
	if t.mode == ModeCgroup {
		return noBatch
	}
	t.mu.Lock()
	t.batch++
	t.mu.Unlock()
	return func() {
		t.mu.Lock()
		t.endBatch()
		t.mu.Unlock()
	}
}

func noBatch() {}

// endBatch ends one Batch (t.mu held); the last drops the reading and
// sends the batch's signals to the children forked since (see Batch).
func (t *Tracker) endBatch() {
	if t.batch--; t.batch > 0 {
		return
	}
	old := t.snap // not nil when a signal was kept (noteSignal)
	t.snap = nil
	if len(t.sent) == 0 {
		return
	}
	for _, l := range t.lateSignals(old, t.snapshot()) {
		syscall.Kill(l.pid, l.sig)
	}
	t.sent = nil
}

// lateSignal is a signal endBatch sends.
type lateSignal struct {
	pid int
	sig syscall.Signal
}

// lateSignals says which of the processes in fresh, a reading made at a
// batch's end, get which of the batch's signals (t.sent): those new since
// old, the batch's reading, that are members of what a signal reached.
func (t *Tracker) lateSignals(old, fresh *snapshot) []lateSignal {
	var born []procStat // the processes the batch's looks did not see
	for _, p := range fresh.procs {
		if o, ok := old.byPid[p.pid]; !ok || o.start != p.start {
			born = append(born, p)
		}
	}
	if len(born) == 0 {
		return nil
	}
	var out []lateSignal
	for _, s := range t.sent {
		memo := map[int]bool{}
		for _, p := range born {
			if !s.skip[p.pid] && t.member(s.reached, p, fresh.byPid, memo, 0) {
				s.skip[p.pid] = true
				out = append(out, lateSignal{p.pid, s.sig})
			}
		}
	}
	return out
}

// Mode says how processes are tracked: "cgroup2" or "process-groups".
func (t *Tracker) Mode() string { return t.mode }

// Reason says why the tracker is in process-groups mode ("" otherwise).
func (t *Tracker) Reason() string { return t.reason }

// CgroupPath returns the host directory of a unit's cgroup, "" in the
// process-groups mode.
func (t *Tracker) CgroupPath(unitID string) string {
	if t.mode != ModeCgroup {
		return ""
	}
	name := cgroupName(unitID)
	if name == "" || name == "." || name == ".." || t.base == "/" {
		return filepath.Join(t.base, name)
	}
	// what Join gives (base is clean, name one component), without its
	// Clean: this runs a few times for each unit's start and stop
	return t.baseSlash + name
}

// cgroupName makes a unit name safe as a directory name.
func cgroupName(unitID string) string {
	return strings.ReplaceAll(unitID, "/", "\\x2f")
}

// OwnCgroup finds the calling process's cgroup in the cgroup v2
// hierarchy, from its "0::" line in root's /proc/self/cgroup and the
// cgroup2 mount in /proc/self/mountinfo that holds it: it returns the
// mount point and the cgroup's directory, both below root. It fails if
// the process is in no cgroup v2 hierarchy, that hierarchy is not
// mounted where the process sees it, or the mount is read-only.
//
// cgroup v2 forbids processes in a cgroup that enables controllers for
// its children (the root apart), so the caller's own cgroup enables none
// and a directory made below it may hold processes: the tracker makes
// its units' cgroups there (Options.Slice) without moving the manager.
func OwnCgroup(root string) (mount, dir string, err error) {
	b, err := os.ReadFile(filepath.Join(root, "proc/self/cgroup"))
	if err != nil {
		return "", "", err
	}
	own := ""
	for _, l := range strings.Split(string(b), "\n") {
		if p, ok := strings.CutPrefix(l, "0::"); ok {
			own = p
		}
	}
	if own == "" {
		return "", "", errors.New("no cgroup v2 membership in /proc/self/cgroup")
	}
	if strings.HasSuffix(own, " (deleted)") {
		return "", "", fmt.Errorf("the process's cgroup %s was deleted", strings.TrimSuffix(own, " (deleted)"))
	}
	mi, err := os.ReadFile(filepath.Join(root, "proc/self/mountinfo"))
	if err != nil {
		return "", "", err
	}
	for _, l := range strings.Split(string(mi), "\n") {
		// ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [OPTIONAL...] - TYPE SOURCE SUPER-OPTIONS
		pre, post, ok := strings.Cut(l, " - ")
		f := strings.Fields(pre)
		if !ok || len(f) < 6 || !strings.HasPrefix(post, "cgroup2 ") {
			continue
		}
		mroot, mpoint := unescapeMount(f[3]), unescapeMount(f[4])
		rel, ok := strings.CutPrefix(own, strings.TrimSuffix(mroot, "/"))
		if !ok || rel != "" && !strings.HasPrefix(rel, "/") {
			continue // a mount of another part of the hierarchy
		}
		if slices.Contains(strings.Split(f[5], ","), "ro") {
			return "", "", fmt.Errorf("the cgroup2 hierarchy at %s is mounted read-only", mpoint)
		}
		mount = filepath.Join(root, mpoint)
		return mount, filepath.Join(mount, rel), nil
	}
	return "", "", errors.New("no cgroup2 hierarchy mounted that holds the process's cgroup " + own)
}

// unescapeMount undoes the octal escapes (\040 for a space) of a path in
// /proc/self/mountinfo.
func unescapeMount(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+4 <= len(s) {
			if n, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// Prepare readies the unit's cgroup and returns its directory, for
// spawn.Request.Cgroup (the caller closes it after starting the
// process). It returns nil in the process-groups mode.
func (t *Tracker) Prepare(unitID string) (*os.File, error) {
	if t.mode != ModeCgroup {
		return nil, nil
	}
	p := t.CgroupPath(unitID)
	t.mu.Lock()
	for t.removing[p] {
		t.removed.Wait() // then made anew below
	}
	delete(t.pending, p) // in use again: not removed
	t.mu.Unlock()
	// mkdir first: a unit's first start finds no cgroup, and a restart
	// pays only the EEXIST.
	if err := t.mkdirCgroup(p); err != nil {
		return nil, fmt.Errorf("%s: creating its cgroup: %w", unitID, err)
	}
	dir, rel := t.at(p)
	fd, err := unix.Openat(dir, rel, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("%s: opening its cgroup: %w", unitID, &os.PathError{Op: "open", Path: p, Err: err})
	}
	return os.NewFile(uintptr(fd), p), nil
}

// Adopt records pid as a process of the unit: in the cgroup mode it
// moves it into the unit's cgroup (for a process started without one, or
// a main pid read from a PID file), in the process-groups mode it makes
// it a root of the unit's process tree, and the processes that carry
// invocation (INVOCATION_ID=; "" for none given: then the one in pid's
// environment, if any) in their environment its own.
func (t *Tracker) Adopt(unitID string, pid int, invocation string) {
	if t.mode == ModeCgroup {
		p := t.CgroupPath(unitID)
		if t.inCgroup(pid, p) {
			return
		}
		t.mkdirCgroup(p)
		t.writeFile(filepath.Join(p, "cgroup.procs"), strconv.Itoa(pid))
		return
	}
	st, err := t.stat(pid)
	t.mu.Lock()
	defer t.mu.Unlock()
	if err == nil && !st.zombie && t.snap != nil {
		// A batch's reading may predate the process, or its setsid.
		t.snap.put(st)
	}
	u := t.unit(unitID)
	if invocation != "" {
		u.invocations[invocation] = true
	}
	if err != nil {
		// Gone already (a double-forking parent exits at once, and may
		// be reaped before this runs): what it left is found by its
		// session and process group, both its pid (spawn calls setsid),
		// and by the invocation.
		u.sids[pid], u.pgids[pid] = true, true
		return
	}
	u.known[pid] = st.start
	u.since = max(u.since, st.start)
	t.noteGroups(u, st)
	if invocation != "" {
		// What the process was started with: its environment is read
		// only without it (a child that has not yet executed its command
		// still shows the manager's).
		return
	}
	if inv := t.invocation(st); inv != "" {
		u.invocations[inv] = true
	}
}

// inCgroup reports whether pid is in the cgroup at host path p or below.
func (t *Tracker) inCgroup(pid int, p string) bool {
	want := strings.TrimPrefix(p, t.mount)
	rel, ok := t.cgroupOf(pid)
	return ok && (rel == want || strings.HasPrefix(rel, want+"/"))
}

// procPath is the path of file in pid's /proc directory: what
// filepath.Join gives (t.proc is clean, file one component), without its
// Clean.
func (t *Tracker) procPath(pid int, file string) string {
	return t.proc + "/" + strconv.Itoa(pid) + "/" + file
}

// cgroupOf is pid's cgroup v2 path, relative to the hierarchy's mount.
func (t *Tracker) cgroupOf(pid int) (string, bool) {
	b, err := t.readFile(t.procPath(pid, "cgroup"))
	if err != nil {
		return "", false
	}
	for _, l := range strings.Split(string(b), "\n") {
		if rel, ok := strings.CutPrefix(l, "0::"); ok {
			return rel, true
		}
	}
	return "", false
}

// UnitOf names the unit pid belongs to, "" when none: in the cgroup mode
// from the process's cgroup (one read), otherwise from the units' tracked
// processes.
func (t *Tracker) UnitOf(pid int) string {
	if t.mode == ModeCgroup {
		rel, ok := t.cgroupOf(pid)
		if !ok {
			return ""
		}
		rest, ok := strings.CutPrefix(rel, strings.TrimPrefix(t.base, t.mount)+"/")
		if !ok {
			return ""
		}
		name, _, _ := strings.Cut(rest, "/")
		return strings.ReplaceAll(name, "\\x2f", "/")
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	_, owner, _ := t.ownerOf(pid)
	return owner
}

// ownerOf reads pid and names the first unit, by ID, it is a member of;
// ok is false when pid is gone or a zombie (t.mu held).
func (t *Tracker) ownerOf(pid int) (p procStat, owner string, ok bool) {
	byPid := t.lineage(pid)
	if p, ok = byPid[pid]; !ok {
		return p, "", false
	}
	return p, t.owner(p, byPid), true
}

// lineage is pid and its ancestors, from the batch's reading of /proc or
// read for the purpose (t.mu held). Only those are read: a reading of all
// of /proc for each lookup (each datagram from a pid not known yet) cost
// ~1 s of CPU in a 300-unit notify boot.
func (t *Tracker) lineage(pid int) map[int]procStat {
	if t.snap != nil {
		if _, ok := t.snap.byPid[pid]; ok {
			return t.snap.byPid
		}
		// started since the batch's reading
	}
	byPid := map[int]procStat{}
	for q, depth := pid, 0; q > 1 && q != t.self && depth < 64; depth++ {
		st, err := t.stat(q)
		if err != nil || st.zombie {
			break
		}
		byPid[q] = st
		q = st.ppid
	}
	return byPid
}

// owner names the first unit, by ID, that p is a member of (t.mu held).
func (t *Tracker) owner(p procStat, byPid map[int]procStat) string {
	ids := make([]string, 0, len(t.units))
	for id := range t.units {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	memo := map[int]bool{}
	for _, id := range ids {
		clear(memo)
		if t.member(t.units[id], p, byPid, memo, 0) {
			return id
		}
	}
	return ""
}

// Claim reports whether pid may be taken as unitID's process (a main pid
// named by a PID file or MAINPID=): in the cgroup mode when it is in the
// unit's cgroup; in the process-groups mode when it is a member of the
// unit's processes, or an orphan the manager inherited (its parent is the
// manager) that no unit's processes hold and that started since the
// unit's last spawn, which is then recorded as the unit's. The orphan is
// how a daemon that forks through a new session with a cleaned
// environment looks once its starter exited (pg_ctlcluster's postgres,
// whose PID file postgres owns: systemd takes it as in the unit's cgroup).
func (t *Tracker) Claim(unitID string, pid int) bool {
	if t.mode == ModeCgroup {
		return t.UnitOf(pid) == unitID
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	p, owner, ok := t.ownerOf(pid)
	if !ok || owner != "" {
		return owner == unitID
	}
	u := t.units[unitID]
	if u == nil || u.since == 0 || p.ppid != t.self || p.start < u.since {
		return false
	}
	u.known[p.pid] = p.start
	t.noteGroups(u, p)
	return true
}

func (t *Tracker) unit(id string) *unitProcs {
	u := t.units[id]
	if u == nil {
		u = newUnitProcs()
		t.units[id] = u
	}
	return u
}

func newUnitProcs() *unitProcs {
	return &unitProcs{known: map[int]uint64{}, sids: map[int]bool{}, pgids: map[int]bool{}, invocations: map[string]bool{}}
}

func (u *unitProcs) isKnown(p procStat) bool {
	s, ok := u.known[p.pid]
	return ok && s == p.start
}

// noteGroups records a member's session and process group, unless they
// are the manager's own.
func (t *Tracker) noteGroups(u *unitProcs, st procStat) {
	if st.sid > 1 && st.sid != t.selfSid {
		u.sids[st.sid] = true
	}
	if st.pgid > 1 && st.pgid != t.selfPgid {
		u.pgids[st.pgid] = true
	}
}

// Pids returns every live process of the unit.
func (t *Tracker) Pids(unitID string) []int {
	if t.mode == ModeCgroup {
		return t.cgroupPids(t.CgroupPath(unitID), true)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.scan(unitID)
}

// cgroupPids lists the processes of a cgroup and its descendants; with
// live, zombies (listed until their parent reaps them) are left out.
// An empty cgroup costs one read (cgroup.events), a populated one two
// reads and a stat (without sub-cgroups): this runs for every unit at every stop.
func (t *Tracker) cgroupPids(p string, live bool) []int {
	if !t.cgroupPopulated(p) {
		return nil
	}
	var pids []int
	t.cgroupProcs(p, live, &pids)
	slices.Sort(pids)
	return pids
}

func (t *Tracker) cgroupProcs(p string, live bool, pids *[]int) {
	if b, err := t.readFile(p + "/cgroup.procs"); err == nil {
		for _, f := range strings.Fields(string(b)) {
			pid, err := strconv.Atoi(f)
			if err != nil || pid <= 0 {
				// 0: a task that has exited and been reaped, not yet
				// unlinked from the cgroup (it has no pid to show).
				continue
			}
			if live {
				if st, err := t.stat(pid); err != nil || st.zombie {
					continue
				}
			}
			*pids = append(*pids, pid)
		}
	}
	if !t.hasChildren(p) {
		return
	}
	entries, _ := os.ReadDir(p)
	for _, e := range entries {
		if e.IsDir() {
			t.cgroupProcs(p+"/"+e.Name(), live, pids)
		}
	}
}

// hasChildren reports whether the cgroup at p has cgroups below it.
// kernfs counts a directory's subdirectories in its link count (2 + n):
// one stat answers what cgroup.stat's nr_descendants would in an open, a
// read and a close.
func (t *Tracker) hasChildren(p string) bool {
	dir, rel := t.at(p)
	var st unix.Stat_t
	if unix.Fstatat(dir, rel, &st, unix.AT_SYMLINK_NOFOLLOW) != nil {
		return false
	}
	return st.Nlink > 2
}

// cgroupPopulated reports whether a process (a zombie too) is in the
// cgroup at p or below it.
func (t *Tracker) cgroupPopulated(p string) bool {
	return t.cgroupKeyValue(p+"/cgroup.events", "populated") != 0
}

// cgroupKeyValue reads one "key value" line of a cgroup file; 0 when the
// file or the key is missing.
func (t *Tracker) cgroupKeyValue(path, key string) int {
	b, err := t.readFile(path)
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, key+" "); ok {
			n, _ := strconv.Atoi(v)
			return n
		}
	}
	return 0
}

// Signal sends sig to every process of the unit but those in except. It
// repeats until a pass finds no process it has not signalled yet, so that
// children forked meanwhile get it too; within a Batch, in the
// process-groups mode, one pass sees the batch's reading, and the batch's
// end finds those children. A SIGKILL of all of a unit's processes in the
// cgroup mode is one write to cgroup.kill.
func (t *Tracker) Signal(unitID string, sig syscall.Signal, except ...int) {
	t.signal(unitID, sig, except, false)
}

// signal is Signal; with list it returns the pids signalled (in the
// cgroup mode, zombies too), which costs reads on cgroup.kill's path.
func (t *Tracker) signal(unitID string, sig syscall.Signal, except []int, list bool) []int {
	if t.mode == ModeCgroup {
		p := t.CgroupPath(unitID)
		if sig == syscall.SIGKILL && len(except) == 0 {
			var pids []int
			if list {
				pids = t.cgroupPids(p, false) // zombies too, as below
			}
			if t.writeFile(filepath.Join(p, "cgroup.kill"), "1") == nil {
				return pids
			}
		}
		// Zombies included: signalling one does no harm, and leaving them
		// out costs a read of /proc/PID/stat per process. No look at
		// cgroup.events first: a unit being signalled has processes.
		procs := func(string) []int {
			var pids []int
			t.cgroupProcs(p, false, &pids)
			return pids
		}
		return signalPasses(procs, unitID, sig, except, map[int]bool{}, list, maxPasses)
	}
	t.mu.Lock()
	if t.batch == 0 {
		t.mu.Unlock()
		return signalPasses(t.Pids, unitID, sig, except, map[int]bool{}, list, maxPasses)
	}
	defer t.mu.Unlock()
	// A second pass would find the batch's reading again.
	seen := map[int]bool{}
	out := signalPasses(t.scan, unitID, sig, except, seen, list, 1)
	t.noteSignal(sig, seen, except)
	return out
}

// maxPasses bounds Signal's passes over a unit that keeps forking.
const maxPasses = 16

// signalPasses sends sig to the unit's pids list returns but except, pass
// after pass (at most passes) until one finds no pid not in seen yet
// (each is added to it); with want it returns the pids signalled.
func signalPasses(list func(string) []int, unitID string, sig syscall.Signal, except []int, seen map[int]bool, want bool, passes int) []int {
	var out []int
	for range passes {
		found := false
		for _, pid := range list(unitID) {
			if seen[pid] {
				continue
			}
			seen[pid] = true
			if slices.Contains(except, pid) {
				continue
			}
			if syscall.Kill(pid, sig) == nil {
				found = true
				if want {
					out = append(out, pid)
				}
			}
		}
		if !found {
			break
		}
	}
	slices.Sort(out)
	return out
}

// noteSignal keeps a Signal made within a batch, which saw the unit's
// processes in seen, for the batch's end (t.mu held).
func (t *Tracker) noteSignal(sig syscall.Signal, seen map[int]bool, except []int) {
	if t.snap == nil || len(seen) == 0 {
		return
	}
	s := &sentSignal{sig: sig, skip: seen, reached: newUnitProcs()}
	for pid := range seen {
		if st, ok := t.snap.byPid[pid]; ok {
			s.reached.known[pid] = st.start
			t.noteGroups(s.reached, st)
		}
	}
	for _, pid := range except {
		s.skip[pid] = true
	}
	t.sent = append(t.sent, s)
}

// Release forgets the unit and has its cgroup (and the ones below it)
// removed if no process is left in it. The removal runs on the tracker's
// remover goroutine: an rmdir of a cgroup costs the kernel about 70 µs,
// which on the manager's loop came to a quarter of a shutdown of 1000
// services. A process reaped a moment ago can keep the cgroup busy a
// little longer (the kernel unlinks a dead task after its last switch):
// such a cgroup is removed by a retry shortly after, unless the unit is
// prepared again first.
func (t *Tracker) Release(unitID string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.units, unitID)
	if t.mode != ModeCgroup {
		return
	}
	p := t.CgroupPath(unitID)
	t.pending[p] = notTried
	t.fresh = append(t.fresh, p)
	if t.kick == nil {
		t.kick = make(chan struct{}, 1)
		go t.remover(t.kick)
	}
	select {
	case t.kick <- struct{}{}:
	default: // a wake-up is queued: it finds this one too
	}
}

// notTried is the retry count of a removal not yet attempted.
const notTried = -1

// remover makes the first attempt at each removal Release asks for and,
// every sweepEvery while some are left, retries all that are pending,
// until kick is closed.
func (t *Tracker) remover(kick <-chan struct{}) {
	retry := time.NewTimer(sweepEvery)
	retry.Stop()
	armed := false
	for {
		fresh := true
		select {
		case _, ok := <-kick:
			if !ok {
				retry.Stop()
				return
			}
		case <-retry.C:
			fresh, armed = false, false
		}
		if t.removePending(fresh) > 0 && !armed {
			retry.Reset(sweepEvery)
			armed = true
		}
	}
}

// removePending attempts the pending removals (with fresh, only those
// not tried yet), and reports how many are left. It does not hold t.mu
// over an rmdir: the cgroup is marked as being removed, and a Prepare of
// it waits for the attempt to end, then makes it anew.
func (t *Tracker) removePending(fresh bool) int {
	t.mu.Lock()
	var paths []string
	if fresh {
		// the ones released since the last look, not the whole map: a
		// shutdown releases 1000 cgroups, some still busy, one by one
		paths, t.fresh = t.fresh, nil
	} else {
		for p := range t.pending {
			paths = append(paths, p)
		}
	}
	t.mu.Unlock()
	for _, p := range paths {
		t.mu.Lock()
		tries, ok := t.pending[p]
		if !ok || t.removing[p] || fresh && tries != notTried {
			t.mu.Unlock()
			continue
		}
		t.removing[p] = true
		t.mu.Unlock()
		if t.beforeRemove != nil {
			t.beforeRemove(p)
		}
		gone := t.removeCgroup(p)
		t.mu.Lock()
		delete(t.removing, p)
		t.removed.Broadcast()
		if now, ok := t.pending[p]; ok && now == tries { // not released again meanwhile
			if gone || tries+1 >= sweepTries {
				delete(t.pending, p)
			} else {
				t.pending[p] = tries + 1
			}
		}
		t.mu.Unlock()
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.pending)
}

// removeCgroup removes the cgroup at p and the ones below it; it reports
// false when p is still there (busy).
func (t *Tracker) removeCgroup(p string) bool {
	dir, rel := t.at(p)
	err := unix.Unlinkat(dir, rel, unix.AT_REMOVEDIR)
	if err == nil || !errors.Is(err, syscall.EBUSY) {
		return true // removed, gone, or not removable at all
	}
	if !t.hasChildren(p) {
		return false
	}
	var dirs []string
	filepath.WalkDir(p, func(path string, d os.DirEntry, err error) error {
		if err == nil && d.IsDir() {
			dirs = append(dirs, path)
		}
		return nil
	})
	for i := len(dirs) - 1; i >= 0; i-- {
		syscall.Rmdir(dirs[i]) // EBUSY while populated: kept
	}
	_, err = os.Lstat(p)
	return err != nil
}

// Retries of a busy cgroup's removal: every sweepEvery, at most
// sweepTries times (then a process really is left in it, and it stays,
// as systemd leaves a cgroup with a process it could not kill).
const (
	sweepEvery = 20 * time.Millisecond
	sweepTries = 50
)

// Flush attempts the pending cgroup removals until none is left or the
// timeout passes, and reports how many are left; the manager calls it
// before it exits.
func (t *Tracker) Flush(timeout time.Duration) int {
	deadline := time.Now().Add(timeout)
	for {
		n := t.removePending(false)
		if n == 0 || time.Now().After(deadline) {
			return n
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// procStat is what the tracker reads of /proc/PID/stat.
type procStat struct {
	pid, ppid, pgid, sid int
	start                uint64
	zombie               bool
}

func (t *Tracker) stat(pid int) (procStat, error) {
	b, err := t.readFile(t.procPath(pid, "stat"))
	if err != nil {
		return procStat{}, err
	}
	return parseStat(pid, b)
}

// Alive reports whether pid is a live process: a zombie (Z) or dead (X)
// one counts as gone, as systemd counts it; without a readable entry the
// kernel says whether the pid exists.
func (t *Tracker) Alive(pid int) bool {
	st, err := t.stat(pid)
	if err != nil {
		return unix.Kill(pid, 0) != unix.ESRCH
	}
	return !st.zombie
}

// parseStat parses /proc/PID/stat (the command name may hold blanks and
// parentheses: the fields start after the last ')').
func parseStat(pid int, b []byte) (procStat, error) {
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return procStat{}, errors.New("bad stat")
	}
	f := strings.Fields(string(b[i+1:]))
	// f[0] state, f[1] ppid, f[2] pgrp, f[3] session, ... f[19] starttime
	if len(f) < 20 {
		return procStat{}, errors.New("bad stat")
	}
	st := procStat{pid: pid, zombie: f[0] == "Z" || f[0] == "X"}
	st.ppid, _ = strconv.Atoi(f[1])
	st.pgid, _ = strconv.Atoi(f[2])
	st.sid, _ = strconv.Atoi(f[3])
	st.start, _ = strconv.ParseUint(f[19], 10, 64)
	return st, nil
}

// invocation returns the INVOCATION_ID in a process's environment.
func (t *Tracker) invocation(st procStat) string {
	k := procKey{st.pid, st.start}
	if v, ok := t.envCache[k]; ok {
		return v
	}
	v, empty := "", true
	if f, err := os.Open(t.procPath(st.pid, "environ")); err == nil {
		s := bufio.NewScanner(f)
		s.Buffer(make([]byte, 0, 4096), 1<<20)
		s.Split(splitNUL)
		for s.Scan() {
			empty = false
			if id, ok := strings.CutPrefix(s.Text(), "INVOCATION_ID="); ok {
				v = id
				break
			}
		}
		f.Close()
	}
	// An empty environment is not kept: a process inside execve(2) shows
	// none until its new stack is set up, and the same pid and start time
	// then carry the unit's INVOCATION_ID (a double-forked daemon was
	// lost so, once in ~30 runs of conformance 405 in process-group mode).
	if !empty {
		t.envCache[k] = v
	}
	return v
}

func splitNUL(data []byte, atEOF bool) (int, []byte, error) {
	if i := bytes.IndexByte(data, 0); i >= 0 {
		return i + 1, data[:i], nil
	}
	if atEOF && len(data) > 0 {
		return len(data), data, nil
	}
	return 0, nil, nil
}

// scan finds the unit's processes in /proc (t.mu held).
func (t *Tracker) scan(unitID string) []int {
	u := t.units[unitID]
	if u == nil {
		return nil
	}
	snap := t.snapshot()
	procs, byPid := snap.procs, snap.byPid
	// Forget what no longer exists: dead pids, and sessions and groups no
	// live process carries.
	for pid, start := range u.known {
		if p, ok := byPid[pid]; !ok || p.start != start {
			delete(u.known, pid)
		}
	}
	for s := range u.sids {
		if !snap.liveSid[s] {
			delete(u.sids, s)
		}
	}
	for g := range u.pgids {
		if !snap.livePgid[g] {
			delete(u.pgids, g)
		}
	}

	memo := map[int]bool{}
	var out []int
	for _, p := range procs {
		if t.member(u, p, byPid, memo, 0) {
			out = append(out, p.pid)
			u.known[p.pid] = p.start
			t.noteGroups(u, p)
		}
	}
	slices.Sort(out)
	return out
}

// member reports whether p is u's: a process u knows, in one of u's
// sessions or process groups, a descendant of one below the manager (byPid
// holds the ancestors), or one carrying an invocation ID of u's. memo keeps
// the answers by pid (t.mu held).
func (t *Tracker) member(u *unitProcs, p procStat, byPid map[int]procStat, memo map[int]bool, depth int) bool {
	if v, ok := memo[p.pid]; ok {
		return v
	}
	in := false
	switch {
	case p.pid == t.self || p.pid <= 1:
	case u.isKnown(p):
		in = true
	case u.sids[p.sid] || u.pgids[p.pgid]:
		in = true
	case depth < 64 && p.ppid > 1 && p.ppid != t.self:
		if parent, ok := byPid[p.ppid]; ok {
			in = t.member(u, parent, byPid, memo, depth+1)
		}
	}
	if !in && len(u.invocations) > 0 && p.pid != t.self && p.pid > 1 {
		in = u.invocations[t.invocation(p)]
	}
	memo[p.pid] = in
	return in
}

// snapshot reads /proc, or returns the batch's reading (t.mu held).
func (t *Tracker) snapshot() *snapshot {
	if t.snap != nil {
		return t.snap
	}
	t.reads++
	sn := newSnapshot(t.readProcs())
	// The environment cache only needs live processes.
	for k := range t.envCache {
		if p, ok := sn.byPid[k.pid]; !ok || p.start != k.start {
			delete(t.envCache, k)
		}
	}
	if t.batch > 0 {
		t.snap = sn
	}
	return sn
}

// readProcs lists the live processes (zombies left out).
func (t *Tracker) readProcs() []procStat {
	d, err := os.Open(t.proc)
	if err != nil {
		return nil
	}
	names, _ := d.Readdirnames(-1)
	d.Close()
	procs := make([]procStat, 0, len(names))
	for _, n := range names {
		pid, err := strconv.Atoi(n)
		if err != nil {
			continue
		}
		st, err := t.stat(pid)
		if err != nil || st.zombie {
			continue
		}
		procs = append(procs, st)
	}
	return procs
}

func getsid(pid int) (int, error) {
	r, _, e := syscall.RawSyscall(syscall.SYS_GETSID, uintptr(pid), 0, 0)
	if e != 0 {
		return 0, e
	}
	return int(r), nil
}

// readFile reads a small kernel file (cgroupfs, procfs) with three system
// calls. os.ReadFile takes nine on cgroupfs, whose files can be polled:
// it registers each with the poller, which at a unit's stop, for every
// unit, is most of the cost.
func (t *Tracker) readFile(path string) ([]byte, error) {
	dir, rel := t.at(path)
	fd, err := unix.Openat(dir, rel, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: path, Err: err}
	}
	defer unix.Close(fd)
	buf := make([]byte, 0, 512)
	for {
		if len(buf) == cap(buf) {
			buf = slices.Grow(buf, cap(buf))
		}
		n, err := unix.Read(fd, buf[len(buf):cap(buf)])
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return nil, &os.PathError{Op: "read", Path: path, Err: err}
		}
		if n == 0 {
			return buf, nil
		}
		buf = buf[:len(buf)+n]
	}
}

// writeFile writes s to a kernel file in one write, as readFile reads.
func (t *Tracker) writeFile(path, s string) error {
	dir, rel := t.at(path)
	fd, err := unix.Openat(dir, rel, unix.O_WRONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return &os.PathError{Op: "open", Path: path, Err: err}
	}
	defer unix.Close(fd)
	if _, err := unix.Write(fd, []byte(s)); err != nil {
		return &os.PathError{Op: "write", Path: path, Err: err}
	}
	return nil
}
