// Package install changes and reports which unit files are enabled, the
// way systemd 252's `systemctl --root=DIR` does it offline: the symlinks
// of [Install] sections (WantedBy=, RequiredBy=, Alias=, Also=,
// DefaultInstance=), masks, linked unit files, presets, the default
// target and the enablement state of every unit file.
//
// Every operation works on the files under a root directory only; there
// is no running manager to reload (systemctl's --now and daemon-reload
// do not apply offline). Operations return the changes they made in
// order, as systemctl prints them, and an *OpError wrapping the errno
// systemd would have failed with.
package install

import (
	"io"
	"io/fs"
	"os"
	"path"
	"slices"
	"sort"
	"strings"
	"syscall"

	"github.com/gosd/gosd/loader"
)

// Installer performs installation operations on one root directory.
type Installer struct {
	// Paths is the system search path inside the root.
	Paths loader.Paths
	// Log receives the warnings systemd logs while reading unit and
	// preset files (one line each); nil discards them.
	Log io.Writer
}

// New returns an Installer for the tree under root ("" or "/" for the
// real root), logging warnings to log.
func New(root string, log io.Writer) *Installer {
	return &Installer{Paths: loader.SystemPaths(root), Log: log}
}

// Options are the flags shared by the installation operations.
type Options struct {
	Runtime bool // work in /run/systemd/system instead of /etc/systemd/system
	Force   bool // replace conflicting symlinks
}

// Result is what an operation did.
type Result struct {
	// Changes are the symlinks created and removed and the problems met,
	// in order.
	Changes []Change
	// Carried counts, for enable and reenable, the units that had
	// something to install; 0 means systemctl prints its "no
	// installation config" notice.
	Carried int
}

func (in *Installer) newCtx() *ctx { return &ctx{paths: in.Paths, log: in.Log} }

func configPath(o Options) string {
	if o.Runtime {
		return runtimeConfig
	}
	return persistentConfig
}

func done(c *ctx, op string, n int, err error) (Result, error) {
	res := Result{Changes: c.changes, Carried: n}
	if err != nil {
		return res, &OpError{Op: op, Err: err}
	}
	return res, nil
}

// Enable creates the symlinks the [Install] sections of the named units
// (names, or absolute in-root paths of unit files) ask for.
func (in *Installer) Enable(names []string, o Options) (Result, error) {
	c := in.newCtx()
	n, err := c.enable(names, o)
	return done(c, "enable", n, err)
}

func (c *ctx) enable(names []string, o Options) (int, error) {
	set := newInfoSet()
	for _, n := range names {
		if _, err := c.discoverAndCheck(set, n, searchLoad|searchFollowConfigSymlinks); err != nil {
			return 0, err
		}
	}
	return c.apply(set, configPath(o), o.Force, false, searchLoad)
}

// Disable removes the symlinks to the named units (and their Also= units)
// from the configuration directory.
func (in *Installer) Disable(names []string, o Options) (Result, error) {
	c := in.newCtx()
	err := c.disable(names, o, false)
	return done(c, "disable", 0, err)
}

func (c *ctx) disable(names []string, o Options, dryRun bool) error {
	set := newInfoSet()
	for _, n := range names {
		if !isValid(n, nameAny) {
			return c.fail(syscall.EUCLEAN, n, "")
		}
		if _, _, err := set.add(n, "", false); err != nil {
			return err
		}
	}
	rm := removalSet{}
	if err := c.markForRemoval(set, rm); err != nil {
		return err
	}
	return c.removeMarked(rm, configPath(o), dryRun)
}

// Links lists the symlinks Disable would remove for name (is-enabled
// --full), without removing them.
func (in *Installer) Links(name string, o Options) ([]string, error) {
	c := in.newCtx()
	if err := c.disable([]string{name}, o, true); err != nil {
		return nil, &OpError{Op: "get file links", Unit: name, Err: err}
	}
	var out []string
	for _, ch := range c.changes {
		if ch.Type == Unlink {
			out = append(out, ch.Path)
		}
	}
	return out, nil
}

// hostInSearchDir is in_search_path() applied to an in-root path p as
// unit_file_link() does: p's directory is compared with the search
// directories as seen from the host.
func (c *ctx) hostInSearchDir(p string) bool {
	d := path.Dir(p)
	for _, s := range c.paths.Dirs {
		if c.host(s) == d {
			return true
		}
	}
	return false
}

// hostUnderSearchPath is underneath_search_path() with the same mix-up.
func (c *ctx) hostUnderSearchPath(p string) bool {
	for _, s := range c.paths.Dirs {
		if _, ok := pathStartsWith(p, c.host(s)); ok {
			return true
		}
	}
	return false
}

// Reenable disables and then enables the units, keeping linked unit files
// linked.
func (in *Installer) Reenable(names []string, o Options) (Result, error) {
	c := in.newCtx()
	var bases, files []string
	for _, a := range names {
		n := path.Base(a)
		bases = append(bases, n)
		f := a
		if !isPath(a) {
			if i, err := c.discover(newInfoSet(), n, searchLoad|searchFollowConfigSymlinks, false); err == nil && i.path != "" && c.paths.Root != "" {
				f = i.path
			}
		}
		files = append(files, f)
	}
	if err := c.disable(bases, o, false); err != nil {
		return done(c, "reenable", 0, err)
	}
	n, err := c.enable(files, o)
	return done(c, "reenable", n, err)
}

// Link links unit files that live outside the search path (absolute
// in-root paths) into the configuration directory.
func (in *Installer) Link(files []string, o Options) (Result, error) {
	c := in.newCtx()
	err := c.link(files, o)
	return done(c, "link", 0, err)
}

func (c *ctx) link(files []string, o Options) error {
	var todo []string
	seen := map[string]bool{}
	for _, f := range files {
		if !strings.HasPrefix(f, "/") {
			return c.fail(syscall.EINVAL, f, "")
		}
		if !isValid(path.Base(f), nameAny) {
			return c.fail(syscall.EUCLEAN, f, "")
		}
		fi, err := os.Lstat(c.host(f))
		if err != nil {
			return c.fail(err, f, "")
		}
		if fi.IsDir() {
			return c.fail(syscall.EISDIR, f, "")
		}
		if !fi.Mode().IsRegular() {
			return c.fail(syscall.EBADFD, f, "")
		}
		// systemd compares the in-root path with the root-prefixed search
		// path here, so with a root directory neither check ever matches
		// and files inside the search path get linked too.
		if c.hostInSearchDir(f) {
			continue
		}
		if c.hostUnderSearchPath(f) {
			return c.fail(syscall.ETXTBSY, f, "")
		}
		if !seen[f] {
			seen[f] = true
			todo = append(todo, f)
		}
	}
	var r error
	for _, f := range todo {
		if _, err := c.createSymlink(f, configPath(o)+"/"+path.Base(f), o.Force); err != nil && r == nil {
			r = err
		}
	}
	return r
}

// Mask links the named units to /dev/null.
func (in *Installer) Mask(names []string, o Options) (Result, error) {
	c := in.newCtx()
	var r error
	for _, n := range names {
		if !isValid(n, nameAny) {
			if r == nil {
				r = syscall.EINVAL
			}
			continue
		}
		if _, err := c.createSymlink("/dev/null", configPath(o)+"/"+n, o.Force); err != nil && r == nil {
			r = err
		}
	}
	return done(c, "mask", 0, r)
}

// Unmask removes the masks of the named units from the configuration
// directory, and the symlinks that pointed to them.
func (in *Installer) Unmask(names []string, o Options) (Result, error) {
	c := in.newCtx()
	cp := configPath(o)
	var todo []string
	seen := map[string]bool{}
	for _, n := range names {
		if !isValid(n, nameAny) {
			return done(c, "unmask", 0, syscall.EINVAL)
		}
		if c.paths.Root == "" {
			i := &installInfo{name: n}
			if _, err := c.search(nil, i, 0); err == nil && i.mode == modeMasked && isGenerator(i.path) {
				c.add(IsMaskedGenerator, i.name, i.path)
			}
		}
		// systemd stats the host path here, following symlinks on the host.
		fi, err := os.Stat(c.host(cp + "/" + n))
		if err != nil {
			if Errno(err) == syscall.ENOENT {
				continue
			}
			return done(c, "unmask", 0, Errno(err))
		}
		if !nullOrEmpty(fi) {
			continue
		}
		if !seen[n] {
			seen[n] = true
			todo = append(todo, n)
		}
	}
	rm := removalSet{}
	var r error
	for _, n := range todo {
		p := cp + "/" + n
		if err := os.Remove(c.host(p)); err != nil {
			if Errno(err) != syscall.ENOENT {
				if r == nil {
					r = Errno(err)
				}
				c.fail(err, c.host(p), "")
			}
			continue
		}
		c.add(Unlink, c.host(p), "")
		rm.mark(p)
	}
	if err := c.removeMarked(rm, cp, false); r == nil {
		r = err
	}
	return done(c, "unmask", 0, r)
}

// SetDefault points /etc/systemd/system/default.target at the target's
// unit file (systemctl always forces this).
func (in *Installer) SetDefault(name string, force bool) (Result, error) {
	c := in.newCtx()
	if unitType(name) != "target" || !isValid(name, nameAny) || name == "default.target" {
		return done(c, "set default", 0, syscall.EINVAL)
	}
	i, err := c.discoverAndCheck(newInfoSet(), name, 0)
	if err != nil {
		return done(c, "set default", 0, err)
	}
	_, err = c.createSymlink(i.path, persistentConfig+"/default.target", force)
	return done(c, "set default", 0, err)
}

// GetDefault returns the name of the unit default.target resolves to.
func (in *Installer) GetDefault() (string, error) {
	c := in.newCtx()
	// Debian's systemd 252 does not refuse a masked, generated or
	// transient default.target here: a masked one prints its own name.
	i, err := c.discover(newInfoSet(), "default.target", searchFollowConfigSymlinks, false)
	if err != nil {
		return "", &OpError{Op: "get default target", Err: err}
	}
	return i.name, nil
}

// State returns the enablement state of a unit file, as is-enabled
// prints it.
func (in *Installer) State(name string) (State, error) {
	s, err := in.newCtx().lookupState(name)
	if err != nil {
		return s, &OpError{Op: "get unit file state", Unit: name, Err: err}
	}
	return s, nil
}

func (c *ctx) lookupState(name string) (State, error) {
	if !isValid(name, nameAny) {
		return 0, syscall.EINVAL
	}
	i, err := c.discover(newInfoSet(), name, searchLoad|searchFollowConfigSymlinks, false)
	if err != nil {
		return 0, err
	}
	switch i.mode {
	case modeMasked:
		if isRuntime(i.path, true) {
			return MaskedRuntime, nil
		}
		return Masked, nil
	case modeRegular:
		if name != path.Base(i.path) && !isValid(i.name, nameInstance) {
			return Alias, nil
		}
		if isGenerator(i.path) {
			return Generated, nil
		}
		if isTransient(i.path) {
			return Transient, nil
		}
		if s, ok := c.findSymlinksInScope(i, true); ok {
			return s, nil
		}
		if _, ok := c.findSymlinksInScope(i, false); ok {
			return Indirect, nil
		}
		switch {
		case i.hasRules():
			return Disabled, nil
		case len(i.also) > 0:
			return Indirect, nil
		}
		return Static, nil
	}
	return 0, syscall.EINVAL
}

// UnitFile is one entry of ListUnitFiles.
type UnitFile struct {
	Path  string // in-root path of the file or symlink found first
	Name  string
	State State
}

// ListUnitFiles returns the unit files on the search path whose names
// match one of patterns (all when empty) and whose state is one of states
// (all when empty), sorted as list-unit-files prints them.
func (in *Installer) ListUnitFiles(states, patterns []string) ([]UnitFile, error) {
	c := in.newCtx()
	seen := map[string]bool{}
	var out []UnitFile
	for _, d := range c.paths.Dirs {
		ents, err := readDirOrdered(c.host(d))
		if err != nil && len(ents) == 0 {
			e := Errno(err)
			if e == syscall.ENOENT || e == syscall.ENOTDIR || e == syscall.EACCES {
				continue
			}
			return nil, &OpError{Op: "get unit file list", Err: e}
		}
		for _, e := range ents {
			n := e.Name()
			if !isValid(n, nameAny) || !matchAny(patterns, n) || seen[n] {
				continue
			}
			if !(e.Type().IsRegular() || e.Type()&fs.ModeSymlink != 0) {
				continue
			}
			s, err := c.lookupState(n)
			if err != nil {
				s = Bad
			}
			if len(states) > 0 && !slices.Contains(states, s.String()) {
				continue
			}
			seen[n] = true
			out = append(out, UnitFile{Path: d + "/" + n, Name: n, State: s})
		}
	}
	sort.SliceStable(out, func(a, b int) bool { return lessUnitFile(out[a].Name, out[b].Name) })
	return out, nil
}

// lessUnitFile orders by type suffix, then name, both case-insensitively.
func lessUnitFile(a, b string) bool {
	da, db := a[strings.LastIndexByte(a, '.'):], b[strings.LastIndexByte(b, '.'):]
	if c := strcasecmp(da, db); c != 0 {
		return c < 0
	}
	return strcasecmp(a, b) < 0
}

func strcasecmp(a, b string) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		x, y := lower(a[i]), lower(b[i])
		if x != y {
			return int(x) - int(y)
		}
	}
	return len(a) - len(b)
}

func lower(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

func matchAny(patterns []string, name string) bool {
	if len(patterns) == 0 {
		return true
	}
	for _, p := range patterns {
		if fnmatch(p, name) {
			return true
		}
	}
	return false
}
