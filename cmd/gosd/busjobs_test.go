package main

import (
	"bufio"
	"encoding/binary"
	"io"
	"os"
	"slices"
	"strings"
	"testing"
)

// busClient is an authenticated client end of a session with f.
func busClient(t *testing.T, f busBackend) (*os.File, *busConn) {
	t.Helper()
	client, _ := busPair(t, f, 77)
	r := bufio.NewReader(client)
	io.WriteString(client, sdBusHandshake(os.Geteuid()))
	r.ReadString('\n')
	r.ReadString('\n')
	return client, &busConn{c: client, r: r}
}

func managerCall(serial uint32, member, sig string, body []byte) []byte {
	return busCallMsg(serial, 0, busManagerPath, busManagerIface, member, sig, body)
}

func busStrings(v ...string) (b []byte) {
	for _, s := range v {
		b = busString(b, s)
	}
	return b
}

// TestBusJobMethods: a job method answers with the job's object, and the
// job's JobRemoved (uoss) follows that answer on the connection even when
// the job ended before the method returned; every connection gets it.
func TestBusJobMethods(t *testing.T) {
	f := &fakeBus{jobs: map[string]string{"slow.service": "", "bad.service": "failed", "nothere.service": "refuse"}}
	client, bc := busClient(t, f)
	_, other := busClient(t, f)
	// the second connection is served once it answered a call
	other.c.Write(managerCall(1, "GetUnit", "s", busString(nil, "multi-user.target")))
	if m, err := other.read(); err != nil || m.typ != busReturn {
		t.Fatalf("other connection: %v %+v", err, m)
	}
	calls := []struct {
		member, unit, mode string
		want               string // the reply's job path, or the error's text
		removed            string // the JobRemoved that follows: "id unit result"
	}{
		{"StartUnit", "a.service", "replace", "/org/freedesktop/systemd1/job/1", "1 a.service done"},
		{"StopUnit", "bad.service", "fail", "/org/freedesktop/systemd1/job/2", "2 bad.service failed"},
		{"RestartUnit", "slow.service", "replace", "/org/freedesktop/systemd1/job/3", ""},
		{"StartUnit", "nothere.service", "replace", "Unit nothere.service not found.", ""},
		{"StartUnit", "a.service", "bogus", "Job mode bogus invalid", ""},
		{"StartUnit", "bad name", "replace", "Unit name bad name is not valid.", ""},
		{"ReloadOrRestartUnit", "a.service", "replace", "/org/freedesktop/systemd1/job/4", "4 a.service done"},
	}
	serial := uint32(10)
	var removedOther []string
	for _, c := range calls {
		serial++
		client.Write(managerCall(serial, c.member, "ss", busStrings(c.unit, c.mode)))
		m, err := bc.read()
		if err != nil {
			t.Fatal(err)
		}
		if m.replySerial != serial {
			t.Fatalf("%s %s: first message is %+v, not the reply", c.member, c.unit, m)
		}
		got := (&busDecoder{b: m.body, order: m.order}).string()
		if got != c.want {
			t.Errorf("%s %s %s: %q, want %q", c.member, c.unit, c.mode, got, c.want)
		}
		if c.removed == "" {
			continue
		}
		removedOther = append(removedOther, c.removed)
		m, err = bc.read()
		if err != nil {
			t.Fatal(err)
		}
		if r := jobRemovedText(t, m); r != c.removed {
			t.Errorf("%s %s: then %q, want JobRemoved %q", c.member, c.unit, r, c.removed)
		}
	}
	for _, want := range removedOther {
		m, err := other.read()
		if err != nil {
			t.Fatal(err)
		}
		if r := jobRemovedText(t, m); r != want {
			t.Errorf("other connection: %q, want JobRemoved %q", r, want)
		}
	}
	// ReloadOrRestartUnit asks for reload-or-start; the backend makes it a
	// restart where the unit cannot reload (manager.reloadOrRestart).
	want := []string{"start a.service replace", "stop bad.service fail", "restart slow.service replace", "start nothere.service replace", "reload-or-start a.service replace"}
	if !slices.Equal(f.asked, want) {
		t.Errorf("jobs asked %q, want %q", f.asked, want)
	}
}

// jobRemovedText is a JobRemoved signal as "id unit result"; its object
// must be the id's.
func jobRemovedText(t *testing.T, m *busMsg) string {
	t.Helper()
	if m.typ != busSignal || m.member != "JobRemoved" || m.iface != busManagerIface || m.path != busManagerPath || m.sig != "uoss" {
		t.Fatalf("not a JobRemoved signal: %+v", m)
	}
	d := busDecoder{b: m.body, order: m.order}
	id, path, unit, result := d.uint32(), d.string(), d.string(), d.string()
	if d.err != nil || path != busJobPath(id) {
		t.Fatalf("JobRemoved body: %d %q %q %q: %v", id, path, unit, result, d.err)
	}
	return strings.Join([]string{string(busJobPath(id)[len(busJobPrefix):]), unit, result}, " ")
}

// TestBusManagerMethods: KillUnit, ResetFailed(Unit), Reload, ListUnits*,
// ListJobs, and their refusals, with the texts systemd 252's manager
// gives (systemctl prints them after "Failed to ...: ").
func TestBusManagerMethods(t *testing.T) {
	f := &fakeBus{}
	client, bc := busClient(t, f)
	kill := func(unit, whom string, sig int32) []byte {
		b := busStrings(unit, whom)
		return binary.LittleEndian.AppendUint32(busPad(b, 4), uint32(sig))
	}
	as := func(v ...string) []byte { return busValue(nil, v) }
	steps := []struct {
		msg      []byte
		typ      byte
		contains string
	}{
		{managerCall(1, "KillUnit", "ssi", kill("multi-user.target", "main", 9)), busReturn, ""},
		{managerCall(2, "KillUnit", "ssi", kill("b.service", "all", 15)), busError, "Unit b.service not loaded."},
		{managerCall(3, "KillUnit", "ssi", kill("multi-user.target", "everyone", 15)), busError, "Invalid who argument everyone"},
		{managerCall(4, "KillUnit", "ssi", kill("multi-user.target", "", 99)), busError, "Signal number out of range."},
		{managerCall(5, "KillUnit", "ss", busStrings("multi-user.target", "all")), busError, "KillUnit takes"},
		{managerCall(6, "ResetFailedUnit", "s", busString(nil, "multi-user.target")), busReturn, ""},
		{managerCall(7, "ResetFailedUnit", "s", busString(nil, "b.service")), busError, "Unit b.service not loaded."},
		{managerCall(8, "ResetFailed", "", nil), busReturn, ""},
		{managerCall(9, "Reload", "", nil), busReturn, ""},
		{managerCall(10, "ListUnitsByPatterns", "asas", append(busPad(as("active", "not-found"), 4), as("*.target", "gone*")...)), busReturn, "gone.service"},
		{managerCall(11, "ListUnitsFiltered", "as", as()), busReturn, "a.service"},
		{managerCall(12, "ListUnits", "s", busString(nil, "x")), busError, "Invalid arguments 's' to call org.freedesktop.systemd1.Manager.ListUnits(), expecting ''."},
		{managerCall(13, "ListUnitsFiltered", "as", []byte{200, 0, 0, 0}), busError, "Bad message"},
		{managerCall(14, "ListJobs", "", nil), busReturn, "/org/freedesktop/systemd1/job/9"},
		{managerCall(15, "StartUnit", "s", busString(nil, "a.service")), busError, "StartUnit takes a unit name and a job mode"},
		{managerCall(16, "SetExitCode", "y", []byte{7}), busReturn, ""},
		{managerCall(17, "SetExitCode", "u", []byte{7, 0, 0, 0}), busError, "SetExitCode takes a byte"},
		{managerCall(18, "PowerOff", "", nil), busReturn, ""},
	}
	for _, s := range steps {
		serial := binary.LittleEndian.Uint32(s.msg[8:])
		client.Write(s.msg)
		m, err := bc.read()
		if err != nil {
			t.Fatal(err)
		}
		if m.replySerial != serial || m.typ != s.typ || !strings.Contains(string(m.body), s.contains) {
			t.Errorf("call %d: type %d, body %q; want type %d containing %q", serial, m.typ, m.body, s.typ, s.contains)
		}
		switch serial {
		case 10:
			// active or not-found, named *.target or gone*
			if got := unitListNames(t, m); !slices.Equal(got, []string{"multi-user.target", "gone.service"}) {
				t.Errorf("ListUnitsByPatterns: %q", got)
			}
		case 11:
			if got := unitListNames(t, m); len(got) != 3 {
				t.Errorf("ListUnitsFiltered without states: %q", got)
			}
		}
	}
	want := []string{"kill multi-user.target main 9", "reset-failed multi-user.target", "reset-failed ", "reload", "exit-code 7", "shutdown PowerOff"}
	if !slices.Equal(f.asked, want) {
		t.Errorf("asked %q, want %q", f.asked, want)
	}
}

// unitListNames decodes ListUnits' a(ssssssouso) and returns the names;
// a unit with a job has its job's object, one without has "/".
func unitListNames(t *testing.T, m *busMsg) []string {
	t.Helper()
	if m.sig != "a(ssssssouso)" {
		t.Fatalf("signature %q", m.sig)
	}
	d := busDecoder{b: m.body, order: m.order}
	end := int(d.uint32()) + 8
	var names []string
	for d.err == nil && d.off < end {
		d.take(8, 0)
		var s [7]string
		for i := range s {
			s[i] = d.string()
		}
		id := d.uint32()
		jobType, jobPath := d.string(), d.string()
		if s[6] != busUnitPath(s[0]) || (id == 0) != (jobPath == "/") || (id == 0) != (jobType == "") {
			t.Errorf("row %q: job %d %q %q", s, id, jobType, jobPath)
		}
		names = append(names, s[0])
	}
	if d.err != nil {
		t.Fatal(d.err)
	}
	return names
}
