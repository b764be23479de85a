package condition

import (
	"errors"
	"fmt"
	"os"
	"path"
	"strings"
	"sync"
	"syscall"

	"golang.org/x/sys/unix"
)

// Uname is what uname(2) says about the running kernel.
type Uname struct {
	Machine  string // "x86_64"
	Release  string // "6.1.0-13-amd64"
	Nodename string // the hostname
}

// Creds are the manager's user and group IDs.
type Creds struct {
	UID, EUID, GID, EGID uint32
	Groups               []uint32 // supplementary groups
}

// Host is the machine the conditions are evaluated on. Every file is read
// under Root, as systemd would read it with that directory as "/";
// everything else comes through the fields, so tests can fake any fact.
// NewHost fills them from the running system. A Host detects the
// virtualization once, on first use, and keeps it, as systemd does for
// the life of the manager: set the fields before evaluating anything.
// It is safe for concurrent use once built.
type Host struct {
	// Root is the directory the file system facts are read under; "" and
	// "/" mean the real root. Symbolic links resolve inside it.
	Root string

	// PID1 says the manager is PID 1 of its PID namespace. systemd then
	// takes container= from its own environment, and ConditionUser= and
	// ConditionGroup= do no user database lookups.
	PID1 bool

	// Environ is the manager's own process environment: container=,
	// CREDENTIALS_DIRECTORY=, ENCRYPTED_CREDENTIALS_DIRECTORY= and
	// SYSTEMD_PROC_CMDLINE= are read from it.
	Environ []string

	// Environment is the environment block the manager passes to its
	// services, which ConditionEnvironment= checks (systemd's system
	// manager: PATH, the locale, DefaultEnvironment=, set-environment).
	Environment []string

	Creds Creds

	// Uname returns the kernel's identity (ConditionArchitecture=,
	// ConditionKernelVersion=, ConditionHost=).
	Uname func() (Uname, error)
	// PhysicalMemory returns the machine's RAM in bytes, as
	// sysconf(_SC_PHYS_PAGES) times the page size; ConditionMemory=
	// lowers it to the root cgroup's limit itself.
	PhysicalMemory func() (uint64, error)
	// CPUs returns the number of CPUs in the manager's affinity mask.
	CPUs func() (int, error)
	// CPUID executes the CPUID instruction; nil where there is none (not
	// x86), which makes every ConditionCPUFeature= false.
	CPUID func(leaf, subleaf uint32) (eax, ebx, ecx, edx uint32)
	// Audit reports whether the kernel's audit subsystem can be talked to
	// (ConditionSecurity=audit).
	Audit func() bool
	// Statfs is statfs(2) on a host path (already under Root).
	Statfs func(hostPath string) (unix.Statfs_t, error)

	virtOnce sync.Once
	virt     virtualization
	virtErr  error
}

// NewHost returns the running system seen under root ("/" for the real
// one): the manager's environment block is systemd's default one for
// root (see ManagerEnvironment), PID1 is true when the caller is PID 1
// and root is "/".
func NewHost(root string) *Host {
	if root == "" {
		root = "/"
	}
	h := &Host{
		Root:        root,
		PID1:        os.Getpid() == 1 && path.Clean(root) == "/",
		Environ:     os.Environ(),
		Environment: ManagerEnvironment(root),
		Creds: Creds{
			UID:  uint32(os.Getuid()),
			EUID: uint32(os.Geteuid()),
			GID:  uint32(os.Getgid()),
			EGID: uint32(os.Getegid()),
		},
		Uname: func() (Uname, error) {
			var u unix.Utsname
			if err := unix.Uname(&u); err != nil {
				return Uname{}, err
			}
			return Uname{Machine: unix.ByteSliceToString(u.Machine[:]), Release: unix.ByteSliceToString(u.Release[:]), Nodename: unix.ByteSliceToString(u.Nodename[:])}, nil
		},
		PhysicalMemory: func() (uint64, error) {
			var si unix.Sysinfo_t
			if err := unix.Sysinfo(&si); err != nil {
				return 0, err
			}
			// glibc's _SC_PHYS_PAGES: totalram × mem_unit / page size.
			ps := uint64(os.Getpagesize())
			return uint64(si.Totalram) * uint64(si.Unit) / ps * ps, nil
		},
		CPUs: func() (int, error) {
			var set unix.CPUSet
			if err := unix.SchedGetaffinity(0, &set); err != nil {
				return 0, err
			}
			return set.Count(), nil
		},
		CPUID: cpuidFunc(),
		Audit: auditUsable,
		Statfs: func(p string) (unix.Statfs_t, error) {
			var st unix.Statfs_t
			err := unix.Statfs(p, &st)
			return st, err
		},
	}
	if gs, err := os.Getgroups(); err == nil {
		for _, g := range gs {
			h.Creds.Groups = append(h.Creds.Groups, uint32(g))
		}
	}
	return h
}

// DefaultPath is the PATH systemd 252 on Debian gives services.
const DefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// localeVars are the variables systemd imports from the locale
// configuration into its environment block.
var localeVars = []string{"LANG", "LANGUAGE", "LC_CTYPE", "LC_NUMERIC", "LC_TIME", "LC_COLLATE", "LC_MONETARY",
	"LC_MESSAGES", "LC_PAPER", "LC_NAME", "LC_ADDRESS", "LC_TELEPHONE", "LC_MEASUREMENT", "LC_IDENTIFICATION"}

// ManagerEnvironment is the environment block systemd 252's system manager
// starts with on a root: PATH and the locale of /etc/locale.conf (Debian
// falls back to /etc/default/locale), or LANG=C.UTF-8 when none is set
// (observed: `systemctl show-environment` on the Debian rootfs prints
// LANG=C.UTF-8 and PATH). The locale.*= kernel command line settings
// are not read.
func ManagerEnvironment(root string) []string {
	h := &Host{Root: root}
	var env []string
	for _, f := range []string{"/etc/locale.conf", "/etc/default/locale"} {
		vars, err := readEnvFile(h.hostPath(f, true))
		if err != nil {
			continue
		}
		for _, k := range localeVars {
			if v, ok := vars[k]; ok && v != "" {
				env = append(env, k+"="+v)
			}
		}
		break
	}
	if len(env) == 0 {
		env = []string{"LANG=C.UTF-8"}
	}
	return append([]string{"PATH=" + DefaultPath}, env...)
}

// getenv looks a variable up in the manager's own environment.
func (h *Host) getenv(key string) (string, bool) {
	for i := len(h.Environ) - 1; i >= 0; i-- {
		if v, ok := strings.CutPrefix(h.Environ[i], key+"="); ok {
			return v, true
		}
	}
	return "", false
}

const maxSymlinks = 32

// hostPath turns an absolute path as seen by the manager into the path
// to use on this machine: itself when Root is "/", else the path with its
// symbolic links resolved inside Root (absolute targets and ".." stay
// inside it). With followLast false the last component is not followed.
// Components that do not exist are kept, so the caller's system call
// reports ENOENT as systemd's would.
func (h *Host) hostPath(p string, followLast bool) string {
	root := h.Root
	if root == "" || root == "/" {
		return p
	}
	root = strings.TrimSuffix(root, "/")
	todo := strings.Split(p, "/")
	done := ""
	hops := 0
	for len(todo) > 0 {
		c := todo[0]
		todo = todo[1:]
		switch c {
		case "", ".":
			continue
		case "..":
			done = path.Dir("/" + done)
			done = strings.TrimPrefix(done, "/")
			continue
		}
		next := done + "/" + c
		if len(todo) == 0 && !followLast {
			done = next
			break
		}
		fi, err := os.Lstat(root + next)
		if err != nil || fi.Mode()&os.ModeSymlink == 0 {
			done = next
			if err != nil {
				// Keep the rest as it is; the lookup will fail there.
				return root + path.Join(append([]string{done}, todo...)...)
			}
			continue
		}
		hops++
		t, err := os.Readlink(root + next)
		if err != nil || hops > maxSymlinks {
			return root + next
		}
		if strings.HasPrefix(t, "/") {
			done = ""
		}
		todo = append(strings.Split(t, "/"), todo...)
	}
	if done == "" {
		return root + "/"
	}
	return root + done
}

// readFile reads an in-root file, following symbolic links.
func (h *Host) readFile(p string) ([]byte, error) {
	return os.ReadFile(h.hostPath(p, true))
}

// readLine reads the first line of an in-root file, without its newline
// (systemd's read_one_line_file()).
func (h *Host) readLine(p string) (string, error) {
	b, err := h.readFile(p)
	if err != nil {
		return "", err
	}
	s, _, _ := strings.Cut(string(b), "\n")
	return s, nil
}

// exists is access(p, F_OK) on an in-root path.
func (h *Host) exists(p string) bool {
	_, err := os.Stat(h.hostPath(p, true))
	return err == nil
}

// Error is why a condition could not be evaluated. systemd counts such a
// condition as failed whatever its negation, and logs "Couldn't determine
// result for ..., assuming failed: " and the text of Errno.
type Error struct {
	Msg   string // what went wrong, as systemd's debug message says it; may be ""
	Errno syscall.Errno
}

func (e *Error) Error() string {
	if e.Msg == "" {
		return errnoText(e.Errno)
	}
	return e.Msg + ": " + errnoText(e.Errno)
}

// Unwrap lets errors.Is(err, syscall.EINVAL) work.
func (e *Error) Unwrap() error { return e.Errno }

func errorf(errno syscall.Errno, format string, args ...any) error {
	return &Error{Msg: fmt.Sprintf(format, args...), Errno: errno}
}

// errnoOf finds the errno in err (EIO when there is none).
func errnoOf(err error) syscall.Errno {
	var e syscall.Errno
	if errors.As(err, &e) {
		return e
	}
	return syscall.EIO
}

// asError turns a system call error into an *Error.
func asError(err error, format string, args ...any) error {
	if err == nil {
		return nil
	}
	var ce *Error
	if errors.As(err, &ce) {
		return err
	}
	return errorf(errnoOf(err), format, args...)
}

// errnoText is glibc's strerror() text, which Go's errno strings follow
// except for the capital first letter.
func errnoText(e syscall.Errno) string {
	s := e.Error()
	if s != "" && s[0] >= 'a' && s[0] <= 'z' {
		s = string(s[0]-'a'+'A') + s[1:]
	}
	return s
}
