package floor

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// cgroups is the directory of Options.Cgroups, where every process gets
// a directory of its own.
type cgroups struct {
	path string
	fd   int // O_PATH descriptor of path: the units' directories are made relative to it
}

func openCgroups(path string) (*cgroups, error) {
	var st unix.Statfs_t
	if err := unix.Statfs(path, &st); err != nil {
		return nil, fmt.Errorf("cgroups: %w", &os.PathError{Op: "statfs", Path: path, Err: err})
	}
	if st.Type != unix.CGROUP2_SUPER_MAGIC {
		return nil, fmt.Errorf("cgroups: %s is not in a cgroup v2 hierarchy", path)
	}
	fd, err := unix.Open(path, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("cgroups: %w", &os.PathError{Op: "open", Path: path, Err: err})
	}
	return &cgroups{path: path, fd: fd}, nil
}

func (c *cgroups) close() { unix.Close(c.fd) }

// make creates the directory name (one left by an earlier run is taken
// over) and returns a descriptor of it for SysProcAttr.CgroupFD, which
// the caller closes once the process is spawned.
func (c *cgroups) make(name string) (int, error) {
	p := filepath.Join(c.path, name)
	if err := unix.Mkdirat(c.fd, name, 0o755); err != nil && err != unix.EEXIST {
		return -1, fmt.Errorf("creating its cgroup: %w", &os.PathError{Op: "mkdir", Path: p, Err: err})
	}
	fd, err := unix.Openat(c.fd, name, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		c.remove(name)
		return -1, fmt.Errorf("opening its cgroup: %w", &os.PathError{Op: "open", Path: p, Err: err})
	}
	return fd, nil
}

// remove removes the directory name; one already gone is no error. It
// fails (EBUSY) while a process is left in it.
func (c *cgroups) remove(name string) error {
	err := unix.Unlinkat(c.fd, name, unix.AT_REMOVEDIR)
	if err == nil || err == unix.ENOENT {
		return nil
	}
	return &os.PathError{Op: "rmdir", Path: filepath.Join(c.path, name), Err: err}
}

// dirName reports whether name can be a directory's name.
func dirName(name string) bool {
	return name != "" && name != "." && name != ".." && !strings.ContainsAny(name, "/\n\x00")
}

// OwnCgroup returns the directory of the calling process's cgroup in the
// cgroup v2 hierarchy, from its "0::" line in /proc/self/cgroup and the
// cgroup2 mount in /proc/self/mountinfo that holds it. It fails if the
// process is in no cgroup v2 hierarchy, that hierarchy is not mounted
// where the process sees it, or the mount is read-only.
//
// A directory made below it can hold Options.Cgroups: cgroup v2 forbids
// processes in a cgroup that enables controllers for its children (the
// root apart), so the caller's own cgroup, holding the caller, enables
// none, and its new children may hold processes. gosd makes its units'
// cgroups below its own in the same way (track.Tracker), without moving
// itself.
func OwnCgroup() (string, error) {
	b, err := os.ReadFile("/proc/self/cgroup")
	if err != nil {
		return "", err
	}
	own := ""
	for _, l := range strings.Split(string(b), "\n") {
		if p, ok := strings.CutPrefix(l, "0::"); ok {
			own = p
		}
	}
	if own == "" {
		return "", errors.New("no cgroup v2 membership in /proc/self/cgroup")
	}
	if strings.HasSuffix(own, " (deleted)") {
		return "", fmt.Errorf("the process's cgroup %s was deleted", strings.TrimSuffix(own, " (deleted)"))
	}
	mi, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return "", err
	}
	for _, l := range strings.Split(string(mi), "\n") {
		// ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [OPTIONAL...] - TYPE SOURCE SUPER-OPTIONS
		pre, post, ok := strings.Cut(l, " - ")
		f := strings.Fields(pre)
		if !ok || len(f) < 6 || !strings.HasPrefix(post, "cgroup2 ") {
			continue
		}
		root, point := unescapeMount(f[3]), unescapeMount(f[4])
		rel, ok := strings.CutPrefix(own, strings.TrimSuffix(root, "/"))
		if !ok || rel != "" && !strings.HasPrefix(rel, "/") {
			continue // a mount of another part of the hierarchy
		}
		if slices.Contains(strings.Split(f[5], ","), "ro") {
			return "", fmt.Errorf("the cgroup2 hierarchy at %s is mounted read-only", point)
		}
		return filepath.Join(point, rel), nil
	}
	return "", errors.New("no cgroup2 hierarchy mounted that holds the process's cgroup " + own)
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
