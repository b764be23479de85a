package sockets

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/gosd/gosd/loader"
	"github.com/gosd/gosd/unit"
)

// TestMain lets the test binary act as a socket-activated service: with
// GOSD_SOCKETS_CHILD set it describes the descriptors it was given.
func TestMain(m *testing.M) {
	if os.Getenv("GOSD_SOCKETS_CHILD") != "" {
		childService()
		return
	}
	os.Exit(m.Run())
}

// childService prints LISTEN_FDS, LISTEN_FDNAMES and, per passed
// descriptor, its socket type and whether it listens.
func childService() {
	fmt.Printf("LISTEN_FDS=%s\nLISTEN_FDNAMES=%s\n", os.Getenv("LISTEN_FDS"), os.Getenv("LISTEN_FDNAMES"))
	n, _ := strconv.Atoi(os.Getenv("LISTEN_FDS"))
	for fd := 3; fd < 3+n; fd++ {
		typ, err1 := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_TYPE)
		acc, err2 := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_ACCEPTCONN)
		fmt.Printf("fd %d type=%d acceptconn=%d %v %v\n", fd, typ, acc, err1, err2)
	}
	os.Exit(0)
}

// shortTemp is a temporary directory with a short path, so that AF_UNIX
// socket paths in it fit sun_path.
func shortTemp(t *testing.T) string {
	t.Helper()
	d, err := os.MkdirTemp("", "gs")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(d) })
	return d
}

// load writes name with the given [Socket] lines under root's
// /etc/systemd/system and loads it.
func load(t *testing.T, root, name string, lines ...string) *loader.Unit {
	t.Helper()
	dir := filepath.Join(root, "etc/systemd/system")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	body := "[Unit]\nDefaultDependencies=no\n[Socket]\n" + strings.Join(lines, "\n") + "\n"
	if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	s := loader.NewSet(loader.SystemPaths(root), &unit.Host{Root: root, Hostname: "host", MachineID: "0123456789abcdef0123456789abcdef"})
	u, err := s.Load(name)
	if err != nil {
		t.Fatal(err)
	}
	if u.LoadState != loader.StateLoaded {
		t.Fatalf("%s: %s: %v", name, u.LoadState, u.LoadError)
	}
	return u
}

// freePort returns a TCP/UDP port number that is free right now.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func openFDs(t *testing.T) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skipf("no /proc/self/fd: %v", err)
	}
	return len(ents)
}

// hasCap reports whether the test process has capability c in effect.
func hasCap(c int) bool {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return false
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "CapEff:"); ok {
			mask, err := strconv.ParseUint(strings.TrimSpace(v), 16, 64)
			return err == nil && mask&(1<<c) != 0
		}
	}
	return false
}

func haveIPv6() bool {
	_, err := os.Stat("/proc/net/if_inet6")
	return err == nil
}

func sockopt(t *testing.T, f *os.File, level, opt int) int {
	t.Helper()
	rc, err := f.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var v int
	var gerr error
	rc.Control(func(fd uintptr) { v, gerr = unix.GetsockoptInt(int(fd), level, opt) })
	if gerr != nil {
		t.Fatalf("getsockopt(%d, %d): %v", level, opt, gerr)
	}
	return v
}

func fdFlags(t *testing.T, f *os.File) (status, fdflags int) {
	t.Helper()
	rc, _ := f.SyscallConn()
	rc.Control(func(fd uintptr) {
		status, _ = unix.FcntlInt(fd, unix.F_GETFL, 0)
		fdflags, _ = unix.FcntlInt(fd, unix.F_GETFD, 0)
	})
	return status, fdflags
}

// TestOpenEveryKind opens one port of each kind and checks what the
// descriptor is. systemd 252 opened the same set (recorded with nsboot:
// s1.socket with ListenStream= path, IPv4 and IPv6, ListenDatagram= port,
// ListenSequentialPacket=@abstract, ListenFIFO=, ListenSpecial=/dev/kmsg,
// ListenNetlink=kobject-uevent 1, ListenMessageQueue=) and passed them as
// fds 3..11 in that order.
func TestOpenEveryKind(t *testing.T) {
	root := shortTemp(t)
	if err := os.WriteFile(filepath.Join(root, "special"), []byte("data"), 0o644); err != nil {
		t.Fatal(err)
	}
	p4, pd := freePort(t), freePort(t)
	abstract := fmt.Sprintf("@gosd-test-%d", os.Getpid())
	mq := fmt.Sprintf("/gosd-test-%d", os.Getpid())
	type want struct {
		kind string
		typ  int // SO_TYPE, 0 for files
		acc  int // SO_ACCEPTCONN
	}
	lines := []string{
		"ListenStream=/run/s.sock",
		"ListenStream=127.0.0.1:" + strconv.Itoa(p4),
		"ListenDatagram=" + strconv.Itoa(pd),
		"ListenSequentialPacket=" + abstract,
		"ListenFIFO=/run/fifo",
		"ListenSpecial=/special",
		"ListenNetlink=route 0",
	}
	wants := []want{
		{"Stream", unix.SOCK_STREAM, 1},
		{"Stream", unix.SOCK_STREAM, 1},
		{"Datagram", unix.SOCK_DGRAM, 0},
		{"SequentialPacket", unix.SOCK_SEQPACKET, 1},
		{"FIFO", 0, 0},
		{"Special", 0, 0},
		{"Netlink", unix.SOCK_RAW, 0},
	}
	if haveIPv6() {
		lines = append(lines, "ListenStream=[::1]:"+strconv.Itoa(freePort(t)))
		wants = append(wants, want{"Stream", unix.SOCK_STREAM, 1})
	}
	if fd, err := mqOpen(mq+"-probe", unix.O_RDONLY|unix.O_CREAT|unix.O_CLOEXEC, 0o600, nil); err == nil {
		unix.Close(fd)
		mqUnlink(mq + "-probe")
		lines = append(lines, "ListenMessageQueue="+mq)
		wants = append(wants, want{"MessageQueue", 0, 0})
	}
	u := load(t, root, "every.socket", lines...)
	before := openFDs(t)
	ls, err := Open(u, root)
	if err != nil {
		t.Fatal(err)
	}
	if len(ls) != len(wants) {
		t.Fatalf("%d listeners, want %d", len(ls), len(wants))
	}
	for i, l := range ls {
		w := wants[i]
		if l.Port.Kind != w.kind || l.Name != "every.socket" {
			t.Errorf("listener %d: kind %s name %s, want %s every.socket", i, l.Port.Kind, l.Name, w.kind)
		}
		status, fdflags := fdFlags(t, l.File)
		// systemd 252's manager held its listeners O_NONBLOCK|O_CLOEXEC
		// (fdinfo flags 02004002).
		if status&unix.O_NONBLOCK == 0 || fdflags&unix.FD_CLOEXEC == 0 {
			t.Errorf("listener %d (%s): flags %#o fd flags %#x, want non-blocking and close-on-exec", i, l.Port, status, fdflags)
		}
		if w.typ != 0 {
			if got := sockopt(t, l.File, unix.SOL_SOCKET, unix.SO_TYPE); got != w.typ {
				t.Errorf("listener %d (%s): SO_TYPE %d, want %d", i, l.Port, got, w.typ)
			}
			if got := sockopt(t, l.File, unix.SOL_SOCKET, unix.SO_ACCEPTCONN); got != w.acc {
				t.Errorf("listener %d (%s): SO_ACCEPTCONN %d, want %d", i, l.Port, got, w.acc)
			}
		}
	}
	// The special file is opened read-only (Writable=no); the FIFO
	// read-write (systemd's instance saw O_RDWR for the FIFO and
	// O_RDONLY for /dev/kmsg).
	if st, _ := fdFlags(t, ls[5].File); st&unix.O_ACCMODE != unix.O_RDONLY {
		t.Errorf("special file opened %#o, want O_RDONLY", st)
	}
	if st, _ := fdFlags(t, ls[4].File); st&unix.O_ACCMODE != unix.O_RDWR {
		t.Errorf("FIFO opened %#o, want O_RDWR", st)
	}
	if st, err := os.Stat(filepath.Join(root, "run/fifo")); err != nil || st.Mode()&os.ModeNamedPipe == 0 || st.Mode().Perm() != 0o666 {
		t.Errorf("FIFO: %v %v, want a FIFO 0666 (SocketMode= default)", st.Mode(), err)
	}
	if last := ls[len(ls)-1]; last.Port.Kind == "MessageQueue" {
		// systemd 252 made its queue -rw-rw-rw- (SocketMode= default).
		var st unix.Stat_t
		if err := unix.Fstat(int(last.File.Fd()), &st); err != nil || st.Mode&0o7777 != 0o666 {
			t.Errorf("message queue mode %#o, %v; want 0666", st.Mode&0o7777, err)
		}
	}
	if err := Close(u, ls, root); err != nil {
		t.Fatal(err)
	}
	if after := openFDs(t); after != before {
		t.Errorf("%d descriptors open after Close, %d before", after, before)
	}
	// Without RemoveOnStop= the socket file stays, as with systemd.
	if _, err := os.Lstat(filepath.Join(root, "run/s.sock")); err != nil {
		t.Errorf("socket file removed without RemoveOnStop=: %v", err)
	}
	mqUnlink(mq)
}

// TestSocketOptions reads back the options systemd 252 set on the same
// units (nsboot, read from PID 1 with pidfd_getfd + getsockopt):
//
//	o1.socket [::]:4001 BindIPv6Only=ipv6-only ReusePort FreeBind
//	  Transparent KeepAlive KeepAliveTimeSec=77 KeepAliveIntervalSec=33
//	  KeepAliveProbes=5 NoDelay Priority=4 ReceiveBuffer=300K
//	  SendBuffer=200K IPTOS=low-delay IPTTL=42 Mark=9 DeferAcceptSec=7:
//	  rcvbuf=614400 sndbuf=409600 reuseport=1 reuseaddr=1 keepalive=1
//	  priority=6 mark=9 v6only=1 freebind=1 transparent=1 tos=16
//	  ttl(IP_TTL)=64 IPV6_UNICAST_HOPS=42 nodelay=1 keepidle=77
//	  keepintvl=33 keepcnt=5 deferaccept=7; PassCredentials=yes and
//	  PassSecurity=yes read back "operation not supported" (TCP), yet the
//	  socket was listening
//	o2.socket 127.0.0.1:4002 datagram Broadcast IPTOS=8 IPTTL=9
//	  PassPacketInfo: broadcast=1 tos=8 ttl=9 priority=2 pktinfo=1 reuseaddr=1
//	o3.socket 4003 (defaults): reuseaddr=1 v6only=0 keepalive=0 nodelay=0
//	o4.socket /run/o4.sock PassCredentials ReceiveBuffer=1M:
//	  passcred=1 rcvbuf=2097152 reuseaddr=1
func TestSocketOptions(t *testing.T) {
	if !hasCap(unix.CAP_NET_ADMIN) {
		t.Skip("Transparent=, Mark= and forced buffer sizes need CAP_NET_ADMIN")
	}
	type opt struct {
		level, opt, want int
	}
	const (
		sol   = unix.SOL_SOCKET
		tcp   = unix.IPPROTO_TCP
		ip    = unix.IPPROTO_IP
		ipv6  = unix.IPPROTO_IPV6
		lowDl = 16
	)
	tests := []struct {
		name  string
		ipv6  bool
		lines []string
		want  []opt
		warn  []string // directives refused with a warning
	}{
		{name: "o1 every TCP option", ipv6: true, lines: []string{
			"ListenStream=[::]:PORT", "BindIPv6Only=ipv6-only", "ReusePort=yes", "FreeBind=yes", "Transparent=yes",
			"KeepAlive=yes", "KeepAliveTimeSec=77", "KeepAliveIntervalSec=33", "KeepAliveProbes=5", "NoDelay=yes",
			"Priority=4", "ReceiveBuffer=300K", "SendBuffer=200K", "IPTOS=low-delay", "IPTTL=42", "Mark=9", "DeferAcceptSec=7",
			"PassCredentials=yes", "PassSecurity=yes",
		}, warn: []string{"PassCredentials", "PassSecurity"}, want: []opt{
			{sol, unix.SO_RCVBUF, 614400}, {sol, unix.SO_SNDBUF, 409600}, {sol, unix.SO_REUSEPORT, 1}, {sol, unix.SO_REUSEADDR, 1},
			{sol, unix.SO_KEEPALIVE, 1}, {sol, unix.SO_PRIORITY, 6}, {sol, unix.SO_MARK, 9}, {ipv6, unix.IPV6_V6ONLY, 1},
			{ip, unix.IP_FREEBIND, 1}, {ip, unix.IP_TRANSPARENT, 1}, {ip, unix.IP_TOS, lowDl}, {ip, unix.IP_TTL, 64},
			{ipv6, unix.IPV6_UNICAST_HOPS, 42}, {tcp, unix.TCP_NODELAY, 1}, {tcp, unix.TCP_KEEPIDLE, 77},
			{tcp, unix.TCP_KEEPINTVL, 33}, {tcp, unix.TCP_KEEPCNT, 5}, {tcp, unix.TCP_DEFER_ACCEPT, 7},
		}},
		{name: "o2 datagram", lines: []string{
			"ListenDatagram=127.0.0.1:PORT", "Broadcast=yes", "IPTOS=8", "IPTTL=9", "PassPacketInfo=yes",
		}, want: []opt{
			{sol, unix.SO_BROADCAST, 1}, {ip, unix.IP_TOS, 8}, {ip, unix.IP_TTL, 9}, {sol, unix.SO_PRIORITY, 2},
			{ip, unix.IP_PKTINFO, 1}, {sol, unix.SO_REUSEADDR, 1},
		}},
		{name: "o3 defaults", ipv6: true, lines: []string{"ListenStream=PORT"}, want: []opt{
			{sol, unix.SO_REUSEADDR, 1}, {ipv6, unix.IPV6_V6ONLY, 0}, {sol, unix.SO_KEEPALIVE, 0}, {tcp, unix.TCP_NODELAY, 0},
			{sol, unix.SO_REUSEPORT, 0},
		}},
		// Not recorded: options the o-units did not use.
		{name: "device, timestamps, congestion", lines: []string{
			"ListenDatagram=127.0.0.1:PORT", "BindToDevice=lo", "Timestamping=ns",
		}, want: []opt{{sol, unix.SO_TIMESTAMPNS, 1}}},
		{name: "o4 unix", lines: []string{"ListenStream=/run/o4.sock", "PassCredentials=yes", "ReceiveBuffer=1M"}, want: []opt{
			{sol, unix.SO_PASSCRED, 1}, {sol, unix.SO_RCVBUF, 2097152}, {sol, unix.SO_REUSEADDR, 1},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.ipv6 && !haveIPv6() {
				t.Skip("no IPv6")
			}
			root := shortTemp(t)
			for i := range tc.lines {
				tc.lines[i] = strings.Replace(tc.lines[i], "PORT", strconv.Itoa(freePort(t)), 1)
			}
			u := load(t, root, "o.socket", tc.lines...)
			ls, w, err := OpenWarn(u, root)
			if err != nil {
				t.Fatal(err)
			}
			var warned []string
			for _, e := range w {
				warned = append(warned, e.Directive)
			}
			if strings.Join(warned, " ") != strings.Join(tc.warn, " ") {
				t.Errorf("warnings for %q, want %q (%v)", warned, tc.warn, err)
			}
			defer Close(u, ls, root)
			for _, o := range tc.want {
				if got := sockopt(t, ls[0].File, o.level, o.opt); got != o.want {
					t.Errorf("getsockopt(%d, %d) = %d, want %d", o.level, o.opt, got, o.want)
				}
			}
			if u.Socket.BindToDevice != "" {
				rc, _ := ls[0].File.SyscallConn()
				var dev string
				rc.Control(func(fd uintptr) { dev, _ = unix.GetsockoptString(int(fd), unix.SOL_SOCKET, unix.SO_BINDTODEVICE) })
				if dev != u.Socket.BindToDevice {
					t.Errorf("SO_BINDTODEVICE = %q, want %q", dev, u.Socket.BindToDevice)
				}
			}
		})
	}
}

func TestTCPCongestion(t *testing.T) {
	avail, _ := os.ReadFile("/proc/sys/net/ipv4/tcp_available_congestion_control")
	if !strings.Contains(string(avail), "reno") {
		t.Skip("reno congestion control not available")
	}
	root := shortTemp(t)
	u := load(t, root, "cc.socket", "ListenStream=127.0.0.1:"+strconv.Itoa(freePort(t)), "TCPCongestion=reno")
	ls, err := Open(u, root)
	if err != nil {
		t.Fatal(err)
	}
	defer Close(u, ls, root)
	rc, _ := ls[0].File.SyscallConn()
	var cc string
	rc.Control(func(fd uintptr) { cc, _ = unix.GetsockoptString(int(fd), unix.IPPROTO_TCP, unix.TCP_CONGESTION) })
	if cc != "reno" {
		t.Errorf("TCP_CONGESTION = %q", cc)
	}
}

// TestVsock opens an AF_VSOCK listener where the kernel has vsock.
func TestVsock(t *testing.T) {
	fd, err := unix.Socket(unix.AF_VSOCK, unix.SOCK_STREAM, 0)
	if err != nil {
		t.Skipf("no AF_VSOCK here: %v", err)
	}
	unix.Close(fd)
	root := shortTemp(t)
	u := load(t, root, "v.socket", "ListenStream=vsock::"+strconv.Itoa(20000+os.Getpid()%10000))
	ls, err := Open(u, root)
	if err != nil {
		if errors.Is(err, unix.EADDRNOTAVAIL) || errors.Is(err, unix.ENODEV) {
			t.Skipf("vsock without a transport: %v", err)
		}
		t.Fatal(err)
	}
	defer Close(u, ls, root)
	if got := sockopt(t, ls[0].File, unix.SOL_SOCKET, unix.SO_ACCEPTCONN); got != 1 {
		t.Errorf("SO_ACCEPTCONN = %d", got)
	}
}

// TestOptionRefusedIsWarning: systemd 252 logs an option the socket
// refuses and listens anyway; OpenWarn returns Warnings with the listeners.
func TestOptionRefusedIsWarning(t *testing.T) {
	root := shortTemp(t)
	u := load(t, root, "w.socket", "ListenStream=/run/w.sock", "KeepAliveTimeSec=10", "NoDelay=yes")
	ls, w, err := OpenWarn(u, root)
	if err != nil || len(ls) != 1 {
		t.Fatalf("OpenWarn = %d listeners, %v; want 1", len(ls), err)
	}
	defer Close(u, ls, root)
	if len(w) != 2 || w[0].Directive != "KeepAliveTimeSec" || w[1].Directive != "NoDelay" || w[0].File != "/etc/systemd/system/w.socket" {
		t.Errorf("warnings %v", w)
	}
	if !strings.Contains(w.Error(), "/etc/systemd/system/w.socket: NoDelay=yes: setsockopt TCP_NODELAY: ") {
		t.Errorf("warning text %q", w)
	}
	// Open drops them and succeeds.
	ls2, err := Open(load(t, root, "w2.socket", "ListenStream=/run/w2.sock", "NoDelay=yes"), root)
	if err != nil || len(ls2) != 1 {
		t.Fatalf("Open = %v, %v", ls2, err)
	}
	ls2[0].File.Close()
}

// TestFileSystem: modes, parent directories, symlinks and RemoveOnStop=
// as systemd 252 made them (nsboot: s3.socket ListenStream=
// /run/d1/d2/s3.sock, DirectoryMode=0700, SocketMode=0600, RemoveOnStop=yes,
// Symlinks=/run/d1/link3 /run/d9/x/link4 gave drwx------ /run/d1,
// /run/d1/d2, /run/d9, /run/d9/x; srw------- s3.sock; both links to the
// socket; after stop the socket and links were gone, the directories
// stayed).
func TestFileSystem(t *testing.T) {
	root := shortTemp(t)
	u := load(t, root, "s3.socket", "ListenStream=/run/d1/d2/s3.sock", "DirectoryMode=0700", "SocketMode=0600",
		"RemoveOnStop=yes", "Symlinks=/run/d1/link3 /run/d9/x/link4")
	if err := os.MkdirAll(filepath.Join(root, "run"), 0o755); err != nil {
		t.Fatal(err)
	}
	ls, err := Open(u, root)
	if err != nil {
		t.Fatal(err)
	}
	mode := func(p string) os.FileMode {
		st, err := os.Lstat(filepath.Join(root, p))
		if err != nil {
			t.Errorf("%s: %v", p, err)
			return 0
		}
		return st.Mode()
	}
	for _, d := range []string{"run/d1", "run/d1/d2", "run/d9", "run/d9/x"} {
		if m := mode(d); m != os.ModeDir|0o700 {
			t.Errorf("%s: %v, want drwx------", d, m)
		}
	}
	if m := mode("run/d1/d2/s3.sock"); m != os.ModeSocket|0o600 {
		t.Errorf("socket: %v, want srw-------", m)
	}
	for _, l := range []string{"run/d1/link3", "run/d9/x/link4"} {
		if target, err := os.Readlink(filepath.Join(root, l)); err != nil || target != "/run/d1/d2/s3.sock" {
			t.Errorf("%s -> %q, %v", l, target, err)
		}
	}
	if err := Close(u, ls, root); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"run/d1/d2/s3.sock", "run/d1/link3", "run/d9/x/link4"} {
		if _, err := os.Lstat(filepath.Join(root, p)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s still there after Close with RemoveOnStop=: %v", p, err)
		}
	}
	if m := mode("run/d9/x"); !m.IsDir() {
		t.Errorf("directory removed")
	}
}

// TestStalePath: systemd 252 replaced a stale socket and a regular file
// at a socket's path, and failed with "Address already in use" for a
// directory there.
func TestStalePath(t *testing.T) {
	for _, tc := range []struct {
		name    string
		prepare func(p string) error
		wantErr error
	}{
		{"stale socket", func(p string) error {
			fd, _ := unix.Socket(unix.AF_UNIX, unix.SOCK_STREAM, 0)
			defer unix.Close(fd)
			return unix.Bind(fd, &unix.SockaddrUnix{Name: p})
		}, nil},
		{"regular file", func(p string) error { return os.WriteFile(p, nil, 0o644) }, nil},
		{"directory", func(p string) error { return os.Mkdir(p, 0o755) }, unix.EADDRINUSE},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := shortTemp(t)
			os.MkdirAll(filepath.Join(root, "run"), 0o755)
			if err := tc.prepare(filepath.Join(root, "run/x.sock")); err != nil {
				t.Fatal(err)
			}
			u := load(t, root, "x.socket", "ListenStream=/run/x.sock")
			ls, err := Open(u, root)
			if tc.wantErr == nil {
				if err != nil {
					t.Fatal(err)
				}
				Close(u, ls, root)
				return
			}
			var se *Error
			if !errors.Is(err, tc.wantErr) || !errors.As(err, &se) || ls != nil {
				t.Fatalf("Open = %v, want %v", err, tc.wantErr)
			}
			if want := "/etc/systemd/system/x.socket: ListenStream=/run/x.sock: bind: address already in use"; err.Error() != want {
				t.Errorf("error %q, want %q", err, want)
			}
		})
	}
}

// TestFIFOReuse: systemd 252 reused a FIFO with the right mode and failed
// with "Failed to open FIFO /run/f5: File exists" for one with another
// mode (0644 vs SocketMode=0600) or a regular file at the path.
func TestFIFOReuse(t *testing.T) {
	for _, tc := range []struct {
		name    string
		prepare func(p string) error
		wantErr bool
	}{
		{"right mode", func(p string) error { return mkfifo(p, 0o600) }, false},
		{"other mode", func(p string) error { return mkfifo(p, 0o644) }, true},
		{"regular file", func(p string) error { return os.WriteFile(p, nil, 0o600) }, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := shortTemp(t)
			if err := tc.prepare(filepath.Join(root, "f5")); err != nil {
				t.Fatal(err)
			}
			u := load(t, root, "f5.socket", "ListenFIFO=/f5", "SocketMode=0600")
			ls, err := Open(u, root)
			if tc.wantErr {
				if !errors.Is(err, unix.EEXIST) || ls != nil {
					t.Fatalf("Open = %v, want EEXIST", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			Close(u, ls, root)
		})
	}
}

func mkfifo(p string, mode uint32) error {
	if err := unix.Mkfifo(p, mode); err != nil {
		return err
	}
	return os.Chmod(p, os.FileMode(mode))
}

// TestSpecialRefusesFIFO: systemd 252 failed ListenSpecial= on a FIFO
// ("Failed to open special file /run/sp.fifo: File exists").
func TestSpecialRefusesFIFO(t *testing.T) {
	root := shortTemp(t)
	if err := mkfifo(filepath.Join(root, "sp"), 0o600); err != nil {
		t.Fatal(err)
	}
	u := load(t, root, "sp.socket", "ListenSpecial=/sp")
	if _, err := Open(u, root); !errors.Is(err, unix.EEXIST) {
		t.Fatalf("Open = %v, want EEXIST", err)
	}
}

func TestWritableSpecial(t *testing.T) {
	root := shortTemp(t)
	os.WriteFile(filepath.Join(root, "dev"), nil, 0o600)
	u := load(t, root, "wr.socket", "ListenSpecial=/dev", "Writable=yes")
	ls, err := Open(u, root)
	if err != nil {
		t.Fatal(err)
	}
	defer Close(u, ls, root)
	if st, _ := fdFlags(t, ls[0].File); st&unix.O_ACCMODE != unix.O_RDWR {
		t.Errorf("Writable=yes special opened %#o", st)
	}
}

// TestFailureUndoes: when a later port fails, the earlier ones are
// closed and the files Open made are gone.
func TestFailureUndoes(t *testing.T) {
	root := shortTemp(t)
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	u := load(t, root, "f.socket", "ListenStream=/run/first.sock", "ListenFIFO=/run/fifo", "ListenStream="+busy.Addr().String())
	before := openFDs(t)
	ls, err := Open(u, root)
	if !errors.Is(err, unix.EADDRINUSE) || ls != nil {
		t.Fatalf("Open = %v, want EADDRINUSE", err)
	}
	if !strings.HasPrefix(err.Error(), "/etc/systemd/system/f.socket: ListenStream="+busy.Addr().String()+": bind: ") {
		t.Errorf("error %q does not name the file and directive", err)
	}
	if after := openFDs(t); after != before {
		t.Errorf("%d descriptors open, %d before", after, before)
	}
	for _, p := range []string{"run/first.sock", "run/fifo"} {
		if _, err := os.Lstat(filepath.Join(root, p)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s left behind: %v", p, err)
		}
	}
}

func TestUSBFunctionUnsupported(t *testing.T) {
	root := shortTemp(t)
	u := load(t, root, "usb.socket", "ListenUSBFunction=/dev/usb-ffs/x")
	if _, err := Open(u, root); !errors.Is(err, ErrUnsupported) {
		t.Fatalf("Open = %v, want ErrUnsupported", err)
	}
}

// TestSocketUserGroup: systemd 252 chowned the socket and the FIFO to
// SocketUser=/SocketGroup= (daemon/bin: 1/2), not the message queue.
func TestSocketUserGroup(t *testing.T) {
	if !hasCap(unix.CAP_CHOWN) {
		t.Skip("chown needs CAP_CHOWN")
	}
	root := shortTemp(t)
	os.MkdirAll(filepath.Join(root, "etc"), 0o755)
	os.WriteFile(filepath.Join(root, "etc/passwd"), []byte("root:x:0:0::/root:/bin/sh\nsvc:x:1001:1002::/:/bin/false\n"), 0o644)
	os.WriteFile(filepath.Join(root, "etc/group"), []byte("root:x:0:\nsvc:x:1002:\nother:x:1003:\n"), 0o644)
	for _, tc := range []struct {
		name     string
		lines    []string
		uid, gid int
	}{
		{"user sets its group", []string{"SocketUser=svc"}, 1001, 1002},
		{"user and group", []string{"SocketUser=svc", "SocketGroup=other"}, 1001, 1003},
		{"numeric", []string{"SocketUser=4242", "SocketGroup=4343"}, 4242, 4343},
		{"group only", []string{"SocketGroup=other"}, 0, 1003},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u := load(t, root, "own.socket", append([]string{"ListenStream=/run/own.sock", "ListenFIFO=/run/own.fifo", "RemoveOnStop=yes"}, tc.lines...)...)
			ls, err := Open(u, root)
			if err != nil {
				t.Fatal(err)
			}
			defer Close(u, ls, root)
			for _, p := range []string{"run/own.sock", "run/own.fifo"} {
				var st unix.Stat_t
				if err := unix.Lstat(filepath.Join(root, p), &st); err != nil {
					t.Fatal(err)
				}
				if int(st.Uid) != tc.uid || int(st.Gid) != tc.gid {
					t.Errorf("%s owned by %d:%d, want %d:%d", p, st.Uid, st.Gid, tc.uid, tc.gid)
				}
			}
		})
	}
	u := load(t, root, "bad.socket", "ListenStream=/run/bad.sock", "SocketUser=nosuchuser")
	if _, err := Open(u, root); err == nil || !strings.Contains(err.Error(), "SocketUser=nosuchuser") {
		t.Errorf("unknown user: %v", err)
	}
}

// TestEnv compares LISTEN_FDS/LISTEN_FDNAMES with what systemd 252 gave
// s1.service (Sockets=s1.socket s2.socket; s1 with nine ports, s2 with
// FileDescriptorName=named): LISTEN_FDS=10 and
// LISTEN_FDNAMES=s1.socket:...(9 times):named. A child process given the
// descriptors as 3.. sees listening sockets there.
func TestEnv(t *testing.T) {
	root := shortTemp(t)
	s1 := load(t, root, "s1.socket", "ListenStream=/run/s1.sock", "ListenDatagram=/run/s1.dgram")
	s2 := load(t, root, "s2.socket", "ListenStream=/run/s2.sock", "FileDescriptorName=named")
	l1, err := Open(s1, root)
	if err != nil {
		t.Fatal(err)
	}
	defer Close(s1, l1, root)
	l2, err := Open(s2, root)
	if err != nil {
		t.Fatal(err)
	}
	defer Close(s2, l2, root)
	all := append(append([]Listener{}, l1...), l2...)
	env := Env(all)
	want := []string{"LISTEN_FDS=3", "LISTEN_FDNAMES=s1.socket:s1.socket:named"}
	if strings.Join(env, " ") != strings.Join(want, " ") {
		t.Fatalf("Env = %q, want %q", env, want)
	}
	if Env(nil) != nil {
		t.Errorf("Env(nil) = %q", Env(nil))
	}
	cmd := exec.Command(os.Args[0])
	cmd.Env = append([]string{"GOSD_SOCKETS_CHILD=1"}, env...)
	for _, l := range all {
		cmd.ExtraFiles = append(cmd.ExtraFiles, l.File)
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	wantOut := "LISTEN_FDS=3\nLISTEN_FDNAMES=s1.socket:s1.socket:named\n" +
		"fd 3 type=1 acceptconn=1 <nil> <nil>\nfd 4 type=2 acceptconn=0 <nil> <nil>\nfd 5 type=1 acceptconn=1 <nil> <nil>\n"
	if string(out) != wantOut {
		t.Errorf("child saw:\n%s\nwant:\n%s", out, wantOut)
	}
}
