package condition

import (
	"strconv"

	"golang.org/x/sys/unix"
)

// testNeedsUpdate: whether /usr was modified after the directory's
// ".updated" stamp, which systemd-update-done.service writes. The
// kernel command line's systemd.condition-needs-update= overrides it; a
// directory on a read-only file system never needs an update. Unlike
// the manual's wording, systemd 252 accepts any directory (observed:
// ConditionNeedsUpdate=/usr and =/nonexist hold on a fresh root).
func (h *Host) testNeedsUpdate(dir string) (bool, error) {
	if v, found, err := h.cmdlineBool("systemd.condition-needs-update"); err == nil && found {
		return v, nil
	}
	if ro, err := h.readOnlyFS(h.hostPath(dir, true)); err == nil && ro {
		return false, nil
	}
	stamp := dir + "/.updated"
	var other, usr unix.Stat_t
	if unix.Lstat(h.hostPath(stamp, false), &other) != nil {
		return true, nil
	}
	if unix.Lstat(h.hostPath("/usr/", true), &usr) != nil {
		return true, nil
	}
	if usr.Mtim.Sec != other.Mtim.Sec {
		return usr.Mtim.Sec > other.Mtim.Sec, nil
	}
	// Same second: nanoseconds decide, unless the stamp's file system
	// keeps none; then the stamp file holds them.
	if usr.Mtim.Nsec == 0 || other.Mtim.Nsec > 0 {
		return usr.Mtim.Nsec > other.Mtim.Nsec, nil
	}
	vars, err := readEnvFile(h.hostPath(stamp, true))
	if err != nil {
		return true, nil
	}
	ts, ok := vars["TIMESTAMP_NSEC"]
	if !ok {
		return true, nil
	}
	n, err := strconv.ParseUint(ts, 10, 64)
	if err != nil {
		return true, nil
	}
	return uint64(usr.Mtim.Sec)*1e9+uint64(usr.Mtim.Nsec) > n, nil
}
