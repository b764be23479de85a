package loader

import (
	"strings"

	"golang.org/x/sys/unix"
)

// dirFDs are directories held open (O_PATH) for the *at system calls, by
// in-root path: opening thousands of files of one directory through its
// descriptor spares the kernel walking the whole host path each time. A
// dirFDs is filled before goroutines share it and only read then.
type dirFDs map[string]int

// openDirFDs opens the in-root directories dirs under p's root; those
// that cannot be opened are left out (callers then use the path).
func openDirFDs(p Paths, dirs []string) dirFDs {
	d := dirFDs{}
	for _, dir := range dirs {
		if _, ok := d[dir]; ok {
			continue
		}
		fd, err := openNoEINTR(unix.AT_FDCWD, p.Host(dir), unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC)
		if err == nil {
			d[dir] = fd
		}
	}
	return d
}

// close closes every descriptor.
func (d dirFDs) close() {
	for dir, fd := range d {
		unix.Close(fd)
		delete(d, dir)
	}
}

// at returns the open descriptor of the directory of the in-root path
// file and file's last component; ok is false when that directory is not
// open.
func (d dirFDs) at(file string) (dirfd int, base string, ok bool) {
	i := strings.LastIndexByte(file, '/')
	if i <= 0 || len(d) == 0 {
		return -1, "", false
	}
	dirfd, ok = d[file[:i]]
	return dirfd, file[i+1:], ok
}

// openNoEINTR is openat(2), retried when a signal interrupts it.
func openNoEINTR(dirfd int, path string, flags int) (int, error) {
	for {
		fd, err := unix.Openat(dirfd, path, flags, 0)
		if err != unix.EINTR {
			return fd, err
		}
	}
}

// readlinkAt is readlinkat(2) into a buffer that grows as needed.
func readlinkAt(dirfd int, name string) (string, error) {
	var small [256]byte
	for size := len(small); ; size *= 2 {
		buf := small[:]
		if size > len(small) {
			buf = make([]byte, size)
		}
		n, err := unix.Readlinkat(dirfd, name, buf)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return "", err
		}
		if n < size {
			return string(buf[:n]), nil
		}
	}
}
