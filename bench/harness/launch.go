package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// bootSpec says what to boot as PID 1 of fresh namespaces. The launcher
// child receives it as JSON.
type bootSpec struct {
	Lower []string    // overlay lower directories, uppermost first
	Dir   string      // run directory; up/, work/, root/ and console.log are made in it
	Binds [][2]string // host path, in-root path: bind-mounted before PID 1 starts
	Argv  []string    // PID 1's command line, resolved inside the root
	Env   []string    // added to PID 1's environment
}

// boot is one PID 1 running in its namespaces.
type boot struct {
	cmd     *exec.Cmd
	console string
	Pid     int   // host pid of the namespace's PID 1
	T0      int64 // CLOCK_MONOTONIC ns just before PID 1's exec
	exited  chan struct{}
	exitAt  int64 // CLOCK_MONOTONIC ns when the wait for PID 1 returned
	state   *os.ProcessState
}

// monotonic returns CLOCK_MONOTONIC in ns. Without a time namespace (none
// is made) it is the same clock inside and outside the benchmark's
// namespaces, so stamps written by units compare with the harness's.
func monotonic() int64 {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts); err != nil {
		panic(err) // cannot fail on Linux
	}
	return ts.Nano()
}

// startBoot starts the launcher in new pid, mount, network, uts and ipc
// namespaces (those nsboot uses) and returns once PID 1 is about to exec,
// with T0 set. The launcher's mounts live only in its mount namespace, so
// nothing is left mounted on the host when the namespace ends.
func startBoot(spec bootSpec) (*boot, error) {
	for _, d := range []string{"up", "work", "root"} {
		if err := os.MkdirAll(filepath.Join(spec.Dir, d), 0o755); err != nil {
			return nil, err
		}
	}
	js, err := json.Marshal(spec)
	if err != nil {
		return nil, err
	}
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	b := &boot{console: filepath.Join(spec.Dir, "console.log"), exited: make(chan struct{})}
	con, err := os.Create(b.console)
	if err != nil {
		return nil, err
	}
	defer con.Close()
	pr, pw, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	defer pr.Close()
	b.cmd = exec.Command(self, "launch", string(js))
	b.cmd.Stdout, b.cmd.Stderr = con, con
	b.cmd.ExtraFiles = []*os.File{pw}
	b.cmd.Env = []string{}
	b.cmd.SysProcAttr = &unix.SysProcAttr{
		Cloneflags: unix.CLONE_NEWPID | unix.CLONE_NEWNS | unix.CLONE_NEWNET | unix.CLONE_NEWUTS | unix.CLONE_NEWIPC,
		Setsid:     true,
		// If the harness dies, so does the namespace.
		Pdeathsig: unix.SIGKILL,
	}
	err = b.cmd.Start()
	pw.Close()
	if err != nil {
		return nil, fmt.Errorf("starting the launcher: %w", err)
	}
	b.Pid = b.cmd.Process.Pid
	go func() {
		b.cmd.Wait()
		b.exitAt = monotonic()
		b.state = b.cmd.ProcessState
		close(b.exited)
	}()
	line, _ := bufio.NewReader(pr).ReadString('\n')
	t0, err := strconv.ParseInt(strings.TrimSpace(line), 10, 64)
	if err != nil {
		b.Kill()
		return nil, fmt.Errorf("the launcher failed before exec: %s", b.ConsoleTail(3))
	}
	b.T0 = t0
	return b, nil
}

// Path returns the host path of an in-root path of the running PID 1.
func (b *boot) Path(inRoot string) string {
	return fmt.Sprintf("/proc/%d/root%s", b.Pid, inRoot)
}

// Exited reports whether PID 1 has exited.
func (b *boot) Exited() bool {
	select {
	case <-b.exited:
		return true
	default:
		return false
	}
}

// ExitReason says how PID 1 ended; call it only once Exited.
func (b *boot) ExitReason() string {
	ws, ok := b.WaitStatus()
	if !ok {
		return "still running"
	}
	if ws.Signaled() {
		return "PID 1 was killed by " + unix.SignalName(ws.Signal())
	}
	return fmt.Sprintf("PID 1 exited with status %d", ws.ExitStatus())
}

// WaitStatus returns how PID 1 ended; false while it is running.
func (b *boot) WaitStatus() (syscall.WaitStatus, bool) {
	if b.state == nil {
		return 0, false
	}
	ws, ok := b.state.Sys().(syscall.WaitStatus)
	return ws, ok
}

// ConsoleTail returns the last n non-empty lines PID 1 wrote to its
// console, joined with " | ".
func (b *boot) ConsoleTail(n int) string {
	data, _ := os.ReadFile(b.console)
	var lines []string
	for _, l := range strings.Split(string(data), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			lines = append(lines, l)
		}
	}
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	if len(lines) == 0 {
		return "no console output"
	}
	return strings.Join(lines, " | ")
}

// errTimeout is returned (wrapped) when a wait on the booted system ends
// by its deadline.
var errTimeout = errors.New("timed out")

// WaitFile waits until the in-root file exists and returns its contents.
// It fails if PID 1 exits first or after timeout. It polls every 2 ms:
// the figures come from stamps taken inside the namespace, so the poll
// only decides when the harness looks, not what it measures.
func (b *boot) WaitFile(inRoot string, timeout time.Duration) ([]byte, error) {
	deadline := time.Now().Add(timeout)
	for {
		data, err := os.ReadFile(b.Path(inRoot))
		if err == nil {
			return data, nil
		}
		if b.Exited() {
			return nil, fmt.Errorf("%s before %s appeared; console: %s", b.ExitReason(), inRoot, b.ConsoleTail(3))
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("%w: no %s after %v; console: %s", errTimeout, inRoot, timeout, b.ConsoleTail(3))
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// Stop sends sig to PID 1 and returns the time until PID 1 exited. After
// timeout it kills the namespace and returns errTimeout.
func (b *boot) Stop(sig unix.Signal, timeout time.Duration) (time.Duration, error) {
	t := monotonic()
	if err := unix.Kill(b.Pid, sig); err != nil {
		return 0, err
	}
	select {
	case <-b.exited:
		return time.Duration(b.exitAt - t), nil
	case <-time.After(timeout):
		b.Kill()
		return 0, fmt.Errorf("%w: PID 1 still running %v after %s", errTimeout, timeout, unix.SignalName(sig))
	}
}

// Kill kills PID 1 (and so the whole pid namespace) and waits for it.
func (b *boot) Kill() {
	unix.Kill(b.Pid, unix.SIGKILL)
	<-b.exited
}

// launch is the launcher: PID 1 of the new namespaces until it execs the
// init. It makes the mounts nsboot's inner script makes, over an overlay
// of spec.Lower, chroots, writes CLOCK_MONOTONIC to fd 3, closes it and
// execs spec.Argv with nsboot's environment.
func launch(specJSON string) int {
	var s bootSpec
	if err := json.Unmarshal([]byte(specJSON), &s); err != nil {
		fmt.Fprintln(os.Stderr, "gosd-bench launch:", err)
		return 1
	}
	if err := prepareRoot(s); err != nil {
		fmt.Fprintln(os.Stderr, "gosd-bench launch:", err)
		return 1
	}
	env := append([]string{"container=other", "TERM=dumb", "PATH=/usr/sbin:/usr/bin:/sbin:/bin"}, s.Env...)
	t0 := monotonic()
	ready := os.NewFile(3, "t0")
	fmt.Fprintf(ready, "%d\n", t0)
	ready.Close()
	err := unix.Exec(s.Argv[0], s.Argv, env)
	fmt.Fprintf(os.Stderr, "gosd-bench launch: exec %s: %v\n", s.Argv[0], err)
	return 1
}

func prepareRoot(s bootSpec) error {
	root := filepath.Join(s.Dir, "root")
	mount := func(src, dst, fstype string, flags uintptr, data string) error {
		if err := unix.Mount(src, dst, fstype, flags, data); err != nil {
			return fmt.Errorf("mount %s on %s: %w", src, dst, err)
		}
		return nil
	}
	if err := mount("", "/", "", unix.MS_REC|unix.MS_PRIVATE, ""); err != nil {
		return err
	}
	opts := fmt.Sprintf("lowerdir=%s,upperdir=%s,workdir=%s", strings.Join(s.Lower, ":"),
		filepath.Join(s.Dir, "up"), filepath.Join(s.Dir, "work"))
	if err := mount("overlay", root, "overlay", 0, opts); err != nil {
		return err
	}
	steps := []struct {
		src, dst, fstype string
		flags            uintptr
	}{
		{"proc", "proc", "proc", 0},
		{"/sys", "sys", "", unix.MS_BIND | unix.MS_REC},
		{"tmpfs", "run", "tmpfs", 0},
		{"tmpfs", "tmp", "tmpfs", 0},
		{"/dev", "dev", "", unix.MS_BIND | unix.MS_REC},
	}
	for _, m := range steps {
		if err := mount(m.src, filepath.Join(root, m.dst), m.fstype, m.flags, ""); err != nil {
			return err
		}
	}
	for _, bd := range s.Binds {
		dst := filepath.Join(root, bd[1])
		fi, err := os.Stat(bd[0])
		if err != nil {
			return err
		}
		if fi.IsDir() {
			err = os.MkdirAll(dst, 0o755)
		} else if err = os.MkdirAll(filepath.Dir(dst), 0o755); err == nil {
			var f *os.File
			if f, err = os.OpenFile(dst, os.O_CREATE|os.O_WRONLY, 0o755); err == nil {
				f.Close()
			}
		}
		if err != nil {
			return err
		}
		if err := mount(bd[0], dst, "", unix.MS_BIND|unix.MS_REC, ""); err != nil {
			return err
		}
	}
	if err := loopbackUp(); err != nil {
		fmt.Fprintln(os.Stderr, "gosd-bench launch: lo:", err) // as nsboot: not fatal
	}
	if err := unix.Chdir(root); err != nil {
		return err
	}
	if err := unix.Chroot("."); err != nil {
		return fmt.Errorf("chroot %s: %w", root, err)
	}
	return unix.Chdir("/")
}

// loopbackUp sets the new network namespace's lo up, as `ip link set lo up`.
func loopbackUp() error {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	ifr, err := unix.NewIfreq("lo")
	if err != nil {
		return err
	}
	if err := unix.IoctlIfreq(fd, unix.SIOCGIFFLAGS, ifr); err != nil {
		return err
	}
	ifr.SetUint16(ifr.Uint16() | unix.IFF_UP)
	return unix.IoctlIfreq(fd, unix.SIOCSIFFLAGS, ifr)
}
