package spawn

import (
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/gosd/gosd/loader"
)

// Manager is what the manager gives every process it starts unless the
// unit says otherwise, and what a child started by one plain fork+exec
// inherits from it. NeedsHelper compares a unit's settings with it. Make
// it once (PrepareManager or NewManager) and share it, read-only, in
// every Request.
type Manager struct {
	Root    string   // the manager's root, "/" normally
	Environ []string // ManagerEnvironment(Root): the locale and PATH

	// What a plain child inherits.
	Umask          uint32
	Limits         [loader.RlimitCount]loader.Rlimit
	Nice           int
	OOMScoreAdjust int
	SigIgn         uint64 // signals ignored (bit n-1 for signal n)
	Bounding       uint64 // the capability bounding set
	UID            int

	// CanRaiseLimits says whether hard limits can go above the manager's
	// own (CAP_SYS_RESOURCE). Without it, systemd and gosd lower a
	// Limit*= that asks for more to the highest possible value.
	CanRaiseLimits bool
	// PrivateTmp says whether mount namespaces can be made.
	PrivateTmp bool
	// Helper is the exec helper binary: the running binary itself, which
	// must dispatch to HelperMain when started as HelperName.
	Helper string
	// self is the running binary (an O_PATH descriptor of /proc/self/exe,
	// opened once): the helper is executed through it when Helper is
	// /proc/self/exe, so that it is the same program even under valgrind,
	// where /proc/self/exe in a child names the tool.
	self *os.File
	// NoClone3 says clone3 is missing (ENOSYS: old kernels, valgrind,
	// container seccomp profiles that predate it), so a process cannot be
	// placed in its cgroup at clone time: the exec helper then writes
	// itself into cgroup.procs before it executes the command.
	NoClone3 bool
	// Logf reports what is skipped, once per kind of problem; nil: stderr.
	Logf func(format string, args ...any)

	devNull *os.File
	warned  sync.Map
}

// HelperName is argv[0] of the exec helper: the gosd binary's main (and a
// test binary's TestMain) must call HelperMain when started under it.
const HelperName = "gosd-exec"

// nofileMarker carries, across PrepareManager's re-execution, the
// RLIMIT_NOFILE the Go runtime will restore in every child.
const nofileMarker = "GOSD_SPAWN_CHILD_NOFILE"

// systemd's defaults for services.
const (
	defaultUmask        = 0o022
	defaultNofileSoft   = 1024
	defaultNofileHard   = 512 * 1024
	defaultMemlock      = 8 * 1024 * 1024
	capSysResource      = 24
	sigPipeBit          = 1 << (syscall.SIGPIPE - 1)
	procStatusUmask     = "Umask:"
	procStatusSigIgn    = "SigIgn:"
	procStatusCapBnd    = "CapBnd:"
	procStatusCapEff    = "CapEff:"
	procStatusNoNewPriv = "NoNewPrivs:"
)

// PrepareManager readies the calling process, the manager, so that as
// few commands as possible need the exec helper, then returns its
// Manager. Call it first thing in main: it may re-execute the binary.
//
// It sets the umask to 0022 (UMask='s default), ignores SIGPIPE
// (IgnoreSIGPIPE='s default), raises RLIMIT_MEMLOCK to systemd's default
// of 8 MiB, marks inherited descriptors above 2 close-on-exec, and
// arranges that children get RLIMIT_NOFILE 1024:N, systemd's default,
// while the manager keeps a high soft limit. That last needs the Go
// runtime: it raises its own soft limit at start and restores the
// starting one in every child, so PrepareManager re-executes the binary
// (same argv and environment, plus a marker it removes again) with the
// soft limit set to 1024. The re-execution happens once; in the process
// that returns, nothing else has run.
func PrepareManager(root string) (*Manager, error) {
	resetIgnoredSignals()
	syscall.Umask(defaultUmask)
	signal.Ignore(syscall.SIGPIPE)
	closeOnExecAbove2()

	var mem unix.Rlimit
	if unix.Getrlimit(unix.RLIMIT_MEMLOCK, &mem) == nil && (mem.Cur < defaultMemlock || mem.Max < defaultMemlock) {
		want := unix.Rlimit{Cur: max(mem.Cur, defaultMemlock), Max: max(mem.Max, defaultMemlock)}
		if unix.Setrlimit(unix.RLIMIT_MEMLOCK, &want) != nil {
			want = unix.Rlimit{Cur: min(want.Cur, mem.Max), Max: mem.Max}
			unix.Setrlimit(unix.RLIMIT_MEMLOCK, &want)
		}
	}

	var child *loader.Rlimit
	if v, ok := os.LookupEnv(nofileMarker); ok {
		os.Unsetenv(nofileMarker)
		soft, hard, _ := strings.Cut(v, ":")
		s, err1 := strconv.ParseUint(soft, 10, 64)
		h, err2 := strconv.ParseUint(hard, 10, 64)
		var cur unix.Rlimit
		if err1 == nil && err2 == nil && unix.Getrlimit(unix.RLIMIT_NOFILE, &cur) == nil && cur.Max == h && (cur.Cur == h-1 || cur.Cur == s) {
			child = &loader.Rlimit{Soft: s, Hard: h}
		}
	} else {
		var cur unix.Rlimit
		if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &cur); err == nil {
			hard := max(cur.Max, defaultNofileHard)
			if nr := nrOpen(); hard > nr {
				hard = nr
			}
			// Raise the hard limit if we may; unix.Prlimit, unlike
			// syscall.Setrlimit, keeps the Go runtime's restore hook alive.
			want := unix.Rlimit{Cur: defaultNofileSoft, Max: hard}
			if unix.Prlimit(0, unix.RLIMIT_NOFILE, &want, nil) != nil {
				want.Max = cur.Max
				if unix.Prlimit(0, unix.RLIMIT_NOFILE, &want, nil) != nil {
					return NewManager(root)
				}
			}
			env := append(os.Environ(), fmt.Sprintf("%s=%d:%d", nofileMarker, want.Cur, want.Max))
			// The resolved path, not /proc/self/exe: under valgrind the
			// latter is the tool, while readlink gives the program it runs.
			self, err := os.Executable()
			if err != nil {
				self = "/proc/self/exe"
			}
			err = syscall.Exec(self, os.Args, env)
			unix.Prlimit(0, unix.RLIMIT_NOFILE, &cur, nil)
			return nil, fmt.Errorf("re-executing the manager: %w", err)
		}
	}
	m, err := newManager(root, child)
	return m, err
}

// NewManager describes the manager as it is, without changing anything
// but one thing: it stops the Go runtime from restoring in children the
// RLIMIT_NOFILE the process started with (by setting the limit to its
// current value), so that children inherit exactly what Limits says.
func NewManager(root string) (*Manager, error) { return newManager(root, nil) }

func newManager(root string, childNofile *loader.Rlimit) (*Manager, error) {
	if root == "" {
		root = "/"
	}
	m := &Manager{Root: root, Environ: ManagerEnvironment(root), UID: os.Getuid(), Helper: selfExe}
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return nil, fmt.Errorf("reading the manager's state: %w", err)
	}
	for _, line := range strings.Split(string(status), "\n") {
		k, v, _ := strings.Cut(line, "\t")
		v = strings.TrimSpace(v)
		switch k {
		case procStatusUmask:
			u, _ := strconv.ParseUint(v, 8, 32)
			m.Umask = uint32(u)
		case procStatusSigIgn:
			m.SigIgn, _ = strconv.ParseUint(v, 16, 64)
		case procStatusCapBnd:
			m.Bounding, _ = strconv.ParseUint(v, 16, 64)
		case procStatusCapEff:
			eff, _ := strconv.ParseUint(v, 16, 64)
			m.CanRaiseLimits = eff&(1<<capSysResource) != 0
		}
	}
	for res := range m.Limits {
		m.Limits[res] = loader.ManagerRlimit(res)
	}
	if childNofile != nil {
		m.Limits[loader.RlimitNOFILE] = *childNofile
	} else {
		cur := m.Limits[loader.RlimitNOFILE]
		lim := syscall.Rlimit{Cur: cur.Soft, Max: cur.Hard}
		syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim) // disables the runtime's restore
	}
	prio, err := unix.Getpriority(unix.PRIO_PROCESS, 0)
	if err == nil {
		m.Nice = 20 - prio // the raw syscall returns 20-nice
	}
	if b, err := os.ReadFile("/proc/self/oom_score_adj"); err == nil {
		m.OOMScoreAdjust, _ = strconv.Atoi(strings.TrimSpace(string(b)))
	}
	m.PrivateTmp = canUnshareMount()
	m.NoClone3 = !clone3Available()
	if fd, err := unix.Open("/proc/self/exe", unix.O_PATH|unix.O_CLOEXEC, 0); err == nil {
		m.self = os.NewFile(uintptr(fd), "/proc/self/exe")
	}
	m.devNull, err = os.OpenFile("/dev/null", os.O_RDWR, 0)
	if err != nil {
		return nil, err
	}
	return m, nil
}

// warnOnce reports a problem of one kind once per Manager.
func (m *Manager) warnOnce(kind, format string, args ...any) {
	if _, loaded := m.warned.LoadOrStore(kind, true); loaded {
		return
	}
	if m.Logf != nil {
		m.Logf(format, args...)
		return
	}
	fmt.Fprintf(os.Stderr, "gosd: "+format+"\n", args...)
}

// canUnshareMount tries to make a mount namespace on a thread that is
// then thrown away.
func canUnshareMount() bool {
	ok := make(chan bool)
	go func() {
		runtime.LockOSThread()
		// The thread is not unlocked: it ends with the goroutine.
		ok <- unix.Unshare(unix.CLONE_NEWNS) == nil
	}()
	return <-ok
}

// nrOpen is the kernel's fs.nr_open.
func nrOpen() uint64 {
	b, err := os.ReadFile("/proc/sys/fs/nr_open")
	if err == nil {
		if v, err := strconv.ParseUint(strings.TrimSpace(string(b)), 10, 64); err == nil {
			return v
		}
	}
	return 1024 * 1024
}

// closeOnExecAbove2 marks every open descriptor above 2 close-on-exec,
// so that none leaks into children.
func closeOnExecAbove2() {
	entries, err := os.ReadDir("/proc/thread-self/fd")
	if err != nil {
		return
	}
	for _, e := range entries {
		if fd, err := strconv.Atoi(e.Name()); err == nil && fd > 2 {
			unix.CloseOnExec(fd)
		}
	}
}

// effectiveLimit is what setting want yields in systemd: without
// CAP_SYS_RESOURCE a hard limit above the manager's is lowered to it, and
// the soft limit with it (systemd's setrlimit_closest()).
func (m *Manager) effectiveLimit(res int, want loader.Rlimit) loader.Rlimit {
	if m.CanRaiseLimits {
		return want
	}
	hi := m.Limits[res].Hard
	if want.Hard > hi {
		want.Hard = hi
	}
	if want.Soft > want.Hard {
		want.Soft = want.Hard
	}
	return want
}

// resetIgnoredSignals gives every signal the process inherited as ignored,
// SIGPIPE apart (IgnoreSIGPIPE=yes ignores it in services too), a handler
// that drops it: exec resets handled signals to the default, so children
// start as systemd starts them. (A shell's background job, for one,
// ignores SIGINT; without this every spawn would need the helper.)
func resetIgnoredSignals() {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return
	}
	for _, line := range strings.Split(string(b), "\n") {
		v, ok := strings.CutPrefix(line, procStatusSigIgn)
		if !ok {
			continue
		}
		mask, err := strconv.ParseUint(strings.TrimSpace(v), 16, 64)
		if err != nil {
			return
		}
		drop := make(chan os.Signal, 1)
		for n := 1; n <= 64; n++ {
			if mask&(1<<(n-1)) == 0 || syscall.Signal(n) == syscall.SIGPIPE {
				continue
			}
			if n < 32 {
				signal.Notify(drop, syscall.Signal(n))
				continue
			}
			// The Go runtime leaves real-time signals it found ignored
			// alone; nothing sends them to the manager, so the default
			// disposition is set directly.
			setSignalHandler(n, sigDfl)
		}
	}
}

// selfExe is the default Helper: the running binary.
const selfExe = "/proc/self/exe"

// close releases what newManager opened (for a Manager made per call).
func (m *Manager) close() {
	m.devNull.Close()
	if m.self != nil {
		m.self.Close()
	}
}

// clone3Available asks the kernel without making a process: clone3 with
// no arguments fails with EINVAL where it exists, ENOSYS where it does not.
func clone3Available() bool {
	_, _, errno := unix.Syscall(unix.SYS_CLONE3, 0, 0, 0)
	return errno != unix.ENOSYS
}
