package props

import (
	"github.com/gosd/gosd/loader"
	"github.com/gosd/gosd/unit"
)

// socketProps is org.freedesktop.systemd1.Socket. systemd 252 has no
// ...Ex variant of a socket's command lists, only the plain one.
var socketProps = []prop{
	{name: "BindIPv6Only", get: func(s *loader.Socket) string { return s.BindIPv6Only }},
	{name: "Backlog", get: func(s *loader.Socket) string { return u64(uint64(s.Backlog)) }},
	{name: "TimeoutUSec", get: func(s *loader.Socket) string { return usec(s.TimeoutUSec) }},
	{name: "BindToDevice", get: func(s *loader.Socket) string { return s.BindToDevice }},
	{name: "SocketUser", get: func(s *loader.Socket) string { return s.SocketUser }},
	{name: "SocketGroup", get: func(s *loader.Socket) string { return s.SocketGroup }},
	{name: "SocketMode", get: func(s *loader.Socket) string { return octal(s.SocketMode) }},
	{name: "DirectoryMode", get: func(s *loader.Socket) string { return octal(s.DirectoryMode) }},
	{name: "Accept", get: func(s *loader.Socket) bool { return s.Accept }},
	{name: "FlushPending", get: func(s *loader.Socket) bool { return s.FlushPending }},
	{name: "Writable", get: func(s *loader.Socket) bool { return s.Writable }},
	{name: "KeepAlive", get: func(s *loader.Socket) bool { return s.KeepAlive }},
	{name: "KeepAliveTimeUSec", get: func(s *loader.Socket) string { return usec(s.KeepAliveTimeUSec) }},
	{name: "KeepAliveIntervalUSec", get: func(s *loader.Socket) string { return usec(s.KeepAliveIntervalUSec) }},
	{name: "KeepAliveProbes", get: func(s *loader.Socket) string { return u64(uint64(s.KeepAliveProbes)) }},
	{name: "DeferAcceptUSec", get: func(s *loader.Socket) string { return usec(s.DeferAcceptUSec) }},
	{name: "NoDelay", get: func(s *loader.Socket) bool { return s.NoDelay }},
	{name: "Priority", get: func(s *loader.Socket) string { return i64(int64(s.Priority)) }},
	{name: "ReceiveBuffer", get: func(s *loader.Socket) string { return u64(s.ReceiveBuffer) }},
	{name: "SendBuffer", get: func(s *loader.Socket) string { return u64(s.SendBuffer) }},
	{name: "IPTOS", get: func(s *loader.Socket) string { return i64(int64(s.IPTOS)) }},
	{name: "IPTTL", get: func(s *loader.Socket) string { return i64(int64(s.IPTTL)) }},
	{name: "PipeSize", get: func(s *loader.Socket) string { return u64(s.PipeSize) }},
	{name: "FreeBind", get: func(s *loader.Socket) bool { return s.FreeBind }},
	{name: "Transparent", get: func(s *loader.Socket) bool { return s.Transparent }},
	{name: "Broadcast", get: func(s *loader.Socket) bool { return s.Broadcast }},
	{name: "PassCredentials", get: func(s *loader.Socket) bool { return s.PassCredentials }},
	{name: "PassSecurity", get: func(s *loader.Socket) bool { return s.PassSecurity }},
	{name: "PassPacketInfo", get: func(s *loader.Socket) bool { return s.PassPacketInfo }},
	{name: "Timestamping", get: func(s *loader.Socket) string { return s.Timestamping }},
	{name: "RemoveOnStop", get: func(s *loader.Socket) bool { return s.RemoveOnStop }},
	{name: "Listen", get: func(u *loader.Unit, _ *State) []string {
		var out []string
		for _, p := range u.Socket.Ports {
			out = append(out, p.String())
		}
		return out
	}},
	{name: "Symlinks", get: func(s *loader.Socket) string { return shellQuoteList(s.Symlinks) }},
	{name: "Mark", get: func(s *loader.Socket) string { return i64(int64(s.Mark)) }},
	{name: "MaxConnections", get: func(s *loader.Socket) string { return u64(uint64(s.MaxConnections)) }},
	{name: "MaxConnectionsPerSource", get: func(s *loader.Socket) string { return u64(uint64(s.MaxConnectionsPerSource)) }},
	{name: "MessageQueueMaxMessages", get: func(s *loader.Socket) string { return i64(s.MessageQueueMaxMessages) }},
	{name: "MessageQueueMessageSize", get: func(s *loader.Socket) string { return i64(s.MessageQueueMessageSize) }},
	{name: "TCPCongestion", get: func(s *loader.Socket) string { return s.TCPCongestion }},
	{name: "ReusePort", get: func(s *loader.Socket) bool { return s.ReusePort }},
	{name: "SmackLabel", get: func(s *loader.Socket) string { return s.SmackLabel }},
	{name: "SmackLabelIPIn", get: func(s *loader.Socket) string { return s.SmackLabelIPIn }},
	{name: "SmackLabelIPOut", get: func(s *loader.Socket) string { return s.SmackLabelIPOut }},
	{name: "ControlPID", get: "0", runtime: true},
	{name: "Result", get: "success", runtime: true},
	{name: "NConnections", get: "0", runtime: true},
	{name: "NAccepted", get: "0", runtime: true},
	{name: "NRefused", get: "0", runtime: true},
	{name: "FileDescriptorName", get: func(u *loader.Unit, _ *State) string { return u.FDName() }},
	{name: "SocketProtocol", get: func(s *loader.Socket) string { return i64(int64(s.SocketProtocol)) }},
	{name: "TriggerLimitIntervalUSec", get: func(s *loader.Socket) string { return usec(s.TriggerLimitIntervalUSec) }},
	{name: "TriggerLimitBurst", get: func(s *loader.Socket) string { return u64(uint64(s.TriggerLimitBurst)) }},
	{name: "UID", get: "[not set]", runtime: true},
	{name: "GID", get: "[not set]", runtime: true},
	{name: "ExecStartPre", get: commands{list: func(u *loader.Unit) []unit.ExecCommand { return u.Socket.ExecStartPre }}},
	{name: "ExecStartPost", get: commands{list: func(u *loader.Unit) []unit.ExecCommand { return u.Socket.ExecStartPost }}},
	{name: "ExecStopPre", get: commands{list: func(u *loader.Unit) []unit.ExecCommand { return u.Socket.ExecStopPre }}},
	{name: "ExecStopPost", get: commands{list: func(u *loader.Unit) []unit.ExecCommand { return u.Socket.ExecStopPost }}},
}
