package spawn

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// startPlain starts the command with one fork+exec.
func startPlain(r *Request, sp *spec, st *streams) (int, error) {
	files := make([]uintptr, 3, 3+len(r.ListenFDs))
	for i, f := range st.fd {
		files[i] = f.Fd() // blocking, as the process expects its streams
	}
	sys := &syscall.SysProcAttr{Setsid: true, Setctty: st.ctty, Ctty: 0, Chroot: sp.Chroot}
	if sp.SetCred {
		groups := make([]uint32, len(sp.Groups))
		for i, g := range sp.Groups {
			groups[i] = uint32(g)
		}
		sys.Credential = &syscall.Credential{Uid: uint32(sp.UID), Gid: uint32(sp.GID), Groups: groups}
	}
	sys.AmbientCaps = capList(sp.Ambient)
	if r.Cgroup != nil {
		sys.UseCgroupFD, sys.CgroupFD = true, int(rawFD(r.Cgroup))
	}
	attr := &syscall.ProcAttr{Dir: sp.Dir, Env: sp.Env, Files: files, Sys: sys}
	pid, err := syscall.ForkExec(sp.Path, sp.Argv, attr)
	runtime.KeepAlive(st)
	runtime.KeepAlive(r)
	if err != nil {
		return 0, classifyForkError(err, sp, r.Cgroup != nil)
	}
	return pid, nil
}

// rawFD returns f's descriptor without changing its blocking mode.
func rawFD(f *os.File) uintptr {
	var fd uintptr
	if rc, err := f.SyscallConn(); err == nil {
		rc.Control(func(x uintptr) { fd = x })
	}
	return fd
}

// classifyForkError tells which step of the plain path failed: the
// fork+exec reports an errno only.
func classifyForkError(err error, sp *spec, cgroup bool) error {
	var errno syscall.Errno
	if !errors.As(err, &errno) {
		return &stepError{ExitExec, fmt.Errorf("%s: %w", sp.Path, err)}
	}
	switch errno {
	case syscall.ENOENT, syscall.EACCES, syscall.ENOTDIR, syscall.ELOOP, syscall.ENAMETOOLONG:
		if sp.Dir != "/" && !dirReachable(sp) {
			return &stepError{ExitChdir, fmt.Errorf("WorkingDirectory=%s: %w", sp.Dir, errno)}
		}
		return &stepError{ExitExec, fmt.Errorf("%s: %w", sp.Path, errno)}
	case syscall.EPERM, syscall.EINVAL, syscall.EAGAIN:
		if sp.SetCred {
			return &stepError{ExitUser, fmt.Errorf("changing to uid %d gid %d: %w", sp.UID, sp.GID, errno)}
		}
	case syscall.EBUSY, syscall.EOPNOTSUPP, syscall.ENODEV, syscall.E2BIG:
		if cgroup {
			return &stepError{ExitCgroup, fmt.Errorf("placing the process in its cgroup: %w", errno)}
		}
	}
	return &stepError{ExitExec, fmt.Errorf("%s: %w", sp.Path, errno)}
}

// dirReachable checks, from the mode bits, that the process's user can
// search every component of its working directory.
func dirReachable(sp *spec) bool {
	p := filepath.Join(sp.Chroot, sp.Dir)
	if !sp.SetCred || sp.UID == 0 {
		_, err := os.Stat(p)
		return err == nil
	}
	for cur := p; ; cur = filepath.Dir(cur) {
		var st syscall.Stat_t
		if syscall.Stat(cur, &st) != nil {
			return false
		}
		var bit uint32
		switch {
		case int(st.Uid) == sp.UID:
			bit = 0o100
		case int(st.Gid) == sp.GID || containsInt(sp.Groups, int(st.Gid)):
			bit = 0o010
		default:
			bit = 0o001
		}
		if st.Mode&bit == 0 {
			return false
		}
		if cur == "/" || cur == "." {
			return true
		}
	}
}

// capList turns a capability mask into the list SysProcAttr wants.
func capList(mask uint64) []uintptr {
	if mask == 0 {
		return nil
	}
	var caps []uintptr
	for i := uintptr(0); i < 64; i++ {
		if mask&(1<<i) != 0 {
			caps = append(caps, i)
		}
	}
	return caps
}

// startHelper starts the exec helper with the process's streams, listen
// descriptors and cgroup, and the spec on one more descriptor.
// Where clone3 is missing (Manager.NoClone3), the helper starts in the
// manager's cgroup and moves itself into the unit's before anything else.
func startHelper(r *Request, m *Manager, sp *spec, st *streams) (int, error) {
	joinLate := r.Cgroup != nil && m.NoClone3
	sp.NFiles = 3 + len(r.ListenFDs)
	if joinLate {
		sp.CgroupProcs = filepath.Join(r.Cgroup.Name(), "cgroup.procs")
	}
	data := sp.encode()
	rd, wr, err := os.Pipe()
	if err != nil {
		return 0, &stepError{ExitFDs, err}
	}
	defer rd.Close()
	if len(data) > 60*1024 {
		// Make the pipe hold the whole spec, so that writing never blocks.
		unix.FcntlInt(wr.Fd(), unix.F_SETPIPE_SZ, len(data)+4096)
	}
	_, err = wr.Write(data)
	wr.Close()
	if err != nil {
		return 0, &stepError{ExitFDs, fmt.Errorf("passing the spec to the helper: %w", err)}
	}

	files := make([]uintptr, 0, sp.NFiles+1)
	for _, f := range st.fd {
		files = append(files, f.Fd())
	}
	for _, f := range r.ListenFDs {
		files = append(files, rawFD(f))
	}
	files = append(files, rawFD(rd))
	helper := m.Helper
	if helper == selfExe && m.self != nil {
		// The helper marks every descriptor from NFiles on close-on-exec.
		helper = "/proc/self/fd/" + strconv.Itoa(len(files))
		files = append(files, rawFD(m.self))
	}
	sys := &syscall.SysProcAttr{Setsid: true, Setctty: st.ctty, Ctty: 0}
	if r.Cgroup != nil && !joinLate {
		sys.UseCgroupFD, sys.CgroupFD = true, int(rawFD(r.Cgroup))
	}
	argv := []string{HelperName, strconv.Itoa(sp.NFiles)}
	// The helper's own environment: one thread is all it needs, and the Go
	// runtime starts faster so. (The command gets sp.Env.)
	attr := &syscall.ProcAttr{Dir: "/", Env: []string{"GOMAXPROCS=1"}, Files: files, Sys: sys}
	pid, err := syscall.ForkExec(helper, argv, attr)
	runtime.KeepAlive(st)
	runtime.KeepAlive(r)
	if err != nil {
		if r.Cgroup != nil {
			return 0, &stepError{ExitCgroup, fmt.Errorf("starting the exec helper %s: %w", m.Helper, err)}
		}
		return 0, &stepError{ExitExec, fmt.Errorf("starting the exec helper %s: %w", m.Helper, err)}
	}
	return pid, nil
}

// privateTmpDirs creates the host directories a unit's PrivateTmp= mounts
// on /var/tmp and /tmp (below base, the root or RootDirectory=), shared
// by all its commands of one invocation (systemd names them
// systemd-private-BOOTID-UNIT-RANDOM; gosd uses the invocation ID so that
// the engine can find them again, see RemovePrivateTmp). It returns
// source and target pairs, /var/tmp first: mounting /tmp first could hide
// the other source when the root lies below /tmp.
func privateTmpDirs(root, base string, r *Request) ([]string, error) {
	inv := "0"
	for _, kv := range r.Env {
		if v, ok := strings.CutPrefix(kv, "INVOCATION_ID="); ok && v != "" {
			inv = v
		}
	}
	var out []string
	for _, dir := range [2]string{"/var/tmp", "/tmp"} {
		outer := filepath.Join(hostPath(root, dir), privateTmpName(r.Unit.ID, inv))
		if err := os.Mkdir(outer, 0o700); err != nil && !errors.Is(err, os.ErrExist) {
			return nil, err
		}
		inner := filepath.Join(outer, "tmp")
		if err := os.Mkdir(inner, os.ModeSticky|0o777); err != nil && !errors.Is(err, os.ErrExist) {
			return nil, err
		}
		if err := os.Chmod(inner, os.ModeSticky|0o777); err != nil {
			return nil, err
		}
		out = append(out, inner, filepath.Join(base, dir))
	}
	return out, nil
}

func privateTmpName(unitID, invocation string) string {
	return "gosd-private-" + strings.ReplaceAll(unitID, "/", "_") + "-" + invocation
}

// RemovePrivateTmp removes what PrivateTmp= created for one invocation of
// a unit; the engine calls it when the unit has stopped.
func RemovePrivateTmp(root, unitID, invocationID string) error {
	if invocationID == "" {
		invocationID = "0"
	}
	var errs []error
	for _, base := range [2]string{"/tmp", "/var/tmp"} {
		errs = append(errs, os.RemoveAll(filepath.Join(hostPath(root, base), privateTmpName(unitID, invocationID))))
	}
	return errors.Join(errs...)
}
