package loader

import (
	"net"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/gosd/gosd/unit"
)

// trigLoad writes files (name -> content) to /etc/systemd/system of a
// fresh root and loads the unit name from it.
func trigLoad(t *testing.T, files map[string]string, name string) *Unit {
	t.Helper()
	root := t.TempDir()
	dir := filepath.Join(root, "etc/systemd/system")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for n, content := range files {
		if err := os.WriteFile(filepath.Join(dir, n), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	s := testSet(root)
	u, err := s.Load(name)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// trigSection loads a unit whose file is "[Section]" followed by lines,
// one assignment each (the section is named after the unit's type).
func trigSection(t *testing.T, name string, lines ...string) *Unit {
	t.Helper()
	typ := unit.NameType(name)
	sec := map[string]string{"socket": "Socket", "timer": "Timer", "path": "Path", "mount": "Mount", "automount": "Automount", "swap": "Swap"}[typ]
	content := "[Unit]\nDefaultDependencies=no\n[" + sec + "]\n" + strings.Join(lines, "\n") + "\n"
	return trigLoad(t, map[string]string{name: content}, name)
}

// trigMsgs returns the diagnostics about lines of the unit file, as
// "W: msg" for warnings and "E: msg" for fatal errors.
func trigMsgs(u *Unit) []string {
	var out []string
	for _, d := range u.Diags {
		if d.Line == 0 {
			continue
		}
		p := "E: "
		if d.Warning {
			p = "W: "
		}
		out = append(out, p+d.Msg)
	}
	return out
}

func trigEq(t *testing.T, got, want any) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %#v, want %#v", got, want)
	}
}

func listen(u *Unit) []string {
	var out []string
	for _, p := range u.Socket.Ports {
		out = append(out, p.String())
	}
	return out
}

// anyPort is how systemd writes a bare port: IPv6 "any" when the kernel
// has IPv6, else IPv4.
func anyPort(port string) string {
	if trigIPv6Supported() {
		return "[::]:" + port
	}
	return "0.0.0.0:" + port
}

// TestSocketDirectives checks the [Socket] parsers against what systemd
// 252 logs (systemd-analyze verify) and shows (systemctl show) for the
// same lines.
func TestSocketDirectives(t *testing.T) {
	tests := []struct {
		name  string
		lines []string
		msgs  []string
		check func(t *testing.T, u *Unit)
	}{
		{
			name:  "defaults are systemd's socket_init() ones",
			lines: []string{"ListenStream=1"},
			check: func(t *testing.T, u *Unit) {
				s := u.Socket
				trigEq(t, []any{s.BindIPv6Only, s.Backlog, s.SocketMode, s.DirectoryMode, s.MaxConnections, s.Priority, s.IPTOS, s.IPTTL, s.Mark, s.Timestamping, s.TimeoutUSec},
					[]any{"default", uint32(2147483647), uint32(0o666), uint32(0o755), uint32(64), int32(-1), int32(-1), int32(-1), int32(-1), "off", uint64(90_000_000)})
				trigEq(t, u.FDName(), "foo.socket")
			},
		},
		{
			name: "every kind of Listen*= is kept in file order and printed as Listen= shows it",
			lines: []string{"ListenStream=/run/foo.sock", "ListenDatagram=127.0.0.1:53", "ListenSequentialPacket=@abstract",
				"ListenFIFO=/run//foo.fifo/", "ListenSpecial=/dev/kmsg", "ListenMessageQueue=/mq", "ListenUSBFunction=/usb/x",
				"ListenNetlink=kobject-uevent", "ListenNetlink=9 5", "ListenNetlink=generic 0x10", "ListenNetlink=25", "ListenStream=vsock:2:1234", "ListenStream=vsock::1235"},
			check: func(t *testing.T, u *Unit) {
				trigEq(t, listen(u), []string{"/run/foo.sock (Stream)", "127.0.0.1:53 (Datagram)", "@abstract (SequentialPacket)",
					"/run/foo.fifo (FIFO)", "/dev/kmsg (Special)", "/mq (MessageQueue)", "/usb/x (USBFunction)",
					"kobject-uevent 0 (Netlink)", "audit 5 (Netlink)", "generic 16 (Netlink)", "25 0 (Netlink)", "vsock:2:1234 (Stream)", "vsock::1235 (Stream)"})
			},
		},
		{
			name:  "an empty Listen*= of any kind removes all ports",
			lines: []string{"ListenStream=1", "ListenDatagram=2", "ListenFIFO=", "ListenStream=3"},
			check: func(t *testing.T, u *Unit) { trigEq(t, listen(u), []string{anyPort("3") + " (Stream)"}) },
		},
		{
			// systemd takes socket paths as written (only FIFOs and the
			// like are simplified) and C-escapes them when it shows them.
			name:  "AF_UNIX paths are kept verbatim",
			lines: []string{`ListenStream=/run/a\x20b`, "ListenStream=/run/../x", "ListenStream=/run//x/"},
			check: func(t *testing.T, u *Unit) {
				trigEq(t, listen(u), []string{`/run/a\\x20b (Stream)`, "/run/../x (Stream)", "/run//x/ (Stream)"})
			},
		},
		{
			name: "IP addresses and ports use C number syntax",
			lines: []string{"ListenStream=+5", "ListenStream=0x10", "ListenStream=010", "ListenStream=1.2.3.4:010",
				"ListenStream=[::ffff:1.2.3.4]:84", "ListenStream=[::2.3.4.5]:85", "ListenStream=[fe80::1]:80%%1", "ListenStream=1.2.3.4:85%%1", "ListenStream=[::2]:86", "ListenStream=[::ffff:0:1]:88"},
			check: func(t *testing.T, u *Unit) {
				scope := "1"
				if ifi, err := net.InterfaceByIndex(1); err == nil {
					scope = ifi.Name
				}
				trigEq(t, listen(u), []string{anyPort("5") + " (Stream)", anyPort("16") + " (Stream)", anyPort("8") + " (Stream)", "1.2.3.4:8 (Stream)",
					"[::ffff:1.2.3.4]:84 (Stream)", "[::2.3.4.5]:85 (Stream)", "[fe80::1]:80%" + scope + " (Stream)", "1.2.3.4:85 (Stream)", "[::2]:86 (Stream)", "[::ffff:0.0.0.1]:88 (Stream)"})
			},
		},
		{
			name: "bad addresses are reported with the errno and ignored",
			lines: []string{"ListenStream=abc", "ListenStream=[::1]:99999", "ListenStream=127.0.0.1", "ListenStream=relative/path",
				"ListenStream=[::1]", "ListenStream=::1:5", "ListenStream=-5", "ListenStream=0", "ListenStream=65536",
				"ListenStream=1.2.3.4:85#foo", "ListenStream=localhost:80", "ListenStream=@", "ListenStream=/" + strings.Repeat("x", 107),
				"ListenStream=vsock:5", "ListenStream=%z", "ListenNetlink=bogus 1", "ListenNetlink=route x", "ListenNetlink=crypto",
				"ListenSequentialPacket=127.0.0.1:5", "ListenFIFO=relative", "ListenFIFO=/a/../b"},
			msgs: []string{
				"W: Failed to parse address value in 'abc', ignoring: Invalid argument",
				"W: Failed to parse address value in '[::1]:99999', ignoring: Numerical result out of range",
				"W: Failed to parse address value in '127.0.0.1', ignoring: Invalid argument",
				"W: Failed to parse address value in 'relative/path', ignoring: Invalid argument",
				"W: Failed to parse address value in '[::1]', ignoring: Invalid argument",
				"W: Failed to parse address value in '::1:5', ignoring: Invalid argument",
				"W: Failed to parse address value in '-5', ignoring: Numerical result out of range",
				"W: Failed to parse address value in '0', ignoring: Invalid argument",
				"W: Failed to parse address value in '65536', ignoring: Numerical result out of range",
				"W: Failed to parse address value in '1.2.3.4:85#foo', ignoring: Invalid argument",
				"W: Failed to parse address value in 'localhost:80', ignoring: Invalid argument",
				"W: Failed to parse address value in '@', ignoring: Invalid argument",
				"W: Failed to parse address value in '/" + strings.Repeat("x", 107) + "', ignoring: File name too long",
				"W: Failed to parse address value in 'vsock:5', ignoring: Invalid argument",
				"W: Failed to resolve unit specifiers in '%z', ignoring: Invalid slot",
				"W: Failed to parse address value in 'bogus 1', ignoring: Invalid argument",
				"W: Failed to parse address value in 'route x', ignoring: Invalid argument",
				"W: Failed to parse address value in 'crypto', ignoring: Invalid argument",
				"W: Address family not supported, ignoring: 127.0.0.1:5",
				"W: ListenFIFO= path is not absolute, ignoring: relative",
				"W: ListenFIFO= path is not normalized, ignoring: /a/../b",
			},
			check: func(t *testing.T, u *Unit) { trigEq(t, len(u.Socket.Ports), 0) },
		},
		{
			name:  "BindIPv6Only takes its names or a boolean",
			lines: []string{"BindIPv6Only=yes", "BindIPv6Only=maybe"},
			msgs:  []string{"W: Failed to parse bind IPv6 only value, ignoring: maybe"},
			check: func(t *testing.T, u *Unit) { trigEq(t, u.Socket.BindIPv6Only, "ipv6-only") },
		},
		{
			name: "numbers are C numbers: hex, octal, no sign for unsigned ones",
			lines: []string{"Backlog=0x10", "KeepAliveProbes=010", "Priority=0x5", "IPTTL=-5", "MaxConnections=-1", "Backlog=",
				"Mark=1.5", "MessageQueueMessageSize=-3", "MessageQueueMaxMessages=x", "TriggerLimitBurst=0"},
			msgs: []string{"W: Failed to parse unsigned value, ignoring: -1", "W: Failed to parse unsigned value, ignoring: ",
				"W: Failed to parse int value, ignoring: 1.5", "W: Failed to parse long value, ignoring: x"},
			check: func(t *testing.T, u *Unit) {
				s := u.Socket
				trigEq(t, []any{s.Backlog, s.KeepAliveProbes, s.Priority, s.IPTTL, s.MaxConnections, s.Mark, s.MessageQueueMessageSize, s.TriggerLimitBurst},
					[]any{uint32(16), uint32(8), int32(5), int32(-5), uint32(64), int32(-1), int64(-3), uint32(0)})
			},
		},
		{
			name:  "sizes are IEC sizes",
			lines: []string{"ReceiveBuffer=8M", "SendBuffer=1.5M", "PipeSize=-1", "ReceiveBuffer=1Q", "SendBuffer="},
			msgs: []string{"W: Failed to parse size value '-1', ignoring: Numerical result out of range",
				"W: Failed to parse size value '1Q', ignoring: Invalid argument", "W: Failed to parse size value '', ignoring: Invalid argument"},
			check: func(t *testing.T, u *Unit) {
				trigEq(t, []uint64{u.Socket.ReceiveBuffer, u.Socket.SendBuffer, u.Socket.PipeSize}, []uint64{8 << 20, 1572864, 0})
			},
		},
		{
			name:  "times: TimeoutSec=0 means infinity, the others take 0",
			lines: []string{"TimeoutSec=0", "KeepAliveTimeSec=5", "KeepAliveIntervalSec=1min", "DeferAcceptSec=xx", "TriggerLimitIntervalSec=0", "TimeoutSec=x"},
			msgs:  []string{"W: Failed to parse sec value, ignoring: xx", "W: Failed to parse time value, ignoring: x"},
			check: func(t *testing.T, u *Unit) {
				s := u.Socket
				trigEq(t, []uint64{s.TimeoutUSec, s.KeepAliveTimeUSec, s.KeepAliveIntervalUSec, s.DeferAcceptUSec, s.TriggerLimitIntervalUSec},
					[]uint64{Infinity, 5_000_000, 60_000_000, 0, 0})
			},
		},
		{
			name:  "modes are octal",
			lines: []string{"SocketMode=600", "DirectoryMode=0700", "SocketMode=999", "DirectoryMode="},
			msgs:  []string{"W: Failed to parse mode value, ignoring: 999", "W: Failed to parse mode value, ignoring: "},
			check: func(t *testing.T, u *Unit) {
				trigEq(t, []uint32{u.Socket.SocketMode, u.Socket.DirectoryMode}, []uint32{0o600, 0o700})
			},
		},
		{
			name: "IPTOS names, Timestamping aliases, SocketProtocol",
			lines: []string{"IPTOS=low-delay", "IPTOS=bogus", "IPTOS=256", "Timestamping=usec", "Timestamping=bogus",
				"SocketProtocol=UdpLite", "SocketProtocol=0x84", "SocketProtocol=tcp", "SocketProtocol=17", "SocketProtocol="},
			msgs: []string{"W: Failed to parse IP TOS value, ignoring: bogus", "W: Failed to parse IP TOS value, ignoring: 256",
				"W: Failed to parse timestamping precision, ignoring: bogus", "W: Failed to parse socket protocol, ignoring: tcp",
				"W: Failed to parse socket protocol, ignoring: 17", "W: Failed to parse socket protocol, ignoring: "},
			check: func(t *testing.T, u *Unit) {
				trigEq(t, []any{u.Socket.IPTOS, u.Socket.Timestamping, u.Socket.SocketProtocol}, []any{int32(16), "us", 132})
			},
		},
		{
			// A plain "yes" means nanoseconds.
			name:  "Timestamping=yes",
			lines: []string{"Timestamping=yes"},
			check: func(t *testing.T, u *Unit) { trigEq(t, u.Socket.Timestamping, "ns") },
		},
		{
			name:  "BindToDevice takes an interface name; * and empty unset it",
			lines: []string{"BindToDevice=eth0", "BindToDevice=eth0/x", "BindToDevice=all"},
			msgs:  []string{"W: Invalid interface name, ignoring: eth0/x", "W: Invalid interface name, ignoring: all"},
			check: func(t *testing.T, u *Unit) { trigEq(t, u.Socket.BindToDevice, "eth0") },
		},
		{
			name:  "Symlinks: the first bad path ends the line, empty resets",
			lines: []string{"Symlinks=/run/a", "Symlinks=", `Symlinks=/run//b "/run/c d" rel /run/e`},
			msgs:  []string{"W: Symlinks= path is not absolute, ignoring: rel"},
			check: func(t *testing.T, u *Unit) { trigEq(t, u.Socket.Symlinks, []string{"/run/b", "/run/c d"}) },
		},
		{
			name:  "FileDescriptorName expands specifiers and refuses ':'",
			lines: []string{"FileDescriptorName=fd-%n", "FileDescriptorName=a:b"},
			msgs:  []string{"W: Invalid file descriptor name, ignoring: a:b"},
			check: func(t *testing.T, u *Unit) { trigEq(t, u.FDName(), "fd-foo.socket") },
		},
		{
			name:  "an empty FileDescriptorName= goes back to the unit's name",
			lines: []string{"FileDescriptorName=x", "FileDescriptorName="},
			check: func(t *testing.T, u *Unit) { trigEq(t, u.FDName(), "foo.socket") },
		},
		{
			name:  "SmackLabel expands specifiers",
			lines: []string{"SmackLabel=a%nb", "SmackLabelIPIn=%z"},
			msgs:  []string{"W: Failed to resolve unit specifiers in '%z', ignoring: Invalid slot"},
			check: func(t *testing.T, u *Unit) { trigEq(t, u.Socket.SmackLabel, "afoo.socketb") },
		},
		{
			name:  "SocketUser=nobody is accepted with systemd's warning",
			lines: []string{"SocketUser=nobody", "SocketGroup=nobody"},
			msgs:  []string{"W: Special user nobody configured, this is not safe!"},
			check: func(t *testing.T, u *Unit) {
				trigEq(t, []string{u.Socket.SocketUser, u.Socket.SocketGroup}, []string{"nobody", "nobody"})
			},
		},
		{
			name:  "an invalid SocketUser= is fatal",
			lines: []string{"SocketUser=-1"},
			msgs:  []string{"E: Invalid user/group name or numeric ID: -1"},
			check: func(t *testing.T, u *Unit) { trigEq(t, u.LoadState, StateBadSetting) },
		},
		{
			name:  "Service= must name a service, or the unit is bad",
			lines: []string{"Service=foo.socket"},
			msgs:  []string{"E: Unit must be of type service: foo.socket"},
			check: func(t *testing.T, u *Unit) { trigEq(t, u.LoadState, StateBadSetting) },
		},
		{
			name:  "ExecStartPre= and friends parse like a service's and reset on empty",
			lines: []string{"ExecStartPre=/bin/a", "ExecStartPre=", "ExecStartPre=-/bin/b x", "ExecStopPost=/bin/c ; /bin/d"},
			check: func(t *testing.T, u *Unit) {
				trigEq(t, u.Socket.ExecStartPre, []unit.ExecCommand{{Path: "/bin/b", Argv: []string{"/bin/b", "x"}, IgnoreFailure: true}})
				trigEq(t, len(u.Socket.ExecStopPost), 2)
			},
		},
		{
			name:  "a bad command line is fatal",
			lines: []string{"ExecStartPre=rel/x"},
			msgs:  []string{"E: Neither a valid executable name nor an absolute path: rel/x"},
			check: func(t *testing.T, u *Unit) { trigEq(t, u.LoadState, StateBadSetting) },
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			u := trigSection(t, "foo.socket", tc.lines...)
			if got := trigMsgs(u); !slices.Equal(got, tc.msgs) {
				t.Errorf("messages:\n got %q\nwant %q", got, tc.msgs)
			}
			if tc.check != nil {
				tc.check(t, u)
			}
		})
	}
}

func TestParseSocketAddress(t *testing.T) {
	tests := []struct {
		in   string
		want string // printed form
		err  error
	}{
		{in: "/run/x", want: "/run/x"},
		{in: "@x\ty", want: `@x\ty`},
		{in: "127.0.0.1:80", want: "127.0.0.1:80"},
		{in: "[::]:81", want: "[::]:81"},
		{in: "[2001:db8::0:1]:82", want: "[2001:db8::1]:82"},
		{in: "vsock:4294967295:5", want: "vsock::5"},
		{in: "vsock::", err: syscall.EINVAL},
		{in: "[::1]:0", err: syscall.EINVAL},
		{in: "1.2.3.4:65536", err: syscall.ERANGE},
		{in: "[fe80::1%lo]:82", err: syscall.EINVAL},
		{in: "1.2.3.4:80%", err: syscall.EINVAL},
		{in: "1.2.3.4:80%nosuchif0", err: syscall.ENODEV},
		{in: "01.2.3.4:80", err: syscall.EINVAL},
	}
	for _, tc := range tests {
		a, err := ParseSocketAddress(tc.in)
		if err != tc.err {
			t.Errorf("%q: error %v, want %v", tc.in, err, tc.err)
			continue
		}
		if err == nil && a.String() != tc.want {
			t.Errorf("%q: %q, want %q", tc.in, a.String(), tc.want)
		}
	}
}

// TestSocketExtras checks the dependencies systemd 252 adds to sockets and
// the settings it refuses, as `systemctl show` and systemd-analyze verify
// showed them.
func TestSocketExtras(t *testing.T) {
	svc := "[Service]\nExecStart=/bin/true\n"
	t.Run("default dependencies and the same-named service", func(t *testing.T) {
		u := trigLoad(t, map[string]string{"foo.socket": "[Socket]\nListenStream=/run/foo.sock\nListenFIFO=/run//foo.fifo\nListenMessageQueue=/mq\n", "foo.service": svc}, "foo.socket")
		trigEq(t, u.Deps.Of(Before), []string{"foo.service", "shutdown.target", "sockets.target"})
		trigEq(t, u.Deps.Of(Triggers), []string{"foo.service"})
		trigEq(t, u.Deps.Of(Requires), []string{"sysinit.target"})
		trigEq(t, u.Deps.Of(After), []string{"sysinit.target"})
		trigEq(t, u.Deps.Of(Conflicts), []string{"shutdown.target"})
		// Message queues are no file system paths.
		trigEq(t, u.Unit.RequiresMountsFor, []string{"/run/foo.sock", "/run/foo.fifo"})
		trigEq(t, []any{u.Socket.TriggerLimitIntervalUSec, u.Socket.TriggerLimitBurst}, []any{uint64(2_000_000), uint32(20)})
	})
	t.Run("Service= and BindToDevice=", func(t *testing.T) {
		u := trigLoad(t, map[string]string{"foo.socket": "[Unit]\nDefaultDependencies=no\n[Socket]\nListenStream=5\nService=bar.service\nBindToDevice=eth0\n", "bar.service": svc}, "foo.socket")
		trigEq(t, u.Deps.Of(Triggers), []string{"bar.service"})
		trigEq(t, u.Deps.Of(BindsTo), []string{"sys-subsystem-net-devices-eth0.device"})
		trigEq(t, u.Deps.Of(After), []string{"sys-subsystem-net-devices-eth0.device"})
		trigEq(t, u.Deps.Of(Before), []string{"bar.service"})
	})
	t.Run("Accept=yes triggers nothing and bursts 200", func(t *testing.T) {
		u := trigLoad(t, map[string]string{"foo.socket": "[Unit]\nDefaultDependencies=no\n[Socket]\nListenStream=5\nAccept=yes\n", "foo@.service": svc}, "foo.socket")
		trigEq(t, u.Deps.Of(Triggers), []string(nil))
		trigEq(t, u.Socket.TriggerLimitBurst, uint32(200))
		trigEq(t, u.LoadState, StateLoaded)
	})
	refused := []struct {
		name, content, msg string
	}{
		{"no ports", "[Socket]\nAccept=yes\n", "Unit has no Listen setting (ListenStream=, ListenDatagram=, ListenFIFO=, ...). Refusing."},
		{"accepting a FIFO", "[Socket]\nListenStream=5\nListenFIFO=/run/f\nAccept=yes\n", "Unit configured for accepting sockets, but sockets are non-accepting. Refusing."},
		{"no connections", "[Socket]\nListenStream=5\nAccept=yes\nMaxConnections=0\n", "MaxConnection= setting too small. Refusing."},
		{"accepting with Service=", "[Socket]\nListenStream=5\nAccept=yes\nService=bar.service\n", "Explicit service configuration for accepting socket units not supported. Refusing."},
		{"symlinks to two nodes", "[Socket]\nListenStream=/run/a\nListenFIFO=/run/b\nSymlinks=/run/c\n", "Unit has symlinks set but none or more than one node in the file system. Refusing."},
		{"symlinks to no node", "[Socket]\nListenStream=5\nSymlinks=/run/c\n", "Unit has symlinks set but none or more than one node in the file system. Refusing."},
	}
	for _, tc := range refused {
		t.Run("refused: "+tc.name, func(t *testing.T) {
			u := trigLoad(t, map[string]string{"foo.socket": tc.content, "foo.service": svc, "bar.service": svc}, "foo.socket")
			trigEq(t, u.LoadState, StateBadSetting)
			if n := len(u.Diags); n == 0 || u.Diags[n-1].Error() != "foo.socket: "+tc.msg {
				t.Errorf("diagnostics %v, want %q last", u.Diags, tc.msg)
			}
		})
	}
}

func TestTrigNumbers(t *testing.T) {
	for in, want := range map[string]string{"0x1f": "31", "0o17": "15", "017": "15", "0b101": "5", " 7": "7", "+3": "3", "-0": "0",
		"-1": "ERANGE", "": "EINVAL", "1 ": "EINVAL", "08": "EINVAL", "4294967296": "ERANGE", "0x": "EINVAL"} {
		v, err := trigStrtoul(in, 32)
		got := strconv.FormatUint(v, 10)
		if err == syscall.ERANGE {
			got = "ERANGE"
		} else if err != nil {
			got = "EINVAL"
		}
		if got != want {
			t.Errorf("trigStrtoul(%q) = %s, want %s", in, got, want)
		}
	}
	if v, err := trigStrtol("-2147483648", 32); err != nil || v != -2147483648 {
		t.Errorf("trigStrtol(INT_MIN) = %d, %v", v, err)
	}
	if _, err := trigStrtol("2147483648", 32); err != syscall.ERANGE {
		t.Errorf("trigStrtol(INT_MAX+1) error %v", err)
	}
}
