package loader

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"

	"golang.org/x/sync/errgroup"
	"golang.org/x/sys/unix"

	"github.com/gosd/gosd/unit"
)

// Set is a set of loaded units that share one scan of the search path.
// Loading a unit loads every unit it names, as systemd does, so that
// reverse dependencies (WantedBy=, Before=, ...) are complete for the
// units loaded. A Set is not safe for concurrent use.
type Set struct {
	Paths Paths
	// ix is the scan of the search path; nil after ForgetIndex until the
	// next unit that is not loaded yet needs it (index rescans then).
	ix   *Index
	Host *unit.Host

	units map[string]*Unit // by every name
	// fetched holds the fragments LoadAll read ahead, by in-root path.
	fetched map[string]*prefetched
	// built holds units LoadAll built ahead, in parallel, by the name
	// they were built for; loadOne takes them from there.
	built map[string]*builtUnit
	// limits are the manager's default resource limits, computed once.
	limits *[RlimitCount]*Rlimit
	// shared are the default contexts the units share until they change them.
	shared *sharedContexts
	// bufs holds *[]byte buffers for reading unit files.
	bufs sync.Pool
	// dirs are the search directories held open while LoadAll reads.
	dirs  dirFDs
	order []*Unit // each unit once, in load order
	queue []string
	// aliases holds the names s.units gives a unit that are not among its
	// Names (loadOne's merge), so that Forget removes them too; renamed
	// lists the units given one since the last link (see linkLoaded).
	aliases map[*Unit][]string
	renamed []*Unit
	// dangling holds, by name, the loaded units with a forward dependency
	// on that name while no unit of that name is loaded (Forget leaves
	// them so): loading the name resolves them.
	dangling map[string][]*Unit
	// joinedBy holds, by name, the units with JoinsNamespaceOf= that name:
	// the one kind link records on one side only, so Forget cannot find
	// them in the other unit's Deps.
	joinedBy map[string][]*Unit
	shell    string // root's shell, for %s
	// unitMem and svcMem hold the units loadOne builds, and their
	// services: see slab.
	unitMem slab[Unit]
	svcMem  slab[Service]
}

// ErrInvalidName is returned (wrapped) for a name that is not a loadable
// unit name: not a unit name at all, or a template without instance.
var ErrInvalidName = errors.New("invalid unit name")

// invalidNameError words ErrInvalidName as systemd's manager does when
// asked for such a unit.
type invalidNameError struct{ name string }

func (e invalidNameError) Error() string {
	return "Unit name " + e.name + " is neither a valid invocation ID nor unit name."
}
func (e invalidNameError) Unwrap() error { return ErrInvalidName }

// NewSet scans p and returns an empty set of units. host supplies the
// facts that specifiers such as %H and %m expand to.
func NewSet(p Paths, host *unit.Host) *Set {
	return &Set{Paths: p, ix: p.Scan(), Host: host, units: map[string]*Unit{}, shell: defaultRootShell(), shared: newSharedContexts()}
}

// Get returns the loaded unit with that name (any of its names), or nil.
func (s *Set) Get(name string) *Unit { return s.units[name] }

// Units returns every loaded unit once, in load order. The slice is the
// Set's own: Forget changes it in place.
func (s *Set) Units() []*Unit { return s.order }

// Load loads the unit called name and every unit it refers to, then
// links them: their dependencies are recorded in reverse on the units
// already loaded (see linkLoaded). A unit that has no file is still
// returned, with LoadState not-found. A unit not loaded yet is looked
// up in a new scan of the search path if a search directory changed
// since the last (Index.Stale).
func (s *Set) Load(name string) (*Unit, error) {
	if !unit.IsValidName(name) || unit.IsTemplate(name) {
		return nil, invalidNameError{name}
	}
	if u := s.units[name]; u != nil {
		// Loaded and linked by an earlier Load or LoadAll.
		if u.LoadState != StateNotFound || !s.appeared(name) {
			return u, nil
		}
		s.Forget(u.ID) // and read it as a unit not loaded yet
	}
	if s.ix != nil && s.ix.Stale() {
		s.ix = nil // a unit file added or removed since: scan again
	}
	from := len(s.order)
	s.queue = append(s.queue, name)
	s.drain()
	s.linkLoaded(from)
	return s.units[name], nil
}

// appeared reports whether a unit that was not found has a file now, in
// a new scan if a search directory changed since the last: systemd 252
// loads a not-found unit again when it is asked for by name once its unit
// path cache changed (conformance 979).
func (s *Set) appeared(name string) bool {
	if s.ix != nil && s.ix.Stale() {
		s.ix = nil
	}
	ix := s.index()
	_, ok := ix.resolve(name)
	if !ok && unit.IsInstance(name) {
		tmpl, _ := unit.TemplateOf(name)
		_, ok = ix.resolve(tmpl)
	}
	return ok
}

// LoadAll loads every unit that has a file in the search path (templates
// excepted), and everything they refer to.
func (s *Set) LoadAll() {
	s.index() // scanned before the parallel part reads it
	from := len(s.order)
	// Names of files (not aliases) are built ahead; an alias is loaded
	// with the file it points to.
	var names, files []string
	all := s.index().UnitFiles()
	if len(s.units) == 0 {
		s.units = make(map[string]*Unit, len(all)+len(all)/8)
	}
	for _, name := range all {
		if !unit.IsTemplate(name) {
			s.queue = append(s.queue, name)
			if f, ok := s.index().ids[name]; ok && strings.HasPrefix(f, "/") && s.units[name] == nil {
				names = append(names, name)
				files = append(files, f)
			}
		}
	}
	// Every fragment is read first, so that building a unit with a .wants
	// directory finds the files its entries point at read.
	var dirs []string
	for _, d := range s.Paths.Dirs {
		if r, err := s.Paths.resolveDir(d); err == nil {
			dirs = append(dirs, r)
		}
	}
	s.dirs = openDirFDs(s.Paths, dirs)
	s.prefetch(files)
	s.buildAhead(names)
	s.dirs.close()
	s.dirs = nil
	s.drain()
	s.built, s.fetched = nil, nil
	s.linkLoaded(from)
}

// drain loads every unit named in s.queue and what they name in turn. The
// emptied queue is let go: LoadAll's holds every unit name.
func (s *Set) drain() {
	defer func() { s.queue = nil }()
	for len(s.queue) > 0 {
		name := s.queue[len(s.queue)-1]
		s.queue = s.queue[:len(s.queue)-1]
		if s.units[name] != nil {
			continue
		}
		u, refs := s.loadOne(name)
		if refs == nil {
			for _, e := range u.fwd {
				if s.units[e.name] == nil {
					s.queue = append(s.queue, e.name)
				}
			}
		}
		for _, r := range refs {
			if s.units[r] == nil {
				s.queue = append(s.queue, r)
			}
		}
		// systemd loads the slice a unit is placed in; gosd loads it too
		// (for Slice= and SliceOf=) but adds no dependency on it.
		if u.CGroup != nil && u.CGroup.Slice != "" && s.units[u.CGroup.Slice] == nil {
			s.queue = append(s.queue, u.CGroup.Slice)
		}
	}
}

// loadOne reads one unit's fragment and drop-ins (or takes the unit
// buildAhead built) and registers it under all its names; a service's
// claim of its bus name, which depends on the units registered before,
// is made then (claimBusName). refs are the names the unit refers to
// (fwdRefs), when buildAhead worked them out.
func (s *Set) loadOne(name string) (u *Unit, refs []string) {
	var frag, id string
	var names []string
	b := s.built[name]
	if b != nil {
		names = b.u.Names
	} else {
		frag, id, names = s.identify(name)
	}
	// A name already loaded under another name is the same unit (merge).
	for _, nm := range names {
		if u := s.units[nm]; u != nil {
			s.addName(name, u)
			return u, nil
		}
	}
	if b != nil {
		u, refs = b.u, b.refs
	} else {
		u = initUnit(s.allocUnit(id), id, names, s.Host, frag, s.shared)
		u.spec.Shell = s.shell
	}
	for _, nm := range names {
		s.units[nm] = u
	}
	s.addName(name, u)
	u.idx = int32(len(s.order))
	s.order = append(s.order, u)
	if b == nil {
		s.read(u, frag)
	}
	u.claimBusName(s)
	for _, e := range u.fwd {
		if e.kind == JoinsNamespaceOf {
			if s.joinedBy == nil {
				s.joinedBy = map[string][]*Unit{}
			}
			s.joinedBy[e.name] = append(s.joinedBy[e.name], u)
		}
	}
	return u, refs
}

// addName registers name as a name of u, noting it when u's Names do not
// list it.
func (s *Set) addName(name string, u *Unit) {
	s.units[name] = u
	if !slices.Contains(u.Names, name) {
		if s.aliases == nil {
			s.aliases = map[*Unit][]string{}
		}
		s.aliases[u] = append(s.aliases[u], name)
		s.renamed = append(s.renamed, u)
	}
}

// fwdRefs lists the names of fwd once each, at the place of their last
// mention. drain pushes the names not loaded yet on its stack: a name
// mentioned twice would be loaded at its last (topmost) place and
// skipped at the other, so the list gives drain the same order with fewer
// look-ups.
func fwdRefs(fwd []depEdge) []string {
	out := make([]string, 0, len(fwd))
	var seen map[string]bool
	if len(fwd) > 16 {
		seen = make(map[string]bool, len(fwd))
	}
	for i := len(fwd) - 1; i >= 0; i-- {
		n := fwd[i].name
		switch {
		case seen != nil:
			if seen[n] {
				continue
			}
			seen[n] = true
		case slices.Contains(out, n):
			continue
		}
		out = append(out, n)
	}
	slices.Reverse(out)
	return out
}

// identify finds the fragment of the unit called name, its ID and all
// its names.
func (s *Set) identify(name string) (frag, id string, names []string) {
	frag, names = s.index().Fragment(name)
	id = name
	if frag != "" {
		id = path.Base(frag)
		if unit.IsTemplate(id) && unit.IsInstance(name) {
			_, inst, _, _ := unit.SplitName(name)
			if x, err := unit.Instantiate(id, inst); err == nil {
				id = x
			}
		}
	}
	if len(names) == 0 {
		names = []string{name}
	}
	if !slices.Contains(names, id) {
		names = append(names, id)
		slices.Sort(names)
	}
	return frag, id, names
}

// builtUnit is a unit buildAhead built, with its fwdRefs.
type builtUnit struct {
	u    *Unit
	refs []string
}

// buildAhead builds the units called names on all CPUs, so that the
// sequential load that follows only registers them. Building a unit reads
// nothing of the Set that loading changes (only its index, host, shared
// defaults and what prefetch read), so the result is the unit loadOne
// would build; what depends on the units loaded before, a service's claim
// of its D-Bus name, is left to loadOne (claimBusName).
func (s *Set) buildAhead(names []string) {
	s.managerLimits() // computed once, before the builders read it
	built := make([]builtUnit, len(names))
	// From the Set's slabs, drawn here: the builders run in parallel.
	units := make([]*Unit, len(names))
	for i, name := range names {
		units[i] = s.allocUnit(name) // an alias has its unit's type
	}
	parallel(len(names), func(i int) {
		frag, id, unitNames := s.identify(names[i])
		u := initUnit(units[i], id, unitNames, s.Host, frag, s.shared)
		u.spec.Shell = s.shell
		s.read(u, frag)
		built[i] = builtUnit{u, fwdRefs(u.fwd)}
	})
	s.built = make(map[string]*builtUnit, len(names))
	for i := range built {
		s.built[names[i]] = &built[i]
	}
}

// prefetch reads files on all CPUs into s.fetched; each is parsed when
// its unit is built.
func (s *Set) prefetch(files []string) {
	read := make([]prefetched, len(files))
	parallel(len(files), func(i int) {
		p := &read[i]
		buf := s.buffer()
		var data []byte
		data, p.mtime, p.masked, p.err = s.readUnitFile(files[i], false, buf)
		// The text, not the parsed file, waits for the unit to be built:
		// it is a fifth of the size. It is the one copy of the bytes read:
		// parseFile parses it as it is.
		p.text, p.size = string(data), len(data)
		s.bufs.Put(buf)
	})
	s.fetched = make(map[string]*prefetched, len(files))
	for i, f := range files {
		s.fetched[f] = &read[i]
	}
}

// prefetched is one file prefetch read.
type prefetched struct {
	text   string
	mtime  int64
	masked bool
	err    error
	size   int  // bytes read
	taken  bool // parseFile took it (text is gone)
}

// parallel calls f(0) ... f(n-1) on all CPUs and returns when all are done.
func parallel(n int, f func(i int)) {
	if n < 32 {
		for i := range n {
			f(i)
		}
		return
	}
	var next atomic.Int64
	var g errgroup.Group
	for range min(runtime.GOMAXPROCS(0), n) {
		g.Go(func() error {
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return nil
				}
				f(i)
			}
		})
	}
	g.Wait()
}

// allocUnit returns a zero unit for id, with a zero Service if id is a
// service: from s's slabs, but for an instance, which may come and go
// (Forget) while the units beside it in a slab array stay: it is its own
// allocation, so that one kept does not keep an array of forgotten ones.
func (s *Set) allocUnit(id string) *Unit {
	if unit.IsInstance(id) {
		u := new(Unit)
		if unit.NameType(id) == "service" {
			u.Service = new(Service)
		}
		return u
	}
	u := s.unitMem.next()
	if unit.NameType(id) == "service" {
		u.Service = s.svcMem.next()
	}
	return u
}

// initUnit makes u the unit id, before its files are read, and returns
// it: its contexts are d's shared defaults until it changes them (see
// initType), or its own when d is nil. u's Service (if not nil) is used
// for a service's settings.
func initUnit(u *Unit, id string, names []string, host *unit.Host, frag string, d *sharedContexts) *Unit {
	*u = Unit{ID: id, Type: unit.NameType(id), Names: names, Unit: newUnitSection(), LoadState: StateLoaded, Service: u.Service}
	if d != nil {
		// The specifiers only live while the unit's files are read: read
		// gives them back.
		u.spec = d.specifiers()
		*u.spec = *unit.SystemSpecifiers(id, frag, host)
	} else {
		u.spec = unit.SystemSpecifiers(id, frag, host)
	}
	u.initType(d)
	return u
}

// fragmentOptional are the unit types systemd loads without a unit file
// (unit_load_fragment_and_dropin(u, false)): they are loaded with their
// drop-ins alone, or with no file at all.
func fragmentOptional(typ string) bool {
	return typ == "slice" || typ == "device" || typ == "scope"
}

// defaultRootShell is root's shell as systemd 252 gives it for %s
// (default_root_shell(NULL)): its DEFAULT_USER_SHELL, /bin/bash on Debian,
// when that exists on the machine the manager runs on, else /bin/sh. Like
// PID 1 it looks at the real root, not at the root the units come from,
// and ignores $SHELL.
func defaultRootShell() string {
	if fi, err := os.Stat("/bin/bash"); err == nil && !fi.IsDir() {
		return "/bin/bash"
	}
	return "/bin/sh"
}

// read parses the fragment and drop-ins of u and applies them, in order.
// The unit's specifiers are dropped afterwards: only settings use them.
// Its forward dependencies are complete then, and kept without spare room.
func (s *Set) read(u *Unit, frag string) {
	defer func() {
		if u.ctx != nil {
			u.ctx.specs.Put(u.spec)
		}
		u.spec = nil
		if len(u.fwd) == 0 {
			u.fwd = nil
		} else if cap(u.fwd) > len(u.fwd) {
			u.fwd = slices.Clone(u.fwd)
		}
	}()
	if frag == "" && !fragmentOptional(u.Type) {
		// A unit that needs a file and has none is not found, whatever
		// drop-ins exist for it.
		u.LoadState = StateNotFound
		u.LoadError = fmt.Errorf("Unit %s not found.", u.ID)
		return
	}
	if frag != "" {
		u.FragmentPath = frag
		f, mtime, diags, masked, err := s.parseFile(frag, false)
		u.mtimes[0] = mtime
		switch {
		case masked:
			// systemd still reads a masked unit's drop-ins and
			// .wants-style directories.
			u.LoadState = StateMasked
			u.LoadError = fmt.Errorf("Unit %s is masked.", u.ID)
		case err != nil:
			u.loadFailed(err, diags)
			return
		default:
			u.applyFile(f, diags, true)
		}
		if u.LoadState == StateBadSetting {
			return
		}
	}
	// As systemd's unit_load_dropin(): the .wants-style directories
	// first, then the drop-ins; a masked unit gets both too.
	s.depDirEntries(u, ".wants", Wants)
	s.depDirEntries(u, ".requires", Requires)
	s.depDirEntries(u, ".upholds", Upholds)
	for _, di := range s.index().dropIns(u.Names) {
		d := di.path
		u.DropInPaths = append(u.DropInPaths, d)
		f, mtime, diags, masked, err := s.parseFile(d, di.typ.IsRegular())
		u.mtimes[1] = max(u.mtimes[1], mtime)
		if masked {
			continue // an empty or /dev/null drop-in is listed but holds nothing
		}
		if err != nil {
			// systemd reports a drop-in it cannot read but loads the
			// unit without it.
			u.reportParseFailure(err, diags)
			continue
		}
		u.applyFile(f, diags, false)
	}
	if sp := u.SourcePath(); sp != "" {
		u.notesRW().sourceMtime, _, _ = s.Paths.fileTime(sp)
	}
	if u.LoadState == StateLoaded {
		u.patchCGroupContext()
		u.setDefaultSlice()
		u.sliceDefaults()
		u.addImplicitDeps(s)
	}
}

// loadFailed marks a unit whose file systemd refuses to read (a line that
// is not UTF-8, a bad section header, a line too long, a file it cannot
// open): LoadState=error, with the errno as LoadError. The parser's
// message is reported, except "Line too long", which systemd only logs
// when asked to warn.
func (u *Unit) loadFailed(err error, diags []*unit.Diag) {
	u.LoadState = StateError
	u.LoadError = LoadErrno{u.reportParseFailure(err, diags)}
}

// reportParseFailure records the parser's warnings and its reason for
// refusing a file, and returns the errno.
func (u *Unit) reportParseFailure(err error, diags []*unit.Diag) syscall.Errno {
	for _, d := range diags {
		if d.Section == "" || u.sectionAllowed(d.Section) {
			u.Diags = append(u.Diags, keepDiag(d))
		}
	}
	errno := syscall.EIO
	var d *unit.Diag
	if errors.As(err, &d) {
		if d.Errno != 0 {
			errno = d.Errno
		}
		if d.Errno != syscall.ENOBUFS {
			u.Diags = append(u.Diags, keepDiag(d))
		}
	} else if e, ok := errors.Unwrap(err).(syscall.Errno); ok {
		errno = e
	}
	return errno
}

// LoadErrno is the error of a unit in LoadState=error: the errno systemd
// records, whose Error() is glibc's text for it.
type LoadErrno struct{ Errno syscall.Errno }

func (e LoadErrno) Error() string { return errnoText(e.Errno) }
func (e LoadErrno) Unwrap() error { return e.Errno }

// errnoText is glibc's strerror() for the errnos unit loading reports.
func errnoText(e syscall.Errno) string {
	switch e {
	case syscall.EINVAL:
		return "Invalid argument"
	case syscall.ENOBUFS:
		return "No buffer space available"
	case syscall.EBADMSG:
		return "Bad message"
	case syscall.ENOENT:
		return "No such file or directory"
	case syscall.EACCES:
		return "Permission denied"
	case syscall.EIO:
		return "Input/output error"
	case syscall.ELOOP:
		return "Too many levels of symbolic links"
	case syscall.ENOEXEC:
		return "Exec format error"
	case syscall.EISDIR:
		return "Is a directory"
	}
	s := e.Error()
	if s != "" {
		s = strings.ToUpper(s[:1]) + s[1:]
	}
	return s
}

// parseFile reads and parses one unit file, or parses what prefetch read
// of it (once: the text is let go then). masked reports a file that is
// /dev/null (through links) or empty. diags are the parser's warnings. It
// is safe for concurrent use on different files.
//
// resolved says file is known to be a regular file in a directory without
// symlinks, which needs no resolving.
func (s *Set) parseFile(file string, resolved bool) (f *unit.File, mtime int64, diags []*unit.Diag, masked bool, err error) {
	var text string
	if p := s.fetched[file]; p != nil && !p.taken {
		text, mtime, masked, err = p.text, p.mtime, p.masked, p.err
		p.text, p.taken = "", true
	} else {
		buf := s.buffer()
		defer s.bufs.Put(buf)
		var data []byte
		data, mtime, masked, err = s.readUnitFile(file, resolved, buf)
		text = string(data) // the one copy of the bytes, which buf reuses
	}
	if err != nil || masked {
		return nil, mtime, nil, masked, err
	}
	f, diags, err = unit.ParseString(file, text)
	return f, mtime, diags, false, err
}

// buffer returns a buffer for readUnitFile from s.bufs; put it back there.
func (s *Set) buffer() *[]byte {
	if buf, _ := s.bufs.Get().(*[]byte); buf != nil {
		return buf
	}
	return new([]byte)
}

// readUnitFile reads the in-root unit file file (resolved: as parseFile
// says) into *buf. masked reports a file that is /dev/null (through
// links) or empty.
func (s *Set) readUnitFile(file string, resolved bool, buf *[]byte) (data []byte, mtime int64, masked bool, err error) {
	real, err := s.index().realPath(file, resolved)
	if err != nil {
		return nil, 0, false, &unit.Diag{File: file, Msg: "Failed to open: " + err.Error()}
	}
	if real == "/dev/null" {
		return nil, 0, true, nil
	}
	if dirfd, name, ok := s.dirs.at(real); ok {
		data, mtime, err = readFile(dirfd, name, s.Paths.Host(real), buf)
	} else {
		data, mtime, err = readFile(-1, "", s.Paths.Host(real), buf)
	}
	if err != nil {
		return nil, 0, false, err
	}
	return data, mtime, len(data) == 0, nil
}

// readFile reads the file at path into *buf, growing it as needed, and
// returns the bytes read and the file's mtime (Unix ns). It is
// os.ReadFile with four system calls for a regular file (open, fstat,
// read, close) and a reused buffer: os.File's setup costs about as much
// as the read when thousands of small unit files are loaded. Errors are
// *fs.PathError.
//
// With dirfd not -1, name (the last component of path) is opened in that
// directory.
func readFile(dirfd int, name, path string, buf *[]byte) (data []byte, mtime int64, err error) {
	if dirfd < 0 {
		dirfd, name = unix.AT_FDCWD, path
	}
	fd, err := openNoEINTR(dirfd, name, unix.O_RDONLY|unix.O_CLOEXEC)
	if err != nil {
		return nil, 0, &fs.PathError{Op: "open", Path: path, Err: err}
	}
	defer syscall.Close(fd)
	// The size sizes the buffer, and a regular file's read that returns
	// less than asked is at its end: the fstat takes the place of the
	// read that would return 0. The mtime is NeedDaemonReload='s.
	var st unix.Stat_t
	regular := false
	if unix.Fstat(fd, &st) == nil {
		mtime = st.Mtim.Nano()
		regular = st.Mode&unix.S_IFMT == unix.S_IFREG
	}
	b := (*buf)[:0]
	if want := int(st.Size) + 1; cap(b) < want && regular {
		b = make([]byte, 0, max(want, 16<<10))
	}
	if cap(b) == 0 {
		b = make([]byte, 0, 16<<10)
	}
	for {
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
		ask := cap(b) - len(b)
		n, err := syscall.Read(fd, b[len(b):cap(b)])
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			*buf = b
			return nil, 0, &fs.PathError{Op: "read", Path: path, Err: err}
		}
		b = b[:len(b)+n]
		if n == 0 || (regular && n < ask) {
			*buf = b
			return b, mtime, nil
		}
	}
}

// managerLimits returns the manager's DefaultLimit*= values, reading the
// kernel's and gosd's own limits on first use. Units share the values.
func (s *Set) managerLimits() *[RlimitCount]*Rlimit {
	if s.limits == nil {
		var l [RlimitCount]*Rlimit
		for res := range l {
			l[res] = managerDefaultRlimit(res)
		}
		s.limits = &l
	}
	return s.limits
}

// index returns the scan of the search path, scanning again if
// ForgetIndex dropped it.
func (s *Set) index() *Index {
	if s.ix == nil {
		s.ix = s.Paths.Scan()
	}
	return s.ix
}

// ForgetIndex drops the scan of the search path, which a manager with
// every unit of its boot loaded rarely needs again (about 250 bytes per
// unit file). The next load of a unit not loaded yet scans again, so it
// also sees unit files added since, as systemd does when a unit is not
// found in its cache.
func (s *Set) ForgetIndex() { s.ix = nil }

// NeedReload reports whether u's files changed on disk since it was read
// (systemd's NeedDaemonReload=, which systemctl warns about): the
// fragment or SourcePath= is gone or newer, a masked fragment is no longer
// masked, or its drop-ins differ: one added to or removed from the
// directories its drop-ins came from, or one newer than the newest read.
// As systemd 252, which looks for drop-ins only in the directories its
// unit cache knew, a drop-in directory made since the unit was read is not
// looked in (conformance 980).
func (s *Set) NeedReload(u *Unit) bool {
	if u.FragmentPath != "" {
		m, masked, err := s.Paths.fileTime(u.FragmentPath)
		if err != nil {
			return true
		}
		if u.LoadState == StateMasked {
			if !masked {
				return true
			}
		} else if m > u.mtimes[0] {
			return true
		}
	}
	if sp := u.SourcePath(); sp != "" {
		if m, _, err := s.Paths.fileTime(sp); err != nil || m > u.notes.sourceMtime {
			return true
		}
	}
	if len(u.DropInPaths) == 0 {
		return false
	}
	held := map[string]bool{}
	for _, d := range u.DropInPaths {
		held[path.Dir(d)] = true
	}
	var dirs []string
	for _, d := range s.index().dropinDirs(u.Names, ".d") {
		if held[d] {
			dirs = append(dirs, d)
		}
	}
	now := s.Paths.confFiles(dirs, func(e fs.DirEntry) bool {
		return strings.HasSuffix(e.Name(), ".conf") && !e.IsDir()
	}, nil)
	if len(now) != len(u.DropInPaths) {
		return true
	}
	for i, c := range now {
		if c.path != u.DropInPaths[i] {
			return true
		}
		m, masked, err := s.Paths.fileTime(c.path)
		if err != nil || !masked && m > u.mtimes[1] {
			return true
		}
	}
	return false
}
