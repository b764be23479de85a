package sockets

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// TestAccept checks the connections of Accept=yes sockets and the names
// of their instances against what systemd 252 did (nsboot: aN.socket with
// Accept=yes and aN@.service; `systemctl list-units`, the services' env
// and /proc/self/fdinfo/0):
//
//	a1 127.0.0.1:3001  a1@0-127.0.0.1:3001-127.0.0.1:53054.service  "127.0.0.1:53054"
//	a2 /run/a2.sock    a2@0-689-0.service (PID 689, UID 0)           "PID 689/UID 0"
//	a3 [::1]:3003      a3@0-::1:3003-::1:44252.service               "[::1]:44252"
//	a4 3004 (via v4)   a4@1-127.0.0.1:3004-127.0.0.1:49780.service   "127.0.0.1:49780"
//	a5 SequentialPacket /run/a5.sock  a5@0-694-0.service
//	a6 @a6abs          a6@0-695-0.service
//
// REMOTE_ADDR=127.0.0.1/REMOTE_PORT= for a1 and a4 (IPv4-mapped shown as
// IPv4), REMOTE_ADDR=::1 for a3, none for AF_UNIX; the connection was a
// blocking descriptor (fdinfo flags 02).
func TestAccept(t *testing.T) {
	pid, uid := os.Getpid(), os.Getuid()
	abstract := fmt.Sprintf("@gosd-acc-%d", pid)
	tests := []struct {
		name       string
		listen     string
		dial       func(port string) (net.Conn, error)
		ipv6       bool
		n          uint64
		wantName   func(local, remote net.Addr) string
		wantDesc   func(remote net.Addr) string
		wantRemote func(remote net.Addr) []string
	}{
		{name: "IPv4", listen: "ListenStream=127.0.0.1:PORT",
			dial:     func(p string) (net.Conn, error) { return net.Dial("tcp", "127.0.0.1:"+p) },
			wantName: func(l, r net.Addr) string { return "0-" + l.String() + "-" + r.String() },
			wantDesc: func(r net.Addr) string { return r.String() },
			wantRemote: func(r net.Addr) []string {
				a := r.(*net.TCPAddr)
				return []string{"REMOTE_ADDR=" + a.IP.String(), "REMOTE_PORT=" + strconv.Itoa(a.Port)}
			}},
		{name: "IPv6", listen: "ListenStream=[::1]:PORT", ipv6: true, n: 7,
			dial: func(p string) (net.Conn, error) { return net.Dial("tcp", "[::1]:"+p) },
			wantName: func(l, r net.Addr) string {
				return fmt.Sprintf("7-::1:%d-::1:%d", l.(*net.TCPAddr).Port, r.(*net.TCPAddr).Port)
			},
			wantDesc: func(r net.Addr) string { return r.String() },
			wantRemote: func(r net.Addr) []string {
				return []string{"REMOTE_ADDR=::1", "REMOTE_PORT=" + strconv.Itoa(r.(*net.TCPAddr).Port)}
			}},
		{name: "IPv4 on an IPv6 socket", listen: "ListenStream=PORT", ipv6: true, n: 1,
			dial: func(p string) (net.Conn, error) { return net.Dial("tcp4", "127.0.0.1:"+p) },
			wantName: func(l, r net.Addr) string {
				return fmt.Sprintf("1-127.0.0.1:%d-127.0.0.1:%d", l.(*net.TCPAddr).Port, r.(*net.TCPAddr).Port)
			},
			wantDesc: func(r net.Addr) string { return "127.0.0.1:" + strconv.Itoa(r.(*net.TCPAddr).Port) },
			wantRemote: func(r net.Addr) []string {
				return []string{"REMOTE_ADDR=127.0.0.1", "REMOTE_PORT=" + strconv.Itoa(r.(*net.TCPAddr).Port)}
			}},
		{name: "unix path", listen: "ListenStream=/run/a2.sock",
			dial:     func(string) (net.Conn, error) { return nil, nil },
			wantName: func(net.Addr, net.Addr) string { return fmt.Sprintf("0-%d-%d", pid, uid) },
			wantDesc: func(net.Addr) string { return fmt.Sprintf("PID %d/UID %d", pid, uid) }},
		{name: "unix seqpacket", listen: "ListenSequentialPacket=/run/a5.sock", n: 3,
			dial:     func(string) (net.Conn, error) { return nil, nil },
			wantName: func(net.Addr, net.Addr) string { return fmt.Sprintf("3-%d-%d", pid, uid) },
			wantDesc: func(net.Addr) string { return fmt.Sprintf("PID %d/UID %d", pid, uid) }},
		{name: "unix abstract", listen: "ListenStream=" + abstract,
			dial:     func(string) (net.Conn, error) { return net.Dial("unix", abstract) },
			wantName: func(net.Addr, net.Addr) string { return fmt.Sprintf("0-%d-%d", pid, uid) },
			wantDesc: func(net.Addr) string { return fmt.Sprintf("PID %d/UID %d", pid, uid) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.ipv6 && !haveIPv6() {
				t.Skip("no IPv6")
			}
			root := shortTemp(t)
			port := strconv.Itoa(freePort(t))
			u := load(t, root, "a.socket", strings.Replace(tc.listen, "PORT", port, 1), "Accept=yes")
			ls, err := Open(u, root)
			if err != nil {
				t.Fatal(err)
			}
			defer Close(u, ls, root)
			if _, err := Accept(ls[0]); !errors.Is(err, ErrNoConnection) || !errors.Is(err, unix.EAGAIN) {
				t.Fatalf("Accept with nothing pending = %v, want ErrNoConnection", err)
			}
			var c net.Conn
			switch {
			case strings.Contains(tc.listen, "a2.sock"):
				c, err = net.Dial("unix", filepath.Join(root, "run/a2.sock"))
			case strings.Contains(tc.listen, "a5.sock"):
				c, err = net.Dial("unixpacket", filepath.Join(root, "run/a5.sock"))
			default:
				c, err = tc.dial(port)
			}
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			conn, err := Accept(ls[0])
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			st, fdf := fdFlags(t, conn)
			if st&unix.O_NONBLOCK != 0 || st&unix.O_ACCMODE != unix.O_RDWR || fdf&unix.FD_CLOEXEC == 0 {
				t.Errorf("connection flags %#o fd flags %#x, want blocking O_RDWR close-on-exec", st, fdf)
			}
			// The client's local address is the service's remote one.
			name, err := InstanceName(u, tc.n, conn)
			if err != nil {
				t.Fatal(err)
			}
			if want := tc.wantName(c.RemoteAddr(), c.LocalAddr()); name != want {
				t.Errorf("InstanceName = %q, want %q", name, want)
			}
			desc, err := PeerDescription(conn)
			if err != nil {
				t.Fatal(err)
			}
			if want := tc.wantDesc(c.LocalAddr()); desc != want {
				t.Errorf("PeerDescription = %q, want %q", desc, want)
			}
			var wantEnv []string
			if tc.wantRemote != nil {
				wantEnv = tc.wantRemote(c.LocalAddr())
			}
			if got := RemoteEnv(conn); strings.Join(got, " ") != strings.Join(wantEnv, " ") {
				t.Errorf("RemoteEnv = %q, want %q", got, wantEnv)
			}
			// The descriptor carries the connection.
			if _, err := c.Write([]byte("ping")); err != nil {
				t.Fatal(err)
			}
			b := make([]byte, 4)
			if n, err := conn.Read(b); err != nil || string(b[:n]) != "ping" {
				t.Errorf("read %q, %v", b[:n], err)
			}
		})
	}
}
