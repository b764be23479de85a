package props

import (
	"fmt"

	"github.com/gosd/gosd/loader"
	"github.com/gosd/gosd/unit"
)

//go:noinline
func sk(name string, get func(s *loader.Socket) string) prop {
	return prop{name: name, get: func(u *loader.Unit, _ *State) string { return get(u.Socket) }}
}

//go:noinline
func skBool(name string, get func(s *loader.Socket) bool) prop {
	return sk(name, func(s *loader.Socket) string { return yesno(get(s)) })
}

//go:noinline
func skUsec(name string, get func(s *loader.Socket) uint64) prop {
	return sk(name, func(s *loader.Socket) string { return usec(get(s)) })
}

//go:noinline
func skInt(name string, get func(s *loader.Socket) int64) prop {
	return sk(name, func(s *loader.Socket) string { return i64(get(s)) })
}

//go:noinline
func skUint(name string, get func(s *loader.Socket) uint64) prop {
	return sk(name, func(s *loader.Socket) string { return u64(get(s)) })
}

// skOctal prints a file mode as systemctl does.
func skOctal(m uint32) string { return fmt.Sprintf("%04o", m) }

// socketExecProps shows one of a socket's command lists. systemd 252 has
// no ...Ex variant of these for sockets, only the plain one.
//
//go:noinline
func socketExecProps(name string, list func(s *loader.Socket) []unit.ExecCommand) prop {
	return execCommandProps(name, func(u *loader.Unit) []unit.ExecCommand { return list(u.Socket) })[0]
}

// socketProps is org.freedesktop.systemd1.Socket.
var socketProps = []prop{
	sk("BindIPv6Only", func(s *loader.Socket) string { return s.BindIPv6Only }),
	skUint("Backlog", func(s *loader.Socket) uint64 { return uint64(s.Backlog) }),
	skUsec("TimeoutUSec", func(s *loader.Socket) uint64 { return s.TimeoutUSec }),
	sk("BindToDevice", func(s *loader.Socket) string { return s.BindToDevice }),
	sk("SocketUser", func(s *loader.Socket) string { return s.SocketUser }),
	sk("SocketGroup", func(s *loader.Socket) string { return s.SocketGroup }),
	sk("SocketMode", func(s *loader.Socket) string { return skOctal(s.SocketMode) }),
	sk("DirectoryMode", func(s *loader.Socket) string { return skOctal(s.DirectoryMode) }),
	skBool("Accept", func(s *loader.Socket) bool { return s.Accept }),
	skBool("FlushPending", func(s *loader.Socket) bool { return s.FlushPending }),
	skBool("Writable", func(s *loader.Socket) bool { return s.Writable }),
	skBool("KeepAlive", func(s *loader.Socket) bool { return s.KeepAlive }),
	skUsec("KeepAliveTimeUSec", func(s *loader.Socket) uint64 { return s.KeepAliveTimeUSec }),
	skUsec("KeepAliveIntervalUSec", func(s *loader.Socket) uint64 { return s.KeepAliveIntervalUSec }),
	skUint("KeepAliveProbes", func(s *loader.Socket) uint64 { return uint64(s.KeepAliveProbes) }),
	skUsec("DeferAcceptUSec", func(s *loader.Socket) uint64 { return s.DeferAcceptUSec }),
	skBool("NoDelay", func(s *loader.Socket) bool { return s.NoDelay }),
	skInt("Priority", func(s *loader.Socket) int64 { return int64(s.Priority) }),
	skUint("ReceiveBuffer", func(s *loader.Socket) uint64 { return s.ReceiveBuffer }),
	skUint("SendBuffer", func(s *loader.Socket) uint64 { return s.SendBuffer }),
	skInt("IPTOS", func(s *loader.Socket) int64 { return int64(s.IPTOS) }),
	skInt("IPTTL", func(s *loader.Socket) int64 { return int64(s.IPTTL) }),
	skUint("PipeSize", func(s *loader.Socket) uint64 { return s.PipeSize }),
	skBool("FreeBind", func(s *loader.Socket) bool { return s.FreeBind }),
	skBool("Transparent", func(s *loader.Socket) bool { return s.Transparent }),
	skBool("Broadcast", func(s *loader.Socket) bool { return s.Broadcast }),
	skBool("PassCredentials", func(s *loader.Socket) bool { return s.PassCredentials }),
	skBool("PassSecurity", func(s *loader.Socket) bool { return s.PassSecurity }),
	skBool("PassPacketInfo", func(s *loader.Socket) bool { return s.PassPacketInfo }),
	sk("Timestamping", func(s *loader.Socket) string { return s.Timestamping }),
	skBool("RemoveOnStop", func(s *loader.Socket) bool { return s.RemoveOnStop }),
	{name: "Listen", multi: func(u *loader.Unit, _ *State) []string {
		var out []string
		for _, p := range u.Socket.Ports {
			out = append(out, p.String())
		}
		return out
	}},
	sk("Symlinks", func(s *loader.Socket) string { return shellQuoteList(s.Symlinks) }),
	skInt("Mark", func(s *loader.Socket) int64 { return int64(s.Mark) }),
	skUint("MaxConnections", func(s *loader.Socket) uint64 { return uint64(s.MaxConnections) }),
	skUint("MaxConnectionsPerSource", func(s *loader.Socket) uint64 { return uint64(s.MaxConnectionsPerSource) }),
	skInt("MessageQueueMaxMessages", func(s *loader.Socket) int64 { return s.MessageQueueMaxMessages }),
	skInt("MessageQueueMessageSize", func(s *loader.Socket) int64 { return s.MessageQueueMessageSize }),
	sk("TCPCongestion", func(s *loader.Socket) string { return s.TCPCongestion }),
	skBool("ReusePort", func(s *loader.Socket) bool { return s.ReusePort }),
	sk("SmackLabel", func(s *loader.Socket) string { return s.SmackLabel }),
	sk("SmackLabelIPIn", func(s *loader.Socket) string { return s.SmackLabelIPIn }),
	sk("SmackLabelIPOut", func(s *loader.Socket) string { return s.SmackLabelIPOut }),
	rt("ControlPID", "0"),
	rt("Result", "success"),
	rt("NConnections", "0"),
	rt("NAccepted", "0"),
	rt("NRefused", "0"),
	{name: "FileDescriptorName", get: func(u *loader.Unit, _ *State) string { return u.FDName() }},
	skInt("SocketProtocol", func(s *loader.Socket) int64 { return int64(s.SocketProtocol) }),
	skUsec("TriggerLimitIntervalUSec", func(s *loader.Socket) uint64 { return s.TriggerLimitIntervalUSec }),
	skUint("TriggerLimitBurst", func(s *loader.Socket) uint64 { return uint64(s.TriggerLimitBurst) }),
	rt("UID", "[not set]"),
	rt("GID", "[not set]"),
	socketExecProps("ExecStartPre", func(s *loader.Socket) []unit.ExecCommand { return s.ExecStartPre }),
	socketExecProps("ExecStartPost", func(s *loader.Socket) []unit.ExecCommand { return s.ExecStartPost }),
	socketExecProps("ExecStopPre", func(s *loader.Socket) []unit.ExecCommand { return s.ExecStopPre }),
	socketExecProps("ExecStopPost", func(s *loader.Socket) []unit.ExecCommand { return s.ExecStopPost }),
}
