// Package spawn starts one command of a unit as a process, with the
// execution environment of systemd.exec(5) applied: credentials,
// directories, environment, standard streams, limits, capabilities.
//
// Start never waits for what it starts: the manager's one reaper owns
// every wait. The common case is one plain fork+exec; commands that need
// something only the child itself can do between fork and exec
// (LISTEN_PID, limits, umask, capability bounding, a mount namespace ...)
// go through the exec helper, the gosd binary re-executed as HelperName,
// which applies them and then executes the command (see NeedsHelper).
// Everything that does not need the child (looking up users, reading
// environment files, creating directories, opening files) happens in the
// manager before the fork.
//
// The manager makes one Manager (PrepareManager, first thing in main)
// and passes it in every Request; its main must run HelperMain when the
// binary is started as HelperName.
//
// Where gosd deliberately differs from systemd 252:
//   - SYSTEMD_EXEC_PID is set on the helper path only (a plain fork+exec
//     cannot know the pid beforehand);
//   - JOURNAL_STREAM is never set: the log capture is a pipe, and a
//     program that saw the variable would switch to journald's protocol;
//   - DynamicUser= takes a fixed ID derived from the user name (see
//     dynamicUser), and its directories are not moved below "private/";
//   - with RootDirectory=, the *Directory= settings are created inside the
//     new root instead of being bind-mounted into it;
//   - TTYReset=, TTYVHangup=, TTYVTDisallocate=, KeyringMode=, the I/O and
//     CPU scheduling settings and the other directives the loader marks
//     unsupported are not applied.
package spawn

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"

	"github.com/gosd/gosd/loader"
	"github.com/gosd/gosd/unit"
)

// Request describes one command to start.
type Request struct {
	Unit *loader.Unit     // read-only
	Kind string           // "ExecStart", "ExecStartPre", ... (for messages)
	Cmd  unit.ExecCommand // Path, Argv ($VAR not yet expanded), prefixes
	// Env holds the variables the manager sets for this process, NAME=value:
	// MAINPID, NOTIFY_SOCKET, INVOCATION_ID, LISTEN_FDS, LISTEN_FDNAMES,
	// WATCHDOG_USEC, MONITOR_*, EXIT_CODE, EXIT_STATUS, SERVICE_RESULT.
	// LISTEN_PID and WATCHDOG_PID are added (with the child's pid) when
	// LISTEN_FDS and WATCHDOG_USEC are present.
	Env []string
	// ListenFDs become descriptors 3, 4, ... of the process.
	ListenFDs []*os.File
	Stdio     Stdio
	// Cgroup, when not nil, is the directory of the cgroup the process is
	// created in.
	Cgroup *os.File
	// Root is the manager's root ("/" normally): unit paths (executables,
	// users, files, directories) are looked up below it.
	Root string
	// Manager describes the manager; nil makes Start and NeedsHelper call
	// NewManager(Root) every time, which is slow.
	Manager *Manager
	// ForceHelper starts the command through the exec helper even when a
	// plain fork+exec would do (for tests and benchmarks).
	ForceHelper bool
}

// systemd's exit statuses for a process that failed before executing its
// command (EXIT_CHDIR ... in systemd's sources).
const (
	ExitChdir                  = 200
	ExitNice                   = 201
	ExitFDs                    = 202
	ExitExec                   = 203
	ExitMemory                 = 204
	ExitLimits                 = 205
	ExitOOMAdjust              = 206
	ExitSignalMask             = 207
	ExitStdin                  = 208
	ExitStdout                 = 209
	ExitChroot                 = 210
	ExitGroup                  = 216
	ExitUser                   = 217
	ExitCapabilities           = 218
	ExitCgroup                 = 219
	ExitSetsid                 = 220
	ExitStderr                 = 222
	ExitNamespace              = 226
	ExitNoNewPrivileges        = 227
	ExitRuntimeDirectory       = 233
	ExitStateDirectory         = 238
	ExitCacheDirectory         = 239
	ExitLogsDirectory          = 240
	ExitConfigurationDirectory = 241
)

// ExecError is returned when a process could not be started. The engine
// treats it as the process having exited with Status, as systemd does
// (its child exits with that status), except when Resources is set: then
// systemd starts no process at all and the unit fails with result
// "resources" (an EnvironmentFile= that cannot be read).
type ExecError struct {
	Unit      string // the unit's file, or its name when it has none
	Kind      string // ExecStart, ExecStartPre, ...
	Status    int    // systemd's EXIT_* status; 0 with Resources
	Resources bool
	Err       error // names the setting and the cause
}

func (e *ExecError) Error() string {
	if e.Resources {
		return fmt.Sprintf("%s: %s: %v", e.Unit, e.Kind, e.Err)
	}
	return fmt.Sprintf("%s: %s: %v (status %d/%s)", e.Unit, e.Kind, e.Err, e.Status, unit.ExitStatusName(e.Status))
}

func (e *ExecError) Unwrap() error { return e.Err }

// stepError is a failure with the exit status of the step that failed.
type stepError struct {
	status int
	err    error
}

func (e *stepError) Error() string { return e.err.Error() }
func (e *stepError) Unwrap() error { return e.err }

// root is the root paths are looked up in: the request's, else the manager's.
func (r *Request) root(m *Manager) string {
	if r.Root != "" {
		return r.Root
	}
	return m.Root
}

func unitName(u *loader.Unit) string {
	if u.FragmentPath != "" {
		return u.FragmentPath
	}
	return u.ID
}

func (r *Request) execError(err error) *ExecError {
	e := &ExecError{Unit: unitName(r.Unit), Kind: r.Kind, Err: err}
	var se *stepError
	switch {
	case errors.Is(err, errEnvFile):
		e.Resources = true
	case errors.As(err, &se):
		e.Status, e.Err = se.status, se.err
	default:
		e.Status = ExitExec
	}
	return e
}

// Start starts the command and returns its pid without waiting for it.
// A *ExecError says why it could not be started. The files of r stay
// the caller's; Start closes only what it opened itself.
func Start(r *Request) (int, error) {
	m := r.Manager
	if m == nil {
		var err error
		if m, err = NewManager(r.Root); err != nil {
			return 0, r.execError(err)
		}
		defer m.close()
	}
	c := r.Unit.ExecSettings()
	if c == nil {
		return 0, r.execError(fmt.Errorf("unit type %s runs no processes", r.Unit.Type))
	}
	helper := r.ForceHelper || helperReason(r, m, c) != ""
	sp, st, err := prepare(r, m, c, helper)
	if err != nil {
		return 0, r.execError(err)
	}
	defer st.close()
	var pid int
	if helper {
		pid, err = startHelper(r, m, sp, st)
	} else {
		pid, err = startPlain(r, sp, st)
	}
	if err != nil {
		return 0, r.execError(err)
	}
	return pid, nil
}

// NeedsHelper reports whether the command needs the exec helper rather
// than one plain fork+exec: it does when it sets something that differs
// from what the manager's children inherit (UMask=, Nice=,
// OOMScoreAdjust=, Limit*=, IgnoreSIGPIPE=), something only the child can
// do to itself (NoNewPrivileges=, CapabilityBoundingSet=, PrivateTmp=,
// ignoring a failing WorkingDirectory=-... as a user), or needs its own
// pid (LISTEN_PID, WATCHDOG_PID, $SYSTEMD_EXEC_PID in the command line).
// It also does when the process has a cgroup and clone3 is missing
// (Manager.NoClone3): the helper then joins the cgroup itself.
func NeedsHelper(r *Request) bool {
	m := r.Manager
	if m == nil {
		var err error
		if m, err = NewManager(r.Root); err != nil {
			return true
		}
		defer m.close()
	}
	c := r.Unit.ExecSettings()
	return c != nil && helperReason(r, m, c) != ""
}

// helperReason names the first setting that needs the helper, "" if none.
func helperReason(r *Request, m *Manager, c *loader.ExecContext) string {
	if r.Cgroup != nil && m.NoClone3 {
		// Also for privileged commands: only clone3 places a plain child.
		return "cgroup (no clone3)"
	}
	if len(r.ListenFDs) > 0 {
		return "LISTEN_PID"
	}
	for _, kv := range r.Env {
		switch {
		case strings.HasPrefix(kv, "LISTEN_FDS="):
			return "LISTEN_PID"
		case strings.HasPrefix(kv, "WATCHDOG_USEC="):
			return "WATCHDOG_PID"
		}
	}
	if !r.Cmd.NoEnvExpand {
		for _, a := range r.Cmd.Argv {
			if strings.Contains(a, "SYSTEMD_EXEC_PID") {
				return "SYSTEMD_EXEC_PID"
			}
		}
	}
	if c.UMask != m.Umask {
		return "UMask"
	}
	if c.NiceSet && c.Nice != m.Nice {
		return "Nice"
	}
	if c.OOMScoreAdjustSet && c.OOMScoreAdjust != m.OOMScoreAdjust {
		return "OOMScoreAdjust"
	}
	for res, l := range c.Limits {
		if l != nil && m.effectiveLimit(res, *l) != m.Limits[res] {
			return "Limit" + loader.RlimitName(res)
		}
	}
	var ign uint64
	if c.IgnoreSIGPIPE {
		ign = sigPipeBit
	}
	if m.SigIgn != ign {
		return "IgnoreSIGPIPE"
	}
	if c.WorkingDirectoryMissingOK && c.User != "" && !r.Cmd.Privileged && !r.Cmd.NoSetuid {
		return "WorkingDirectory"
	}
	if r.Cmd.Privileged {
		return ""
	}
	if c.NoNewPrivileges {
		return "NoNewPrivileges"
	}
	if c.CapabilityBoundingSet&m.Bounding != m.Bounding {
		return "CapabilityBoundingSet"
	}
	if c.PrivateTmp && m.PrivateTmp {
		return "PrivateTmp"
	}
	return ""
}

// spec is everything the child needs: the plain path turns it into
// SysProcAttr, the helper receives it encoded (wire.go).
type spec struct {
	Unit string // for messages
	Kind string
	Path string   // the executable, as the process sees it
	Argv []string // expanded unless Expand
	// Expand asks the helper to expand $VAR in Argv once the pid
	// variables are known.
	Expand bool
	// Env is the final environment; a value of pidPlaceholder is replaced
	// by the process's pid.
	Env         []string
	Dir         string // working directory, as the process sees it
	DirOptional bool   // WorkingDirectory=-...: a failing chdir is ignored
	Chroot      string // host path, "" for none

	SetCred bool // change groups, gid and uid to these
	UID     int
	GID     int
	Groups  []int

	Umask          int // -1: keep
	Nice           *int
	OOMScoreAdjust *int
	Limits         []specLimit
	Bounding       *uint64 // nil: keep
	Ambient        uint64
	NoNewPrivs     bool
	SigPipeIgnore  bool
	// PrivateTmp holds the source and target (host paths) of each bind
	// mount PrivateTmp= makes.
	PrivateTmp []string
	NFiles     int // descriptors 0 .. NFiles-1 are the process's
	// CgroupProcs, when set, is the cgroup.procs file (host path) the
	// helper writes itself into first: clone3 could not place it.
	CgroupProcs string
}

type specLimit struct {
	Res        int
	Soft, Hard uint64
}

// pidPlaceholder marks an environment value the helper replaces by its
// pid (a NUL cannot occur in a real value).
const pidPlaceholder = "\x00pid"

// prepare does the manager's part: credentials, environment, directories,
// executable and working directory checks, standard streams.
func prepare(r *Request, m *Manager, c *loader.ExecContext, helper bool) (*spec, *streams, error) {
	root := r.root(m)
	cmd := &r.Cmd
	sp := &spec{Unit: unitName(r.Unit), Kind: r.Kind, Umask: -1}

	// Credentials.
	var acct *account
	if c.User != "" {
		a, err := lookupUser(root, c.User)
		if err != nil && c.DynamicUser && errors.Is(err, ErrNoSuchUser) {
			a, err = dynamicUser(c.User), nil
		}
		if err != nil {
			return nil, nil, &stepError{ExitUser, err}
		}
		acct = &a
	}
	// The unit's user and group; "+" and "!" commands keep the manager's
	// uid and gid, but systemd 252 still sets the supplementary groups
	// (observed).
	mgrGID := os.Getgid()
	uid, gid := m.UID, mgrGID
	var groups []int
	setCred := false
	if acct != nil {
		uid, gid, setCred = acct.UID, acct.GID, true
	}
	if c.Group != "" {
		g, err := lookupGroup(root, c.Group)
		if err != nil && c.DynamicUser && acct != nil && c.Group == acct.Name {
			g, err = acct.GID, nil
		}
		if err != nil {
			return nil, nil, &stepError{ExitGroup, fmt.Errorf("Group=%s: %w", c.Group, err)}
		}
		gid, setCred = g, true
	}
	// systemd 252 gives root no groups from /etc/group (observed).
	if acct != nil && acct.UID != 0 {
		g, err := memberGroups(root, acct.Name, gid)
		if err != nil {
			return nil, nil, &stepError{ExitGroup, fmt.Errorf("SupplementaryGroups: %w", err)}
		}
		groups = g
	}
	for _, name := range c.SupplementaryGroups {
		g, err := lookupGroup(root, name)
		if err != nil {
			return nil, nil, &stepError{ExitGroup, fmt.Errorf("SupplementaryGroups=%s: %w", name, err)}
		}
		if !containsInt(groups, g) {
			groups = append(groups, g)
		}
		setCred = true
	}
	dirUID, dirGID := uid, gid // directories belong to the unit's user, whatever the prefix
	if cmd.Privileged || cmd.NoSetuid {
		uid, gid = m.UID, mgrGID
	}
	sp.SetCred, sp.UID, sp.GID, sp.Groups = setCred, uid, gid, groups
	if setCred && m.UID != 0 && (uid != m.UID || gid != mgrGID || len(groups) > 0) {
		return nil, nil, &stepError{ExitUser, fmt.Errorf("changing to uid %d gid %d: %w (the manager is not root)", uid, gid, syscall.EPERM)}
	}

	// Where the process lives.
	base := root
	if c.RootDirectory != "" && !cmd.Privileged {
		sp.Chroot = hostPath(root, c.RootDirectory)
		fi, err := os.Stat(sp.Chroot)
		if err == nil && !fi.IsDir() {
			err = syscall.ENOTDIR
		}
		if err != nil {
			// systemd sets RootDirectory= up in a mount namespace.
			return nil, nil, &stepError{ExitNamespace, fmt.Errorf("RootDirectory=%s: %w", c.RootDirectory, err)}
		}
		base = sp.Chroot
	}

	// Directories.
	dirEnv, err := setupDirectories(c, hostPath(root, c.RootDirectory), dirUID, dirGID)
	if err != nil {
		return nil, nil, err
	}

	// Standard streams (TERM depends on them).
	st, err := openStreams(r, m, c, c.UMask)
	if err != nil {
		return nil, nil, err
	}
	fail := func(err error) (*spec, *streams, error) {
		st.close()
		return nil, nil, err
	}

	// The environment.
	env := newEnvBlock(len(m.Environ) + len(r.Env) + len(c.Environment) + 8)
	for _, kv := range m.Environ {
		if len(c.ExecSearchPath) > 0 && strings.HasPrefix(kv, "PATH=") {
			kv = "PATH=" + strings.Join(c.ExecSearchPath, ":")
		}
		env.set(kv)
	}
	own := make([]string, 0, len(r.Env)+12)
	own = append(own, r.Env...)
	hasListen, hasWatchdog := false, false
	for _, kv := range r.Env {
		hasListen = hasListen || strings.HasPrefix(kv, "LISTEN_FDS=")
		hasWatchdog = hasWatchdog || strings.HasPrefix(kv, "WATCHDOG_USEC=")
	}
	if len(r.ListenFDs) > 0 && !hasListen {
		own = append(own, "LISTEN_FDS="+strconv.Itoa(len(r.ListenFDs)))
		hasListen = true
	}
	if hasListen {
		own = append(own, "LISTEN_PID="+pidPlaceholder)
	}
	if hasWatchdog {
		own = append(own, "WATCHDOG_PID="+pidPlaceholder)
	}
	// SYSTEMD_EXEC_PID is set on the helper path only: a plain fork+exec cannot know the pid beforehand.
	own = append(own, "SYSTEMD_EXEC_PID="+pidPlaceholder)
	if acct != nil {
		if !noHome(acct.Home) {
			own = append(own, "HOME="+acct.Home)
		}
		own = append(own, "LOGNAME="+acct.Name, "USER="+acct.Name)
		if !placeholderShell(acct.Shell) {
			own = append(own, "SHELL="+acct.Shell)
		}
	}
	if st.term != "" {
		own = append(own, "TERM="+st.term)
	}
	own = append(own, dirEnv...)
	slices.SortStableFunc(own, func(a, b string) int { return rankOf(a) - rankOf(b) })
	for _, kv := range own {
		env.set(kv)
	}
	for _, name := range c.PassEnvironment {
		if v, ok := os.LookupEnv(name); ok {
			env.set(name + "=" + v)
		}
	}
	for _, kv := range c.Environment {
		env.set(kv)
	}
	if err := loadEnvironmentFiles(root, c.EnvironmentFiles, env); err != nil {
		return fail(err)
	}
	sp.Env = env.unset(c.UnsetEnvironment)
	if !helper {
		sp.Env = slices.DeleteFunc(sp.Env, func(kv string) bool { return strings.HasSuffix(kv, "="+pidPlaceholder) })
	}

	// The executable.
	path, err := findExecutable(base, cmd.Path, c.ExecSearchPath)
	if err != nil {
		return fail(&stepError{ExitExec, fmt.Errorf("%s: %w", cmd.Path, err)})
	}
	sp.Path = path
	if sp.Chroot == "" {
		sp.Path = hostPath(root, path)
	}
	argv := cmd.Argv
	if cmd.Argv0Override && len(argv) == 0 {
		return fail(&stepError{ExitExec, errors.New("no argv[0]")})
	}
	switch {
	case cmd.NoEnvExpand:
		sp.Argv = argv
	case helper:
		sp.Argv, sp.Expand = argv, true
	default:
		lookup := newEnvLookup(sp.Env)
		sp.Argv = ExpandArgv(argv, lookup)
	}

	// The working directory.
	wd := c.WorkingDirectory
	if c.WorkingDirectoryHome {
		home := "/root"
		if acct != nil {
			home = acct.Home
		}
		if noHome(home) {
			if !c.WorkingDirectoryMissingOK {
				return fail(&stepError{ExitChdir, fmt.Errorf("WorkingDirectory=~: the user has no home directory: %w", syscall.EACCES)})
			}
			home = ""
		}
		wd = home
	}
	sp.Dir = "/"
	if wd != "" {
		fi, err := os.Stat(filepath.Join(base, wd))
		if err == nil && !fi.IsDir() {
			err = syscall.ENOTDIR
		}
		switch {
		case err == nil:
			sp.Dir = wd
			sp.DirOptional = c.WorkingDirectoryMissingOK
		case !c.WorkingDirectoryMissingOK:
			return fail(&stepError{ExitChdir, fmt.Errorf("WorkingDirectory=%s: %w", wd, unwrapPathError(err))})
		}
	}
	if sp.Chroot == "" {
		sp.Dir = hostPath(root, sp.Dir)
	}

	// What only the helper can apply.
	if helper {
		if c.UMask != m.Umask {
			sp.Umask = int(c.UMask)
		}
		if c.NiceSet {
			n := c.Nice
			sp.Nice = &n
		}
		if c.OOMScoreAdjustSet {
			o := c.OOMScoreAdjust
			sp.OOMScoreAdjust = &o
		}
		for res, l := range c.Limits {
			if l != nil {
				sp.Limits = append(sp.Limits, specLimit{Res: res, Soft: l.Soft, Hard: l.Hard})
			}
		}
		sp.SigPipeIgnore = c.IgnoreSIGPIPE
		if !cmd.Privileged {
			sp.NoNewPrivs = c.NoNewPrivileges
			if b := c.CapabilityBoundingSet; b&m.Bounding != m.Bounding {
				sp.Bounding = &b
			}
			if c.PrivateTmp {
				if m.PrivateTmp {
					dirs, err := privateTmpDirs(root, base, r)
					if err != nil {
						return fail(&stepError{ExitNamespace, fmt.Errorf("PrivateTmp: %w", err)})
					}
					sp.PrivateTmp = dirs
				} else {
					m.warnOnce("PrivateTmp", "PrivateTmp= needs a mount namespace, which cannot be made here; ignored")
				}
			}
		}
	} else if c.PrivateTmp && !m.PrivateTmp && !cmd.Privileged {
		m.warnOnce("PrivateTmp", "PrivateTmp= needs a mount namespace, which cannot be made here; ignored")
	}
	if !cmd.Privileged {
		sp.Ambient = c.AmbientCapabilities
	}
	return sp, st, nil
}

// hostPath is an in-root path as the manager sees it.
func hostPath(root, p string) string {
	if root == "" || root == "/" {
		if p == "" {
			return "/"
		}
		return p
	}
	return filepath.Join(root, p)
}

func unwrapPathError(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// newEnvLookup returns a lookup function over an environment list.
func newEnvLookup(env []string) func(string) (string, bool) {
	return func(name string) (string, bool) {
		for i := len(env) - 1; i >= 0; i-- {
			if k, v, _ := strings.Cut(env[i], "="); k == name {
				return v, true
			}
		}
		return "", false
	}
}

// findExecutable resolves the command's path below base: an absolute path
// must be an executable file; a file name is searched in ExecSearchPath=
// or DefaultPath. The result is the path inside base.
func findExecutable(base, path string, search []string) (string, error) {
	if strings.HasPrefix(path, "/") {
		return path, checkExecutable(filepath.Join(base, path))
	}
	dirs := search
	if len(dirs) == 0 {
		dirs = strings.Split(DefaultPath, ":")
	}
	var firstErr error
	for _, d := range dirs {
		p := filepath.Join(d, path)
		err := checkExecutable(filepath.Join(base, p))
		if err == nil {
			return p, nil
		}
		if firstErr == nil && !errors.Is(err, syscall.ENOENT) && !errors.Is(err, syscall.ENOTDIR) {
			firstErr = err
		}
	}
	if firstErr != nil {
		return "", firstErr
	}
	return "", syscall.ENOENT
}

// checkExecutable is what systemd checks before it forks: the file exists,
// is not a directory and may be executed by the manager.
func checkExecutable(p string) error {
	var st syscall.Stat_t
	if err := syscall.Stat(p, &st); err != nil {
		return err
	}
	if st.Mode&syscall.S_IFMT == syscall.S_IFDIR {
		return syscall.EACCES
	}
	return syscall.Access(p, 1) // X_OK
}
