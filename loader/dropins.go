package loader

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
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

// dropIns returns the drop-in files (*.conf) of a unit with the given
// names in the order they apply: a file name found in several directories
// is taken from the first of them, and the result is sorted by file name.
// A file the listing shows as regular (not a symlink) is in the canonical
// directory dropinDirs gives, and needs no resolving.
func (ix *Index) dropIns(names []string) []confFile {
	return ix.Paths.confFiles(ix.dropinDirs(names, ".d"), func(e fs.DirEntry) bool {
		return strings.HasSuffix(e.Name(), ".conf") && !e.IsDir()
	}, nil)
}

// confFile is an entry of a drop-in or .wants-style directory that
// confFiles listed.
type confFile struct {
	path  string      // in-root
	typ   fs.FileMode // its type, as the directory listing shows it
	dirfd int         // its directory's descriptor, if confFiles left it open; else -1
}

// confFiles lists the entries of the in-root directories dirs that keep
// accepts, as systemd's conf_files_list() does: an entry name found in
// several directories is taken from the first of them, and the list is
// sorted by name. Each directory is opened once. With open not nil the
// directories stay open, for the *at system calls on their entries (see
// confFile.dirfd), and are added to *open for the caller to close.
func (p Paths) confFiles(dirs []string, keep func(fs.DirEntry) bool, open *[]*os.File) []confFile {
	var out []confFile
	var taken map[string]bool // the names listed, with several directories
	if len(dirs) > 1 {
		taken = map[string]bool{}
	}
	for _, d := range dirs {
		f, err := os.Open(p.Host(d))
		if err != nil {
			continue
		}
		ents, err := f.ReadDir(-1)
		dirfd := -1
		switch {
		case err != nil:
			f.Close()
			continue
		case open != nil:
			*open = append(*open, f)
			dirfd = int(f.Fd())
		default:
			f.Close()
		}
		for _, e := range ents {
			if taken[e.Name()] || !keep(e) {
				continue
			}
			if taken != nil {
				taken[e.Name()] = true
			}
			out = append(out, confFile{d + "/" + e.Name(), e.Type(), dirfd})
		}
	}
	if len(out) > 1 { // sort.Slice (see applyChanges) allocates even for none
		sort.Slice(out, func(i, j int) bool { return path.Base(out[i].path) < path.Base(out[j].path) })
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

// depDirEntry reports whether conf_files_list() lists the entry e of a
// .wants-style directory: regular files and symlinks that are not hidden
// or backup files.
func depDirEntry(e fs.DirEntry) bool {
	return !hiddenOrBackup(e.Name()) && (e.Type().IsRegular() || e.Type()&fs.ModeSymlink != 0)
}

// depDirEntries adds the dependencies of kind d that the unit's suffix
// directories (".wants", ".requires", ".upholds") hold, as systemd's
// process_deps() does: entries that are masked (/dev/null or empty) are
// skipped, plain files and invalid names are reported and skipped, and a
// symlink whose target has another name is reported but still used (by
// the entry's name). Template entries are instantiated by addNamedDep.
func (s *Set) depDirEntries(u *Unit, suffix string, d Dep) {
	dirs := s.index().dropinDirs(u.Names, suffix)
	if len(dirs) == 0 {
		return
	}
	// The directories are held open while their links are read.
	var open []*os.File
	entries := s.Paths.confFiles(dirs, depDirEntry, &open)
	defer func() {
		for _, f := range open {
			f.Close()
		}
	}()
	for _, e := range entries {
		p, entry := e.path, path.Base(e.path)
		if e.typ&fs.ModeSymlink == 0 {
			if fi, err := os.Lstat(s.Paths.Host(p)); err == nil && fi.Size() == 0 {
				continue // an empty file masks the entry
			}
			u.unitWarn(fmt.Sprintf("%s dependency dropin %s is not a symlink, ignoring.", d, p))
			continue
		}
		target, err := readlinkAt(e.dirfd, entry)
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
