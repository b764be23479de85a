package engine

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"
)

// cgroupJail gives one boot its own cgroup subtree in every cgroup
// hierarchy mounted under /sys/fs/cgroup, seen by the booted manager as the
// root through a cgroup namespace and bind mounts.
//
// Why: nsboot rbinds the host's /sys and makes no cgroup namespace, so every
// systemd it boots (ours, run in parallel, and other people's) manages the
// same host-root /system.slice/NAME.service cgroups. Recorded that way,
// systemd 252 lost exit statuses (ExecMainStatus=0 after SIGTERM), failed
// spawns with status 219/CGROUP, and `systemctl kill` failed with
// "Failed to send signal SIGKILL to auxiliary processes: Input/output error".
type cgroupJail struct {
	dirs []jailDir
}

type jailDir struct {
	Mount string // mount point of the hierarchy, e.g. /sys/fs/cgroup/unified
	Dir   string // the jail's cgroup directory in it (host path)
}

// newCgroupJail creates a cgroup directory named name below this process's
// own cgroup in every mounted hierarchy (cpuset excepted: a new v1 cpuset
// group has no CPUs, and systemd 252 uses cpuset only on the unified
// hierarchy).
func newCgroupJail(name string) (*cgroupJail, error) {
	own, err := ownCgroups()
	if err != nil {
		return nil, err
	}
	mounts, err := cgroupMounts()
	if err != nil {
		return nil, err
	}
	dirs := planJail(mounts, own, name)
	if len(dirs) == 0 {
		return nil, errors.New("cgroup jail: no cgroup hierarchy mounted under /sys/fs/cgroup")
	}
	j := &cgroupJail{}
	for _, d := range dirs {
		if err := os.Mkdir(d.Dir, 0o755); err != nil {
			j.remove()
			return nil, fmt.Errorf("cgroup jail: %w", err)
		}
		j.dirs = append(j.dirs, d)
	}
	return j, nil
}

// planJail returns the jail directory for each hierarchy in mounts where
// this process's cgroup (own, from /proc/self/cgroup) is visible.
func planJail(mounts []cgroupMount, own map[string]string, name string) []jailDir {
	var out []jailDir
	for _, m := range mounts {
		if slices.Contains(m.controllers, "cpuset") {
			continue
		}
		p, ok := own[m.key()]
		if !ok {
			continue
		}
		rel, ok := strings.CutPrefix(p, m.root)
		if !ok || (rel != "" && !strings.HasPrefix(rel, "/")) {
			continue // our cgroup is not visible through this mount
		}
		out = append(out, jailDir{Mount: m.point, Dir: filepath.Join(m.point, rel, name)})
	}
	return out
}

// wrap returns the argv that runs argv inside the jail: it moves itself into
// the jail's groups, unshares a cgroup and a mount namespace, mounts each
// jail directory over its hierarchy's mount point, mounts a private tmpfs
// on /tmp and execs argv. nsboot start run this way boots its init with the
// jail as its cgroup root (its rbind of /sys takes the bind mounts along),
// and the script it leaves in /tmp on every start goes with the namespace.
func (j *cgroupJail) wrap(argv []string) []string {
	var move, binds strings.Builder
	for _, d := range j.dirs {
		// Created again right before the move: a systemd that another
		// nsboot runs at the host's cgroup root deletes every empty
		// cgroup below it when it shuts down.
		fmt.Fprintf(&move, "for i in 1 2 3 4 5; do mkdir -p %[1]s; echo $$ > %[1]s/cgroup.procs && break; sleep 0.1; done\n", shQuote(d.Dir))
		fmt.Fprintf(&move, "grep -qx $$ %s/cgroup.procs\n", shQuote(d.Dir))
		fmt.Fprintf(&binds, "mount --bind %s %s\n", shQuote(d.Dir), shQuote(d.Mount))
	}
	inner := "set -e\n" + binds.String() + "mount -t tmpfs -o mode=1777 tmpfs /tmp\nexec \"$@\"\n"
	outer := "set -e\n" + move.String() +
		"exec unshare --cgroup --mount --propagation private /bin/sh -c " + shQuote(inner) + " sh \"$@\"\n"
	return append([]string{"/bin/sh", "-c", outer, "sh"}, argv...)
}

// remove deletes the jail's cgroups, deepest first. Cgroups of processes
// still exiting are retried for a few seconds.
func (j *cgroupJail) remove() error {
	var errs []error
	for _, d := range j.dirs {
		var err error
		for try := 0; try < 50; try++ {
			if err = rmCgroupTree(d.Dir); err == nil {
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
		if err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// rmCgroupTree removes a cgroup directory and its children. Cgroup
// directories are removed with rmdir; their files cannot be deleted.
func rmCgroupTree(dir string) error {
	var subdirs []string
	err := filepath.WalkDir(dir, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		if e.IsDir() {
			subdirs = append(subdirs, p)
		}
		return nil
	})
	if err != nil {
		return err
	}
	// Deepest first: longer paths of a walk are below shorter ones.
	sort.Slice(subdirs, func(a, b int) bool { return len(subdirs[a]) > len(subdirs[b]) })
	for _, d := range subdirs {
		if err := os.Remove(d); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("cgroup jail: %w", err)
		}
	}
	return nil
}

// cgroupMount is one cgroup or cgroup2 mount from /proc/self/mountinfo.
type cgroupMount struct {
	point       string
	root        string   // the mount's root inside the hierarchy
	controllers []string // v1 controllers and name=, from the super options; nil for cgroup2
}

// key matches the controller field of /proc/self/cgroup.
func (m cgroupMount) key() string {
	return strings.Join(m.controllers, ",")
}

var v1Options = map[string]bool{"rw": true, "ro": true, "noprefix": true, "clone_children": true, "xattr": true, "cpuset_v2_mode": true, "favordynmods": true}

// cgroupMounts lists the cgroup mounts below /sys/fs/cgroup.
func cgroupMounts() ([]cgroupMount, error) {
	data, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return nil, err
	}
	return parseCgroupMounts(string(data)), nil
}

// parseCgroupMounts picks the cgroup and cgroup2 mounts below
// /sys/fs/cgroup from the text of /proc/self/mountinfo.
func parseCgroupMounts(mountinfo string) []cgroupMount {
	var out []cgroupMount
	for _, l := range lines(mountinfo) {
		pre, post, ok := strings.Cut(l, " - ")
		if !ok {
			continue
		}
		a, b := strings.Fields(pre), strings.Fields(post)
		if len(a) < 5 || len(b) < 3 {
			continue
		}
		point := unescapeMountinfo(a[4])
		if point != "/sys/fs/cgroup" && !strings.HasPrefix(point, "/sys/fs/cgroup/") {
			continue
		}
		m := cgroupMount{point: point, root: unescapeMountinfo(a[3])}
		switch b[0] {
		case "cgroup2":
		case "cgroup":
			for _, o := range strings.Split(b[2], ",") {
				if !v1Options[o] && !strings.HasPrefix(o, "release_agent=") {
					m.controllers = append(m.controllers, o)
				}
			}
			if len(m.controllers) == 0 {
				continue
			}
			slices.Sort(m.controllers)
		default:
			continue
		}
		if m.root == "/" {
			m.root = ""
		} else {
			m.root = strings.TrimSuffix(m.root, "/")
		}
		out = append(out, m)
	}
	return out
}

// ownCgroups maps the controller field of /proc/self/cgroup to the path.
func ownCgroups() (map[string]string, error) {
	data, err := os.ReadFile("/proc/self/cgroup")
	if err != nil {
		return nil, err
	}
	return parseProcCgroup(string(data)), nil
}

// parseProcCgroup maps the (sorted) controller field of each line of a
// /proc/PID/cgroup text to the path; "" is the unified hierarchy.
func parseProcCgroup(text string) map[string]string {
	out := map[string]string{}
	for _, l := range lines(text) {
		f := strings.SplitN(l, ":", 3)
		if len(f) != 3 {
			continue
		}
		ctrl := strings.Split(f[1], ",")
		slices.Sort(ctrl)
		out[strings.Join(ctrl, ",")] = f[2]
	}
	return out
}

// unescapeMountinfo undoes the octal escapes of /proc/self/mountinfo.
func unescapeMountinfo(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) {
			var c byte
			if _, err := fmt.Sscanf(s[i+1:i+4], "%03o", &c); err == nil {
				b.WriteByte(c)
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// shQuote quotes s for /bin/sh.
func shQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
