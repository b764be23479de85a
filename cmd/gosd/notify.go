package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/gosd/gosd/notify"
)

// notifyEnv is what the systemd-notify verb takes from its surroundings.
type notifyEnv struct {
	socket string // $NOTIFY_SOCKET
	ppid   int    // the caller's parent, the default sender
	uid    uint32 // the caller's real user and group
	gid    uint32
	// root is where /run/gosd/private and /run/systemd/system are
	// looked for by --booted.
	root string
	// barrier is how long to wait for the manager without --no-block.
	barrier time.Duration
}

// systemdNotify is the systemd-notify tool (systemd-notify(1) of systemd
// 252): it sends READY=1, STATUS=, MAINPID= and VARIABLE=VALUE arguments
// to $NOTIFY_SOCKET on behalf of its parent process.
func systemdNotify(args []string, stdout, stderr io.Writer) int {
	return notifyMain(args, stdout, stderr, notifyEnv{
		socket:  os.Getenv("NOTIFY_SOCKET"),
		ppid:    os.Getppid(),
		uid:     uint32(os.Getuid()),
		gid:     uint32(os.Getgid()),
		root:    "/",
		barrier: 5 * time.Second,
	})
}

const notifyHelp = `systemd-notify [OPTIONS...] [VARIABLE=VALUE...]

Notify the init system about service status updates.

  -h --help            Show this help
     --version         Show package version
     --ready           Inform the init system about service start-up completion
     --pid[=PID]       Set main PID of daemon
     --uid=USER        Set user to send from
     --status=TEXT     Set status text
     --booted          Check if the system was booted up with systemd
     --no-block        Do not wait until operation finished
`

// notifyOpts are the parsed command line of systemd-notify.
type notifyOpts struct {
	ready, booted, noBlock bool
	help, version          bool
	pid                    int    // 0: not given
	uid                    string // "" with uidSet: --uid= given empty
	uidSet                 bool
	status                 string
	statusSet              bool
	args                   []string
}

// notifyError is a failure of systemd-notify: the message it prints and
// the errno it reports as ERRNO= to the manager, as systemd's tools do
// when they fail under a service manager.
type notifyError struct {
	msg   string
	errno syscall.Errno
}

func (e *notifyError) Error() string { return e.msg }

func notifyMain(args []string, stdout, stderr io.Writer, env notifyEnv) int {
	o, err := parseNotifyArgs(args, env)
	if err == nil {
		err = o.run(stdout, stderr, env)
	}
	if err == nil {
		return 0
	}
	var ne *notifyError
	if errors.As(err, &ne) {
		if ne.msg != "" {
			fmt.Fprintln(stderr, ne.msg)
		}
		if env.socket != "" && ne.errno != 0 {
			notify.Send(env.socket, "ERRNO="+strconv.Itoa(int(ne.errno)))
		}
	} else {
		fmt.Fprintln(stderr, err)
	}
	return 1
}

// notifyLongOptions are systemd-notify's options; the value says whether
// it takes an argument: "no", "required" or "optional".
var notifyLongOptions = []struct{ name, arg string }{
	{"help", "no"}, {"version", "no"}, {"ready", "no"}, {"pid", "optional"},
	{"uid", "required"}, {"status", "required"}, {"booted", "no"}, {"no-block", "no"},
}

// parseNotifyArgs parses the command line as glibc's getopt_long does for
// systemd-notify: options may follow arguments, "--" ends them, a long
// option may be abbreviated to a prefix (--no-b --rea --st=x works with
// systemd 252's systemd-notify).
func parseNotifyArgs(args []string, env notifyEnv) (*notifyOpts, error) {
	o := &notifyOpts{}
	usage := func(format string, a ...any) error {
		return &notifyError{msg: "systemd-notify: " + fmt.Sprintf(format, a...), errno: syscall.EINVAL}
	}
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			o.args = append(o.args, args[i+1:]...)
			i = len(args)
			continue
		case a == "-" || !strings.HasPrefix(a, "-"):
			o.args = append(o.args, a)
			continue
		case !strings.HasPrefix(a, "--"):
			for _, c := range a[1:] {
				if c != 'h' {
					return nil, usage("invalid option -- '%c'", c)
				}
				o.help = true
			}
			continue
		}
		name, val, hasVal := strings.Cut(a[2:], "=")
		var match []int
		for j, lo := range notifyLongOptions {
			if lo.name == name {
				match = []int{j}
				break
			}
			if strings.HasPrefix(lo.name, name) {
				match = append(match, j)
			}
		}
		// No two of the options share a prefix, so a prefix never
		// matches more than one.
		if len(match) == 0 || name == "" {
			return nil, usage("unrecognized option '%s'", a)
		}
		lo := notifyLongOptions[match[0]]
		switch {
		case lo.arg == "no" && hasVal:
			return nil, usage("option '--%s' doesn't allow an argument", lo.name)
		case lo.arg == "required" && !hasVal:
			if i+1 >= len(args) {
				return nil, usage("option '--%s' requires an argument", lo.name)
			}
			i++
			val = args[i]
		}
		switch lo.name {
		case "help":
			o.help = true
		case "version":
			o.version = true
		case "ready":
			o.ready = true
		case "booted":
			o.booted = true
		case "no-block":
			o.noBlock = true
		case "status":
			o.status, o.statusSet = val, true
		case "uid":
			o.uid, o.uidSet = val, true
		case "pid":
			if val == "" {
				o.pid = env.ppid
				break
			}
			n, err := strconv.ParseInt(val, 10, 64)
			switch {
			case err != nil && errors.Is(err, strconv.ErrRange), err == nil && n <= 0:
				return nil, &notifyError{msg: "Failed to parse PID " + val + ".", errno: syscall.ERANGE}
			case err != nil:
				return nil, &notifyError{msg: "Failed to parse PID " + val + ".", errno: syscall.EINVAL}
			}
			o.pid = int(n)
		}
		if o.help || o.version {
			return o, nil
		}
	}
	return o, nil
}

func (o *notifyOpts) run(stdout, stderr io.Writer, env notifyEnv) error {
	switch {
	case o.help:
		fmt.Fprint(stdout, notifyHelp+"\nSee the systemd-notify(1) man page for details.\n")
		return nil
	case o.version:
		fmt.Fprintln(stdout, "gosd systemd-notify (systemd 252 compatible)")
		return nil
	case o.booted:
		if notifyBooted(env.root) {
			return nil
		}
		return &notifyError{} // exit status 1, nothing printed
	case !o.ready && !o.statusSet && o.pid == 0 && len(o.args) == 0:
		fmt.Fprint(stdout, notifyHelp+"\nSee the systemd-notify(1) man page for details.\n")
		return &notifyError{errno: syscall.EINVAL}
	}
	var lines []string
	if o.ready {
		lines = append(lines, "READY=1")
	}
	if o.statusSet {
		lines = append(lines, "STATUS="+o.status)
	}
	if o.pid > 0 {
		lines = append(lines, "MAINPID="+strconv.Itoa(o.pid))
	}
	for _, a := range o.args {
		lines = notifyMerge(lines, a)
	}
	cred := &notify.Credentials{PID: int32(env.ppid), UID: env.uid, GID: env.gid}
	if o.pid > 0 {
		cred.PID = int32(o.pid)
	}
	if o.uidSet {
		uid, gid, ok := notifyLookupUser(o.uid, env.gid)
		if !ok {
			return &notifyError{msg: "Can't resolve user " + o.uid + ": Invalid argument", errno: syscall.EINVAL}
		}
		cred.UID, cred.GID = uid, gid
	}
	if env.socket == "" {
		return &notifyError{msg: "No status data could be sent: $NOTIFY_SOCKET was not set"}
	}
	if err := notify.SendAs(env.socket, strings.Join(lines, "\n"), cred); err != nil {
		return &notifyError{msg: "Failed to notify init system: " + errnoText(err), errno: errnoOf(err)}
	}
	if o.noBlock {
		return nil
	}
	if err := notify.Barrier(env.socket, env.barrier); err != nil {
		return &notifyError{msg: "Failed to invoke barrier: " + errnoText(err), errno: errnoOf(err)}
	}
	return nil
}

// notifyMerge adds the argument e to the message lines as systemd 252's
// systemd-notify does: e replaces, in place, the first line it is a prefix
// of, counting "KEY=" as the prefix when e is an assignment and all of e
// otherwise; else it is appended. So "A=1 A=2" sends "A=2", and an empty
// argument replaces the first line (recorded: `systemd-notify --ready A ""`
// sent "\nA").
func notifyMerge(lines []string, e string) []string {
	prefix := e
	if i := strings.IndexByte(e, '='); i >= 0 {
		prefix = e[:i+1]
	}
	for i, l := range lines {
		if strings.HasPrefix(l, prefix) {
			lines[i] = e
			return lines
		}
	}
	return append(lines, e)
}

// notifyLookupUser resolves --uid=: a user name or numeric ID. A numeric
// ID without a passwd entry keeps the caller's group (systemd 252 sent
// uid 12345 with gid 0 as root).
func notifyLookupUser(s string, ownGID uint32) (uid, gid uint32, ok bool) {
	if s == "" {
		return 0, 0, false
	}
	if n, err := strconv.ParseUint(s, 10, 32); err == nil {
		if u, err := user.LookupId(s); err == nil {
			if g, err := strconv.ParseUint(u.Gid, 10, 32); err == nil {
				return uint32(n), uint32(g), true
			}
		}
		return uint32(n), ownGID, true
	}
	u, err := user.Lookup(s)
	if err != nil {
		return 0, 0, false
	}
	un, err1 := strconv.ParseUint(u.Uid, 10, 32)
	gn, err2 := strconv.ParseUint(u.Gid, 10, 32)
	if err1 != nil || err2 != nil {
		return 0, 0, false
	}
	return uint32(un), uint32(gn), true
}

// notifyBooted is --booted for gosd: true when a service manager runs
// here, gosd (its control socket /run/gosd/private) or systemd
// (/run/systemd/system, which sd_booted(3) checks).
func notifyBooted(root string) bool {
	for _, p := range []string{"run/gosd/private", "run/systemd/system"} {
		if _, err := os.Lstat(filepath.Join(root, p)); err == nil {
			return true
		}
	}
	return false
}

func errnoOf(err error) syscall.Errno {
	var e syscall.Errno
	if errors.As(err, &e) {
		return e
	}
	return syscall.EIO
}

// errnoText is the text systemd's %m prints for err's errno.
func errnoText(err error) string {
	s := errnoOf(err).Error()
	if s != "" {
		s = strings.ToUpper(s[:1]) + s[1:]
	}
	return s
}
