package engine

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Properties compared after every step (issue 3), as passed to systemctl show.
const showProps = "ActiveState,SubState,Result,ExecMainStatus,NRestarts"

// stepPath is PATH for every step, so that /usr/local/sbin/systemctl (gosd's
// multi-call links) wins over /usr/bin/systemctl; systemd's roots have
// nothing in /usr/local.
const stepPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

const (
	// stepTimeout bounds one step inside the namespace (coreutils timeout);
	// no scenario step comes near it under systemd.
	stepTimeout = 60 * time.Second
	// bootTimeout bounds the wait for bootTarget to become active.
	bootTimeout = 60 * time.Second
)

// manager is a PID 1 under test.
type manager struct {
	Name string
	// Init is the argv nsboot starts as PID 1, inside the root.
	Init []string
	// Install puts the manager's own files into the root, before boot.
	Install func(root string) error
}

// systemdManager is systemd 252 as shipped in the rootfs.
func systemdManager() manager {
	return manager{
		Name: "systemd",
		Init: []string{"/lib/systemd/systemd", "--unit=" + bootTarget},
	}
}

// gosdManager is gosd built from this tree at bin, installed in the root as
// /usr/local/sbin/gosd with systemctl, systemd-notify and systemd-analyze
// links to it on the steps' PATH.
func gosdManager(bin string) manager {
	return manager{
		Name: "gosd",
		Init: append([]string{"/usr/local/sbin/gosd", "--unit=" + bootTarget}, strings.Fields(*flagGosdArg)...),
		Install: func(root string) error {
			data, err := os.ReadFile(bin)
			if err != nil {
				return err
			}
			sbin := filepath.Join(root, "usr/local/sbin")
			lbin := filepath.Join(root, "usr/local/bin")
			for _, d := range []string{sbin, lbin} {
				if err := os.MkdirAll(d, 0o755); err != nil {
					return err
				}
			}
			if err := os.WriteFile(filepath.Join(sbin, "gosd"), data, 0o755); err != nil {
				return err
			}
			links := map[string]string{
				filepath.Join(sbin, "systemctl"):       "gosd",
				filepath.Join(lbin, "systemd-notify"):  "../sbin/gosd",
				filepath.Join(lbin, "systemd-analyze"): "../sbin/gosd",
			}
			for l, target := range links {
				if err := os.Symlink(target, l); err != nil {
					return err
				}
			}
			return nil
		},
	}
}

// harness boots managers on throw-away overlays of the cached rootfs.
type harness struct {
	NSBoot string // path of nsboot
	RootFS string // the cached rootfs; never written to
	// Scratch is the directory under which each run mounts its tmpfs. It
	// must not be /tmp: nsboot runs with a private /tmp (see wrap).
	Scratch string
	// Keep, if not empty, is a directory that receives every run's
	// transcript and console log as NAME.MANAGER and NAME.MANAGER.console.
	Keep string
}

// bootError says that the manager never brought bootTarget up.
type bootError struct {
	Manager string
	Console string // the init's console log
	Err     error
}

func (e *bootError) Error() string {
	return fmt.Sprintf("%s did not start: %v\n--- console log ---\n%s", e.Manager, e.Err, e.Console)
}

func (e *bootError) Unwrap() error { return e.Err }

// runResult is what one run of a scenario produced.
type runResult struct {
	Transcript string
	Console    string
}

// run boots mgr on a fresh overlay with the scenario's files, runs its
// steps, stops the namespace and removes the overlay. The transcript is
// complete even when a step fails; err is for the harness itself failing
// (including *bootError).
func (h *harness) run(ctx context.Context, mgr manager, sc *scenario) (res runResult, err error) {
	if err := os.MkdirAll(h.Scratch, 0o755); err != nil {
		return res, err
	}
	base, err := os.MkdirTemp(h.Scratch, sc.Name+"-"+mgr.Name+"-")
	if err != nil {
		return res, err
	}
	defer os.RemoveAll(base)
	// A tmpfs under the overlay: upper and work dirs cannot live on an
	// overlayfs, which / is in many containers.
	if err := syscall.Mount("tmpfs", base, "tmpfs", 0, "mode=0755"); err != nil {
		return res, fmt.Errorf("mount tmpfs on %s: %w", base, err)
	}
	defer syscall.Unmount(base, syscall.MNT_DETACH)
	root := filepath.Join(base, "root")
	for _, d := range []string{"up", "work", "root"} {
		if err := os.Mkdir(filepath.Join(base, d), 0o755); err != nil {
			return res, err
		}
	}
	opts := "lowerdir=" + h.RootFS + ",upperdir=" + filepath.Join(base, "up") + ",workdir=" + filepath.Join(base, "work")
	if err := syscall.Mount("overlay", root, "overlay", 0, opts); err != nil {
		return res, fmt.Errorf("mount overlay of %s: %w", h.RootFS, err)
	}
	defer syscall.Unmount(root, syscall.MNT_DETACH)

	if err := installScenario(root, sc); err != nil {
		return res, err
	}
	if mgr.Install != nil {
		if err := mgr.Install(root); err != nil {
			return res, fmt.Errorf("installing %s: %w", mgr.Name, err)
		}
	}

	consolePath := filepath.Join(base, "nsboot-root.log") // where nsboot puts it
	console := func() string {
		b, _ := os.ReadFile(consolePath)
		return string(b)
	}
	defer func() {
		res.Console = console()
		if h.Keep != "" {
			_ = os.MkdirAll(h.Keep, 0o755)
			_ = os.WriteFile(filepath.Join(h.Keep, sc.Name+"."+mgr.Name), []byte(res.Transcript), 0o644)
			_ = os.WriteFile(filepath.Join(h.Keep, sc.Name+"."+mgr.Name+".console"), []byte(res.Console), 0o644)
		}
	}()

	jail, err := newCgroupJail("gosd-engine-" + filepath.Base(base))
	if err != nil {
		return res, err
	}
	defer func() {
		if jerr := jail.remove(); jerr != nil && err == nil {
			err = jerr
		}
	}()
	argv := jail.wrap(append([]string{h.NSBoot, "start", root}, mgr.Init...))
	out, err := exec.CommandContext(ctx, argv[0], argv[1:]...).CombinedOutput()
	if err != nil {
		return res, &bootError{mgr.Name, console(), fmt.Errorf("nsboot start: %v: %s", err, bytes.TrimSpace(out))}
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(out)))
	if err != nil {
		return res, &bootError{mgr.Name, console(), fmt.Errorf("nsboot start printed %q", out)}
	}
	ns := &namespace{nsboot: h.NSBoot, pid: pid}
	defer func() {
		// A fresh context: the namespace must go even when ctx is done.
		sctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		if out, serr := exec.CommandContext(sctx, h.NSBoot, "stop", strconv.Itoa(pid)).CombinedOutput(); serr != nil && err == nil {
			err = fmt.Errorf("nsboot stop %d: %v: %s", pid, serr, out)
		}
	}()

	if err := ns.waitActive(ctx, bootTarget, bootTimeout); err != nil {
		return res, &bootError{mgr.Name, console(), err}
	}

	if r := ns.run(ctx, "systemctl", "start", keepTarget); r.Exit != 0 {
		return res, fmt.Errorf("systemctl start %s: exit %d: %s", keepTarget, r.Exit, r.Stderr)
	}

	var tr strings.Builder
	fmt.Fprintf(&tr, "# %s (scenario %s); format in README.md\n", sc.Name, sc.Hash())
	for _, st := range sc.Steps {
		if err := ctx.Err(); err != nil {
			res.Transcript = tr.String()
			return res, err
		}
		r := ns.sh(ctx, st.Cmd)
		if st.NoShow {
			fmt.Fprintf(&tr, "$~ %s\n", st.Cmd)
		} else {
			fmt.Fprintf(&tr, "$ %s\n", st.Cmd)
		}
		writeOutput(&tr, r)
		if st.NoShow {
			continue
		}
		r = ns.run(ctx, append([]string{"systemctl", "show", "-p", showProps}, sc.Show...)...)
		writeShow(&tr, sc.Show, r)
	}
	res.Transcript = tr.String()
	if !ns.alive() {
		return res, fmt.Errorf("%s (PID 1, host pid %d) died during the steps", mgr.Name, pid)
	}
	return res, nil
}

// installScenario writes the scenario's files, the keep target, and the
// empty boot target unless the scenario has its own, into root.
func installScenario(root string, sc *scenario) error {
	files := slices.Clone(sc.Files)
	if !sc.hasFile(unitDir + "/" + bootTarget) {
		files = append(files, scenarioFile{
			Path:    unitDir + "/" + bootTarget,
			Mode:    0o644,
			Content: []byte("[Unit]\nDescription=gosd differential suite: boot target\n"),
		})
	}
	keep := "[Unit]\nDescription=gosd differential suite: keeps the scenario's units loaded\n" +
		"DefaultDependencies=no\nIgnoreOnIsolate=yes\n"
	for _, f := range files {
		if path.Dir(f.Path) == unitDir && !slices.Contains(sc.Collect, path.Base(f.Path)) {
			keep += "After=" + path.Base(f.Path) + "\n"
		}
	}
	files = append(files, scenarioFile{Path: unitDir + "/" + keepTarget, Mode: 0o644, Content: []byte(keep)})
	for _, f := range files {
		p := filepath.Join(root, f.Path)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, f.Content, f.Mode); err != nil {
			return fmt.Errorf("%s:%d: %w", sc.File, f.Line, err)
		}
		if err := os.Chmod(p, f.Mode); err != nil { // WriteFile's mode is subject to umask
			return err
		}
	}
	return nil
}

// namespace is a booted nsboot namespace.
type namespace struct {
	nsboot string
	pid    int
}

// cmdResult is what one command inside the namespace did.
type cmdResult struct {
	Stdout, Stderr string
	Exit           int
}

// run runs argv inside the namespace with a clean environment and PATH.
func (n *namespace) run(ctx context.Context, argv ...string) cmdResult {
	ctx, cancel := context.WithTimeout(ctx, stepTimeout+30*time.Second)
	defer cancel()
	secs := strconv.Itoa(int(stepTimeout / time.Second))
	args := append([]string{"exec", strconv.Itoa(n.pid),
		"/usr/bin/env", "-i", "PATH=" + stepPath, "LC_ALL=C",
		"/usr/bin/timeout", "-k", "5", secs}, argv...)
	cmd := exec.CommandContext(ctx, n.nsboot, args...)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	cmd.WaitDelay = 5 * time.Second
	err := cmd.Run()
	r := cmdResult{Stdout: o.String(), Stderr: e.String()}
	var xe *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &xe) && xe.Exited():
		r.Exit = xe.ExitCode()
	default:
		r.Exit = -1
		r.Stderr += fmt.Sprintf("[harness: %v]\n", err)
	}
	return r
}

// sh runs a step's command line with /bin/sh -c.
func (n *namespace) sh(ctx context.Context, line string) cmdResult {
	return n.run(ctx, "/bin/sh", "-c", line)
}

func (n *namespace) alive() bool {
	return syscall.Kill(n.pid, 0) == nil
}

// waitActive polls `systemctl is-active unit` until it says active.
func (n *namespace) waitActive(ctx context.Context, unit string, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	var last cmdResult
	for {
		if !n.alive() {
			return fmt.Errorf("PID 1 (host pid %d) exited; last is-active: %q %q", n.pid, last.Stdout, last.Stderr)
		}
		last = n.run(ctx, "systemctl", "is-active", unit)
		if strings.TrimSpace(last.Stdout) == "active" {
			return nil
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return fmt.Errorf("%s not active after %v: is-active exit %d, stdout %q, stderr %q",
				unit, limit, last.Exit, last.Stdout, last.Stderr)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// writeOutput appends a step's stdout ("> "), stderr ("! ") and a non-zero
// exit status to the transcript.
func writeOutput(tr *strings.Builder, r cmdResult) {
	for _, l := range lines(r.Stdout) {
		fmt.Fprintf(tr, "> %s\n", l)
	}
	for _, l := range lines(r.Stderr) {
		fmt.Fprintf(tr, "! %s\n", l)
	}
	if r.Exit != 0 {
		fmt.Fprintf(tr, "exit %d\n", r.Exit)
	}
}

// writeShow appends one "= UNIT Prop=Value ..." line per unit, the
// properties in the order systemctl printed them. If the output does not
// have one block per unit, it is written raw.
func writeShow(tr *strings.Builder, units []string, r cmdResult) {
	var blocks [][]string
	cur := []string(nil)
	for _, l := range strings.Split(strings.TrimRight(r.Stdout, "\n"), "\n") {
		if l == "" {
			blocks = append(blocks, cur)
			cur = nil
			continue
		}
		cur = append(cur, l)
	}
	blocks = append(blocks, cur)
	if r.Exit != 0 || r.Stderr != "" || len(blocks) != len(units) {
		fmt.Fprintf(tr, "= systemctl show failed or printed %d blocks for %d units:\n", len(blocks), len(units))
		for _, l := range lines(r.Stdout) {
			fmt.Fprintf(tr, "=> %s\n", l)
		}
		for _, l := range lines(r.Stderr) {
			fmt.Fprintf(tr, "=! %s\n", l)
		}
		fmt.Fprintf(tr, "= exit %d\n", r.Exit)
		return
	}
	for i, u := range units {
		fmt.Fprintf(tr, "= %s %s\n", u, strings.Join(blocks[i], " "))
	}
}

// lines splits command output into lines, without a trailing empty one.
func lines(s string) []string {
	s = strings.TrimSuffix(s, "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}
