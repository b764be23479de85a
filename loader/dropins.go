package loader

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"slices"
	"sort"
	"strings"
	"syscall"

	"github.com/gosd/gosd/unit"
)

// dropinDirs returns every directory "<name><suffix>" (suffix ".d",
// ".wants", ...) that applies to a unit with the given names, in systemd's
// order: for each name and each search directory, the name's own, its
// template's and its dash prefixes' ("foo-.service.d"), then for ".d" the
// unit-type directory ("service.d") of each search directory. Paths are
// canonical (symlinks chased), as systemd reports them.
func (ix *Index) dropinDirs(names []string, suffix string) []string {
	if len(names) == 0 || !ix.typeDirs[unit.NameType(names[0])+suffix] {
		return nil // names of one unit are all of one type
	}
	var dirs []string
	add := func(p string) {
		if !ix.present[p] {
			return
		}
		if ix.realDirs[p] {
			// A directory, not a symlink, when the scan listed it: only
			// its parent, a search directory, needs resolving (cached).
			parent, base := path.Split(p)
			if rd, err := ix.Paths.resolveDir(path.Clean(parent)); err == nil {
				dirs = append(dirs, path.Join(rd, base))
				return
			}
		}
		if c, ok, err := ix.Paths.Chase(p, true); err == nil && ok {
			dirs = append(dirs, c)
		}
	}
	typ := ""
	for _, name := range names {
		pre := unit.DropInPrefixes(name)
		if len(pre) == 0 {
			continue
		}
		typ = pre[len(pre)-1]
		// Most names have no such directory anywhere: ask the scan first.
		var found []string
		for _, n := range pre[:len(pre)-1] {
			if len(ix.dirsNamed[n+suffix]) > 0 {
				found = append(found, n+suffix)
			}
		}
		if len(found) == 0 {
			continue
		}
		for _, d := range ix.Paths.Dirs {
			for _, n := range found {
				add(d + "/" + n)
			}
		}
	}
	if typ != "" && suffix == ".d" {
		for _, d := range ix.dirsNamed[typ+suffix] {
			add(d + "/" + typ + suffix)
		}
	}
	return dedupe(dirs)
}

func dedupe(s []string) []string {
	seen := make(map[string]bool, len(s))
	out := s[:0]
	for _, x := range s {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}

// DropIns returns the drop-in files (*.conf) of a unit with the given
// names in the order they apply: a file name found in several directories
// is taken from the first of them, and the result is sorted by file name.
func (ix *Index) DropIns(names []string) []string {
	files := ix.dropIns(names)
	out := make([]string, len(files))
	for i, f := range files {
		out[i] = f.path
	}
	return out
}

// dropIn is one drop-in file; regular says its directory listing showed a
// regular file (not a symlink): in the canonical directory dropinDirs
// gives, it needs no resolving.
type dropIn struct {
	path    string
	regular bool
}

// dropIns is DropIns with the type of each file.
func (ix *Index) dropIns(names []string) []dropIn {
	dirs := ix.dropinDirs(names, ".d")
	if len(dirs) == 1 {
		// One directory lists each name once, sorted (os.ReadDir).
		ents, err := os.ReadDir(ix.Paths.Host(dirs[0]))
		if err != nil {
			return nil
		}
		var out []dropIn
		for _, e := range ents {
			if b := e.Name(); strings.HasSuffix(b, ".conf") && !e.IsDir() {
				out = append(out, dropIn{dirs[0] + "/" + b, e.Type().IsRegular()})
			}
		}
		return out
	}
	byBase := map[string]dropIn{}
	for _, d := range dirs {
		ents, err := os.ReadDir(ix.Paths.Host(d))
		if err != nil {
			continue
		}
		for _, e := range ents {
			b := e.Name()
			if !strings.HasSuffix(b, ".conf") || e.IsDir() {
				continue
			}
			if _, ok := byBase[b]; !ok {
				byBase[b] = dropIn{d + "/" + b, e.Type().IsRegular()}
			}
		}
	}
	bases := make([]string, 0, len(byBase))
	for b := range byBase {
		bases = append(bases, b)
	}
	sort.Strings(bases)
	out := make([]dropIn, len(bases))
	for i, b := range bases {
		out[i] = byBase[b]
	}
	return out
}

// hiddenOrBackup is systemd's hidden_or_backup_file(): names that
// directory listings of configuration skip.
func hiddenOrBackup(name string) bool {
	if strings.HasPrefix(name, ".") || strings.HasSuffix(name, "~") {
		return true
	}
	for _, s := range []string{".rpmnew", ".rpmsave", ".rpmorig", ".dpkg-old", ".dpkg-new", ".dpkg-tmp", ".dpkg-dist", ".dpkg-bak", ".dpkg-backup", ".dpkg-remove", ".ucf-new", ".ucf-old", ".ucf-dist", ".swp", ".bak", ".old", ".new"} {
		if strings.HasSuffix(name, s) {
			return true
		}
	}
	return false
}

// depDirEntry is one entry of a .wants-style directory: its in-root path
// and its type (a symlink or a regular file).
type depDirEntry struct {
	path    string
	symlink bool
}

// depDirFiles lists the entries of the suffix directories (".wants",
// ".requires", ".upholds") of a unit with the given names the way
// systemd's conf_files_list() does: regular files and symlinks that are
// not hidden, an entry name found in several directories taken from the
// first, sorted by name.
func (ix *Index) depDirFiles(names []string, suffix string) []depDirEntry {
	dirs := ix.dropinDirs(names, suffix)
	if len(dirs) == 0 {
		return nil
	}
	if len(dirs) == 1 {
		// One directory lists each name once, sorted (os.ReadDir).
		ents, err := os.ReadDir(ix.Paths.Host(dirs[0]))
		if err != nil {
			return nil
		}
		out := make([]depDirEntry, 0, len(ents))
		for _, e := range ents {
			if de, ok := depDirEntryOf(dirs[0], e); ok {
				out = append(out, de)
			}
		}
		return out
	}
	byBase := map[string]depDirEntry{}
	for _, d := range dirs {
		ents, err := os.ReadDir(ix.Paths.Host(d))
		if err != nil {
			continue
		}
		for _, e := range ents {
			if _, ok := byBase[e.Name()]; ok {
				continue
			}
			if de, ok := depDirEntryOf(d, e); ok {
				byBase[e.Name()] = de
			}
		}
	}
	bases := make([]string, 0, len(byBase))
	for b := range byBase {
		bases = append(bases, b)
	}
	sort.Strings(bases)
	out := make([]depDirEntry, len(bases))
	for i, b := range bases {
		out[i] = byBase[b]
	}
	return out
}

// depDirEntryOf is the entry e of directory d, unless conf_files_list()
// skips it: hidden or backup files, and what is neither a regular file
// nor a symlink.
func depDirEntryOf(d string, e fs.DirEntry) (depDirEntry, bool) {
	b := e.Name()
	link := e.Type()&fs.ModeSymlink != 0
	if hiddenOrBackup(b) || !(e.Type().IsRegular() || link) {
		return depDirEntry{}, false
	}
	return depDirEntry{d + "/" + b, link}, true
}

// depDirEntries adds the dependencies of kind d that the unit's suffix
// directories (".wants", ".requires", ".upholds") hold, as systemd's
// process_deps() does: entries that are masked (/dev/null or empty) are
// skipped, plain files and invalid names are reported and skipped, and a
// symlink whose target has another name is reported but still used (by
// the entry's name). Template entries are instantiated by addNamedDep.
func (s *Set) depDirEntries(u *Unit, suffix string, d Dep) {
	entries := s.index().depDirFiles(u.Names, suffix)
	if len(entries) == 0 {
		return
	}
	// The entries' directories are held open while their links are read.
	var dirs []string
	for _, e := range entries {
		if dir := path.Dir(e.path); !slices.Contains(dirs, dir) {
			dirs = append(dirs, dir)
		}
	}
	fds := openDirFDs(s.Paths, dirs)
	defer fds.close()
	for _, e := range entries {
		p, entry := e.path, path.Base(e.path)
		if !e.symlink {
			if fi, err := os.Lstat(s.Paths.Host(p)); err == nil && fi.Size() == 0 {
				continue // an empty file masks the entry
			}
			u.unitWarn(fmt.Sprintf("%s dependency dropin %s is not a symlink, ignoring.", d, p))
			continue
		}
		var target string
		var err error
		if dirfd, name, ok := fds.at(p); ok {
			target, err = readlinkAt(dirfd, name)
		} else {
			target, err = os.Readlink(s.Paths.Host(p))
		}
		if err != nil {
			u.unitWarn(fmt.Sprintf("%s dropin %s unreadable, ignoring: %s", d, p, errnoText(errnoOf(err))))
			continue
		}
		if s.maskedLink(p, target) {
			continue
		}
		if !unit.IsValidName(entry) {
			u.unitWarn(fmt.Sprintf("%s dependency dropin %s is not a valid unit name, ignoring.", d, p))
			continue
		}
		if !symlinkNameCompatible(entry, path.Base(target), u.Instance() != "") {
			u.unitWarn(fmt.Sprintf("%s dependency dropin %s target %s has different name", d, p, target))
		}
		if err := u.addNamedDep(d, entry); err != nil {
			u.unitWarn(fmt.Sprintf("Cannot add %s dependency on %s, ignoring: %s", d, entry, errnoText(errnoOf(err))))
		}
	}
}

// maskedLink reports whether the symlink p (pointing to target) leads to
// /dev/null or an empty file. Links that the host can follow the same way
// as the root (relative ones, or any when the root is "/") are followed
// by the kernel; absolute links under another root are chased in it.
func (s *Set) maskedLink(p, target string) bool {
	if target == "/dev/null" {
		return true
	}
	if s.linksToContent(p, target) {
		return false
	}
	if s.Paths.Root != "" && strings.HasPrefix(target, "/") {
		return s.Paths.isNullOrEmpty(p)
	}
	// syscall.Stat rather than os.Stat: this runs for every entry of
	// every .wants directory, and needs no os.FileInfo.
	var st syscall.Stat_t
	if err := statNoEINTR(s.Paths.Host(p), &st); err != nil {
		return false
	}
	switch st.Mode & syscall.S_IFMT {
	case syscall.S_IFREG:
		return st.Size == 0
	case syscall.S_IFCHR:
		var null syscall.Stat_t
		return statNoEINTR("/dev/null", &null) == nil && st.Dev == null.Dev && st.Ino == null.Ino
	}
	return false
}

// statNoEINTR is syscall.Stat, retried when a signal interrupts it.
func statNoEINTR(path string, st *syscall.Stat_t) error {
	for {
		err := syscall.Stat(path, st)
		if err != syscall.EINTR {
			return err
		}
	}
}

// linksToContent reports whether the symlink p (in a directory without
// symlinks, as dropinDirs gives them), pointing to target, is known
// without a system call to lead to a file with content: a unit file that
// prefetch read, in a search directory without symlinks inside the root,
// so that the kernel following p and Chase inside the root both arrive at
// the file prefetch read. It spares a stat of every .wants entry.
func (s *Set) linksToContent(p, target string) bool {
	if s.fetched == nil {
		return false
	}
	q, ok := linkPath(path.Dir(p), target)
	if !ok || !s.index().plain[q] {
		return false
	}
	if f := s.fetched[q]; f == nil || f.size == 0 {
		return false
	}
	dir := path.Dir(q)
	r, err := s.Paths.resolveDir(dir)
	return err == nil && r == dir
}

// linkPath is where a symlink in the in-root directory dir (which has no
// symlinks) pointing to target leads, worked out without the file system.
// ok is false where a symlink on the way could change that: a ".." after
// a name, or one that climbs above the root.
func linkPath(dir, target string) (q string, ok bool) {
	rest := target
	if strings.HasPrefix(target, "/") {
		dir, rest = "/", target[1:]
	} else {
		for rest == ".." || strings.HasPrefix(rest, "../") {
			if dir == "/" {
				return "", false
			}
			dir = path.Dir(dir)
			rest = strings.TrimPrefix(rest[2:], "/")
		}
	}
	if rest == ".." || strings.HasPrefix(rest, "../") || strings.HasSuffix(rest, "/..") || strings.Contains(rest, "/../") {
		return "", false
	}
	return path.Join(dir, rest), true
}

// symlinkNameCompatible is systemd's unit_symlink_name_compatible(): a
// link may point at a file of its own name, an instance at its template,
// and (when the unit has an instance to pass on) a template at itself.
func symlinkNameCompatible(link, target string, instancePropagation bool) bool {
	if link == target && (unit.IsPlain(link) || unit.IsInstance(link)) {
		return true
	}
	tmpl, err := unit.TemplateOf(link)
	if err != nil || !(unit.IsInstance(link) || unit.IsTemplate(link)) {
		return false
	}
	if unit.IsInstance(link) && unit.IsTemplate(target) && tmpl == target {
		return true
	}
	return instancePropagation && unit.IsTemplate(link) && unit.IsTemplate(target) && tmpl == target
}

// errnoOf extracts the errno of a file-system error (EIO if none).
func errnoOf(err error) syscall.Errno {
	var e syscall.Errno
	if errors.As(err, &e) {
		return e
	}
	return syscall.EIO
}
