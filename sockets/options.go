package sockets

import (
	"strconv"

	"golang.org/x/sys/unix"

	"github.com/gosd/gosd/loader"
)

// ipprotoSCTP is IPPROTO_SCTP, and sctpNoDelay its SCTP_NODELAY option.
const (
	ipprotoSCTP = 132
	sctpNoDelay = 3
)

// afterBind applies the socket options of the unit to a bound socket. As
// in systemd 252 each is tried whatever the socket's family, and one the
// socket refuses is a warning, not a failure. Priority= is set before
// IPTOS=, so that, as with systemd, the priority the kernel derives from
// the TOS wins (IPTOS=low-delay with Priority=4 reads back priority 6).
func (o *opener) afterBind(fd int, p loader.SocketPort) {
	s, fam := o.s, p.Address.Family
	set := func(directive, value string, level, opt, v int, name string) {
		if err := unix.SetsockoptInt(fd, level, opt, v); err != nil {
			o.warnf(directive, value, "setsockopt "+name, err)
		}
	}
	secs := func(usec uint64) int { return int(min((usec+999_999)/1_000_000, 1<<31-1)) }
	if s.KeepAlive {
		set("KeepAlive", "yes", unix.SOL_SOCKET, unix.SO_KEEPALIVE, 1, "SO_KEEPALIVE")
	}
	if s.KeepAliveTimeUSec > 0 {
		set("KeepAliveTimeSec", strconv.Itoa(secs(s.KeepAliveTimeUSec)), unix.IPPROTO_TCP, unix.TCP_KEEPIDLE, secs(s.KeepAliveTimeUSec), "TCP_KEEPIDLE")
	}
	if s.KeepAliveIntervalUSec > 0 {
		set("KeepAliveIntervalSec", strconv.Itoa(secs(s.KeepAliveIntervalUSec)), unix.IPPROTO_TCP, unix.TCP_KEEPINTVL, secs(s.KeepAliveIntervalUSec), "TCP_KEEPINTVL")
	}
	if s.KeepAliveProbes > 0 {
		set("KeepAliveProbes", strconv.Itoa(int(s.KeepAliveProbes)), unix.IPPROTO_TCP, unix.TCP_KEEPCNT, int(min(s.KeepAliveProbes, 1<<31-1)), "TCP_KEEPCNT")
	}
	if s.DeferAcceptUSec > 0 {
		set("DeferAcceptSec", strconv.Itoa(secs(s.DeferAcceptUSec)), unix.IPPROTO_TCP, unix.TCP_DEFER_ACCEPT, secs(s.DeferAcceptUSec), "TCP_DEFER_ACCEPT")
	}
	if s.NoDelay {
		if s.SocketProtocol == ipprotoSCTP {
			set("NoDelay", "yes", ipprotoSCTP, sctpNoDelay, 1, "SCTP_NODELAY")
		} else {
			set("NoDelay", "yes", unix.IPPROTO_TCP, unix.TCP_NODELAY, 1, "TCP_NODELAY")
		}
	}
	if s.Broadcast {
		set("Broadcast", "yes", unix.SOL_SOCKET, unix.SO_BROADCAST, 1, "SO_BROADCAST")
	}
	if s.PassCredentials {
		set("PassCredentials", "yes", unix.SOL_SOCKET, unix.SO_PASSCRED, 1, "SO_PASSCRED")
	}
	if s.PassSecurity {
		set("PassSecurity", "yes", unix.SOL_SOCKET, unix.SO_PASSSEC, 1, "SO_PASSSEC")
	}
	if s.PassPacketInfo {
		if fam == unix.AF_INET6 {
			set("PassPacketInfo", "yes", unix.IPPROTO_IPV6, unix.IPV6_RECVPKTINFO, 1, "IPV6_RECVPKTINFO")
		} else {
			set("PassPacketInfo", "yes", unix.IPPROTO_IP, unix.IP_PKTINFO, 1, "IP_PKTINFO")
		}
	}
	switch s.Timestamping {
	case "us":
		set("Timestamping", "us", unix.SOL_SOCKET, unix.SO_TIMESTAMP, 1, "SO_TIMESTAMP")
	case "ns":
		set("Timestamping", "ns", unix.SOL_SOCKET, unix.SO_TIMESTAMPNS, 1, "SO_TIMESTAMPNS")
	}
	if s.Priority >= 0 {
		set("Priority", strconv.Itoa(int(s.Priority)), unix.SOL_SOCKET, unix.SO_PRIORITY, int(s.Priority), "SO_PRIORITY")
	}
	if s.ReceiveBuffer > 0 {
		o.setBuffer(fd, "ReceiveBuffer", s.ReceiveBuffer, unix.SO_RCVBUFFORCE, unix.SO_RCVBUF, "SO_RCVBUF")
	}
	if s.SendBuffer > 0 {
		o.setBuffer(fd, "SendBuffer", s.SendBuffer, unix.SO_SNDBUFFORCE, unix.SO_SNDBUF, "SO_SNDBUF")
	}
	if s.Mark >= 0 {
		set("Mark", strconv.Itoa(int(s.Mark)), unix.SOL_SOCKET, unix.SO_MARK, int(s.Mark), "SO_MARK")
	}
	if s.IPTOS >= 0 {
		// systemd 252 set IP_TOS on IPv6 sockets too (read back 16 for
		// IPTOS=low-delay on [::]:4001, IPV6_TCLASS left 0).
		set("IPTOS", strconv.Itoa(int(s.IPTOS)), unix.IPPROTO_IP, unix.IP_TOS, int(s.IPTOS), "IP_TOS")
	}
	if s.IPTTL >= 0 {
		if fam == unix.AF_INET6 {
			set("IPTTL", strconv.Itoa(int(s.IPTTL)), unix.IPPROTO_IPV6, unix.IPV6_UNICAST_HOPS, int(s.IPTTL), "IPV6_UNICAST_HOPS")
		} else {
			set("IPTTL", strconv.Itoa(int(s.IPTTL)), unix.IPPROTO_IP, unix.IP_TTL, int(s.IPTTL), "IP_TTL")
		}
	}
	if s.TCPCongestion != "" {
		if err := unix.SetsockoptString(fd, unix.IPPROTO_TCP, unix.TCP_CONGESTION, s.TCPCongestion); err != nil {
			o.warnf("TCPCongestion", s.TCPCongestion, "setsockopt TCP_CONGESTION", err)
		}
	}
}

// setBuffer sets a socket buffer size, beyond net.core.[rw]mem_max when
// privileged (the FORCE variant), else up to it.
func (o *opener) setBuffer(fd int, directive string, size uint64, force, plain int, name string) {
	v := int(min(size, 1<<31-1))
	if unix.SetsockoptInt(fd, unix.SOL_SOCKET, force, v) == nil {
		return
	}
	if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, plain, v); err != nil {
		o.warnf(directive, strconv.FormatUint(size, 10), "setsockopt "+name, err)
	}
}
