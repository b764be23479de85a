package spawn

import (
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/gosd/gosd/loader"
	"github.com/gosd/gosd/unit"
)

// HelperMain is the exec helper. The gosd binary's main, and the TestMain
// of a test binary that starts commands, must call it when started as
// HelperName (filepath.Base(os.Args[0]) == HelperName), passing os.Args,
// and exit with what it returns. It reads the command's spec from the
// descriptor argv[1] names, applies what a plain fork+exec cannot, and
// executes the command; it returns only when a step failed, with
// systemd's exit status for that step, after writing the reason to its
// standard error (the unit's).
func HelperMain(args []string) int {
	// Nice, capabilities and the mount namespace are per thread: do all on
	// this one, which also executes the command.
	runtime.LockOSThread()
	if len(args) != 2 {
		fmt.Fprintf(os.Stderr, "%s: usage: %s FD\n", HelperName, HelperName)
		return ExitFDs
	}
	fd, err := strconv.Atoi(args[1])
	if err != nil || fd < 3 {
		fmt.Fprintf(os.Stderr, "%s: bad spec descriptor %q\n", HelperName, args[1])
		return ExitFDs
	}
	f := os.NewFile(uintptr(fd), "spec")
	data, err := io.ReadAll(f)
	f.Close()
	var sp *spec
	if err == nil {
		sp, err = decodeSpec(data)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: reading the spec: %v\n", HelperName, err)
		return ExitFDs
	}
	status, step, err := sp.run()
	fmt.Fprintf(os.Stderr, "%s: %s: Failed at step %s spawning %s: %v\n", sp.Unit, sp.Kind, step, sp.Path, err)
	return status
}

// run applies the spec in systemd's order and executes the command; it
// returns the failing step.
func (sp *spec) run() (status int, step string, err error) {
	fail := func(status int, err error) (int, string, error) {
		return status, unit.ExitStatusName(status), err
	}
	pid := strconv.Itoa(os.Getpid())
	for i, kv := range sp.Env {
		if k, v, _ := strings.Cut(kv, "="); v == pidPlaceholder {
			sp.Env[i] = k + "=" + pid
		}
	}
	argv := sp.Argv
	if sp.Expand {
		argv = ExpandArgv(argv, newEnvLookup(sp.Env))
	}
	lastCap := 63
	if b, err := os.ReadFile("/proc/sys/kernel/cap_last_cap"); err == nil {
		if n, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil {
			lastCap = n
		}
	}

	if sp.CgroupProcs != "" {
		if err := os.WriteFile(sp.CgroupProcs, []byte("0"), 0); err != nil {
			return fail(ExitCgroup, fmt.Errorf("joining the cgroup: %w", err))
		}
	}
	if sp.OOMScoreAdjust != nil {
		if err := setOOMScoreAdjust(*sp.OOMScoreAdjust, os.WriteFile); err != nil {
			return fail(ExitOOMAdjust, err)
		}
	}
	if sp.Nice != nil {
		if err := unix.Setpriority(unix.PRIO_PROCESS, 0, *sp.Nice); err != nil {
			return fail(ExitNice, err)
		}
	}
	for _, l := range sp.Limits {
		if err := setLimitClosest(l.Res, l.Soft, l.Hard); err != nil {
			return fail(ExitLimits, fmt.Errorf("Limit%s: %w", loader.RlimitName(l.Res), err))
		}
	}
	if len(sp.PrivateTmp) > 0 {
		if err := privateTmp(sp.PrivateTmp); err != nil {
			return fail(ExitNamespace, fmt.Errorf("PrivateTmp: %w", err))
		}
	}
	if err := resetSignals(sp.SigPipeIgnore); err != nil {
		return fail(ExitSignalMask, err)
	}
	if sp.Umask >= 0 {
		syscall.Umask(sp.Umask)
	}
	if sp.Chroot != "" {
		if err := syscall.Chroot(sp.Chroot); err != nil {
			return fail(ExitNamespace, fmt.Errorf("RootDirectory=%s: %w", sp.Chroot, err))
		}
		if err := syscall.Chdir("/"); err != nil {
			return fail(ExitNamespace, fmt.Errorf("RootDirectory=%s: %w", sp.Chroot, err))
		}
	}
	if sp.Bounding != nil {
		for c := 0; c <= lastCap; c++ {
			if *sp.Bounding&(1<<c) != 0 {
				continue
			}
			if err := unix.Prctl(unix.PR_CAPBSET_DROP, uintptr(c), 0, 0, 0); err != nil {
				return fail(ExitCapabilities, fmt.Errorf("CapabilityBoundingSet: dropping %d: %w", c, err))
			}
		}
	}
	if sp.SetCred {
		if err := syscall.Setgroups(sp.Groups); err != nil {
			return fail(ExitGroup, err)
		}
		if err := syscall.Setresgid(sp.GID, sp.GID, sp.GID); err != nil {
			return fail(ExitGroup, err)
		}
		if sp.Ambient != 0 && sp.UID != 0 {
			if err := unix.Prctl(unix.PR_SET_KEEPCAPS, 1, 0, 0, 0); err != nil {
				return fail(ExitCapabilities, err)
			}
		}
		if err := syscall.Setresuid(sp.UID, sp.UID, sp.UID); err != nil {
			return fail(ExitUser, err)
		}
	}
	if err := syscall.Chdir(sp.Dir); err != nil && !sp.DirOptional {
		return fail(ExitChdir, fmt.Errorf("WorkingDirectory=%s: %w", sp.Dir, err))
	}
	if sp.Ambient != 0 {
		if err := raiseAmbient(sp.Ambient, lastCap); err != nil {
			return fail(ExitCapabilities, fmt.Errorf("AmbientCapabilities: %w", err))
		}
	}
	if sp.NoNewPrivs {
		if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
			return fail(ExitNoNewPrivileges, err)
		}
	}
	closeOnExecFrom(sp.NFiles)
	err = syscall.Exec(sp.Path, argv, sp.Env)
	return fail(ExitExec, err)
}

// setLimitClosest sets a resource limit; when raising the hard limit is
// not allowed it sets the highest it can, as systemd does.
func setLimitClosest(res int, soft, hard uint64) error {
	want := unix.Rlimit{Cur: soft, Max: hard}
	err := unix.Prlimit(0, res, &want, nil)
	if !errors.Is(err, syscall.EPERM) {
		return err
	}
	var cur unix.Rlimit
	if err := unix.Prlimit(0, res, nil, &cur); err != nil {
		return err
	}
	want.Max = min(want.Max, cur.Max)
	want.Cur = min(want.Cur, want.Max)
	return unix.Prlimit(0, res, &want, nil)
}

// privateTmp gives the thread its own mount namespace with the
// source/target pairs of mounts bound.
func privateTmp(mounts []string) error {
	if err := unix.Unshare(unix.CLONE_NEWNS); err != nil {
		return err
	}
	if err := unix.Mount("", "/", "", unix.MS_REC|unix.MS_SLAVE, ""); err != nil {
		return err
	}
	for i := 0; i+1 < len(mounts); i += 2 {
		if err := unix.Mount(mounts[i], mounts[i+1], "", unix.MS_BIND|unix.MS_REC, ""); err != nil {
			return fmt.Errorf("%s: %w", mounts[i+1], err)
		}
	}
	return nil
}

// closeOnExecFrom marks every descriptor from first on close-on-exec, so
// that only the command's own reach it even if the manager leaked one.
// (Closing them would pull the Go runtime's from under it.)
func closeOnExecFrom(first int) {
	if unix.CloseRange(uint(first), ^uint(0), unix.CLOSE_RANGE_CLOEXEC) == nil {
		return
	}
	entries, _ := os.ReadDir("/proc/self/fd")
	for _, e := range entries {
		if fd, err := strconv.Atoi(e.Name()); err == nil && fd >= first {
			unix.CloseOnExec(fd)
		}
	}
}

// kernelSigaction is struct sigaction as rt_sigaction(2) takes it on the
// architectures Go supports for Linux, except mips.
type kernelSigaction struct {
	handler  uintptr
	flags    uint64
	restorer uintptr
	mask     uint64
}

// Signal handlers for setSignalHandler.
const (
	sigDfl = 0
	sigIgn = 1
)

// setSignalHandler sets the disposition of sig to handler (sigDfl or
// sigIgn) with rt_sigaction(2) directly, beneath the Go runtime.
func setSignalHandler(sig int, handler uintptr) error {
	act := kernelSigaction{handler: handler}
	if _, _, e := syscall.RawSyscall6(syscall.SYS_RT_SIGACTION, uintptr(sig), uintptr(unsafe.Pointer(&act)), 0, 8, 0, 0); e != 0 {
		return e
	}
	return nil
}

// resetSignals gives every signal its default action (SIGPIPE is ignored
// with IgnoreSIGPIPE=) and unblocks all, as systemd's child does; the
// command inherits this thread's state.
func resetSignals(ignorePipe bool) error {
	for sig := 1; sig <= 64; sig++ {
		if sig == int(syscall.SIGKILL) || sig == int(syscall.SIGSTOP) || sig == 32 || sig == 33 {
			continue // 32 and 33 belong to the C library
		}
		handler := uintptr(sigDfl)
		if sig == int(syscall.SIGPIPE) && ignorePipe {
			handler = sigIgn
		}
		if err := setSignalHandler(sig, handler); err != nil {
			return fmt.Errorf("signal %d: %w", sig, err)
		}
	}
	var empty unix.Sigset_t
	return unix.PthreadSigmask(unix.SIG_SETMASK, &empty, nil)
}

// raiseAmbient puts caps into the inheritable and ambient sets (they must
// be permitted: root's, or kept across the user change).
func raiseAmbient(caps uint64, lastCap int) error {
	hdr := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}
	var data [2]unix.CapUserData
	if err := unix.Capget(&hdr, &data[0]); err != nil {
		return err
	}
	data[0].Inheritable = uint32(caps)
	data[1].Inheritable = uint32(caps >> 32)
	data[0].Effective = data[0].Permitted
	data[1].Effective = data[1].Permitted
	if err := unix.Capset(&hdr, &data[0]); err != nil {
		return err
	}
	for c := 0; c <= lastCap; c++ {
		if caps&(1<<c) == 0 {
			continue
		}
		if err := unix.Prctl(unix.PR_CAP_AMBIENT, unix.PR_CAP_AMBIENT_RAISE, uintptr(c), 0, 0); err != nil {
			return fmt.Errorf("capability %d: %w", c, err)
		}
	}
	return nil
}

// setOOMScoreAdjust writes OOMScoreAdjust=. As systemd, a refusal for
// want of privilege (a container without CAP_SYS_RESOURCE, a user
// namespace) is ignored: Debian's dbus.service asks for -900.
func setOOMScoreAdjust(v int, write func(string, []byte, os.FileMode) error) error {
	err := write("/proc/self/oom_score_adj", []byte(strconv.Itoa(v)), 0)
	if errors.Is(err, unix.EPERM) || errors.Is(err, unix.EACCES) {
		return nil
	}
	return err
}
