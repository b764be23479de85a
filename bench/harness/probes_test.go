package main

import (
	"encoding/binary"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

func TestParseStamp(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		fields   int
		t        int64
		ok       bool
	}{
		{"time only", "12345\n", 0, 12345, true},
		{"pid and time", "42 12345\n", 1, 12345, true},
		{"empty", "", 0, 0, false},
		{"not a number", "42 soon\n", 0, 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, ts, err := parseStamp([]byte(tc.in))
			if (err == nil) != tc.ok || err == nil && (len(f) != tc.fields || ts != tc.t) {
				t.Errorf("parseStamp(%q) = %v, %d, %v", tc.in, f, ts, err)
			}
		})
	}
}

// TestWriteStamp: a stamp is the time at which it was written, read back
// by parseStamp.
func TestWriteStamp(t *testing.T) {
	path := t.TempDir() + "/stamp"
	before := monotonic()
	if err := writeStamp(path, "7"); err != nil {
		t.Fatal(err)
	}
	after := monotonic()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	f, ts, err := parseStamp(data)
	if err != nil || len(f) != 1 || f[0] != "7" || ts < before || ts > after {
		t.Errorf("stamp %q: %v %d %v, want 7 and a time in [%d, %d]", data, f, ts, err, before, after)
	}
}

func TestProcFields(t *testing.T) {
	status := []byte("Name:\tsystemd\nVmRSS:\t   17712 kB\nvoluntary_ctxt_switches:\t9\nnonvoluntary_ctxt_switches:\t4\n")
	if v, err := statusField(status, "VmRSS"); err != nil || v != 17712 {
		t.Errorf("VmRSS = %d, %v", v, err)
	}
	if _, err := statusField(status, "VmHWM"); err == nil {
		t.Error("a missing field must be an error")
	}
	sched := []byte("systemd (1, #threads: 1)\n---\nse.exec_start    :   3003037.872062\nse.sum_exec_runtime     :    1234.500000\n")
	if v, err := schedField(sched, "se.sum_exec_runtime"); err != nil || v != 1234.5 {
		t.Errorf("se.sum_exec_runtime = %v, %v", v, err)
	}
	// A command name with spaces and a parenthesis must not shift the fields.
	stat := []byte("1 (my (odd) init) S 0 1 1 0 -1 4194560 100 0 0 0 250 75 0 0 20 0 1 0 5 0 0\n")
	if v, err := statTicks(stat); err != nil || v != 3.25 {
		t.Errorf("statTicks = %v, %v; want 3.25 s", v, err)
	}
}

// TestPid1Stats reads this process's own figures.
func TestPid1Stats(t *testing.T) {
	rss, cpu, err := pid1Stats(os.Getpid())
	if err != nil || rss <= 0 || cpu < 0 {
		t.Fatalf("pid1Stats(self) = %v MiB, %v s, %v", rss, cpu, err)
	}
	n, err := contextSwitches(os.Getpid())
	if err != nil || n <= 0 {
		t.Fatalf("contextSwitches(self) = %d, %v", n, err)
	}
}

func TestValgrindTotal(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     float64
		ok       bool
	}{
		{"callgrind", "version: 1\ncreator: callgrind-3.19.0\nevents: Ir\nsummary: 238312456\n\nfn=(1) main\n16 3\ntotals: 238312456\n", 238312456, true},
		{"cachegrind", "desc: I1 cache: ...\ncmd: /bin/x\nevents: Ir\nfl=a.c\n1 2\nsummary: 3955314\n", 3955314, true},
		{"truncated", "events: Ir\nfl=a.c\n", 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := valgrindTotal([]byte(tc.in))
			if (err == nil) != tc.ok || got != tc.want {
				t.Errorf("valgrindTotal = %v, %v; want %v", got, err, tc.want)
			}
		})
	}
}

// procMsg builds one netlink message of the process events connector.
func procMsg(what uint32, ts uint64, data ...uint32) []byte {
	le := binary.LittleEndian
	b := make([]byte, nlmsgHdrLen+cnMsgLen+procHdrLen+4*len(data))
	le.PutUint32(b[0:], uint32(len(b)))
	c := b[nlmsgHdrLen:]
	le.PutUint32(c[0:], cnIdxProc)
	le.PutUint32(c[4:], cnValProc)
	e := c[cnMsgLen:]
	le.PutUint32(e[0:], what)
	le.PutUint64(e[8:], ts)
	for i, d := range data {
		le.PutUint32(e[procHdrLen+4*i:], d)
	}
	return b
}

func TestParseProcEvents(t *testing.T) {
	var buf []byte
	buf = append(buf, procMsg(0x00000001, 100, 10, 10, 11, 11)...) // fork: skipped
	buf = append(buf, procMsg(procEventExec, 200, 11, 11)...)
	buf = append(buf, procMsg(0x00000004, 250, 11, 11)...)                   // uid change: skipped
	buf = append(buf, procMsg(procEventExit, 300, 12, 11, 0, 17, 10, 10)...) // a thread of 11
	evs, err := parseProcEvents(buf)
	if err != nil {
		t.Fatal(err)
	}
	want := []procEvent{
		{What: procEventExec, T: 200, Tgid: 11},
		{What: procEventExit, T: 300, Tgid: 11},
	}
	if len(evs) != len(want) {
		t.Fatalf("%d events, want %d: %+v", len(evs), len(want), evs)
	}
	for i := range want {
		if evs[i] != want[i] {
			t.Errorf("event %d = %+v, want %+v", i, evs[i], want[i])
		}
	}
	bad := procMsg(procEventExec, 1, 1, 1)
	binary.LittleEndian.PutUint32(bad, 4096)
	if _, err := parseProcEvents(bad); err == nil {
		t.Error("a length past the datagram must be an error")
	}
}

// TestWatchProcs needs root (CAP_NET_ADMIN): the connector's exec and
// exit times of a child fall within the harness's own clock readings
// around it, which is what lets the restart figure mix the two.
func TestWatchProcs(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("the process events connector needs root")
	}
	w, err := watchProcs()
	if err != nil {
		t.Skipf("no process events connector here: %v", err)
	}
	defer w.Close()
	before := monotonic()
	cmd := exec.Command("/bin/true")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	after := monotonic()
	pid := cmd.Process.Pid
	var execT, exitT int64
	for range 500 {
		if execT, exitT, err = w.times(pid, pid); err != nil || execT > 0 && exitT > 0 {
			break
		}
		time.Sleep(2 * time.Millisecond)
	}
	if err != nil {
		t.Fatal(err)
	}
	if execT < before || exitT < execT || exitT > after {
		t.Errorf("exec at %d, exit at %d; want before %d <= exec <= exit <= after %d", execT, exitT, before, after)
	}
}

// TestCleanEnd: a shutdown counts only when PID 1 ended as the manager's
// clean shutdown ends: exit status 0, and for systemd also SIGINT (what
// systemd-shutdown's reboot(2) does to PID 1 of a pid namespace).
func TestCleanEnd(t *testing.T) {
	exited := func(code int) syscall.WaitStatus { return syscall.WaitStatus(code << 8) }
	killed := func(sig unix.Signal) syscall.WaitStatus { return syscall.WaitStatus(sig) }
	systemd := &manager{name: "systemd", endSignal: unix.SIGINT}
	gosd := &manager{name: "gosd"}
	for _, tc := range []struct {
		m    *manager
		ws   syscall.WaitStatus
		want bool
	}{
		{gosd, exited(0), true},
		{gosd, exited(1), false},
		{gosd, killed(unix.SIGINT), false},
		{gosd, killed(unix.SIGKILL), false},
		{systemd, killed(unix.SIGINT), true},
		{systemd, exited(0), true},
		{systemd, exited(1), false},
		{systemd, killed(unix.SIGKILL), false},
		{systemd, killed(unix.SIGSEGV) | 0x80, false}, // with a core dump
	} {
		if got := tc.m.cleanEnd(tc.ws); got != tc.want {
			t.Errorf("%s, status %#x (exited %v, signal %v): clean %v, want %v", tc.m.name, uint32(tc.ws), tc.ws.Exited(), tc.ws.Signal(), got, tc.want)
		}
	}
}

// TestEchoCmd: the accept figure's client counts a round trip only when
// the line comes back as sent, and fails without a listener.
func TestEchoCmd(t *testing.T) {
	serve := func(reply func(string) string) string {
		path := filepath.Join(t.TempDir(), "echo.sock")
		ln, err := net.Listen("unix", path)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { ln.Close() })
		go func() {
			for {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				b, _ := io.ReadAll(c)
				io.WriteString(c, reply(string(b)))
				c.Close()
			}
		}()
		return path
	}
	good := serve(func(s string) string { return s })
	if got, err := echoOnce(good, "ping 1\n"); err != nil || got != "ping 1\n" {
		t.Errorf("echoOnce = %q, %v", got, err)
	}
	if code := echoCmd([]string{"3", good}); code != 0 {
		t.Errorf("echo against an echo server: exit %d", code)
	}
	bad := serve(func(s string) string { return strings.ToUpper(s) })
	if code := echoCmd([]string{"3", bad}); code != 1 {
		t.Errorf("echo against a server answering otherwise: exit %d, want 1", code)
	}
	if code := echoCmd([]string{"1", filepath.Join(t.TempDir(), "none")}); code != 1 {
		t.Errorf("echo with no listener: exit %d, want 1", code)
	}
	if code := echoCmd([]string{"0", good}); code != 2 {
		t.Errorf("echo 0: exit %d, want 2", code)
	}
}
