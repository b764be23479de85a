package loader

import (
	"io/fs"
	"os"
	"path"
	"sort"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/gosd/gosd/unit"
)

// Index is the name map of one scan of the search path: which file or
// alias every unit name resolves to, and which names point at each file.
// It is what systemd calls the unit id map and name map.
type Index struct {
	Paths Paths
	// ids maps a unit name to either another unit name (an alias) or an
	// absolute in-root path (a fragment, a linked file or a mask).
	ids map[string]string
	// aliases maps a resolved unit name to every name that points to it,
	// itself included when a file or symlink of that name exists.
	aliases map[string][]string
	// present holds the in-root paths of every unit file and of every
	// .d, .wants, .requires and .upholds directory in the search path.
	present map[string]bool
	// plain holds the in-root paths of unit files that are not symlinks.
	plain map[string]bool
	// dirsNamed maps the base name of each such directory ("foo.service.d")
	// to the search directories that hold it, in search-path order.
	dirsNamed map[string][]string
	// realDirs holds the in-root paths of the .d, .wants, .requires and
	// .upholds entries of the search path that are directories (not
	// symlinks).
	realDirs map[string]bool
	// typeDirs holds the unit type and suffix ("service.d", "target.wants")
	// of every name in dirsNamed: a unit of a type without any is spared
	// the search for its directories.
	typeDirs map[string]bool
	// Diags are problems with symlinks found while scanning.
	Diags []error
	// stamps are the search directories' modification times (and inodes)
	// before they were listed, in Paths.Dirs order: see Stale.
	stamps []dirStamp
}

// dirStamp is what a stat(2) of a search directory tells of its listing:
// a file added, removed or renamed in it changes its mtime; a directory
// made anew has another inode. A missing directory has the zero stamp.
type dirStamp struct {
	ino       uint64
	sec, nsec int64
}

func (p Paths) stamp(dir string) dirStamp {
	var st unix.Stat_t
	if unix.Stat(p.Host(dir), &st) != nil {
		return dirStamp{}
	}
	return dirStamp{ino: st.Ino, sec: st.Mtim.Sec, nsec: st.Mtim.Nsec}
}

// Stale reports whether a search directory changed since the scan (one
// stat(2) of each): a unit file or a .d/.wants directory was added or
// removed in it. systemd 252 likewise rebuilds its unit name map, when it
// loads a unit, if the search directories' mtimes changed (conformance
// 975: a file added after boot is found without daemon-reload).
func (ix *Index) Stale() bool {
	for i, dir := range ix.Paths.Dirs {
		if ix.Paths.stamp(dir) != ix.stamps[i] {
			return true
		}
	}
	return false
}

// Scan reads the search path once and builds the name map.
func (p Paths) Scan() *Index {
	// The directories are listed first, so that the maps are made once
	// in their final size.
	listings := make([][]fs.DirEntry, len(p.Dirs))
	stamps := make([]dirStamp, len(p.Dirs))
	n := 0
	for i, dir := range p.Dirs {
		// stamped before it is listed: a change between the two makes
		// the scan stale, not wrong and fresh
		stamps[i] = p.stamp(dir)
		listings[i] = p.readDir(dir)
		n += len(listings[i])
	}
	ix := &Index{Paths: p, ids: make(map[string]string, n), aliases: make(map[string][]string, n), present: make(map[string]bool, n),
		plain: make(map[string]bool, n), dirsNamed: map[string][]string{}, typeDirs: map[string]bool{}, realDirs: map[string]bool{},
		stamps: stamps}
	for i, dir := range p.Dirs {
		for _, de := range listings[i] {
			name := de.Name()
			valid := unit.IsValidName(name)
			if !valid && !strings.HasSuffix(name, ".wants") && !strings.HasSuffix(name, ".requires") &&
				!strings.HasSuffix(name, ".upholds") && !strings.HasSuffix(name, ".d") {
				continue
			}
			file := dir + "/" + name
			ix.present[file] = true
			if !valid {
				if len(ix.dirsNamed[name]) == 0 {
					ix.typeDirs[dirType(name)] = true
				}
				ix.dirsNamed[name] = append(ix.dirsNamed[name], dir)
				if de.IsDir() {
					ix.realDirs[file] = true
				}
				continue
			}
			if _, seen := ix.ids[name]; seen {
				continue
			}
			if de.Type()&fs.ModeSymlink == 0 {
				ix.plain[file] = true
				ix.ids[name] = file
				continue
			}
			target, err := p.readlink(file)
			if err != nil {
				ix.Diags = append(ix.Diags, err)
				continue
			}
			if !strings.HasPrefix(target, "/") {
				target = dir + "/" + target
			}
			simplified, _, err := p.Chase(target, false)
			if err != nil {
				ix.Diags = append(ix.Diags, &unit.Diag{File: file, Msg: "Failed to resolve symlink pointing to " + target + ", ignoring: " + err.Error()})
				continue
			}
			if p.InSearchPath(simplified) == "" {
				// A linked unit file or a mask: the link itself is the fragment.
				ix.ids[name] = file
				continue
			}
			dst := path.Base(simplified)
			if err := validateAlias(file, name, dst); err != nil {
				ix.Diags = append(ix.Diags, err)
				continue
			}
			if dst == name {
				continue // a self-alias has no effect
			}
			ix.ids[name] = dst
		}
	}
	for src := range ix.ids {
		dst, ok := ix.resolve(src)
		if !ok || (path.Base(dst) != src && p.isNullOrEmpty(dst)) {
			continue
		}
		d := path.Base(dst)
		if unit.IsTemplate(d) && unit.IsInstance(src) {
			_, inst, _, _ := unit.SplitName(src)
			if x, err := unit.Instantiate(d, inst); err == nil {
				d = x
			}
		}
		ix.aliases[d] = append(ix.aliases[d], src)
	}
	for _, v := range ix.aliases {
		sort.Strings(v)
	}
	return ix
}

// dirType is the unit type and suffix of a drop-in or dependency directory
// name: "service.d" for "foo.service.d", "foo-.service.d" and "service.d".
func dirType(name string) string {
	dot := strings.LastIndexByte(name, '.')
	if dot < 0 {
		return name
	}
	stem, suffix := name[:dot], name[dot:]
	return stem[strings.LastIndexByte(stem, '.')+1:] + suffix
}

func (p Paths) readlink(file string) (string, error) {
	t, err := os.Readlink(p.Host(file))
	if err != nil {
		return "", &unit.Diag{File: file, Msg: "Failed to read symlink, ignoring: " + err.Error()}
	}
	return t, nil
}

// validateAlias checks an alias symlink the way systemd does: both names
// valid, of the same type, a type that may be aliased, and the same kind
// of name (an instance may point at its template).
func validateAlias(file, src, dst string) error {
	_, srcInst, srcType, err := unit.SplitName(src)
	if err != nil {
		return &unit.Diag{File: file, Msg: "not a valid unit name \"" + src + "\""}
	}
	if !typeMayAlias(srcType) {
		return &unit.Diag{File: file, Msg: "symlinks are not allowed for units of this type, rejecting."}
	}
	if !unit.IsPlain(src) && !typeMayTemplate(srcType) {
		return &unit.Diag{File: file, Msg: "templates not allowed for " + srcType + " units, rejecting."}
	}
	_, dstInst, dstType, err := unit.SplitName(dst)
	if err != nil {
		return &unit.Diag{File: file, Msg: "points to \"" + dst + "\" which is not a valid unit name"}
	}
	if nameKind(src) != nameKind(dst) && !(unit.IsInstance(src) && unit.IsTemplate(dst)) {
		return &unit.Diag{File: file, Msg: "symlink target name type \"" + dst + "\" does not match source, rejecting."}
	}
	if unit.IsInstance(dst) && srcInst != dstInst {
		return &unit.Diag{File: file, Msg: "unit symlink target \"" + dst + "\" instance name doesn't match, rejecting."}
	}
	if dstType != srcType {
		return &unit.Diag{File: file, Msg: "symlink target \"" + dst + "\" has incompatible suffix, rejecting."}
	}
	return nil
}

// nameKind is 1 for plain names, 2 for instances, 3 for templates.
func nameKind(n string) int {
	switch {
	case unit.IsPlain(n):
		return 1
	case unit.IsInstance(n):
		return 2
	case unit.IsTemplate(n):
		return 3
	}
	return 0
}

// typeMayAlias reports whether units of type t may have alias symlinks.
func typeMayAlias(t string) bool {
	switch t {
	case "service", "socket", "target", "device", "timer", "path":
		return true
	}
	return false
}

// typeMayTemplate reports whether units of type t may be templates.
func typeMayTemplate(t string) bool {
	switch t {
	case "service", "socket", "target", "timer", "path":
		return true
	}
	return false
}

const maxAliasHops = 8

// resolve follows aliases from name to an absolute in-root path. For an
// alias that points at an instance with no file of its own, the template
// is tried.
func (ix *Index) resolve(name string) (string, bool) {
	id := ""
	for range maxAliasHops {
		key := name
		if id != "" {
			key = id
		}
		t, ok := ix.ids[key]
		if !ok {
			if id == "" {
				return "", false
			}
			tmpl, err := unit.TemplateOf(id)
			if err != nil || !unit.IsInstance(id) {
				return "", false
			}
			if t, ok = ix.ids[tmpl]; !ok {
				return "", false
			}
		}
		if strings.HasPrefix(t, "/") {
			return t, true
		}
		id = t
	}
	return "", false
}

// Fragment finds the file that defines name and the set of names the unit
// goes by (name itself, its aliases, and for an instance the instantiated
// aliases of its template). fragment is "" when no file defines it.
func (ix *Index) Fragment(name string) (fragment string, names []string) {
	if !unit.IsValidName(name) {
		return "", nil
	}
	_, inst, _, _ := unit.SplitName(name)
	set := map[string]bool{}
	ix.addNames(set, name, inst, "", name)
	frag, ok := ix.resolve(name)
	if !ok && unit.IsInstance(name) {
		tmpl, _ := unit.TemplateOf(name)
		frag, ok = ix.resolve(tmpl)
	}
	if !ok {
		frag = ""
	}
	if frag != "" && path.Base(frag) != name {
		ix.addNames(set, name, inst, path.Base(frag), path.Base(frag))
	}
	for k := range set {
		if unit.IsTemplate(k) && inst != "" {
			delete(set, k)
			if x, err := unit.Instantiate(k, inst); err == nil {
				set[x] = true
			}
		}
	}
	for k := range set {
		names = append(names, k)
	}
	sort.Strings(names)
	return frag, names
}

// addNames adds name (unless the unit is a template) and the aliases that
// point at it to set; for an instance unit, template aliases are
// instantiated unless that instance resolves to some other fragment.
func (ix *Index) addNames(set map[string]bool, unitName, inst, fragBase, name string) {
	if !unit.IsTemplate(unitName) {
		set[name] = true
	}
	for _, a := range ix.aliases[name] {
		if inst != "" && unit.IsTemplate(a) {
			x, err := unit.Instantiate(a, inst)
			if err != nil {
				continue
			}
			if f, ok := ix.resolve(x); ok && path.Base(f) != fragBase {
				continue // an alias that points in another direction
			}
			set[x] = true
			continue
		}
		set[a] = true
	}
}

// Present reports whether the in-root path was seen in the search path.
func (ix *Index) Present(p string) bool { return ix.present[p] }

// UnitFiles returns every unit name that has a file or symlink in the
// search path, sorted.
func (ix *Index) UnitFiles() []string {
	out := make([]string, 0, len(ix.ids))
	for k := range ix.ids {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// realPath resolves an in-root unit file path. A file the scan saw as a
// plain file needs only its directory resolved, which is cached; one the
// caller knows to be resolved already (a regular file in a directory
// without symlinks) needs nothing.
func (ix *Index) realPath(file string, resolved bool) (string, error) {
	if resolved {
		return file, nil
	}
	if ix.plain[file] {
		dir, base := path.Split(file)
		d, err := ix.Paths.resolveDir(path.Clean(dir))
		if err != nil {
			return "", err
		}
		return path.Join(d, base), nil
	}
	r, _, err := ix.Paths.Chase(file, true)
	return r, err
}
