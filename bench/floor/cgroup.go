package floor

import (
	"fmt"
	"os"
	"path/filepath"
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

// join moves pid into the directory open as fd, for a process spawned
// without CLONE_INTO_CGROUP. A process that has exited already (a quick
// /bin/true) is left where it is.
func (c *cgroups) join(fd, pid int) error {
	procs, err := unix.Openat(fd, "cgroup.procs", unix.O_WRONLY|unix.O_CLOEXEC, 0)
	if err == nil {
		_, err = unix.Write(procs, []byte(strconv.Itoa(pid)))
		unix.Close(procs)
	}
	if err == unix.ESRCH {
		return nil // it has exited already: nothing left to move
	}
	if err != nil {
		return fmt.Errorf("moving it into its cgroup: %w", os.NewSyscallError("cgroup.procs", err))
	}
	return nil
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
