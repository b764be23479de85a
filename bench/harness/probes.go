package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/gosd/gosd/bench/unitgraph"
)

// manager is one of the three things booted as PID 1.
type manager struct {
	name string
	argv []string    // PID 1's command line, in the root
	env  []string    // added to PID 1's environment
	stop unix.Signal // what makes PID 1 shut down
	// endSignal, if set, also ends a clean shutdown besides exit status
	// 0: systemd execs systemd-shutdown, whose reboot(2) in a pid
	// namespace kills PID 1 with SIGINT.
	endSignal unix.Signal
	// client is the systemctl to run inside the namespace; nil if the
	// manager has no control interface.
	client []string
	// skip, if set, is why this manager is not booted at all.
	skip string
}

// cleanEnd reports whether PID 1 ended as m's clean shutdown ends: exit
// status 0, or killed by m.endSignal.
func (m *manager) cleanEnd(ws syscall.WaitStatus) bool {
	if ws.Exited() {
		return ws.ExitStatus() == 0
	}
	return m.endSignal != 0 && ws.Signaled() && ws.Signal() == m.endSignal
}

// sigRTMin3 is SIGRTMIN+3 as glibc numbers it (SIGRTMIN is 34 there):
// systemd's "halt" signal, the one nsboot stop sends.
const sigRTMin3 = unix.Signal(37)

// pid1Stats reads PID 1's resident set (MiB) and CPU time (s) so far.
// CPU time is the sum of the threads' se.sum_exec_runtime (ns precision)
// when /proc exposes it, else utime+stime from /proc/PID/stat (ticks).
func pid1Stats(pid int) (rssMiB, cpuSec float64, err error) {
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0, err
	}
	kb, err := statusField(status, "VmRSS")
	if err != nil {
		return 0, 0, err
	}
	cpu, err := schedRuntime(pid)
	if err != nil {
		cpu, err = statCPU(pid)
	}
	return float64(kb) / 1024, cpu, err
}

// statusField returns a numeric field of /proc/PID/status ("VmRSS:  123 kB").
func statusField(status []byte, name string) (int64, error) {
	for _, line := range strings.Split(string(status), "\n") {
		k, v, ok := strings.Cut(line, ":")
		if ok && k == name {
			f := strings.Fields(v)
			if len(f) == 0 {
				break
			}
			return strconv.ParseInt(f[0], 10, 64)
		}
	}
	return 0, fmt.Errorf("no %s in /proc/PID/status", name)
}

func schedRuntime(pid int) (float64, error) {
	tasks, err := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/sched", pid))
	if err != nil || len(tasks) == 0 {
		return 0, fmt.Errorf("no /proc/%d/task/*/sched", pid)
	}
	var ms float64
	for _, t := range tasks {
		data, err := os.ReadFile(t)
		if err != nil {
			continue // the thread ended
		}
		v, err := schedField(data, "se.sum_exec_runtime")
		if err != nil {
			return 0, err
		}
		ms += v
	}
	return ms / 1000, nil
}

// schedField returns a field of /proc/PID/sched ("se.sum_exec_runtime : 12.5").
func schedField(sched []byte, name string) (float64, error) {
	for _, line := range strings.Split(string(sched), "\n") {
		k, v, ok := strings.Cut(line, ":")
		if ok && strings.TrimSpace(k) == name {
			return strconv.ParseFloat(strings.TrimSpace(v), 64)
		}
	}
	return 0, fmt.Errorf("no %s in /proc/PID/sched", name)
}

func statCPU(pid int) (float64, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	return statTicks(data)
}

// statTicks returns utime+stime of a /proc/PID/stat line in seconds
// (USER_HZ is 100 on Linux).
func statTicks(stat []byte) (float64, error) {
	s := string(stat)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, fmt.Errorf("malformed /proc/PID/stat")
	}
	f := strings.Fields(s[i+1:])
	// After the command: state is field 3 of the line, utime 14, stime 15.
	if len(f) < 13 {
		return 0, fmt.Errorf("malformed /proc/PID/stat")
	}
	u, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("malformed /proc/PID/stat")
	}
	return float64(u+st) / 100, nil
}

// contextSwitches sums voluntary and involuntary context switches over
// PID 1's threads: each time a thread wakes to run counts once.
func contextSwitches(pid int) (int64, error) {
	tasks, err := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/status", pid))
	if err != nil || len(tasks) == 0 {
		return 0, fmt.Errorf("no /proc/%d/task/*/status", pid)
	}
	var n int64
	for _, t := range tasks {
		data, err := os.ReadFile(t)
		if err != nil {
			continue
		}
		v, err1 := statusField(data, "voluntary_ctxt_switches")
		nv, err2 := statusField(data, "nonvoluntary_ctxt_switches")
		if err1 != nil || err2 != nil {
			return 0, fmt.Errorf("%s: no context switch counts", t)
		}
		n += v + nv
	}
	return n, nil
}

// parseStamp splits a stamp written by writeStamp: the leading fields and
// the time.
func parseStamp(data []byte) (fields []string, t int64, err error) {
	f := strings.Fields(string(data))
	if len(f) == 0 {
		return nil, 0, fmt.Errorf("empty stamp")
	}
	t, err = strconv.ParseInt(f[len(f)-1], 10, 64)
	if err != nil {
		return nil, 0, fmt.Errorf("bad stamp %q", bytes.TrimSpace(data))
	}
	return f[:len(f)-1], t, nil
}

// measureRestart crashes the restart unit k times and returns each
// latency in ms: from the exit of the crashed main process to the exec of
// its successor, both as the kernel's process events connector stamps
// them, so that the program the unit runs adds nothing to the figure.
// The unit's own start stamp only says which process is the new one.
func measureRestart(b *boot, k int, timeout time.Duration) ([]float64, error) {
	dir := unitgraph.RestartDir
	cur, err := b.WaitFile(dir+"/start", timeout)
	if err != nil {
		return nil, fmt.Errorf("the restart unit never started: %w", err)
	}
	w, err := watchProcs()
	if err != nil {
		return nil, err
	}
	defer w.Close()
	var lat []float64
	for range k {
		f0, _, err := parseStamp(cur)
		if err != nil || len(f0) != 1 {
			return nil, fmt.Errorf("%s/start: %q", dir, cur)
		}
		oldPid, err := hostPid(b.Pid, f0[0])
		if err != nil {
			return nil, err
		}
		if err := poke(b.Path(dir+"/crash"), timeout); err != nil {
			return nil, err
		}
		deadline := time.Now().Add(timeout)
		var f1 []string
		for {
			data, err := os.ReadFile(b.Path(dir + "/start"))
			if err == nil {
				if f1, _, err = parseStamp(data); err == nil && len(f1) == 1 && f1[0] != f0[0] {
					cur = data
					break
				}
			}
			if time.Now().After(deadline) || b.Exited() {
				return nil, fmt.Errorf("the restart unit was not restarted within %v after its process %s was killed", timeout, f0[0])
			}
			time.Sleep(time.Millisecond)
		}
		newPid, err := hostPid(b.Pid, f1[0])
		if err != nil {
			return nil, err
		}
		// The events are in the socket already (the new process wrote its
		// stamp after its exec); let the reader take them in.
		var exec, exit int64
		for range 500 {
			if exec, exit, err = w.times(newPid, oldPid); err != nil || exec > 0 && exit > 0 {
				break
			}
			time.Sleep(2 * time.Millisecond)
		}
		if err != nil {
			return nil, err
		}
		if exec == 0 || exit == 0 {
			return nil, fmt.Errorf("proc connector: no exit event for %d or no exec event for %d", oldPid, newPid)
		}
		lat = append(lat, float64(exec-exit)/1e6)
	}
	return lat, nil
}

// hostPid returns the host pid of the process that has pid nsPid in
// PID 1's pid namespace (PID 1 given by host pid).
func hostPid(pid1 int, nsPid string) (int, error) {
	ns, err := os.Readlink(fmt.Sprintf("/proc/%d/ns/pid", pid1))
	if err != nil {
		return 0, err
	}
	// The restart unit's process is normally PID 1's child: look there first.
	var candidates []string
	if kids, err := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/children", pid1)); err == nil {
		for _, k := range kids {
			data, _ := os.ReadFile(k)
			candidates = append(candidates, strings.Fields(string(data))...)
		}
	}
	all, _ := filepath.Glob("/proc/[0-9]*")
	for _, p := range all {
		candidates = append(candidates, filepath.Base(p))
	}
	for _, c := range candidates {
		if l, err := os.Readlink("/proc/" + c + "/ns/pid"); err != nil || l != ns {
			continue
		}
		status, err := os.ReadFile("/proc/" + c + "/status")
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(status), "\n") {
			if v, ok := strings.CutPrefix(line, "NSpid:"); ok {
				f := strings.Fields(v)
				if len(f) > 1 && f[len(f)-1] == nsPid {
					return strconv.Atoi(c)
				}
			}
		}
	}
	return 0, fmt.Errorf("no process with pid %s in the namespace of %d", nsPid, pid1)
}

// poke writes one byte into the crashloop FIFO once its process opened it.
func poke(fifo string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		f, err := os.OpenFile(fifo, os.O_WRONLY|unix.O_NONBLOCK, 0)
		if err == nil {
			_, err = f.Write([]byte{1})
			f.Close()
			return err
		}
		if !os.IsNotExist(err) && !isErrno(err, unix.ENXIO) {
			return err
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("nobody read %s within %v", fifo, timeout)
		}
		time.Sleep(time.Millisecond)
	}
}

func isErrno(err error, e unix.Errno) bool {
	pe, ok := err.(*os.PathError)
	return ok && pe.Err == e
}

// inNamespace runs a command inside the boot's namespaces and root, as
// nsboot exec does.
func inNamespace(b *boot, args ...string) ([]byte, error) {
	cmd := exec.Command("nsenter", append([]string{"-t", strconv.Itoa(b.Pid), "-m", "-u", "-i", "-n", "-p", "-r", "-w"}, args...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return out, fmt.Errorf("%s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return out, nil
}

// measureIsActive times `CLIENT is-active bench.target` inside the
// namespace, n runs in a row, and returns the median in ms.
func measureIsActive(b *boot, client []string, n int) (float64, error) {
	args := append([]string{unitgraph.HelperPath, "time", strconv.Itoa(n)}, client...)
	out, err := inNamespace(b, append(args, "is-active", unitgraph.TargetName)...)
	if err != nil {
		return 0, err
	}
	f := strings.Fields(string(out))
	if len(f) != 2 || f[1] != "active" {
		return 0, fmt.Errorf("is-active %s printed %q, want active", unitgraph.TargetName, bytes.TrimSpace(out))
	}
	ns, err := strconv.ParseInt(f[0], 10, 64)
	return float64(ns) / 1e6, err
}

// measureAccept times n connections to the Accept=yes echo socket, one
// after the other, from inside the namespace, and returns the median in
// ms: connect, a line written and read back, close.
func measureAccept(b *boot, n int) (float64, error) {
	out, err := inNamespace(b, unitgraph.HelperPath, "echo", strconv.Itoa(n), unitgraph.EchoPath)
	if err != nil {
		return 0, err
	}
	ns, err := strconv.ParseInt(strings.TrimSpace(string(out)), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("echo printed %q", bytes.TrimSpace(out))
	}
	return float64(ns) / 1e6, nil
}

// measureIdle counts PID 1's wake-ups per second over d, after settling.
func measureIdle(b *boot, settle, d time.Duration) (float64, error) {
	time.Sleep(settle)
	n0, err := contextSwitches(b.Pid)
	if err != nil {
		return 0, err
	}
	t0 := time.Now()
	time.Sleep(d)
	n1, err := contextSwitches(b.Pid)
	if err != nil {
		return 0, err
	}
	if b.Exited() {
		return 0, fmt.Errorf("%s while idle", b.ExitReason())
	}
	return float64(n1-n0) / time.Since(t0).Seconds(), nil
}

// valgrindTotal returns the instruction count (Ir, the first event) of a
// callgrind or cachegrind output.
func valgrindTotal(data []byte) (float64, error) {
	for _, line := range strings.Split(string(data), "\n") {
		for _, p := range []string{"summary:", "totals:"} {
			if v, ok := strings.CutPrefix(line, p); ok {
				f := strings.Fields(v)
				if len(f) > 0 {
					return strconv.ParseFloat(f[0], 64)
				}
			}
		}
	}
	return 0, fmt.Errorf("no summary or totals line")
}
