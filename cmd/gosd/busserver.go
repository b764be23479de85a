package main

import (
	"bufio"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/rs/zerolog"
	"golang.org/x/sys/unix"

	"github.com/gosd/gosd/engine"
	"github.com/gosd/gosd/graph"
	"github.com/gosd/gosd/install"
	"github.com/gosd/gosd/props"
	"github.com/gosd/gosd/unit"
)

// busPrivate is systemd's private bus socket: systemd's own tools reach
// PID 1 there without a bus daemon (systemd-update-utmp asks it for the
// boot's timestamp and the targets' ActiveState; Debian's systemctl
// starts and stops units). gosd serves the part of the
// org.freedesktop.systemd1 API they use: properties of the manager and
// of units, GetUnit, LoadUnit, GetUnitByPID, Ping, the job methods with
// their JobRemoved signals, KillUnit, ResetFailed(Unit), Reload and the
// lists of units and jobs (busjobs.go); every other method gets a clear
// D-Bus error.
const busPrivate = "/run/systemd/private"

// busBackend is what the private bus asks of the manager.
type busBackend interface {
	// busUnit loads the unit name if needed and returns its type and
	// properties; ok is false when name cannot be a unit.
	busUnit(name string) (typ string, ps []busProp, ok bool)
	// busLoaded reports whether the unit name is loaded.
	busLoaded(name string) bool
	// busUnitOf is the unit the process pid belongs to ("" if none).
	busUnitOf(pid int) string
	busManager() []busProp
	// busJob queues a job and returns its id once queued; the job's
	// JobRemoved goes to busSignals' connections when it ends.
	busJob(t graph.JobType, name string, mode graph.Mode) (uint32, error)
	busKill(name, whom string, sig syscall.Signal)
	busResetFailed(name string) // "" for every unit
	busReload() error           // daemon-reload, answered once done
	busShutdown(method string)  // PowerOff, Reboot, Halt, KExec, Exit
	busSetExitCode(code byte)
	busSignals() *busHub
	busUnits() []unitRow       // the loaded units, for ListUnits
	busJobs() []engine.JobInfo // ListJobs
}

// busProp is a property with its D-Bus value: string, []string, bool,
// uint32, int32 or uint64 (s, as, b, u, i, t).
type busProp struct {
	iface, name string
	v           any
}

const (
	busManagerPath  = "/org/freedesktop/systemd1"
	busUnitPrefix   = busManagerPath + "/unit/"
	busIfacePrefix  = "org.freedesktop.systemd1."
	busManagerIface = busIfacePrefix + "Manager"
	busUnitIface    = busIfacePrefix + "Unit"
	busPropsIface   = "org.freedesktop.DBus.Properties"
	busPeerIface    = "org.freedesktop.DBus.Peer"
	busNoReply      = 1 // the NO_REPLY_EXPECTED flag
	busAuthTimeout  = 10 * time.Second

	busServerMaxMessage = 64 << 10
)

// listenBus creates the private bus socket, replacing a stale one.
func listenBus(path string) (*unixListener, error) {
	if err := os.MkdirAll(path[:strings.LastIndexByte(path, '/')], 0o755); err != nil {
		return nil, err
	}
	os.Remove(path)
	ln, err := listenUnix(path)
	if err != nil {
		return nil, err
	}
	os.Chmod(path, 0o700) // as systemd's
	return ln, nil
}

// serveBus accepts connections on the private bus until ln is closed.
// A client that breaks the protocol loses its connection, nothing else.
func serveBus(ln *unixListener, b busBackend, log *zerolog.Logger) {
	for {
		conn, err := ln.Accept()
		if err != nil {
			if errors.Is(err, os.ErrClosed) {
				return
			}
			log.Warn().Err(err).Msg("private bus: accept failed")
			time.Sleep(10 * time.Millisecond)
			continue
		}
		go func() {
			defer conn.Close()
			cred, err := peerCred(conn.File)
			if err != nil {
				log.Info().Err(err).Msg("private bus: no credentials of the peer")
				return
			}
			if err := busSession(conn, cred, b); err != nil && !errors.Is(err, io.EOF) {
				log.Info().Err(err).Int32("pid", cred.Pid).Msg("private bus: connection dropped")
			}
		}()
	}
}

// peerCred is the credentials of the process at the other end of f.
func peerCred(f *os.File) (*unix.Ucred, error) {
	rc, err := f.SyscallConn()
	if err != nil {
		return nil, err
	}
	var cred *unix.Ucred
	var cerr error
	if err := rc.Control(func(fd uintptr) {
		cred, cerr = unix.GetsockoptUcred(int(fd), unix.SOL_SOCKET, unix.SO_PEERCRED)
	}); err != nil {
		return nil, err
	}
	return cred, cerr
}

// busSession serves one client: authentication, then method calls.
func busSession(c busStream, cred *unix.Ucred, b busBackend) error {
	c.SetDeadline(time.Now().Add(busAuthTimeout))
	r := bufio.NewReaderSize(c, 4096)
	if err := busAuthServer(r, c, int(cred.Uid)); err != nil {
		return err
	}
	c.SetDeadline(time.Time{})
	// a method call of this API is a few hundred bytes: a client must
	// not make PID 1 hold D-Bus's 128 MiB
	bc := &busConn{c: c, r: r, max: busServerMaxMessage}
	out := newBusOut(c)
	defer out.close()
	hub := b.busSignals()
	hub.add(out)
	defer hub.remove(out)
	for {
		m, err := bc.read()
		if err != nil {
			return err
		}
		if m.typ != busCall {
			continue
		}
		out.hold()
		typ, sig, body := busDispatch(m, int(cred.Pid), b)
		if m.flags&busNoReply == 0 {
			fields := []busField{{code: busFieldReplySerial, sig: "u", u: m.serial}, {code: busFieldSender, sig: "s", s: "org.freedesktop.systemd1"}}
			if typ == busError {
				fields = append(fields, busField{code: busFieldErrorName, sig: "s", s: sig})
				sig, body = "s", busString(nil, string(body))
			}
			out.reply(typ, fields, sig, body)
		}
		out.release()
	}
}

// busAuthServer is the server's side of the SASL exchange before BEGIN:
// EXTERNAL only, with the identity taken from the socket's peer (a
// client that names a uid must name its own). Clients may send every
// line at once, as sd-bus does (AUTH, NEGOTIATE_UNIX_FD, BEGIN).
func busAuthServer(r *bufio.Reader, w io.Writer, uid int) error {
	if nul, err := r.ReadByte(); err != nil {
		return err
	} else if nul != 0 {
		return errors.New("authentication did not start with a NUL byte")
	}
	authed, waitData := false, false
	check := func(hexUID string) string {
		id, err := hex.DecodeString(hexUID)
		if err == nil && (len(id) == 0 || string(id) == strconv.Itoa(uid)) && uid == os.Geteuid() {
			authed = true
			// the server's GUID: any 32 hex digits that stay the same
			// for the manager's life
			return fmt.Sprintf("OK %032x\r\n", busGUID)
		}
		return "REJECTED EXTERNAL\r\n"
	}
	for lines := 0; ; lines++ {
		line, err := r.ReadSlice('\n')
		if err != nil {
			return fmt.Errorf("authentication: %w", err)
		}
		if lines > 16 {
			return errors.New("authentication: too many lines")
		}
		cmd, arg, _ := strings.Cut(strings.TrimRight(string(line), "\r\n"), " ")
		var answer string
		switch {
		case cmd == "AUTH" && !authed:
			mech, data, hasData := strings.Cut(arg, " ")
			switch {
			case mech != "EXTERNAL":
				answer = "REJECTED EXTERNAL\r\n"
			case !hasData:
				answer, waitData = "DATA\r\n", true
			default:
				answer = check(data)
			}
		case cmd == "DATA" && waitData && !authed:
			waitData = false
			answer = check(arg)
		case cmd == "NEGOTIATE_UNIX_FD" && authed:
			answer = "AGREE_UNIX_FD\r\n"
		case cmd == "BEGIN" && authed:
			return nil
		case cmd == "CANCEL" || cmd == "ERROR":
			authed, waitData = false, false
			answer = "REJECTED EXTERNAL\r\n"
		default:
			answer = "ERROR \"unexpected " + cmd + "\"\r\n"
		}
		if _, err := io.WriteString(w, answer); err != nil {
			return err
		}
	}
}

// busGUID identifies this manager's bus server (the D-Bus GUID).
var busGUID = uint64(time.Now().UnixNano())

// busDispatch answers a method call: a method return with its signature
// and body, or an error whose name is sig and whose message is body.
func busDispatch(m *busMsg, pid int, b busBackend) (typ byte, sig string, body []byte) {
	fail := func(name, format string, a ...any) (byte, string, []byte) {
		return busError, name, []byte(fmt.Sprintf(format, a...))
	}
	if m.iface == busPeerIface || m.iface == "" && (m.member == "Ping" || m.member == "GetMachineId") {
		switch m.member {
		case "Ping":
			return busReturn, "", nil
		case "GetMachineId":
			id, err := os.ReadFile("/etc/machine-id")
			if err != nil {
				return fail("org.freedesktop.DBus.Error.FileNotFound", "No machine ID: %v", err)
			}
			return busReturn, "s", busString(nil, strings.TrimSpace(string(id)))
		}
	}
	var ps []busProp
	ifaces := []string{busPropsIface, busPeerIface}
	switch {
	case m.path == busManagerPath:
		ps = b.busManager()
		ifaces = append(ifaces, busManagerIface)
		if m.iface == busManagerIface || m.iface == "" {
			if t, s, bd, ok := busManagerCall(m, pid, b); ok {
				return t, s, bd
			}
		}
	case strings.HasPrefix(m.path, busUnitPrefix):
		name, ok := busUnitName(strings.TrimPrefix(m.path, busUnitPrefix), pid, b)
		var typ string
		if ok {
			typ, ps, ok = b.busUnit(name)
		}
		if !ok {
			return fail("org.freedesktop.DBus.Error.UnknownObject", "Unknown object '%s'.", m.path)
		}
		ifaces = append(ifaces, busUnitIface, busTypeIface(typ))
	default:
		return fail("org.freedesktop.DBus.Error.UnknownObject", "Unknown object '%s'.", m.path)
	}
	if m.iface == busPropsIface || m.iface == "" {
		switch m.member {
		case "Get":
			args, err := m.strings(2)
			if err != nil {
				return fail("org.freedesktop.DBus.Error.InvalidArgs", "Get takes an interface and a property: %v", err)
			}
			for _, p := range ps {
				if p.name == args[1] && (p.iface == args[0] || args[0] == "") {
					return busReturn, "v", busVariant(nil, p.v)
				}
			}
			return fail("org.freedesktop.DBus.Error.UnknownProperty", "Unknown property or interface.")
		case "GetAll":
			args, err := m.strings(1)
			if err != nil {
				return fail("org.freedesktop.DBus.Error.InvalidArgs", "GetAll takes an interface: %v", err)
			}
			if args[0] != "" && !slices.Contains(ifaces, args[0]) {
				return fail("org.freedesktop.DBus.Error.UnknownInterface", "Unknown interface '%s'.", args[0])
			}
			return busReturn, "a{sv}", busDict(ps, args[0])
		case "Set":
			return fail("org.freedesktop.DBus.Error.PropertyReadOnly", "gosd's private bus does not set properties; use gosd's systemctl.")
		}
	}
	if m.iface != "" && !slices.Contains(ifaces, m.iface) {
		return fail("org.freedesktop.DBus.Error.UnknownInterface", "Unknown interface '%s'.", m.iface)
	}
	return fail("org.freedesktop.DBus.Error.UnknownMethod", "Unknown method %s or interface %s: gosd's private bus does not serve it; gosd's own systemctl may do what you need.", m.member, m.iface)
}

// busFilesMu serializes the unit-file methods.
var busFilesMu sync.Mutex

// busManagerCall answers the Manager methods gosd serves (ok false for
// any other).
func busManagerCall(m *busMsg, pid int, b busBackend) (typ byte, sig string, body []byte, ok bool) {
	path := func(name string) (byte, string, []byte, bool) {
		return busReturn, "o", busString(nil, busUnitPath(name)), true
	}
	fail := func(name, format string, a ...any) (byte, string, []byte, bool) {
		return busError, name, []byte(fmt.Sprintf(format, a...)), true
	}
	if t, s, bd, ok := busJobCall(m, b); ok {
		return t, s, bd, ok
	}
	switch m.member {
	case "GetUnit", "LoadUnit":
		args, err := m.strings(1)
		if err != nil {
			return fail("org.freedesktop.DBus.Error.InvalidArgs", "%s takes a unit name: %v", m.member, err)
		}
		if !unit.IsValidName(args[0]) {
			return fail("org.freedesktop.DBus.Error.InvalidArgs", "Unit name %s is not valid.", args[0])
		}
		if m.member == "GetUnit" && !b.busLoaded(args[0]) {
			return fail("org.freedesktop.systemd1.NoSuchUnit", "Unit %s not loaded.", args[0])
		}
		if _, _, ok := b.busUnit(args[0]); !ok {
			return fail("org.freedesktop.systemd1.NoSuchUnit", "Unit %s not found.", args[0])
		}
		return path(args[0])
	case "GetUnitByPID":
		if m.sig != "u" {
			return fail("org.freedesktop.DBus.Error.InvalidArgs", "GetUnitByPID takes a PID (u), not %q", m.sig)
		}
		d := busDecoder{b: m.body, order: m.order}
		p := int(d.uint32())
		if p == 0 {
			p = pid
		}
		if name := b.busUnitOf(p); name != "" {
			return path(name)
		}
		return fail("org.freedesktop.systemd1.NoUnitForPID", "PID %d does not belong to any loaded unit.", p)
	}
	if _, ok := busUnitFileSig(m.member); !ok {
		return 0, "", nil, false
	}
	// one at a time, as systemd's loop does them (two enables of units
	// sharing a target would race on its .wants/)
	busFilesMu.Lock()
	defer busFilesMu.Unlock()
	return busUnitFileCall(m, install.New("/", io.Discard))
}

// busUnitName is the unit of a unit object path's last element: an
// escaped unit name, or "self" for the caller's own unit.
func busUnitName(label string, pid int, b busBackend) (string, bool) {
	if label == "self" {
		name := b.busUnitOf(pid)
		return name, name != ""
	}
	name, ok := busUnescape(label)
	return name, ok && unit.IsValidName(name)
}

// busTypeIface is the interface of a unit type's own properties.
func busTypeIface(typ string) string {
	if typ == "" {
		return busUnitIface
	}
	return busIfacePrefix + strings.ToUpper(typ[:1]) + typ[1:]
}

// busUnitPath is a unit's object path: its name with every byte but
// ASCII letters and digits (and a leading digit) written as _xx.
func busUnitPath(name string) string {
	var sb strings.Builder
	sb.WriteString(busUnitPrefix)
	for i := 0; i < len(name); i++ {
		c := name[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' && i > 0 {
			sb.WriteByte(c)
		} else {
			fmt.Fprintf(&sb, "_%02x", c)
		}
	}
	return sb.String()
}

// busUnescape reverses busUnitPath's escaping of one path element.
func busUnescape(label string) (string, bool) {
	if label == "" || label == "_" {
		return "", false
	}
	var out []byte
	for i := 0; i < len(label); i++ {
		if label[i] != '_' {
			out = append(out, label[i])
			continue
		}
		if i+2 >= len(label) {
			return "", false
		}
		v, err := strconv.ParseUint(label[i+1:i+3], 16, 8)
		if err != nil {
			return "", false
		}
		out = append(out, byte(v))
		i += 2
	}
	return string(out), true
}

// busSig is the D-Bus signature of a property value.
func busSig(v any) string {
	switch v.(type) {
	case string:
		return "s"
	case []string:
		return "as"
	case bool:
		return "b"
	case uint32:
		return "u"
	case int32:
		return "i"
	case uint64:
		return "t"
	}
	panic(fmt.Sprintf("bus property of type %T", v))
}

// busValue appends v to b (b's start is 8-aligned in the message).
func busValue(b []byte, v any) []byte {
	switch v := v.(type) {
	case string:
		return busString(b, v)
	case []string:
		b = busPad(b, 4)
		at := len(b)
		b = append(b, 0, 0, 0, 0)
		start := len(b)
		for _, s := range v {
			b = busString(b, s)
		}
		binary.LittleEndian.PutUint32(b[at:], uint32(len(b)-start))
		return b
	case bool:
		x := uint32(0)
		if v {
			x = 1
		}
		return binary.LittleEndian.AppendUint32(busPad(b, 4), x)
	case uint32:
		return binary.LittleEndian.AppendUint32(busPad(b, 4), v)
	case int32:
		return binary.LittleEndian.AppendUint32(busPad(b, 4), uint32(v))
	case uint64:
		return binary.LittleEndian.AppendUint64(busPad(b, 8), v)
	}
	panic(fmt.Sprintf("bus property of type %T", v))
}

// busVariant appends v as a variant: its signature, then the value.
func busVariant(b []byte, v any) []byte {
	sig := busSig(v)
	b = append(b, byte(len(sig)))
	b = append(append(b, sig...), 0)
	return busValue(b, v)
}

// busDict is GetAll's a{sv} of the properties of iface ("" for all).
func busDict(ps []busProp, iface string) []byte {
	b := []byte{0, 0, 0, 0}
	b = busPad(b, 8) // the elements start 8-aligned after the length
	for _, p := range ps {
		if iface != "" && p.iface != iface {
			continue
		}
		b = busPad(b, 8)
		b = busString(b, p.name)
		b = busVariant(b, p.v)
	}
	binary.LittleEndian.PutUint32(b, uint32(len(b)-8))
	return b
}

// busUnitTypes are the unit properties the private bus serves, with
// their D-Bus types; the values are systemctl show's. The rest of
// show's properties are gosd's systemctl's.
var busUnitTypes = map[string]byte{
	"Id": 's', "Names": 'a', "Following": 's', "Description": 's',
	"LoadState": 's', "ActiveState": 's', "FreezerState": 's', "SubState": 's',
	"FragmentPath": 's', "SourcePath": 's', "DropInPaths": 'a',
	"UnitFileState": 's', "UnitFilePreset": 's',
	"Requires": 'a', "Requisite": 'a', "Wants": 'a', "BindsTo": 'a', "PartOf": 'a',
	"Upholds": 'a', "RequiredBy": 'a', "RequisiteOf": 'a', "WantedBy": 'a',
	"BoundBy": 'a', "UpheldBy": 'a', "ConsistsOf": 'a', "Conflicts": 'a',
	"ConflictedBy": 'a', "Before": 'a', "After": 'a', "OnFailure": 'a',
	"OnSuccess": 'a', "Triggers": 'a', "TriggeredBy": 'a',
	"PropagatesReloadTo": 'a', "ReloadPropagatedFrom": 'a',
	"CanStart": 'b', "CanStop": 'b', "CanReload": 'b', "CanIsolate": 'b',
	"RefuseManualStart": 'b', "RefuseManualStop": 'b', "AllowIsolate": 'b',
	"DefaultDependencies": 'b', "StopWhenUnneeded": 'b', "IgnoreOnIsolate": 'b',
	"NeedDaemonReload": 'b', "ConditionResult": 'b', "AssertResult": 'b',
	"StateChangeTimestamp": 't', "InactiveExitTimestamp": 't',
	"ActiveEnterTimestamp": 't', "ActiveExitTimestamp": 't',
	"InactiveEnterTimestamp": 't', "ConditionTimestamp": 't', "AssertTimestamp": 't',
}

// busTypeTypes are the properties of the unit types' own interfaces
// (org.freedesktop.systemd1.Service, ...) that the private bus serves.
var busTypeTypes = map[string]byte{
	"Type": 's', "ExitType": 's', "Restart": 's', "PIDFile": 's', "NotifyAccess": 's',
	"RemainAfterExit": 'b', "GuessMainPID": 'b', "MainPID": 'u', "ControlPID": 'u',
	"BusName": 's', "StatusText": 's', "StatusErrno": 'i', "Result": 's',
	"ReloadResult": 's', "NRestarts": 'u', "ExecMainPID": 'u', "ExecMainCode": 'i',
	"ExecMainStatus": 'i', "ExecMainStartTimestamp": 't', "ExecMainExitTimestamp": 't',
	"User": 's', "Group": 's', "KillMode": 's', "KillSignal": 'i',
	"SendSIGKILL": 'b', "SendSIGHUP": 'b', "Accept": 'b', "NConnections": 'u', "NAccepted": 'u',
}

// busUnitProps types the properties show lists for a unit of type typ.
// stamp gives a timestamp property's raw value in microseconds (its
// "...Monotonic" name for CLOCK_MONOTONIC); show's text of a timestamp is
// for people. A value that does not parse as its type is left out.
func busUnitProps(typ string, list []props.Property, stamp func(name string) uint64) []busProp {
	typeIface := busTypeIface(typ)
	var out []busProp
	add := func(iface, name string, v any) { out = append(out, busProp{iface: iface, name: name, v: v}) }
	for _, p := range list {
		iface, t := busUnitIface, busUnitTypes[p.Name]
		if t == 0 {
			iface, t = typeIface, busTypeTypes[p.Name]
		}
		switch t {
		case 's':
			add(iface, p.Name, p.Value)
		case 'a':
			add(iface, p.Name, strings.Fields(p.Value))
		case 'b':
			add(iface, p.Name, p.Value == "yes")
		case 'u':
			if v, err := strconv.ParseUint(p.Value, 10, 32); err == nil {
				add(iface, p.Name, uint32(v))
			}
		case 'i':
			if v, err := strconv.ParseInt(p.Value, 10, 32); err == nil {
				add(iface, p.Name, int32(v))
			}
		case 't':
			add(iface, p.Name, stamp(p.Name))
			add(iface, p.Name+"Monotonic", stamp(p.Name+"Monotonic"))
		}
	}
	return out
}

// busMicros is d in microseconds for a uint64 property.
func busMicros(d time.Duration) uint64 { return uint64(max(d.Microseconds(), 0)) }

// busUnit is busBackend's: the unit's properties as show computes them.
func (m *manager) busUnit(name string) (string, []busProp, bool) {
	u, err := m.lookup(name)
	if err != nil {
		return "", nil, false
	}
	c := &cli{stdout: io.Discard, stderr: io.Discard, mgr: m}
	in := install.New(c.root, io.Discard)
	presets, _ := in.ReadPresets()
	st, ts := c.liveState(u, in, presets)
	stamp := func(name string) uint64 {
		n, mono := strings.CutSuffix(name, "Monotonic")
		switch d := ts[n]; {
		case d == 0:
			return 0
		case mono:
			return busMicros(m.monotonic(d))
		default:
			return uint64(max(m.wall(d).UnixMicro(), 0))
		}
	}
	return u.Type, busUnitProps(u.Type, props.List(u, st), stamp), true
}

func (m *manager) busLoaded(name string) (loaded bool) {
	m.loop.Call(func(c *engine.Core) { loaded = slices.Contains(c.Loaded(), name) })
	return loaded
}

func (m *manager) busUnitOf(pid int) string { return m.tracker.UnitOf(pid) }

// busManager is the manager's properties on the private bus.
func (m *manager) busManager() []busProp {
	rows := m.rows()
	failed := 0
	for _, r := range rows {
		if r.active == "failed" {
			failed++
		}
	}
	p := func(name string, v any) busProp { return busProp{iface: busManagerIface, name: name, v: v} }
	return []busProp{
		p("SystemState", m.systemState(rows)),
		p("UserspaceTimestamp", uint64(max(m.start.UnixMicro(), 0))),
		p("UserspaceTimestampMonotonic", busMicros(m.boot)),
		p("NNames", uint32(len(rows))),
		p("NFailedUnits", uint32(failed)),
	}
}
