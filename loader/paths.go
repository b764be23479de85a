// Package loader finds unit files on the systemd search path and builds
// units from them the way systemd 252 does: fragments, aliases, masks,
// drop-ins, templates and instances, .wants/.requires/.upholds
// directories, typed settings and the dependencies systemd adds by itself.
package loader

import (
	"errors"
	"io/fs"
	"os"
	"path"
	"strings"
	"sync"
)

// Paths is the unit search path of a system manager, seen from inside Root.
type Paths struct {
	// Root is the host directory the unit tree lives under; "" or "/"
	// means the real root. Every path gosd prints is relative to it.
	Root string
	// Dirs are absolute in-root directories, highest precedence first.
	Dirs []string

	// resolved caches the canonical form of directories Chase has walked;
	// loading thousands of units otherwise repeats the same lstat calls.
	resolved *dirCache
}

type dirCache struct {
	mu sync.Mutex
	m  map[string]string
}

// SystemPaths returns systemd 252's search path for the system manager
// (as `systemd-analyze unit-paths` prints it on Debian) under root.
func SystemPaths(root string) Paths {
	if root == "/" {
		root = ""
	}
	return Paths{Root: strings.TrimSuffix(root, "/"), resolved: &dirCache{m: map[string]string{}}, Dirs: []string{
		"/etc/systemd/system.control",
		"/run/systemd/system.control",
		"/run/systemd/transient",
		"/run/systemd/generator.early",
		"/etc/systemd/system",
		"/etc/systemd/system.attached",
		"/run/systemd/system",
		"/run/systemd/system.attached",
		"/run/systemd/generator",
		"/usr/local/lib/systemd/system",
		"/lib/systemd/system",
		"/usr/lib/systemd/system",
		"/run/systemd/generator.late",
	}}
}

// Host turns an absolute in-root path into the path to open on the host.
func (p Paths) Host(inRoot string) string {
	if p.Root == "" {
		return inRoot
	}
	return p.Root + inRoot
}

// InSearchPath reports the search directory that in-root path q lies
// directly or indirectly under, or "".
func (p Paths) InSearchPath(q string) string {
	for _, d := range p.Dirs {
		if q == d || strings.HasPrefix(q, d+"/") {
			return d
		}
	}
	return ""
}

const maxSymlinkHops = 32

var errLoop = errors.New("too many levels of symbolic links")

// Chase resolves the in-root absolute path q inside p.Root, following
// symlinks as if Root were "/" (absolute targets stay inside Root). With
// followLast false the last component is not followed (systemd's
// CHASE_NOFOLLOW). Components that do not exist are kept as they are
// (CHASE_NONEXISTENT); exists reports whether the whole path exists.
func (p Paths) Chase(q string, followLast bool) (resolved string, exists bool, err error) {
	q = path.Clean("/" + q)
	if p.resolved == nil || q == "/" {
		return p.chase(q, followLast)
	}
	dir, base := path.Split(q)
	dir = path.Clean(dir)
	p.resolved.mu.Lock()
	rd, ok := p.resolved.m[dir]
	p.resolved.mu.Unlock()
	if !ok {
		r, exists, err := p.chase(dir, true)
		if err != nil || !exists {
			return p.chase(q, followLast)
		}
		rd = r
		p.resolved.mu.Lock()
		p.resolved.m[dir] = rd
		p.resolved.mu.Unlock()
	}
	if base == ".." || base == "." {
		return p.chase(q, followLast)
	}
	next := path.Join(rd, base)
	fi, err := os.Lstat(p.Host(next))
	switch {
	case err != nil && errors.Is(err, fs.ErrNotExist):
		return next, false, nil
	case err != nil:
		return "", false, err
	case fi.Mode()&fs.ModeSymlink == 0 || !followLast:
		return next, true, nil
	}
	return p.chase(next, true)
}

// chase walks q component by component.
func (p Paths) chase(q string, followLast bool) (resolved string, exists bool, err error) {
	todo := strings.Split(strings.TrimPrefix(path.Clean("/"+q), "/"), "/")
	done := "/"
	hops := 0
	for len(todo) > 0 {
		c := todo[0]
		todo = todo[1:]
		switch c {
		case "", ".":
			continue
		case "..":
			done = path.Dir(done)
			continue
		}
		next := path.Join(done, c)
		if len(todo) == 0 && !followLast {
			_, err := os.Lstat(p.Host(next))
			return next, err == nil, nil
		}
		fi, err := os.Lstat(p.Host(next))
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				rest := append([]string{next}, todo...)
				return path.Join(rest...), false, nil
			}
			return "", false, err
		}
		if fi.Mode()&fs.ModeSymlink == 0 {
			done = next
			continue
		}
		hops++
		if hops > maxSymlinkHops {
			return "", false, errLoop
		}
		t, err := os.Readlink(p.Host(next))
		if err != nil {
			return "", false, err
		}
		if strings.HasPrefix(t, "/") {
			done = "/"
		}
		todo = append(strings.Split(t, "/"), todo...)
	}
	return done, true, nil
}

// readDirNames lists the entries of an in-root directory with their types;
// a missing directory is empty.
func (p Paths) readDir(dir string) []fs.DirEntry {
	ents, err := os.ReadDir(p.Host(dir))
	if err != nil {
		return nil
	}
	return ents
}

// isNullOrEmpty reports whether the in-root path is masked: /dev/null
// (after following links) or an empty regular file.
func (p Paths) isNullOrEmpty(q string) bool {
	_, masked, err := p.fileTime(q)
	return err == nil && masked
}

// fileTime is the modification time (Unix ns) of the in-root file q,
// through links as Chase follows them, and whether it is masked: /dev/null
// (mtime 0) or an empty regular file.
func (p Paths) fileTime(q string) (mtime int64, masked bool, err error) {
	r, ok, err := p.Chase(q, true)
	switch {
	case err != nil:
		return 0, false, err
	case r == "/dev/null":
		return 0, true, nil
	case !ok:
		return 0, false, fs.ErrNotExist
	}
	fi, err := os.Stat(p.Host(r))
	if err != nil {
		return 0, false, err
	}
	return fi.ModTime().UnixNano(), fi.Mode().IsRegular() && fi.Size() == 0, nil
}

// resolveDir is Chase for a directory, remembered for the Paths' life.
func (p Paths) resolveDir(dir string) (string, error) {
	if p.resolved != nil {
		p.resolved.mu.Lock()
		r, ok := p.resolved.m[dir]
		p.resolved.mu.Unlock()
		if ok {
			return r, nil
		}
	}
	r, _, err := p.chase(dir, true)
	if err == nil && p.resolved != nil {
		p.resolved.mu.Lock()
		p.resolved.m[dir] = r
		p.resolved.mu.Unlock()
	}
	return r, err
}
