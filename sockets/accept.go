package sockets

import (
	"fmt"
	"net/netip"
	"os"
	"strconv"

	"golang.org/x/sys/unix"

	"github.com/gosd/gosd/loader"
)

// ConnectionName is the LISTEN_FDNAMES= name of an Accept=yes connection
// passed as a descriptor; systemd 252 used it whatever
// FileDescriptorName= said.
const ConnectionName = "connection"

// ErrNoConnection is wrapped by Accept's error when no connection is
// waiting (it wraps unix.EAGAIN too).
var ErrNoConnection = fmt.Errorf("no pending connection: %w", unix.EAGAIN)

// Accept takes one pending connection of an Accept=yes listener and
// returns it as a blocking, close-on-exec file, ready to be a service's
// standard input or descriptor 3 (systemd 252's instances saw flags O_RDWR,
// no O_NONBLOCK). Accept never blocks: with nothing pending it returns
// ErrNoConnection, so the caller should call it when the listener is
// readable.
func Accept(l Listener) (*os.File, error) {
	rc, err := l.File.SyscallConn()
	if err != nil {
		return nil, err
	}
	var nfd int
	var aerr error
	err = rc.Control(func(fd uintptr) {
		// The listener may have been switched to blocking mode by a
		// service sharing it; poll first so that accept4 cannot block.
		pfd := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
		for {
			n, err := unix.Poll(pfd, 0)
			if err == unix.EINTR {
				continue
			}
			if err != nil {
				aerr = os.NewSyscallError("poll", err)
				return
			}
			if n == 0 {
				aerr = ErrNoConnection
				return
			}
			break
		}
		for {
			nfd, _, aerr = unix.Accept4(int(fd), unix.SOCK_CLOEXEC)
			if aerr != unix.EINTR {
				break
			}
		}
		if aerr == unix.EAGAIN {
			aerr = ErrNoConnection
		} else if aerr != nil {
			aerr = os.NewSyscallError("accept4", aerr)
		}
	})
	if err == nil {
		err = aerr
	}
	if err != nil {
		return nil, fmt.Errorf("%s: accept: %w", l.Port, err)
	}
	return os.NewFile(uintptr(nfd), "connection"), nil
}

// InstanceName is the instance of the service systemd starts for the
// n-th connection (counted from 0) of an Accept=yes socket unit u, as
// systemd 252 named them:
//
//	IPv4:  0-127.0.0.1:3001-127.0.0.1:53054   (N-LOCAL:PORT-REMOTE:PORT)
//	IPv6:  0-::1:3003-::1:44252               (no brackets)
//	IPv4 on an IPv6 socket: 1-127.0.0.1:3004-127.0.0.1:49780
//	AF_UNIX (path, abstract, seqpacket): 0-689-0  (N-PEERPID-PEERUID)
//	AF_VSOCK: N-LOCALCID:PORT-REMOTECID:PORT
func InstanceName(u *loader.Unit, n uint64, conn *os.File) (string, error) {
	local, remote, err := endpoints(conn)
	if err != nil {
		return "", fmt.Errorf("%s: instance name for connection %d: %w", u.ID, n, err)
	}
	nr := strconv.FormatUint(n, 10)
	switch l := local.(type) {
	case *unix.SockaddrUnix:
		cred, err := peerCred(conn)
		if err != nil {
			return "", fmt.Errorf("%s: instance name for connection %d: %w", u.ID, n, err)
		}
		return nr + "-" + strconv.Itoa(int(cred.Pid)) + "-" + strconv.Itoa(int(cred.Uid)), nil
	case *unix.SockaddrVM:
		r, ok := remote.(*unix.SockaddrVM)
		if !ok {
			return "", fmt.Errorf("%s: instance name: unexpected peer address %T", u.ID, remote)
		}
		return fmt.Sprintf("%s-%d:%d-%d:%d", nr, l.CID, l.Port, r.CID, r.Port), nil
	}
	la, lp, ok1 := ipPort(local)
	ra, rp, ok2 := ipPort(remote)
	if !ok1 || !ok2 {
		return "", fmt.Errorf("%s: instance name: unsupported address family %T", u.ID, local)
	}
	return nr + "-" + la.String() + ":" + strconv.Itoa(lp) + "-" + ra.String() + ":" + strconv.Itoa(rp), nil
}

// PeerDescription describes the peer of an accepted connection as systemd
// 252 set the Description= of an instance whose template has none:
// "127.0.0.1:53054", "[::1]:44252" or "PID 689/UID 0".
func PeerDescription(conn *os.File) (string, error) {
	_, remote, err := endpoints(conn)
	if err != nil {
		return "", err
	}
	switch r := remote.(type) {
	case *unix.SockaddrVM:
		return fmt.Sprintf("vsock:%d:%d", r.CID, r.Port), nil
	case *unix.SockaddrUnix:
		cred, err := peerCred(conn)
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("PID %d/UID %d", cred.Pid, cred.Uid), nil
	}
	a, p, ok := ipPort(remote)
	if !ok {
		return "", fmt.Errorf("unsupported peer address %T", remote)
	}
	return netip.AddrPortFrom(a, uint16(p)).String(), nil
}

// RemoteEnv is the environment systemd 252 gave the service of an
// accepted IP connection: REMOTE_ADDR= (an IPv4-mapped address as plain
// IPv4) and REMOTE_PORT=. Other families get none.
func RemoteEnv(conn *os.File) []string {
	_, remote, err := endpoints(conn)
	if err != nil {
		return nil
	}
	a, p, ok := ipPort(remote)
	if !ok {
		return nil
	}
	return []string{"REMOTE_ADDR=" + a.String(), "REMOTE_PORT=" + strconv.Itoa(p)}
}

func endpoints(conn *os.File) (local, remote unix.Sockaddr, err error) {
	rc, err := conn.SyscallConn()
	if err != nil {
		return nil, nil, err
	}
	cerr := rc.Control(func(fd uintptr) {
		if local, err = unix.Getsockname(int(fd)); err != nil {
			err = os.NewSyscallError("getsockname", err)
			return
		}
		if remote, err = unix.Getpeername(int(fd)); err != nil {
			err = os.NewSyscallError("getpeername", err)
		}
	})
	if cerr != nil {
		return nil, nil, cerr
	}
	return local, remote, err
}

func peerCred(conn *os.File) (*unix.Ucred, error) {
	rc, err := conn.SyscallConn()
	if err != nil {
		return nil, err
	}
	var cred *unix.Ucred
	cerr := rc.Control(func(fd uintptr) {
		cred, err = unix.GetsockoptUcred(int(fd), unix.SOL_SOCKET, unix.SO_PEERCRED)
	})
	if cerr != nil {
		return nil, cerr
	}
	if err != nil {
		return nil, os.NewSyscallError("getsockopt SO_PEERCRED", err)
	}
	return cred, nil
}

// ipPort is the address and port of an IP socket address, an
// IPv4-mapped IPv6 address unmapped.
func ipPort(sa unix.Sockaddr) (netip.Addr, int, bool) {
	switch a := sa.(type) {
	case *unix.SockaddrInet4:
		return netip.AddrFrom4(a.Addr), a.Port, true
	case *unix.SockaddrInet6:
		return netip.AddrFrom16(a.Addr).Unmap(), a.Port, true
	}
	return netip.Addr{}, 0, false
}
