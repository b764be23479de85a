package install

import (
	"io/fs"
	"os"
	"path"
	"strings"
	"syscall"
)

// readDirOrdered lists a host directory in the order the kernel returns
// the entries, as systemd's readdir loops see them (which decides the
// order of its messages), skipping hidden and backup files.
func readDirOrdered(hostDir string) ([]fs.DirEntry, error) {
	f, err := os.Open(hostDir)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	ents, err := f.ReadDir(-1)
	out := ents[:0]
	for _, e := range ents {
		if !hiddenOrBackup(e.Name()) {
			out = append(out, e)
		}
	}
	return out, err
}

// symlinksEquivalent is chroot_unit_symlinks_equivalent(): two targets of
// the symlink at src are the same if they name the same file, or the same
// unit name inside the search path.
func (c *ctx) symlinksEquivalent(src, a, b string) bool {
	dir := path.Dir(src)
	abs := func(t string) string {
		if strings.HasPrefix(t, "/") {
			return path.Clean(t)
		}
		return path.Join(dir, t)
	}
	a, b = abs(a), abs(b)
	if a == b {
		return true
	}
	sa, errA := os.Stat(c.host(a))
	sb, errB := os.Stat(c.host(b))
	if errA == nil && errB == nil && os.SameFile(sa, sb) {
		return true
	}
	if path.Base(a) != path.Base(b) {
		return false
	}
	_, inA := c.underSearchPath(a)
	_, inB := c.underSearchPath(b)
	return inA && inB
}

// createSymlink is create_symlink(): make newPath point to oldPath (both
// in-root), accepting an equivalent existing link and replacing a
// different one only with force. It returns 1 when the link is in place.
func (c *ctx) createSymlink(oldPath, newPath string, force bool) (int, error) {
	hn := c.host(newPath)
	_ = os.MkdirAll(path.Dir(hn), 0o755)
	err := os.Symlink(oldPath, hn)
	if err == nil {
		c.add(Symlink, hn, oldPath)
		return 1, nil
	}
	if Errno(err) != syscall.EEXIST {
		return 0, c.fail(err, hn, "")
	}
	dest, err := os.Readlink(hn)
	if err != nil {
		e := Errno(err)
		if e == syscall.EINVAL {
			e = syscall.EEXIST
		}
		return 0, c.fail(e, hn, "")
	}
	if c.symlinksEquivalent(newPath, dest, oldPath) {
		return 1, nil
	}
	if !force {
		return 0, c.fail(syscall.EEXIST, hn, dest)
	}
	tmp := hn + ".gosd-tmp"
	_ = os.Remove(tmp)
	if err := os.Symlink(oldPath, tmp); err != nil {
		return 0, c.fail(err, hn, "")
	}
	if err := os.Rename(tmp, hn); err != nil {
		_ = os.Remove(tmp)
		return 0, c.fail(err, hn, "")
	}
	c.add(Unlink, hn, "")
	c.add(Symlink, hn, oldPath)
	return 1, nil
}

// removalSet is the set of names and in-root paths whose symlinks are to
// be removed (systemd's remove_symlinks_to).
type removalSet map[string]bool

// mark adds p and reports whether it was new.
func (s removalSet) mark(p string) bool {
	p = simplify(p)
	if s[p] {
		return false
	}
	s[p] = true
	return true
}

// removeMarked is remove_marked_symlinks(): delete, under configPath, the
// symlinks to anything in set, repeating while removals mark new paths.
func (c *ctx) removeMarked(set removalSet, configPath string, dryRun bool) error {
	if len(set) == 0 {
		return nil
	}
	if _, err := os.Stat(c.host(configPath)); err != nil {
		if Errno(err) == syscall.ENOENT {
			return nil
		}
		return Errno(err)
	}
	var r error
	for {
		restart := false
		if err := c.removeMarkedIn(set, configPath, configPath, dryRun, &restart); err != nil && r == nil {
			r = err
		}
		if !restart {
			return r
		}
	}
}

func (c *ctx) removeMarkedIn(set removalSet, dir, configPath string, dryRun bool, restart *bool) error {
	ents, err := readDirOrdered(c.host(dir))
	if err != nil && len(ents) == 0 {
		if Errno(err) == syscall.ENOENT {
			return nil
		}
		return Errno(err)
	}
	var r error
	for _, e := range ents {
		name := e.Name()
		p := dir + "/" + name
		switch {
		case e.IsDir():
			if err := c.removeMarkedIn(set, p, configPath, dryRun, restart); err != nil && r == nil {
				r = err
			}
		case e.Type()&fs.ModeSymlink != 0:
			if !isValid(name, nameAny) {
				continue
			}
			found := set[name]
			if !found {
				if t, ok := templateOf(name); ok {
					found = set[t]
				}
			}
			if !found {
				dest, _, err := c.paths.Chase(p, true)
				if err != nil {
					c.fail(err, c.host(p), "")
					if r == nil {
						r = Errno(err)
					}
					continue
				}
				// systemd compares the chased path, which carries the
				// root directory, with in-root paths: with a root only
				// the base name can match.
				found = set[c.host(dest)] || set[path.Base(dest)]
			}
			if !found {
				continue
			}
			if !dryRun {
				if err := os.Remove(c.host(p)); err != nil && Errno(err) != syscall.ENOENT {
					c.fail(err, c.host(p), "")
					if r == nil {
						r = Errno(err)
					}
					continue
				}
				c.rmdirParents(p, configPath)
			}
			c.add(Unlink, c.host(p), "")
			if set.mark(p) && !dryRun {
				*restart = true
			}
		}
	}
	return r
}

// rmdirParents removes the now empty directories between p and stop.
func (c *ctx) rmdirParents(p, stop string) {
	for d := path.Dir(p); d != stop && strings.HasPrefix(d, stop+"/"); d = path.Dir(d) {
		if err := os.Remove(c.host(d)); err != nil {
			return
		}
	}
}

// isSymlinkWithKnownName reports whether name is one info would create.
func isSymlinkWithKnownName(info *installInfo, name string) bool {
	if name == info.name {
		return true
	}
	for _, a := range info.aliases {
		if a == name {
			return true
		}
	}
	if info.defaultInstance != "" && isValid(info.name, nameTemplate) {
		if s, ok := replaceInstance(info.name, info.defaultInstance); ok && s == name {
			return true
		}
	}
	return false
}

// findSymlinksInDir is find_symlinks_in_directory().
func (c *ctx) findSymlinksInDir(dir string, info *installInfo, ignoreDestination, matchName, ignoreSameName bool, configPath string, sameNameLink *bool) bool {
	ents, _ := readDirOrdered(c.host(dir))
	for _, e := range ents {
		if e.Type()&fs.ModeSymlink == 0 {
			continue
		}
		name := e.Name()
		foundPath, foundDest := false, false
		if !ignoreDestination {
			dest, err := os.Readlink(c.host(dir + "/" + name))
			if err != nil {
				continue
			}
			foundDest = path.Base(dest) == info.name
		}
		if ignoreDestination || !ignoreSameName {
			foundPath = name == info.name
		}
		if !foundPath && ignoreDestination {
			if t, ok := templateOf(name); ok {
				foundDest = t == info.name
			}
		}
		same := false
		if foundPath && foundDest {
			same = path.Clean(dir+"/"+name) == path.Clean(configPath+"/"+info.name)
		}
		if same {
			*sameNameLink = true
		} else if foundPath || foundDest {
			if !matchName || isSymlinkWithKnownName(info, name) {
				return true
			}
		}
	}
	return false
}

// findSymlinks is find_symlinks(): look in configPath's .wants/ and
// .requires/ directories, then in configPath itself.
func (c *ctx) findSymlinks(info *installInfo, matchName, ignoreSameName bool, configPath string, sameNameLink *bool) bool {
	ents, err := readDirOrdered(c.host(configPath))
	if err != nil && len(ents) == 0 {
		return false
	}
	for _, e := range ents {
		if !e.IsDir() {
			continue
		}
		n := e.Name()
		if !strings.HasSuffix(n, ".wants") && !strings.HasSuffix(n, ".requires") {
			continue
		}
		if c.findSymlinksInDir(configPath+"/"+n, info, true, matchName, ignoreSameName, configPath, sameNameLink) {
			return true
		}
	}
	return c.findSymlinksInDir(configPath, info, false, matchName, ignoreSameName, configPath, sameNameLink)
}

// findSymlinksInScope is find_symlinks_in_scope(): the enablement state
// the symlinks in the search path give info, if any.
func (c *ctx) findSymlinksInScope(info *installInfo, matchName bool) (State, bool) {
	sameRuntime, sameConfig := false, false
	enabledRuntime, enabledAtAll := false, false
	ignoreSameName := false
	for _, d := range c.paths.Dirs {
		same := false
		if c.findSymlinks(info, matchName, ignoreSameName, d, &same) {
			if d == persistentConfig {
				return Enabled, true
			}
			if isRuntime(d, false) {
				enabledRuntime = true
			} else {
				enabledAtAll = true
			}
		} else if same {
			if d == persistentConfig {
				sameConfig = true
			} else if isRuntime(d, false) {
				sameRuntime = true
			}
		}
		if !ignoreSameName {
			if _, ok := pathStartsWith(info.path, d); ok {
				ignoreSameName = true
			}
		}
	}
	switch {
	case enabledRuntime:
		return EnabledRuntime, true
	case enabledAtAll && isValid(info.name, nameInstance):
		return Static, true
	case sameConfig:
		return Linked, true
	case sameRuntime:
		return LinkedRuntime, true
	}
	return 0, false
}
