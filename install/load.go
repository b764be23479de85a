package install

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"sort"
	"strings"
	"syscall"

	"github.com/gosd/gosd/loader"
	"github.com/gosd/gosd/unit"
)

// Directories of systemd 252's system manager that the install logic
// treats specially (all inside the root).
const (
	persistentConfig  = "/etc/systemd/system"
	runtimeConfig     = "/run/systemd/system"
	persistentControl = "/etc/systemd/system.control"
	runtimeControl    = "/run/systemd/system.control"
	transientDir      = "/run/systemd/transient"
	generatorDir      = "/run/systemd/generator"
	generatorEarlyDir = "/run/systemd/generator.early"
	generatorLateDir  = "/run/systemd/generator.late"
)

// mode is what a name turned out to be on disk (systemd's InstallMode).
type mode int

const (
	modeUnknown mode = iota
	modeRegular
	modeLinked
	modeAlias
	modeMasked
)

// installInfo is one unit name being processed (systemd's InstallInfo).
// Paths are inside the root.
type installInfo struct {
	name            string
	path            string
	aliases         []string
	wantedBy        []string
	requiredBy      []string
	also            []string
	defaultInstance string
	symlinkTarget   string
	mode            mode
	auxiliary       bool
}

func (i *installInfo) hasRules() bool {
	return len(i.aliases) > 0 || len(i.wantedBy) > 0 || len(i.requiredBy) > 0
}

// infoSet is systemd's InstallContext: names still to process in the
// order they were added, and the ones processed.
type infoSet struct {
	byName map[string]*installInfo
	will   []*installInfo
}

func newInfoSet() *infoSet { return &infoSet{byName: map[string]*installInfo{}} }

func (s *infoSet) find(name string) *installInfo { return s.byName[name] }

// next moves the oldest unprocessed entry to the processed ones.
func (s *infoSet) next() *installInfo {
	if len(s.will) == 0 {
		return nil
	}
	i := s.will[0]
	s.will = s.will[1:]
	return i
}

// searchFlags are systemd's SearchFlags.
type searchFlags int

const (
	searchLoad searchFlags = 1 << iota
	searchFollowConfigSymlinks
	searchDropin
)

// ctx is the state of one operation: the root's search path, where
// warnings go and the changes made so far.
type ctx struct {
	paths   loader.Paths
	log     io.Writer
	changes []Change
}

func (c *ctx) logf(format string, args ...any) {
	if c.log != nil {
		fmt.Fprintf(c.log, format+"\n", args...)
	}
}

// host is a path as systemd prints it (with the root directory).
func (c *ctx) host(p string) string { return c.paths.Host(p) }

// add records a change; paths are simplified as systemd does.
func (c *ctx) add(t ChangeType, p, source string) {
	c.changes = append(c.changes, Change{Type: t, Path: simplify(p), Source: simplify(source)})
}

// fail records an error change and returns the errno as error.
func (c *ctx) fail(err error, p, source string) error {
	e := Errno(err)
	c.changes = append(c.changes, Change{Type: Failed, Err: e, Path: simplify(p), Source: simplify(source)})
	return e
}

// simplify is path_simplify(): no duplicate slashes, no "." components,
// no trailing slash.
func simplify(p string) string {
	if p == "" || !strings.Contains(p, "/") {
		return p
	}
	abs := strings.HasPrefix(p, "/")
	var out []string
	for _, c := range strings.Split(p, "/") {
		if c == "" || c == "." {
			continue
		}
		out = append(out, c)
	}
	s := strings.Join(out, "/")
	if abs {
		return "/" + s
	}
	if s == "" {
		return "."
	}
	return s
}

func (c *ctx) inSearchDir(p string) bool {
	d := path.Dir(p)
	for _, s := range c.paths.Dirs {
		if s == d {
			return true
		}
	}
	return false
}

func (c *ctx) underSearchPath(p string) (tail string, ok bool) {
	for _, s := range c.paths.Dirs {
		if t, ok := pathStartsWith(p, s); ok {
			return t, true
		}
	}
	return "", false
}

func parentIn(p string, dirs ...string) bool {
	d := path.Dir(p)
	for _, x := range dirs {
		if d == x {
			return true
		}
	}
	return false
}

func isGenerator(p string) bool {
	return parentIn(p, generatorDir, generatorEarlyDir, generatorLateDir)
}

func isTransient(p string) bool { return parentIn(p, transientDir) }

func isConfig(p string) bool { return parentIn(p, persistentConfig, runtimeConfig) }

// isRuntime is path_is_runtime(): anything under /run, or a directory
// (or, with checkParent, a file in one) of the runtime kinds.
func isRuntime(p string, checkParent bool) bool {
	if _, ok := pathStartsWith(p, "/run"); ok {
		return true
	}
	if checkParent {
		p = path.Dir(p)
	}
	switch p {
	case runtimeConfig, generatorDir, generatorEarlyDir, generatorLateDir, transientDir, runtimeControl:
		return true
	}
	return false
}

// nullOrEmpty is null_or_empty(): an empty regular file or a character device.
func nullOrEmpty(fi fs.FileInfo) bool {
	if fi.Mode().IsRegular() && fi.Size() <= 0 {
		return true
	}
	return fi.Mode()&fs.ModeCharDevice != 0
}

// installSections are the sections the [Install] parser accepts; all but
// Install are skipped silently.
func knownInstallSection(s string) bool {
	switch s {
	case "Install", "Unit", "Automount", "Device", "Mount", "Path", "Scope", "Service", "Slice", "Socket", "Swap", "Target", "Timer":
		return true
	}
	return false
}

// load is unit_file_load(): classify the file at p and, with searchLoad,
// read its [Install] section into info. It returns the number of
// Alias=/WantedBy=/RequiredBy= entries.
func (c *ctx) load(set *infoSet, info *installInfo, p string, flags searchFlags) (int, error) {
	var f *os.File
	if flags&searchDropin == 0 {
		t := unitType(info.name)
		if t == "" {
			return 0, syscall.EINVAL
		}
		if isValid(info.name, nameTemplate|nameInstance) && !mayTemplate(t) {
			c.logf("%s: unit type %s cannot be templated, ignoring.", c.host(p), t)
			return 0, syscall.EINVAL
		}
		if flags&searchLoad == 0 {
			fi, err := os.Lstat(c.host(p))
			if err != nil {
				return 0, Errno(err)
			}
			switch {
			case nullOrEmpty(fi):
				info.mode = modeMasked
			case fi.Mode().IsRegular():
				info.mode = modeRegular
			case fi.Mode()&fs.ModeSymlink != 0:
				return 0, syscall.ELOOP
			case fi.IsDir():
				return 0, syscall.EISDIR
			default:
				return 0, syscall.ENOTTY
			}
			return 0, nil
		}
		fi, err := os.Lstat(c.host(p))
		if err != nil {
			return 0, Errno(err)
		}
		if fi.Mode()&fs.ModeSymlink != 0 {
			return 0, syscall.ELOOP
		}
		if f, err = os.OpenFile(c.host(p), os.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_NOCTTY, 0); err != nil {
			return 0, Errno(err)
		}
	} else {
		if flags&searchLoad == 0 {
			return 0, nil
		}
		r, _, err := c.paths.Chase(p, true)
		if err != nil {
			return 0, Errno(err)
		}
		if f, err = os.OpenFile(c.host(r), os.O_RDONLY|syscall.O_NOCTTY, 0); err != nil {
			return 0, Errno(err)
		}
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return 0, Errno(err)
	}
	if nullOrEmpty(fi) {
		if flags&searchDropin == 0 {
			info.mode = modeMasked
		}
		return 0, nil
	}
	if fi.IsDir() {
		return 0, syscall.EISDIR
	}
	if !fi.Mode().IsRegular() {
		return 0, syscall.EBADFD
	}
	data, err := io.ReadAll(f)
	if err != nil {
		return 0, Errno(err)
	}
	if err := c.parseInstall(set, info, c.host(p), data); err != nil {
		return 0, err
	}
	if flags&searchDropin == 0 {
		info.mode = modeRegular
	}
	return len(info.aliases) + len(info.wantedBy) + len(info.requiredBy), nil
}

// sectionLines finds the line numbers of the section headers Parse saw.
func sectionLines(data []byte, sections []string) []int {
	lines := strings.Split(string(data), "\n")
	out := make([]int, len(sections))
	j := 0
	for i, s := range sections {
		want := "[" + s + "]"
		for ; j < len(lines); j++ {
			l := strings.Trim(strings.TrimPrefix(lines[j], "\xef\xbb\xbf"), " \t\r\n")
			if l == want {
				out[i] = j + 1
				j++
				break
			}
		}
	}
	return out
}

// parseInstall reads the [Install] section of a unit file or drop-in the
// way systemd's install code does, logging what it ignores. It fails like
// systemd (the unit cannot be installed) on a malformed file, an invalid
// DefaultInstance= or an unusable Also= entry.
func (c *ctx) parseInstall(set *infoSet, info *installInfo, file string, data []byte) error {
	uf, diags, err := unit.Parse(file, data)
	if err != nil {
		var d *unit.Diag
		if errors.As(err, &d) {
			c.logf("%s", d.Error())
			if d.Errno != 0 {
				return &ConfigError{File: file, Line: d.Line, Msg: d.Msg, Err: d.Errno}
			}
		}
		return &ConfigError{File: file, Msg: "cannot parse", Err: syscall.EBADMSG}
	}
	type event struct {
		line int
		msg  string
		opt  *unit.Option
	}
	var evs []event
	for _, d := range diags {
		if d.Section == "" || d.Section == "Install" {
			evs = append(evs, event{line: d.Line, msg: d.Error()})
		}
	}
	for i, l := range sectionLines(data, uf.Sections) {
		s := uf.Sections[i]
		if !knownInstallSection(s) && !strings.HasPrefix(s, "X-") {
			evs = append(evs, event{line: l, msg: fmt.Sprintf("%s:%d: Unknown section '%s'. Ignoring.", file, l, s)})
		}
	}
	for i := range uf.Options {
		if uf.Options[i].Section == "Install" {
			evs = append(evs, event{line: uf.Options[i].Line, opt: &uf.Options[i]})
		}
	}
	sort.SliceStable(evs, func(a, b int) bool { return evs[a].line < evs[b].line })
	for _, e := range evs {
		if e.opt == nil {
			c.logf("%s", e.msg)
			continue
		}
		if err := c.installOption(set, info, file, e.opt); err != nil {
			return err
		}
	}
	return nil
}

func (c *ctx) installOption(set *infoSet, info *installInfo, file string, o *unit.Option) error {
	warn := func(format string, args ...any) {
		c.logf("%s:%d: %s", file, o.Line, fmt.Sprintf(format, args...))
	}
	switch o.Name {
	case "Alias":
		if t := unitType(info.name); !mayAlias(t) {
			warn("Alias= is not allowed for %s units, ignoring.", t)
			return nil
		}
		info.aliases = c.parseList(info.aliases, file, o)
	case "WantedBy":
		info.wantedBy = c.parseList(info.wantedBy, file, o)
	case "RequiredBy":
		info.requiredBy = c.parseList(info.requiredBy, file, o)
	case "DefaultInstance":
		if isValid(info.name, nameInstance) {
			return nil
		}
		if !isValid(info.name, nameTemplate) {
			warn("DefaultInstance= only makes sense for template units, ignoring.")
			return nil
		}
		v, err := c.expandSpecifiers(info, o.Value)
		if err != nil {
			warn("Failed to resolve instance name in DefaultInstance=\"%s\": %s", o.Value, errText(err))
			return &ConfigError{File: file, Line: o.Line, Msg: "bad DefaultInstance=", Err: err}
		}
		if v != "" && !instanceIsValid(v) {
			warn("Invalid DefaultInstance= value \"%s\".", v)
			return &ConfigError{File: file, Line: o.Line, Msg: fmt.Sprintf("invalid DefaultInstance= value %q", v), Err: syscall.EINVAL}
		}
		info.defaultInstance = v
	case "Also":
		w := unit.NewWords(o.Value)
		for {
			word, ok, err := w.Next("", 0)
			if err != nil {
				return &ConfigError{File: file, Line: o.Line, Msg: "bad Also=", Err: syscall.EINVAL}
			}
			if !ok {
				break
			}
			v, err := c.expandSpecifiers(info, word)
			if err != nil {
				warn("Failed to resolve unit name in Also=\"%s\": %s", word, errText(err))
				return &ConfigError{File: file, Line: o.Line, Msg: "bad Also=", Err: err}
			}
			if set != nil {
				if _, _, err := set.add(v, "", true); err != nil {
					return &ConfigError{File: file, Line: o.Line, Msg: fmt.Sprintf("invalid unit name %q in Also=", v), Err: err}
				}
			}
			info.also = append(info.also, v)
		}
	default:
		if !strings.HasPrefix(o.Name, "X-") {
			warn("Unknown key '%s' in section [Install], ignoring.", o.Name)
		}
	}
	return nil
}

// parseList is config_parse_strv() with unquoting and kept backslashes.
func (c *ctx) parseList(l []string, file string, o *unit.Option) []string {
	if o.Value == "" {
		return nil
	}
	w := unit.NewWords(o.Value)
	for {
		word, ok, err := w.Next("", unit.ExtractUnquote|unit.ExtractRetainEscape)
		if err != nil {
			c.logf("%s:%d: Invalid syntax, ignoring: %s", file, o.Line, o.Value)
			return l
		}
		if !ok {
			return l
		}
		l = append(l, word)
	}
}

// add is install_info_add(): the entry for name (or the base name of p),
// created if new. created is false when it existed.
func (s *infoSet) add(name, p string, auxiliary bool) (*installInfo, bool, error) {
	if name == "" {
		name = path.Base(p)
	}
	if !isValid(name, nameAny) {
		return nil, false, syscall.EINVAL
	}
	if i := s.byName[name]; i != nil {
		i.auxiliary = i.auxiliary && auxiliary
		return i, false, nil
	}
	i := &installInfo{name: name, path: p, auxiliary: auxiliary}
	s.byName[name] = i
	s.will = append(s.will, i)
	return i, true, nil
}

// loadOrReadlink is unit_file_load_or_readlink(): symlinks are resolved
// into aliases, linked unit files and masks.
func (c *ctx) loadOrReadlink(set *infoSet, info *installInfo, p string, flags searchFlags) (int, error) {
	n, err := c.load(set, info, p, flags)
	if err != syscall.ELOOP || flags&searchDropin != 0 {
		return n, err
	}
	target, linked, err := c.resolveSymlink(p)
	if err != nil {
		return 0, err
	}
	info.symlinkTarget = target
	switch {
	case c.targetIsNull(target):
		info.mode = modeMasked
	case linked:
		info.mode = modeLinked
	default:
		info.mode = modeAlias
	}
	return 0, nil
}

// targetIsNull is null_or_empty_path_with_root() on a symlink target. As
// in systemd 252, with a root directory only /dev/null itself counts
// (the stat of other targets misses), without one the target is checked.
func (c *ctx) targetIsNull(target string) bool {
	if target == "/dev/null" {
		return true
	}
	if c.paths.Root != "" {
		return false
	}
	fi, err := os.Stat(target)
	return err == nil && nullOrEmpty(fi)
}

// resolveSymlink is unit_file_resolve_symlink() for installation: the
// in-root target of the symlink p, and whether it is a linked unit file
// (outside the search path) rather than an alias.
func (c *ctx) resolveSymlink(p string) (string, bool, error) {
	t, err := os.Readlink(c.host(p))
	if err != nil {
		e := Errno(err)
		c.logf("Failed to read symlink %s: %s", c.host(p), Strerror(e))
		return "", false, e
	}
	dir, file := path.Dir(p), path.Base(p)
	if !strings.HasPrefix(t, "/") {
		t = dir + "/" + t
	}
	simplified, _, err := c.paths.Chase(t, false)
	if err != nil {
		e := Errno(err)
		c.logf("Failed to resolve symlink %s/%s pointing to %s: %s", c.host(dir), file, c.host(t), Strerror(e))
		return "", false, e
	}
	tail, alias := c.underSearchPath(simplified)
	if !alias {
		return simplified, true, nil
	}
	if err := c.validateAliasSymlink(file, simplified, true); err != nil {
		return "", false, err
	}
	if strings.Contains(tail, "/") {
		c.logf("Suspicious symlink %s/%s → %s, treating as alias.", c.host(dir), file, c.host(simplified))
	}
	return simplified, false, nil
}

// validateAliasSymlink is unit_validate_alias_symlink_or_warn(): EINVAL
// for a bad source, EXDEV for a target that does not fit, ELOOP for a
// self-alias. logIt prints the reason (at notice level in systemd).
func (c *ctx) validateAliasSymlink(filename, target string, logIt bool) error {
	src, dst := path.Base(filename), path.Base(target)
	warn := func(err error, format string, args ...any) error {
		if logIt {
			c.logf(format, args...)
		}
		return err
	}
	srcInst, srcKind := instanceOf(src)
	if srcKind == 0 {
		return warn(syscall.EINVAL, "%s: not a valid unit name \"%s\": %s", filename, src, Strerror(syscall.EINVAL))
	}
	st := unitType(src)
	if !mayAlias(st) {
		return warn(syscall.EINVAL, "%s: symlinks are not allowed for units of this type, rejecting.", filename)
	}
	if srcKind != namePlain && !mayTemplate(st) {
		return warn(syscall.EINVAL, "%s: templates not allowed for %s units, rejecting.", filename, st)
	}
	if src == dst {
		return syscall.ELOOP
	}
	dstInst, dstKind := instanceOf(dst)
	if dstKind == 0 {
		return warn(syscall.EXDEV, "%s points to \"%s\" which is not a valid unit name: %s", filename, dst, Strerror(syscall.EXDEV))
	}
	if !(dstKind == srcKind || srcKind == nameInstance && dstKind == nameTemplate) {
		return warn(syscall.EXDEV, "%s: symlink target name type \"%s\" does not match source, rejecting.", filename, dst)
	}
	if dstKind == nameInstance && srcInst != dstInst {
		return warn(syscall.EXDEV, "%s: unit symlink target \"%s\" instance name doesn't match, rejecting.", filename, dst)
	}
	if unitType(dst) != st {
		return warn(syscall.EXDEV, "%s: symlink target \"%s\" has incompatible suffix, rejecting.", filename, dst)
	}
	return nil
}

func notFoundLike(err error) bool {
	return err == syscall.ENOENT || err == syscall.ENOTDIR || err == syscall.EACCES
}

// search is unit_file_search(): find the unit file for info on the search
// path (falling back to the template of an instance) and read its
// drop-ins. It returns the main file's load result.
func (c *ctx) search(set *infoSet, info *installInfo, flags searchFlags) (int, error) {
	if info.mode != modeUnknown {
		return 0, nil
	}
	if info.path != "" {
		return c.loadOrReadlink(set, info, info.path, flags)
	}
	template := ""
	if isValid(info.name, nameInstance) {
		template, _ = templateOf(info.name)
	}
	result, found := 0, false
	try := func(name string) error {
		for _, d := range c.paths.Dirs {
			p := d + "/" + name
			n, err := c.loadOrReadlink(set, info, p, flags)
			if err == nil {
				info.path, result, found = p, n, true
				return nil
			}
			if !notFoundLike(err) {
				return err
			}
		}
		return nil
	}
	if err := try(info.name); err != nil {
		return 0, err
	}
	if !found && template != "" {
		if err := try(template); err != nil {
			return 0, err
		}
	}
	if !found {
		return 0, syscall.ENOENT
	}
	if info.mode == modeMasked {
		return result, nil
	}
	var dirs []string
	for _, d := range c.paths.Dirs {
		dirs = append(dirs, d+"/"+info.name+".d")
	}
	if template != "" {
		for _, d := range c.paths.Dirs {
			dirs = append(dirs, d+"/"+template+".d")
		}
	}
	for _, p := range c.confFiles(dirs, ".conf") {
		if _, err := c.loadOrReadlink(set, info, p, flags|searchDropin); err != nil {
			return 0, err
		}
	}
	return result, nil
}

// confFiles is conf_files_list_strv(): the files ending in suffix in dirs
// (in-root), one per base name with the earliest directory winning,
// sorted by base name; a name masked by /dev/null or an empty file in
// the winning directory drops out.
func (c *ctx) confFiles(dirs []string, suffix string) []string {
	chosen := map[string]string{}
	masked := map[string]bool{}
	for _, d := range dirs {
		ents, err := os.ReadDir(c.host(d))
		if err != nil {
			continue
		}
		for _, e := range ents {
			n := e.Name()
			if hiddenOrBackup(n) || !strings.HasSuffix(n, suffix) {
				continue
			}
			if !(e.Type().IsRegular() || e.Type()&fs.ModeSymlink != 0) {
				continue
			}
			if _, ok := chosen[n]; ok || masked[n] {
				continue
			}
			p := d + "/" + n
			if r, _, err := c.paths.Chase(p, true); err == nil {
				if r == "/dev/null" {
					masked[n] = true
					continue
				}
				if fi, err := os.Stat(c.host(r)); err == nil && nullOrEmpty(fi) {
					masked[n] = true
					continue
				}
			}
			chosen[n] = p
		}
	}
	names := make([]string, 0, len(chosen))
	for n := range chosen {
		names = append(names, n)
	}
	sort.Strings(names)
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = chosen[n]
	}
	return out
}

// follow is install_info_follow(): continue at the symlink's target.
func (c *ctx) follow(set *infoSet, info *installInfo, flags searchFlags, ignoreDifferentName bool) error {
	if info.mode != modeAlias && info.mode != modeLinked || info.symlinkTarget == "" {
		return syscall.EINVAL
	}
	if !ignoreDifferentName && path.Base(info.symlinkTarget) != info.name {
		return syscall.EXDEV
	}
	info.path = info.symlinkTarget
	info.symlinkTarget = ""
	info.mode = modeUnknown
	_, err := c.loadOrReadlink(set, info, info.path, flags)
	return err
}

const followSymlinkMax = 64

// traverse is install_info_traverse(): search for start and follow its
// symlinks (aliases become entries of their own) to the unit file.
func (c *ctx) traverse(set *infoSet, start *installInfo, flags searchFlags) (*installInfo, error) {
	if _, err := c.search(set, start, flags); err != nil {
		return nil, err
	}
	i := start
	for k := 0; i.mode == modeAlias || i.mode == modeLinked; {
		k++
		if k > followSymlinkMax {
			return nil, syscall.ELOOP
		}
		if flags&searchFollowConfigSymlinks == 0 && isConfig(i.path) {
			return nil, syscall.ELOOP
		}
		err := c.follow(set, i, flags, i.mode == modeLinked)
		if err == syscall.EXDEV {
			bn := path.Base(i.symlinkTarget)
			if isValid(i.name, nameInstance) && isValid(bn, nameTemplate) {
				inst, _ := instanceOf(i.name)
				buf, ok := replaceInstance(bn, inst)
				if !ok {
					return nil, syscall.EINVAL
				}
				if buf == i.name {
					if err := c.follow(set, i, flags, true); err != nil {
						return nil, err
					}
					continue
				}
				bn = buf
			}
			ni, _, aerr := set.add(bn, "", false)
			if aerr != nil {
				return nil, aerr
			}
			i = ni
			_, err = c.search(set, i, flags)
			if err == syscall.ENOENT {
				err = syscall.ENOLINK
			}
		}
		if err != nil {
			return nil, err
		}
	}
	return i, nil
}

// discover is install_info_discover(): add name_or_path and traverse it,
// recording a failure as a change.
func (c *ctx) discover(set *infoSet, nameOrPath string, flags searchFlags, record bool) (*installInfo, error) {
	var i *installInfo
	var err error
	if strings.HasPrefix(nameOrPath, "/") {
		i, _, err = set.add("", nameOrPath, false)
	} else {
		i, _, err = set.add(nameOrPath, "", false)
	}
	if err == nil {
		i, err = c.traverse(set, i, flags)
	}
	if err != nil {
		if record {
			c.fail(err, nameOrPath, "")
		}
		return nil, err
	}
	return i, nil
}

// mayProcess refuses masked, generated and transient units.
func (c *ctx) mayProcess(i *installInfo) error {
	if i.mode == modeMasked {
		return c.fail(syscall.ERFKILL, c.host(i.path), "")
	}
	if isGenerator(i.path) || isTransient(i.path) {
		return c.fail(syscall.EADDRNOTAVAIL, c.host(i.path), "")
	}
	return nil
}

func (c *ctx) discoverAndCheck(set *infoSet, nameOrPath string, flags searchFlags) (*installInfo, error) {
	i, err := c.discover(set, nameOrPath, flags, true)
	if err != nil {
		return nil, err
	}
	return i, c.mayProcess(i)
}

// exists is unit_file_exists(): 1 found, 0 not found, or an error.
func (c *ctx) exists(name string) (bool, error) {
	if !isValid(name, nameAny) {
		return false, syscall.EINVAL
	}
	_, err := c.discover(newInfoSet(), name, 0, false)
	if err == syscall.ENOENT {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return true, nil
}
