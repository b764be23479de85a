// Package generator runs systemd's unit generators (systemd.generator(7))
// the way systemd 252's manager does before it loads units, at boot and
// at daemon-reload: every executable in the generator directories (the
// first of a name wins; a /dev/null link or an empty file masks it), all
// at once, each with the normal, early and late output directories as
// arguments, after those directories were emptied.
package generator

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// Dirs are the system generator directories, most important first
// (/lib before /usr/lib: Debian's systemd 252 is built for a split /usr;
// with a merged /usr both hold the same files).
var Dirs = []string{
	"/run/systemd/system-generators",
	"/etc/systemd/system-generators",
	"/usr/local/lib/systemd/system-generators",
	"/lib/systemd/system-generators",
	"/usr/lib/systemd/system-generators",
}

// Out are the output directories: normal, early and late.
var Out = []string{"/run/systemd/generator", "/run/systemd/generator.early", "/run/systemd/generator.late"}

// Timeout is how long the generators may take together (systemd's
// DEFAULT_TIMEOUT_USEC); the ones still running are killed.
const Timeout = 90 * time.Second

// Find returns the generators under root, by name, in the order of their
// names (systemd's), each the file of the first directory that has it.
func Find(root string) []string {
	byName := map[string]string{}
	for _, d := range Dirs {
		ents, err := os.ReadDir(filepath.Join(root, d))
		if err != nil {
			continue
		}
		for _, e := range ents {
			if _, ok := byName[e.Name()]; ok {
				continue
			}
			byName[e.Name()] = filepath.Join(d, e.Name())
		}
	}
	var out []string
	for _, p := range byName {
		if masked(filepath.Join(root, p)) {
			continue
		}
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return filepath.Base(out[i]) < filepath.Base(out[j]) })
	return out
}

// masked: a link to /dev/null, an empty file, or no file at all.
func masked(p string) bool {
	if t, err := os.Readlink(p); err == nil && t == "/dev/null" {
		return true
	}
	st, err := os.Stat(p)
	if err != nil {
		return true
	}
	return st.Mode().IsRegular() && st.Size() == 0 || st.IsDir()
}

// Run empties the output directories under root and runs every generator
// with env, in parallel, for at most timeout; their output and systemd's
// warning for each that failed go to out. It returns how many failed.
// The generators must run in the root: a root other than "/" is for
// tests of generators that take their output directories as given.
// (syscall, not os/exec: the manager's binary stays without os/exec, and
// a Go binary is resident whole.)
func Run(root string, env []string, timeout time.Duration, out *os.File) int {
	dirs := make([]string, len(Out))
	for i, d := range Out {
		dirs[i] = filepath.Join(root, d)
		os.RemoveAll(dirs[i])
		if err := os.MkdirAll(dirs[i], 0o755); err != nil {
			fmt.Fprintf(out, "Failed to create %s: %v\n", dirs[i], err)
		}
	}
	type run struct {
		name string
		pid  int
		msg  string
		done atomic.Bool // reaped: its pid may be another's now
	}
	stdin, err := os.Open("/dev/null")
	if err != nil {
		fmt.Fprintf(out, "Failed to open /dev/null: %v\n", err)
		return 0
	}
	defer stdin.Close()
	var runs []*run
	for _, g := range Find(root) {
		p := filepath.Join(root, g)
		pid, err := syscall.ForkExec(p, append([]string{p}, dirs...), &syscall.ProcAttr{
			Dir:   "/",
			Env:   env,
			Files: []uintptr{stdin.Fd(), out.Fd(), out.Fd()},
			Sys:   &syscall.SysProcAttr{Setpgid: true},
		})
		r := &run{name: g, pid: pid}
		if err != nil {
			r.pid, r.msg = 0, fmt.Sprintf("Failed to execute %s: %v", g, err)
		}
		runs = append(runs, r)
	}
	var timedOut atomic.Bool
	timer := time.AfterFunc(timeout, func() {
		timedOut.Store(true)
		for _, r := range runs {
			if r.pid > 0 && !r.done.Load() {
				syscall.Kill(-r.pid, syscall.SIGKILL)
			}
		}
	})
	defer timer.Stop()
	var wg sync.WaitGroup
	for _, r := range runs {
		if r.pid <= 0 {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			var ws syscall.WaitStatus
			for {
				_, err := syscall.Wait4(r.pid, &ws, 0, nil)
				if err != syscall.EINTR {
					break
				}
			}
			r.done.Store(true)
			switch {
			case ws.Exited() && ws.ExitStatus() == 0:
			case ws.Signaled() && ws.Signal() == syscall.SIGKILL && timedOut.Load():
				r.msg = fmt.Sprintf("%s timed out, killed.", r.name)
			case ws.Exited():
				r.msg = fmt.Sprintf("%s failed with exit status %d.", r.name, ws.ExitStatus())
			default:
				r.msg = fmt.Sprintf("%s terminated by signal %s.", r.name, unix.SignalName(ws.Signal()))
			}
		}()
	}
	wg.Wait()
	failed := 0
	for _, r := range runs {
		if r.msg != "" {
			failed++
			fmt.Fprintln(out, r.msg)
		}
	}
	return failed
}

// Env is the environment systemd 252 gives generators: a default PATH,
// $SYSTEMD_SCOPE, $SYSTEMD_IN_INITRD, $SYSTEMD_FIRST_BOOT, and, where
// known, $SYSTEMD_VIRTUALIZATION ("container:docker", "vm:kvm"; unset
// without virtualization) and $SYSTEMD_ARCHITECTURE.
func Env(virt string, container bool, arch string, firstBoot bool) []string {
	env := []string{
		"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
		"SYSTEMD_SCOPE=system",
		"SYSTEMD_IN_INITRD=0",
		"SYSTEMD_FIRST_BOOT=" + map[bool]string{true: "1", false: "0"}[firstBoot],
	}
	if virt != "" && virt != "none" {
		kind := "vm"
		if container {
			kind = "container"
		}
		env = append(env, "SYSTEMD_VIRTUALIZATION="+kind+":"+virt)
	}
	if arch != "" {
		env = append(env, "SYSTEMD_ARCHITECTURE="+arch)
	}
	return env
}
