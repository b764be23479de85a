package condition

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

func lstat(p string) (os.FileInfo, error) { return os.Lstat(p) }

// testPathExists is access(F_OK): a dangling symlink does not exist.
func (h *Host) testPathExists(p string) (bool, error) {
	_, err := os.Stat(h.hostPath(p, true))
	return err == nil, nil
}

func (h *Host) testPathIsDirectory(p string) (bool, error) {
	fi, err := os.Stat(h.hostPath(p, true))
	return err == nil && fi.IsDir(), nil
}

func (h *Host) testPathIsSymbolicLink(p string) (bool, error) {
	fi, err := os.Lstat(h.hostPath(p, false))
	return err == nil && fi.Mode()&os.ModeSymlink != 0, nil
}

func (h *Host) testFileNotEmpty(p string) (bool, error) {
	fi, err := os.Stat(h.hostPath(p, true))
	return err == nil && fi.Mode().IsRegular() && fi.Size() > 0, nil
}

// testFileIsExecutable: a regular file with any execute bit (no access
// check: a file only its owner may execute counts for everyone).
func (h *Host) testFileIsExecutable(p string) (bool, error) {
	fi, err := os.Stat(h.hostPath(p, true))
	return err == nil && fi.Mode().IsRegular() && fi.Mode().Perm()&0o111 != 0, nil
}

// testPathIsMountPoint: errors (a missing path) make it false. The root
// directory always is one.
func (h *Host) testPathIsMountPoint(p string) (bool, error) {
	hp := h.hostPath(p, true)
	if path.Clean(p) == "/" {
		_, err := os.Stat(hp)
		return err == nil, nil
	}
	ok, err := isMountPoint(hp)
	return err == nil && ok, nil
}

// isMountPoint decides with statx(): the mount-root attribute where the
// kernel reports it, else a mount ID or device that differs from the
// parent directory's.
func isMountPoint(hp string) (bool, error) {
	var st unix.Statx_t
	if err := unix.Statx(unix.AT_FDCWD, hp, unix.AT_NO_AUTOMOUNT, unix.STATX_TYPE|unix.STATX_MNT_ID, &st); err != nil {
		return false, err
	}
	if st.Attributes_mask&unix.STATX_ATTR_MOUNT_ROOT != 0 {
		return st.Attributes&unix.STATX_ATTR_MOUNT_ROOT != 0, nil
	}
	var parent unix.Statx_t
	if err := unix.Statx(unix.AT_FDCWD, hp+"/..", unix.AT_NO_AUTOMOUNT, unix.STATX_TYPE|unix.STATX_MNT_ID, &parent); err != nil {
		return false, err
	}
	if st.Mask&parent.Mask&unix.STATX_MNT_ID != 0 {
		return st.Mnt_id != parent.Mnt_id, nil
	}
	return st.Dev_major != parent.Dev_major || st.Dev_minor != parent.Dev_minor, nil
}

// readOnlyFS is path_is_read_only_fs(): the file system is mounted
// read-only, or refuses writes with EROFS.
func (h *Host) readOnlyFS(hp string) (bool, error) {
	if h.Statfs == nil {
		return false, errorf(syscall.ENOSYS, "statfs not available")
	}
	st, err := h.Statfs(hp)
	if err != nil {
		return false, err
	}
	if st.Flags&unix.ST_RDONLY != 0 {
		return true, nil
	}
	if err := unix.Access(hp, unix.W_OK); err == unix.EROFS {
		return true, nil
	}
	return false, nil
}

// testPathIsReadWrite: not on a read-only file system. A path that does
// not exist is false (observed); other errors count as read-write, as in
// systemd.
func (h *Host) testPathIsReadWrite(p string) (bool, error) {
	ro, err := h.readOnlyFS(h.hostPath(p, true))
	if err != nil {
		return errnoOf(err) != syscall.ENOENT, nil
	}
	return !ro, nil
}

// testPathIsEncrypted: the block device of the file system holding the
// path is a dm-crypt device, or sits on one. File systems without a
// backing block device (tmpfs, overlayfs) are not encrypted.
func (h *Host) testPathIsEncrypted(p string) (bool, error) {
	var st unix.Stat_t
	if err := unix.Stat(h.hostPath(p, true), &st); err != nil {
		return false, nil
	}
	if unix.Major(st.Dev) == 0 {
		return false, nil
	}
	ok, _ := h.blockDeviceEncrypted(fmt.Sprintf("%d:%d", unix.Major(st.Dev), unix.Minor(st.Dev)), 0)
	return ok, nil
}

func (h *Host) blockDeviceEncrypted(devnum string, depth int) (bool, error) {
	if depth > 16 {
		return false, errorf(syscall.ELOOP, "block device stack too deep")
	}
	dir := "/sys/dev/block/" + devnum
	if uuid, err := h.readLine(dir + "/dm/uuid"); err == nil && strings.HasPrefix(uuid, "CRYPT-") {
		return true, nil
	}
	ents, err := os.ReadDir(h.hostPath(dir+"/slaves", true))
	if err != nil {
		return false, nil
	}
	for _, e := range ents {
		dev, err := h.readLine(dir + "/slaves/" + e.Name() + "/dev")
		if err != nil {
			continue
		}
		if ok, _ := h.blockDeviceEncrypted(strings.TrimSpace(dev), depth+1); ok {
			return true, nil
		}
	}
	return false, nil
}

// hiddenOrBackup is systemd's hidden_or_backup_file(): names that do not
// make a directory non-empty.
func hiddenOrBackup(name string) bool {
	if strings.HasPrefix(name, ".") || name == "lost+found" || name == "aquota.user" || name == "aquota.group" || strings.HasSuffix(name, "~") {
		return true
	}
	dot := strings.LastIndexByte(name, '.')
	if dot < 0 {
		return false
	}
	switch name[dot+1:] {
	case "rpmnew", "rpmsave", "rpmorig", "dpkg-old", "dpkg-new", "dpkg-tmp", "dpkg-dist", "dpkg-bak", "dpkg-backup",
		"dpkg-remove", "ucf-new", "ucf-old", "ucf-dist", "swp", "bak", "old", "new":
		return true
	}
	return false
}

// testDirectoryNotEmpty: a directory (symlinks followed) with an entry
// that is not hidden or a backup. A missing path or a non-directory is
// false; other errors (EACCES) count as not empty, as in systemd.
func (h *Host) testDirectoryNotEmpty(p string) (bool, error) {
	f, err := os.Open(h.hostPath(p, true))
	if err != nil {
		e := errnoOf(err)
		return e != syscall.ENOENT && e != syscall.ENOTDIR, nil
	}
	defer f.Close()
	for {
		names, err := f.Readdirnames(64)
		for _, n := range names {
			if !hiddenOrBackup(n) {
				return true, nil
			}
		}
		if errors.Is(err, io.EOF) || len(names) == 0 && err == nil {
			return false, nil
		}
		if err != nil {
			e := errnoOf(err)
			return e != syscall.ENOENT && e != syscall.ENOTDIR, nil
		}
	}
}
