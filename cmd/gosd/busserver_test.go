package main

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"golang.org/x/sys/unix"

	"github.com/gosd/gosd/engine"
	"github.com/gosd/gosd/graph"
	"github.com/gosd/gosd/loader"
	"github.com/gosd/gosd/props"
	"github.com/gosd/gosd/unit"
)

// fakeBus is a busBackend with two units and a manager.
type fakeBus struct {
	loads []string
	hub   busHub
	// jobs answers busJob: the job's result, "" for a job that stays
	// queued; "refuse" refuses it. A job not in it is done at once.
	jobs   map[string]string
	asked  []string // busJob, busKill and busResetFailed calls
	nextID uint32
}

func (f *fakeBus) busJob(t graph.JobType, name string, mode graph.Mode) (uint32, error) {
	f.asked = append(f.asked, fmt.Sprintf("%s %s %s", t, name, mode))
	res, ok := f.jobs[name]
	if res == "refuse" {
		return 0, &graph.Error{Code: graph.ErrNoSuchUnit, Msg: "Unit " + name + " not found."}
	}
	f.nextID++
	if !ok {
		res = "done"
	}
	if res != "" {
		// the job ends before busJob returns, as one with nothing to do:
		// its JobRemoved must still follow the method's reply
		f.hub.jobRemoved(f.nextID, name, res)
	}
	return f.nextID, nil
}

func (f *fakeBus) busKill(name, whom string, sig syscall.Signal) {
	f.asked = append(f.asked, fmt.Sprintf("kill %s %s %d", name, whom, sig))
}
func (f *fakeBus) busResetFailed(name string) { f.asked = append(f.asked, "reset-failed "+name) }
func (f *fakeBus) busReload() error           { f.asked = append(f.asked, "reload"); return nil }
func (f *fakeBus) busShutdown(method string)  { f.asked = append(f.asked, "shutdown "+method) }
func (f *fakeBus) busSetExitCode(code byte) {
	f.asked = append(f.asked, fmt.Sprint("exit-code ", code))
}
func (f *fakeBus) busSignals() *busHub { return &f.hub }
func (f *fakeBus) busUnits() []unitRow {
	return []unitRow{
		{id: "multi-user.target", load: "loaded", active: "active", sub: "active", desc: "Multi-User System"},
		{id: "a.service", load: "loaded", active: "activating", sub: "start", desc: "A", job: "start", jobID: 9},
		{id: "gone.service", load: "not-found", active: "inactive", sub: "dead", desc: "gone.service"},
	}
}
func (f *fakeBus) busJobs() []engine.JobInfo {
	return []engine.JobInfo{{ID: 9, Unit: "a.service", Type: "start", State: "running"}}
}

func (f *fakeBus) busUnit(name string) (string, []busProp, bool) {
	f.loads = append(f.loads, name)
	active := "inactive"
	if name == "multi-user.target" {
		active = "active"
	}
	typ := unit.NameType(name)
	return typ, []busProp{
		{busUnitIface, "Id", name},
		{busUnitIface, "ActiveState", active},
		{busUnitIface, "Names", []string{name}},
		{busTypeIface(typ), "MainPID", uint32(42)},
	}, true
}

func (f *fakeBus) busLoaded(name string) bool { return name == "multi-user.target" }

func (f *fakeBus) busUnitOf(pid int) string {
	if pid == 77 {
		return "a.service"
	}
	return ""
}

func (f *fakeBus) busManager() []busProp {
	return []busProp{{busManagerIface, "UserspaceTimestampMonotonic", uint64(1234567)}}
}

// busPair runs a session on one end of a socket pair and returns the
// other end, as a client would hold it.
func busPair(t *testing.T, b busBackend, pid int32) (*os.File, <-chan error) {
	t.Helper()
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	server, client := os.NewFile(uintptr(fds[0]), "server"), os.NewFile(uintptr(fds[1]), "client")
	done := make(chan error, 1)
	go func() {
		done <- busSession(server, &unix.Ucred{Pid: pid, Uid: uint32(os.Geteuid())}, b)
		server.Close()
	}()
	t.Cleanup(func() { client.Close() })
	client.SetDeadline(time.Now().Add(10 * time.Second))
	return client, done
}

// sdBusHandshake is what sd-bus sends on connecting: every line at once.
func sdBusHandshake(uid int) string {
	return fmt.Sprintf("\x00AUTH EXTERNAL %x\r\nNEGOTIATE_UNIX_FD\r\nBEGIN\r\n", fmt.Sprint(uid))
}

func busCallMsg(serial uint32, flags byte, path, iface, member, sig string, body []byte) []byte {
	return busMessage(busCall, flags, serial, []busField{
		{code: busFieldPath, sig: "o", s: path},
		{code: busFieldIface, sig: "s", s: iface},
		{code: busFieldMember, sig: "s", s: member},
		{code: busFieldDest, sig: "s", s: "org.freedesktop.systemd1"},
	}, sig, body)
}

func TestBusSession(t *testing.T) {
	client, done := busPair(t, &fakeBus{}, 77)
	r := bufio.NewReader(client)
	io.WriteString(client, sdBusHandshake(os.Geteuid()))
	ok, _ := r.ReadString('\n')
	agree, _ := r.ReadString('\n')
	if !strings.HasPrefix(ok, "OK ") || len(strings.TrimSpace(ok)) != 3+32 || agree != "AGREE_UNIX_FD\r\n" {
		t.Fatalf("authentication answers %q, %q", ok, agree)
	}
	bc := &busConn{c: client, r: r}
	get := func(path, iface, name string) []byte {
		return busString(busString(nil, iface), name)
	}
	unitPath := busUnitPath("multi-user.target")
	steps := []struct {
		msg           []byte
		typ           byte
		sig, contains string
	}{
		{busCallMsg(1, 0, unitPath, busPropsIface, "Get", "ss", get(unitPath, busUnitIface, "ActiveState")), busReturn, "v", "active"},
		{busCallMsg(2, 0, busManagerPath, busPropsIface, "Get", "ss", get(busManagerPath, busManagerIface, "UserspaceTimestampMonotonic")), busReturn, "v", ""},
		{busCallMsg(3, 0, unitPath, busPropsIface, "Get", "ss", get(unitPath, busUnitIface, "NoSuchThing")), busError, "s", "Unknown property"},
		{busCallMsg(4, 0, "/org/freedesktop/systemd1/unit/self", busPropsIface, "Get", "ss", get("", busUnitIface, "Id")), busReturn, "v", "a.service"},
		{busCallMsg(5, busNoReply, busManagerPath, busPeerIface, "Ping", "", nil), 0, "", ""},
		{busCallMsg(6, 0, busManagerPath, busManagerIface, "Reexecute", "", nil), busError, "s", "Unknown method Reexecute"},
		{busCallMsg(7, 0, busManagerPath, busManagerIface, "GetUnit", "s", busString(nil, "b.service")), busError, "s", "Unit b.service not loaded."},
		{busCallMsg(8, 0, busManagerPath, busManagerIface, "LoadUnit", "s", busString(nil, "b.service")), busReturn, "o", "/org/freedesktop/systemd1/unit/b_2eservice"},
		{busCallMsg(9, 0, "/org/freedesktop/nothing", busPropsIface, "Get", "ss", get("", busUnitIface, "Id")), busError, "s", "Unknown object"},
		{busCallMsg(10, 0, unitPath, busPropsIface, "GetAll", "s", busString(nil, busTypeIface("target"))), busReturn, "a{sv}", "MainPID"},
		{busCallMsg(11, 0, unitPath, busPropsIface, "Get", "s", busString(nil, "x")), busError, "s", "Get takes an interface and a property"},
	}
	for _, s := range steps {
		if _, err := client.Write(s.msg); err != nil {
			t.Fatal(err)
		}
	}
	for _, s := range steps {
		serial := binary.LittleEndian.Uint32(s.msg[8:])
		if s.typ == 0 {
			continue // no reply expected
		}
		m, err := bc.read()
		if err != nil {
			t.Fatalf("call %d: %v", serial, err)
		}
		if m.replySerial != serial || m.typ != s.typ || m.sig != s.sig || !strings.Contains(string(m.body), s.contains) {
			t.Errorf("call %d: reply to %d, type %d, signature %q, body %q; want type %d, %q, containing %q",
				serial, m.replySerial, m.typ, m.sig, m.body, s.typ, s.sig, s.contains)
		}
		if serial == 2 {
			d := busDecoder{b: m.body, order: m.order}
			if sig := d.signature(); sig != "t" {
				t.Errorf("UserspaceTimestampMonotonic is a %q", sig)
			} else if p := d.take(8, 8); p == nil || binary.LittleEndian.Uint64(p) != 1234567 {
				t.Errorf("UserspaceTimestampMonotonic = %v", p)
			}
		}
	}
	// a message that breaks the protocol ends this connection only
	if _, err := client.Write(busCallMsg(12, 0, unitPath, busPropsIface, "Get", "ss", make([]byte, busServerMaxMessage))); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err == nil || !strings.Contains(err.Error(), "too long") {
		t.Errorf("session after an oversized message: %v", err)
	}
	client, done = busPair(t, &fakeBus{}, 77)
	io.WriteString(client, sdBusHandshake(os.Geteuid()))
	client.Write([]byte("Xgarbage-garbage"))
	if err := <-done; err == nil || !strings.Contains(err.Error(), "byte order") {
		t.Errorf("session after garbage: %v", err)
	}
}

func TestBusAuthentication(t *testing.T) {
	for _, c := range []struct{ name, send, want string }{
		{"another uid", "\x00AUTH EXTERNAL " + fmt.Sprintf("%x", "4242") + "\r\n", "REJECTED EXTERNAL\r\n"},
		{"another mechanism", "\x00AUTH ANONYMOUS\r\n", "REJECTED EXTERNAL\r\n"},
		{"identity from the socket", "\x00AUTH EXTERNAL\r\nDATA\r\n", "DATA\r\nOK "},
		{"BEGIN before AUTH", "\x00BEGIN\r\n", "ERROR"},
	} {
		t.Run(c.name, func(t *testing.T) {
			client, _ := busPair(t, &fakeBus{}, 1)
			io.WriteString(client, c.send)
			client.SetReadDeadline(time.Now().Add(2 * time.Second))
			b := make([]byte, 64)
			got := ""
			for !strings.HasPrefix(got, c.want) && len(got) < len(c.want)+40 {
				n, err := client.Read(b)
				if err != nil {
					break
				}
				got += string(b[:n])
			}
			if !strings.HasPrefix(got, c.want) {
				t.Errorf("answer %q, want %q", got, c.want)
			}
		})
	}
}

func TestBusUnitPath(t *testing.T) {
	for name, path := range map[string]string{
		"graphical.target":                     "/org/freedesktop/systemd1/unit/graphical_2etarget",
		"getty@tty1.service":                   "/org/freedesktop/systemd1/unit/getty_40tty1_2eservice",
		"0day.service":                         "/org/freedesktop/systemd1/unit/_30day_2eservice",
		"a-b\\x2dc.mount":                      "/org/freedesktop/systemd1/unit/a_2db_5cx2dc_2emount",
		"systemd-update-utmp-runlevel.service": "/org/freedesktop/systemd1/unit/systemd_2dupdate_2dutmp_2drunlevel_2eservice",
	} {
		if got := busUnitPath(name); got != path {
			t.Errorf("busUnitPath(%q) = %q, want %q", name, got, path)
		}
		if back, ok := busUnescape(strings.TrimPrefix(path, busUnitPrefix)); !ok || back != name {
			t.Errorf("busUnescape(%q) = %q, %v", path, back, ok)
		}
	}
	for _, bad := range []string{"", "_", "a_2", "a_zz"} {
		if n, ok := busUnescape(bad); ok {
			t.Errorf("busUnescape(%q) = %q, want an error", bad, n)
		}
	}
}

// TestBusUnitProps: every property the private bus types is one show
// lists for a service or a socket, and each keeps its type.
func TestBusUnitProps(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(dir+"/a.service", []byte("[Service]\nExecStart=/bin/true\n"), 0o644)
	os.WriteFile(dir+"/a.socket", []byte("[Socket]\nListenStream=/run/a.sock\n"), 0o644)
	set := loader.NewSet(loader.Paths{Dirs: []string{dir}}, &unit.Host{Root: "/"})
	stamp := func(name string) uint64 {
		if name == "ActiveEnterTimestampMonotonic" {
			return 99
		}
		return 0
	}
	seen := map[string]bool{}
	for _, name := range []string{"a.service", "a.socket"} {
		u, err := set.Load(name)
		if err != nil {
			t.Fatal(err)
		}
		st := &props.State{ActiveState: "active", Runtime: map[string]string{"MainPID": "42", "ExecMainStatus": "-1", "NConnections": "3"}}
		for _, p := range busUnitProps(u.Type, props.List(u, st), stamp) {
			seen[p.name] = true
			want := busUnitIface
			if busUnitTypes[p.name] == 0 && busUnitTypes[strings.TrimSuffix(p.name, "Monotonic")] == 0 {
				want = busTypeIface(u.Type)
			}
			if p.iface != want {
				t.Errorf("%s: %s in %s, want %s", name, p.name, p.iface, want)
			}
			switch p.name {
			case "MainPID":
				if p.v != uint32(42) {
					t.Errorf("MainPID = %#v", p.v)
				}
			case "ExecMainStatus":
				if p.v != int32(-1) {
					t.Errorf("ExecMainStatus = %#v", p.v)
				}
			case "ActiveEnterTimestampMonotonic":
				if p.v != uint64(99) {
					t.Errorf("ActiveEnterTimestampMonotonic = %#v", p.v)
				}
			case "Names":
				if !slices.Equal(p.v.([]string), []string{name}) {
					t.Errorf("Names = %#v", p.v)
				}
			case "ActiveState":
				if p.v != "active" {
					t.Errorf("ActiveState = %#v", p.v)
				}
			case "RemainAfterExit":
				if p.v != false {
					t.Errorf("RemainAfterExit = %#v", p.v)
				}
			}
		}
	}
	for _, table := range []map[string]byte{busUnitTypes, busTypeTypes} {
		for name := range table {
			if !seen[name] {
				t.Errorf("%s is typed for the private bus but not a property show lists", name)
			}
		}
	}
}

// TestServeBus: a client of the listening socket is served with the
// credentials of its end of the connection (the "self" unit is found by
// the client's pid).
func TestServeBus(t *testing.T) {
	path := t.TempDir() + "/private"
	ln, err := listenBus(path)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	log := zerolog.Nop()
	go serveBus(ln, &selfBus{pid: os.Getpid()}, &log)
	c, err := dialUnix(path, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	r := bufio.NewReader(c)
	io.WriteString(c, sdBusHandshake(os.Geteuid()))
	r.ReadString('\n')
	r.ReadString('\n')
	c.Write(busCallMsg(1, 0, busUnitPrefix+"self", busPropsIface, "Get", "ss", busString(busString(nil, busUnitIface), "Id")))
	m, err := (&busConn{c: c, r: r}).read()
	if err != nil {
		t.Fatal(err)
	}
	if m.typ != busReturn || !strings.Contains(string(m.body), "self.service") {
		t.Errorf("Get Id of self: type %d, body %q", m.typ, m.body)
	}
}

// selfBus is fakeBus with the test process in self.service.
type selfBus struct {
	fakeBus
	pid int
}

func (s *selfBus) busUnitOf(pid int) string {
	if pid == s.pid {
		return "self.service"
	}
	return ""
}
