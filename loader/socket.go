package loader

import (
	"errors"
	"fmt"
	"math"
	"net/netip"
	"os"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"unicode/utf8"

	"github.com/gosd/gosd/unit"
)

// Socket holds the [Socket] settings (systemd.socket(5), systemd 252).
// Time spans are in microseconds.
type Socket struct {
	// Ports are the Listen*= settings in file order; an empty Listen*=
	// of any kind removes all of them.
	Ports []SocketPort

	SocketProtocol int    // 0, or IPPROTO_SCTP (132) / IPPROTO_UDPLITE (136)
	BindIPv6Only   string // "default", "both" or "ipv6-only"
	Backlog        uint32
	BindToDevice   string
	SocketUser     string
	SocketGroup    string
	SocketMode     uint32
	DirectoryMode  uint32

	Accept                  bool
	FlushPending            bool
	Writable                bool
	MaxConnections          uint32
	MaxConnectionsPerSource uint32
	KeepAlive               bool
	KeepAliveTimeUSec       uint64
	KeepAliveIntervalUSec   uint64
	KeepAliveProbes         uint32
	DeferAcceptUSec         uint64
	NoDelay                 bool
	Priority                int32 // -1: not set
	ReceiveBuffer           uint64
	SendBuffer              uint64
	IPTOS                   int32 // -1: not set
	IPTTL                   int32 // -1: not set
	Mark                    int32 // -1: not set
	PipeSize                uint64
	FreeBind                bool
	Transparent             bool
	Broadcast               bool
	PassCredentials         bool
	PassSecurity            bool
	PassPacketInfo          bool
	Timestamping            string // "off", "us" or "ns"
	TCPCongestion           string
	ReusePort               bool
	MessageQueueMaxMessages int64
	MessageQueueMessageSize int64
	RemoveOnStop            bool
	Symlinks                []string
	// FileDescriptorName is the name passed in $LISTEN_FDNAMES; "" means
	// the socket unit's name (see FDName).
	FileDescriptorName    string
	SmackLabel            string
	SmackLabelIPIn        string
	SmackLabelIPOut       string
	SELinuxContextFromNet bool
	// Service is the unit Service= names ("" when not set); the unit the
	// socket activates is its Triggers= dependency.
	Service string

	TimeoutUSec uint64
	// The trigger limit is unset (Infinity, MaxUint32) until the unit is
	// loaded; then systemd's defaults fill in (2s; 20, or 200 with
	// Accept=yes). An explicit "infinity" counts as unset, as in systemd.
	TriggerLimitIntervalUSec uint64
	TriggerLimitBurst        uint32

	ExecStartPre  []unit.ExecCommand
	ExecStartPost []unit.ExecCommand
	ExecStopPre   []unit.ExecCommand
	ExecStopPost  []unit.ExecCommand
}

// SocketPort is one Listen*= setting.
type SocketPort struct {
	// Kind names the setting as systemd's Listen= property does: Stream,
	// Datagram, SequentialPacket, Netlink, FIFO, Special, MessageQueue or
	// USBFunction.
	Kind string
	// Path is the file system path of FIFO, Special, MessageQueue and
	// USBFunction ports (simplified); the others have Address.
	Path    string
	Address SocketAddress
}

// SocketAddress is a parsed socket address of ListenStream=,
// ListenDatagram=, ListenSequentialPacket= or ListenNetlink=.
type SocketAddress struct {
	Family int // syscall.AF_UNIX, AF_INET, AF_INET6, AF_NETLINK or AF_VSOCK (40)
	// Unix is the AF_UNIX path as written; an abstract socket starts
	// with '@'.
	Unix string
	// IP, Port and IfIndex are the AF_INET/AF_INET6 address; IfIndex is
	// the IPv6 scope (0: none).
	IP      netip.Addr
	Port    uint16
	IfIndex int
	// CID and VSockPort are the AF_VSOCK address (CID 0xffffffff: any).
	CID, VSockPort uint32
	// NetlinkFamily is the protocol (NETLINK_ROUTE, ...), NetlinkGroups the
	// multicast group mask.
	NetlinkFamily int
	NetlinkGroups uint32
}

// Defaults of systemd 252's socket_init() and the manager.
const (
	socketBacklogDefault      = math.MaxInt32 // SOMAXCONN_DELUXE
	socketMaxConnsDefault     = 64
	socketDefaultTimeout      = 90_000_000 // DefaultTimeoutStartSec=
	triggerLimitIntervalUnset = Infinity
	triggerLimitBurstUnset    = math.MaxUint32
	vmaddrCIDAny              = math.MaxUint32
	ipprotoSCTP               = 132
	ipprotoUDPLite            = 136
	afVSock                   = 40 // AF_VSOCK, which package syscall lacks
)

func newSocket() *Socket {
	return &Socket{
		BindIPv6Only:             "default",
		Backlog:                  socketBacklogDefault,
		SocketMode:               0o666,
		DirectoryMode:            0o755,
		MaxConnections:           socketMaxConnsDefault,
		Priority:                 -1,
		IPTOS:                    -1,
		IPTTL:                    -1,
		Mark:                     -1,
		Timestamping:             "off",
		TimeoutUSec:              socketDefaultTimeout,
		TriggerLimitIntervalUSec: triggerLimitIntervalUnset,
		TriggerLimitBurst:        triggerLimitBurstUnset,
	}
}

// FDName is the name the socket's file descriptors are passed under.
func (u *Unit) FDName() string {
	if u.Socket != nil && u.Socket.FileDescriptorName != "" {
		return u.Socket.FileDescriptorName
	}
	return u.ID
}

// String prints the address as systemd's Listen= property does.
func (a SocketAddress) String() string {
	switch a.Family {
	case syscall.AF_UNIX:
		if strings.HasPrefix(a.Unix, "@") {
			return "@" + unit.CEscape(a.Unix[1:])
		}
		return unit.CEscape(a.Unix)
	case syscall.AF_INET:
		return a.IP.String() + ":" + strconv.Itoa(int(a.Port))
	case syscall.AF_INET6:
		s := "[" + trigFormatIPv6(a.IP) + "]:" + strconv.Itoa(int(a.Port))
		if a.IfIndex != 0 {
			s += "%" + trigIfName(a.IfIndex)
		}
		return s
	case afVSock:
		if a.CID == vmaddrCIDAny {
			return fmt.Sprintf("vsock::%d", a.VSockPort)
		}
		return fmt.Sprintf("vsock:%d:%d", a.CID, a.VSockPort)
	case syscall.AF_NETLINK:
		return socketNetlinkName(a.NetlinkFamily) + " " + strconv.FormatUint(uint64(a.NetlinkGroups), 10)
	}
	return ""
}

// String prints the port as the value of systemd's Listen= property:
// "ADDRESS (KIND)".
func (p SocketPort) String() string {
	if p.Path != "" {
		return p.Path + " (" + p.Kind + ")"
	}
	return p.Address.String() + " (" + p.Kind + ")"
}

// fsPath returns the file system path of the port (a FIFO, a special
// file, a USB function or a non-abstract AF_UNIX socket), or "".
func (p SocketPort) fsPath() string {
	switch p.Kind {
	case "FIFO", "Special", "USBFunction":
		return p.Path
	case "Stream", "Datagram", "SequentialPacket":
		if p.Address.Family == syscall.AF_UNIX && strings.HasPrefix(p.Address.Unix, "/") {
			return p.Address.Unix
		}
	}
	return ""
}

// canAccept reports whether Accept=yes can work with the port.
func (p SocketPort) canAccept() bool {
	return p.Kind == "Stream" || p.Kind == "SequentialPacket"
}

var socketDirectives = []directive{
	{in: secSocket, name: "ListenStream", parse: parseFunc(parseSocketListen)},
	{in: secSocket, name: "ListenDatagram", parse: parseFunc(parseSocketListen)},
	{in: secSocket, name: "ListenSequentialPacket", parse: parseFunc(parseSocketListen)},
	{in: secSocket, name: "ListenFIFO", parse: parseFunc(parseSocketListen)},
	{in: secSocket, name: "ListenNetlink", parse: parseFunc(parseSocketListen)},
	{in: secSocket, name: "ListenSpecial", parse: parseFunc(parseSocketListen)},
	{in: secSocket, name: "ListenMessageQueue", parse: parseFunc(parseSocketListen)},
	{in: secSocket, name: "ListenUSBFunction", parse: parseFunc(parseSocketListen),
		unsupported: "gosd does not set up USB FunctionFS endpoints"},
	{in: secSocket, name: "SocketProtocol", parse: parseFunc(func(u *Unit, o *unit.Option) error {
		// A protocol name (any case) or number; only SCTP and UDP-Lite
		// are accepted.
		var p int64
		switch strings.ToLower(o.Value) {
		case "udplite":
			p = ipprotoUDPLite
		case "sctp":
			p = ipprotoSCTP
		default:
			p, _ = trigStrtol(o.Value, 32)
		}
		if p != ipprotoSCTP && p != ipprotoUDPLite {
			return fmt.Errorf("Failed to parse socket protocol, ignoring: %s", o.Value)
		}
		u.Socket.SocketProtocol = int(p)
		return nil
	})},
	{in: secSocket, name: "BindIPv6Only", parse: parseFunc(func(u *Unit, o *unit.Option) error {
		switch o.Value {
		case "default", "both", "ipv6-only":
			u.Socket.BindIPv6Only = o.Value
			return nil
		}
		b, err := unit.ParseBool(o.Value)
		if err != nil {
			return fmt.Errorf("Failed to parse bind IPv6 only value, ignoring: %s", o.Value)
		}
		u.Socket.BindIPv6Only = "both"
		if b {
			u.Socket.BindIPv6Only = "ipv6-only"
		}
		return nil
	})},
	{in: secSocket, name: "Backlog", parse: uintField(func(u *Unit) *uint32 { return &u.Socket.Backlog })},
	{in: secSocket, name: "BindToDevice", parse: parseFunc(func(u *Unit, o *unit.Option) error {
		if o.Value == "" || o.Value == "*" {
			u.Socket.BindToDevice = ""
			return nil
		}
		if !trigIfNameValid(o.Value, false) {
			return fmt.Errorf("Invalid interface name, ignoring: %s", o.Value)
		}
		u.Socket.BindToDevice = o.Value
		return nil
	})},
	{in: secSocket, name: "ExecStartPre", parse: execField(func(u *Unit) *[]unit.ExecCommand { return &u.Socket.ExecStartPre })},
	{in: secSocket, name: "ExecStartPost", parse: execField(func(u *Unit) *[]unit.ExecCommand { return &u.Socket.ExecStartPost })},
	{in: secSocket, name: "ExecStopPre", parse: execField(func(u *Unit) *[]unit.ExecCommand { return &u.Socket.ExecStopPre })},
	{in: secSocket, name: "ExecStopPost", parse: execField(func(u *Unit) *[]unit.ExecCommand { return &u.Socket.ExecStopPost })},
	{in: secSocket, name: "TimeoutSec", parse: secFix0Field(func(u *Unit) *uint64 { return &u.Socket.TimeoutUSec })},
	{in: secSocket, name: "SocketUser", parse: userGroupField(func(s *Socket) *string { return &s.SocketUser })},
	{in: secSocket, name: "SocketGroup", parse: userGroupField(func(s *Socket) *string { return &s.SocketGroup })},
	{in: secSocket, name: "SocketMode", parse: modeField(func(u *Unit) *uint32 { return &u.Socket.SocketMode })},
	{in: secSocket, name: "DirectoryMode", parse: modeField(func(u *Unit) *uint32 { return &u.Socket.DirectoryMode })},
	{in: secSocket, name: "Accept", parse: boolField(func(u *Unit) *bool { return &u.Socket.Accept })},
	{in: secSocket, name: "FlushPending", parse: boolField(func(u *Unit) *bool { return &u.Socket.FlushPending })},
	{in: secSocket, name: "Writable", parse: boolField(func(u *Unit) *bool { return &u.Socket.Writable })},
	{in: secSocket, name: "MaxConnections", parse: uintField(func(u *Unit) *uint32 { return &u.Socket.MaxConnections })},
	{in: secSocket, name: "MaxConnectionsPerSource", parse: uintField(func(u *Unit) *uint32 { return &u.Socket.MaxConnectionsPerSource })},
	{in: secSocket, name: "KeepAlive", parse: boolField(func(u *Unit) *bool { return &u.Socket.KeepAlive })},
	{in: secSocket, name: "KeepAliveTimeSec", parse: secField(func(u *Unit) *uint64 { return &u.Socket.KeepAliveTimeUSec })},
	{in: secSocket, name: "KeepAliveIntervalSec", parse: secField(func(u *Unit) *uint64 { return &u.Socket.KeepAliveIntervalUSec })},
	{in: secSocket, name: "KeepAliveProbes", parse: uintField(func(u *Unit) *uint32 { return &u.Socket.KeepAliveProbes })},
	{in: secSocket, name: "DeferAcceptSec", parse: secField(func(u *Unit) *uint64 { return &u.Socket.DeferAcceptUSec })},
	{in: secSocket, name: "NoDelay", parse: boolField(func(u *Unit) *bool { return &u.Socket.NoDelay })},
	{in: secSocket, name: "Priority", parse: intField(func(u *Unit) *int32 { return &u.Socket.Priority })},
	{in: secSocket, name: "ReceiveBuffer", parse: sizeField(func(u *Unit) *uint64 { return &u.Socket.ReceiveBuffer })},
	{in: secSocket, name: "SendBuffer", parse: sizeField(func(u *Unit) *uint64 { return &u.Socket.SendBuffer })},
	{in: secSocket, name: "IPTOS", parse: parseFunc(func(u *Unit, o *unit.Option) error {
		v, ok := socketIPTOS(o.Value)
		if !ok {
			return fmt.Errorf("Failed to parse IP TOS value, ignoring: %s", o.Value)
		}
		u.Socket.IPTOS = v
		return nil
	})},
	{in: secSocket, name: "IPTTL", parse: intField(func(u *Unit) *int32 { return &u.Socket.IPTTL })},
	{in: secSocket, name: "Mark", parse: intField(func(u *Unit) *int32 { return &u.Socket.Mark })},
	{in: secSocket, name: "PipeSize", parse: sizeField(func(u *Unit) *uint64 { return &u.Socket.PipeSize })},
	{in: secSocket, name: "FreeBind", parse: boolField(func(u *Unit) *bool { return &u.Socket.FreeBind })},
	{in: secSocket, name: "Transparent", parse: boolField(func(u *Unit) *bool { return &u.Socket.Transparent })},
	{in: secSocket, name: "Broadcast", parse: boolField(func(u *Unit) *bool { return &u.Socket.Broadcast })},
	{in: secSocket, name: "PassCredentials", parse: boolField(func(u *Unit) *bool { return &u.Socket.PassCredentials })},
	{in: secSocket, name: "PassSecurity", parse: boolField(func(u *Unit) *bool { return &u.Socket.PassSecurity })},
	{in: secSocket, name: "PassPacketInfo", parse: boolField(func(u *Unit) *bool { return &u.Socket.PassPacketInfo })},
	{in: secSocket, name: "Timestamping", parse: parseFunc(func(u *Unit, o *unit.Option) error {
		switch o.Value {
		case "off":
			u.Socket.Timestamping = "off"
		case "us", "usec", "µs", "μs":
			u.Socket.Timestamping = "us"
		case "ns", "nsec":
			u.Socket.Timestamping = "ns"
		default:
			b, err := unit.ParseBool(o.Value)
			if err != nil {
				return fmt.Errorf("Failed to parse timestamping precision, ignoring: %s", o.Value)
			}
			// systemd takes a plain "yes" as nanosecond precision.
			u.Socket.Timestamping = "off"
			if b {
				u.Socket.Timestamping = "ns"
			}
		}
		return nil
	})},
	{in: secSocket, name: "TCPCongestion", parse: parseFunc(func(u *Unit, o *unit.Option) error {
		u.Socket.TCPCongestion = o.Value
		return nil
	})},
	{in: secSocket, name: "ReusePort", parse: boolField(func(u *Unit) *bool { return &u.Socket.ReusePort })},
	{in: secSocket, name: "MessageQueueMaxMessages", parse: longField(func(s *Socket) *int64 { return &s.MessageQueueMaxMessages })},
	{in: secSocket, name: "MessageQueueMessageSize", parse: longField(func(s *Socket) *int64 { return &s.MessageQueueMessageSize })},
	{in: secSocket, name: "RemoveOnStop", parse: boolField(func(u *Unit) *bool { return &u.Socket.RemoveOnStop })},
	{in: secSocket, name: "Symlinks", parse: parseFunc(parseSocketSymlinks)},
	{in: secSocket, name: "FileDescriptorName", parse: parseFunc(func(u *Unit, o *unit.Option) error {
		if o.Value == "" {
			u.Socket.FileDescriptorName = ""
			return nil
		}
		v, err := u.spec.Expand(o.Value)
		if err != nil {
			return fmt.Errorf("Failed to resolve unit specifiers in %s, ignoring: %v", o.Value, err)
		}
		if !socketFDNameValid(v) {
			return fmt.Errorf("Invalid file descriptor name, ignoring: %s", v)
		}
		u.Socket.FileDescriptorName = v
		return nil
	})},
	{in: secSocket, name: "Service", parse: parseFunc(parseSocketService)},
	{in: secSocket, name: "TriggerLimitIntervalSec", parse: secField(func(u *Unit) *uint64 { return &u.Socket.TriggerLimitIntervalUSec })},
	{in: secSocket, name: "TriggerLimitBurst", parse: uintField(func(u *Unit) *uint32 { return &u.Socket.TriggerLimitBurst })},
	{in: secSocket, name: "SmackLabel", parse: stringField(func(u *Unit) *string { return &u.Socket.SmackLabel }), unsupported: "SELinux/AppArmor/SMACK labels are not applied"},
	{in: secSocket, name: "SmackLabelIPIn", parse: stringField(func(u *Unit) *string { return &u.Socket.SmackLabelIPIn }), unsupported: "SELinux/AppArmor/SMACK labels are not applied"},
	{in: secSocket, name: "SmackLabelIPOut", parse: stringField(func(u *Unit) *string { return &u.Socket.SmackLabelIPOut }), unsupported: "SELinux/AppArmor/SMACK labels are not applied"},
	{in: secSocket, name: "SELinuxContextFromNet", parse: boolField(func(u *Unit) *bool { return &u.Socket.SELinuxContextFromNet }), unsupported: "SELinux/AppArmor/SMACK labels are not applied"},
}

// parseSocketListen is systemd's config_parse_socket_listen(): an empty
// value removes every port; others are appended in file order.
func parseSocketListen(u *Unit, o *unit.Option) error {
	s := u.Socket
	if o.Value == "" {
		s.Ports = nil
		return nil
	}
	kind := strings.TrimPrefix(o.Name, "Listen")
	switch kind {
	case "FIFO", "Special", "MessageQueue", "USBFunction":
		p, err := u.spec.ExpandPath(o.Value)
		if err != nil {
			return fmt.Errorf("Failed to resolve unit specifiers in '%s', ignoring: %v", o.Value, err)
		}
		p, msg := trigSimplifyPath(o.Name, p)
		if msg != "" {
			return errors.New(msg)
		}
		s.Ports = append(s.Ports, SocketPort{Kind: kind, Path: p})
		return nil
	}
	v, err := u.spec.ExpandPath(o.Value)
	if err != nil {
		return fmt.Errorf("Failed to resolve unit specifiers in '%s', ignoring: %v", o.Value, err)
	}
	var a SocketAddress
	if kind == "Netlink" {
		a, err = parseNetlinkAddress(v)
	} else {
		a, err = ParseSocketAddress(v)
		if err == nil && a.Family == syscall.AF_INET6 && !trigIPv6Supported() {
			u.diagWarn(o, "Binding to IPv6 address not available since kernel does not support IPv6.")
			return nil
		}
	}
	if err != nil {
		return fmt.Errorf("Failed to parse address value in '%s', ignoring: %s", v, trigErrText(err))
	}
	if kind == "SequentialPacket" && a.Family != syscall.AF_UNIX {
		return fmt.Errorf("Address family not supported, ignoring: %s", o.Value)
	}
	s.Ports = append(s.Ports, SocketPort{Kind: kind, Address: a})
	return nil
}

// ParseSocketAddress parses a ListenStream=-style address as systemd 252's
// socket_address_parse() does: "/path", "@abstract", "vsock:CID:PORT",
// a bare port (IPv6 "any" when the kernel has IPv6, else IPv4 "any"),
// "IPv4:PORT", "[IPv6]:PORT", each optionally followed by "%IFNAME".
// Errors are syscall.Errno values (EINVAL, ERANGE, ENAMETOOLONG, ENODEV).
func ParseSocketAddress(s string) (SocketAddress, error) {
	if strings.HasPrefix(s, "/") || strings.HasPrefix(s, "@") {
		const sunPath = 108
		if len(s) < 2 {
			return SocketAddress{}, syscall.EINVAL
		}
		if len(s)+1 > sunPath {
			if s[0] == '@' {
				return SocketAddress{}, syscall.EINVAL
			}
			return SocketAddress{}, syscall.ENAMETOOLONG
		}
		return SocketAddress{Family: syscall.AF_UNIX, Unix: s}, nil
	}
	if rest, ok := strings.CutPrefix(s, "vsock:"); ok {
		cid, port, ok := strings.Cut(rest, ":")
		if !ok {
			return SocketAddress{}, syscall.EINVAL
		}
		p, err := trigStrtoul(port, 32)
		if err != nil {
			return SocketAddress{}, err
		}
		c := uint64(vmaddrCIDAny)
		if cid != "" {
			if c, err = trigStrtoul(cid, 32); err != nil {
				return SocketAddress{}, err
			}
		}
		return SocketAddress{Family: afVSock, CID: uint32(c), VSockPort: uint32(p)}, nil
	}
	port, err := socketParsePort(s)
	if err == syscall.ERANGE {
		return SocketAddress{}, err
	}
	if err == nil {
		if trigIPv6Supported() {
			return SocketAddress{Family: syscall.AF_INET6, IP: netip.IPv6Unspecified(), Port: port}, nil
		}
		return SocketAddress{Family: syscall.AF_INET, IP: netip.IPv4Unspecified(), Port: port}, nil
	}
	return socketParseIPPort(s)
}

// socketParsePort is systemd's parse_ip_port(): 1..65535, C syntax.
func socketParsePort(s string) (uint16, error) {
	if s != "" && strings.ContainsRune(" \t\n\r", rune(s[0])) {
		return 0, syscall.EINVAL
	}
	v, err := trigStrtoul(s, 16)
	if err != nil {
		return 0, err
	}
	if v == 0 {
		return 0, syscall.EINVAL
	}
	return uint16(v), nil
}

// socketParseIPPort parses "IPv4:PORT" or "[IPv6]:PORT" with an optional
// "%IFNAME" (systemd's in_addr_port_ifindex_name_from_string_auto()).
func socketParseIPPort(s string) (SocketAddress, error) {
	if strings.Contains(s, "#") {
		return SocketAddress{}, syscall.EINVAL
	}
	ifindex := 0
	if i := strings.IndexByte(s, '%'); i >= 0 {
		name := s[i+1:]
		if name == "" || !trigIfNameValid(name, true) {
			return SocketAddress{}, syscall.EINVAL
		}
		if n, err := strconv.Atoi(name); err == nil && n > 0 {
			ifindex = n
		} else if n, err := ifIndex(name); err == nil {
			ifindex = n
		} else {
			return SocketAddress{}, syscall.ENODEV
		}
		s = s[:i]
	}
	var a SocketAddress
	colon := strings.LastIndexByte(s, ':')
	switch {
	case colon < 0:
		return SocketAddress{}, syscall.EINVAL // an address without port
	case s[0] == '[':
		if s[colon-1] != ']' {
			return SocketAddress{}, syscall.EINVAL
		}
		p, err := socketParsePort(s[colon+1:])
		if err != nil {
			return SocketAddress{}, err
		}
		ip, err := netip.ParseAddr(s[1 : colon-1])
		if err != nil || !ip.Is6() || ip.Zone() != "" {
			return SocketAddress{}, syscall.EINVAL
		}
		a = SocketAddress{Family: syscall.AF_INET6, IP: ip, Port: p, IfIndex: ifindex}
	default:
		if ip, err := netip.ParseAddr(s); err == nil && ip.Is6() && ip.Zone() == "" {
			return SocketAddress{}, syscall.EINVAL // IPv6 without port
		}
		ip, err := netip.ParseAddr(s[:colon])
		if err != nil || !ip.Is4() {
			return SocketAddress{}, syscall.EINVAL
		}
		p, err := socketParsePort(s[colon+1:])
		if err != nil {
			return SocketAddress{}, err
		}
		// systemd keeps no interface for IPv4 addresses.
		a = SocketAddress{Family: syscall.AF_INET, IP: ip, Port: p}
	}
	return a, nil
}

// socketNetlinkFamilies are the names systemd gives netlink protocols, by
// number ("" for none).
var socketNetlinkFamilies = [...]string{
	0: "route", 3: "firewall", 4: "inet-diag", 5: "nflog", 6: "xfrm", 7: "selinux",
	8: "iscsi", 9: "audit", 10: "fib-lookup", 11: "connector", 12: "netfilter",
	13: "ip6-fw", 14: "dnrtmsg", 15: "kobject-uevent", 16: "generic",
	18: "scsitransport", 19: "ecryptfs", 20: "rdma",
}

func socketNetlinkName(n int) string {
	if n >= 0 && n < len(socketNetlinkFamilies) && socketNetlinkFamilies[n] != "" {
		return socketNetlinkFamilies[n]
	}
	return strconv.Itoa(n)
}

// parseNetlinkAddress parses ListenNetlink=: "FAMILY [GROUP]", where
// FAMILY is a name or number.
func parseNetlinkAddress(s string) (SocketAddress, error) {
	w, rest, ok, err := unit.ExtractWord(s, "", 0)
	if err != nil || !ok {
		return SocketAddress{}, syscall.EINVAL
	}
	fam := -1
	if w != "" {
		fam = slices.Index(socketNetlinkFamilies[:], w)
	}
	if fam < 0 {
		v, err := trigStrtoul(w, 32)
		if err != nil || v > math.MaxInt32 {
			return SocketAddress{}, syscall.EINVAL
		}
		fam = int(v)
	}
	var group uint64
	if rest != "" {
		if group, err = trigStrtoul(rest, 32); err != nil {
			return SocketAddress{}, err
		}
	}
	return SocketAddress{Family: syscall.AF_NETLINK, NetlinkFamily: fam, NetlinkGroups: uint32(group)}, nil
}

// socketIPTOS parses IPTOS=: a name or a number 0..255.
func socketIPTOS(s string) (int32, bool) {
	switch s {
	case "low-delay":
		return 0x10, true
	case "throughput":
		return 0x08, true
	case "reliability":
		return 0x04, true
	case "low-cost":
		return 0x02, true
	}
	v, err := trigStrtoul(s, 32)
	if err != nil || v > 0xff {
		return 0, false
	}
	return int32(v), true
}

// userGroupField is systemd's config_parse_user_group_compat(): a user
// or group name (relaxed rules) or a numeric ID; a bad one is fatal.
type userGroupField func(s *Socket) *string

func (field userGroupField) parse(u *Unit, o *unit.Option) error {
	f := field(u.Socket)
	if o.Value == "" {
		*f = ""
		return nil
	}
	v, err := u.spec.Expand(o.Value)
	if err != nil {
		return fatal(fmt.Errorf("Failed to resolve unit specifiers in %s: %v", o.Value, err))
	}
	if !trigUserGroupNameValid(v) {
		return fatal(fmt.Errorf("Invalid user/group name or numeric ID: %s", v))
	}
	if o.Name == "SocketUser" && v == "nobody" {
		u.diagWarn(o, "Special user nobody configured, this is not safe!")
	}
	*f = v
	return nil
}

// trigUserGroupNameValid is systemd's valid_user_group_name() with
// VALID_USER_RELAX|VALID_USER_ALLOW_NUMERIC.
func trigUserGroupNameValid(s string) bool {
	if s == "" {
		return false
	}
	if n, err := strconv.ParseUint(s, 10, 32); err == nil && s[0] != '+' {
		return n != 65535 && n != math.MaxUint32
	}
	if strings.HasPrefix(s, " ") || strings.HasSuffix(s, " ") || !utf8.ValidString(s) {
		return false
	}
	for _, c := range []byte(s) {
		if c < ' ' || c == 127 || c == ':' {
			return false
		}
	}
	digits := strings.Trim(s, "0123456789")
	if digits == "" || digits == "-" && s[0] == '-' {
		return false
	}
	return s != "." && s != ".."
}

// parseSocketSymlinks is systemd's config_parse_unit_path_strv_printf():
// a list of absolute paths; an empty value resets it; the first bad
// word ends the line.
func parseSocketSymlinks(u *Unit, o *unit.Option) error {
	if o.Value == "" {
		u.Socket.Symlinks = nil
		return nil
	}
	return eachWord(o, o.Value, unit.ExtractUnquote, func(word string) error {
		p, err := u.spec.ExpandPath(word)
		if err != nil {
			return fmt.Errorf("Failed to resolve unit specifiers in '%s', ignoring: %v", word, err)
		}
		p, msg := trigSimplifyPath(o.Name, p)
		if msg != "" {
			return errors.New(msg)
		}
		u.Socket.Symlinks = append(u.Socket.Symlinks, p)
		return nil
	})
}

// socketFDNameValid is systemd's fdname_is_valid(): printable ASCII
// without ':', at most 255 bytes.
func socketFDNameValid(s string) bool {
	for _, c := range []byte(s) {
		if c < ' ' || c >= 127 || c == ':' {
			return false
		}
	}
	return len(s) <= 255
}

// parseSocketService is systemd's config_parse_socket_service(): every
// error in Service= is fatal.
func parseSocketService(u *Unit, o *unit.Option) error {
	name, err := u.spec.ExpandName(o.Value)
	if err != nil {
		return fatal(fmt.Errorf("Failed to resolve unit specifiers in %s: %v", o.Value, err))
	}
	if !strings.HasSuffix(name, ".service") {
		return fatal(fmt.Errorf("Unit must be of type service: %s", o.Value))
	}
	if !unit.IsValidName(name) || unit.IsTemplate(name) {
		return fatal(fmt.Errorf("Failed to load unit %s: Unit name %s is not valid.", o.Value, name))
	}
	u.Socket.Service = name
	return nil
}

// socketExtras adds what systemd 252's socket_add_extras() and
// socket_add_default_dependencies() add, then refuses the unit as
// socket_verify() does.
func (u *Unit) socketExtras(s *Set) {
	sk := u.Socket
	if sk.TriggerLimitIntervalUSec == triggerLimitIntervalUnset {
		sk.TriggerLimitIntervalUSec = 2_000_000
	}
	if sk.TriggerLimitBurst == triggerLimitBurstUnset {
		sk.TriggerLimitBurst = 20
		if sk.Accept {
			sk.TriggerLimitBurst = 200
		}
	}
	nonAccept := !sk.Accept
	for _, p := range sk.Ports {
		if !p.canAccept() {
			nonAccept = true
		}
	}
	if nonAccept {
		svc := sk.Service
		if svc == "" {
			svc = trigRelatedName(u.ID, ".service")
		}
		u.addDep(Before, svc)
		u.addDep(Triggers, svc)
	}
	for _, p := range sk.Ports {
		if f := p.fsPath(); f != "" {
			trigRequireMountsFor(u, f)
		}
	}
	if d := sk.BindToDevice; d != "" && d != "lo" {
		if dev, err := unit.PathEscape("/sys/subsystem/net/devices/" + d); err == nil {
			u.addDep(BindsTo, dev+".device")
			u.addDep(After, dev+".device")
		}
	}
	if u.Unit.DefaultDependencies {
		u.addDep(Before, socketsTarget)
		u.addSystemDefaults()
	}
	if msg := u.socketRefusal(); msg != "" {
		trigRefuse(u, msg)
	}
}

// socketRefusal is systemd's socket_verify(): why the unit is refused
// ("" when it is not). The PAMName= check of systemd lives with the exec
// context's verification.
func (u *Unit) socketRefusal() string {
	sk := u.Socket
	if len(sk.Ports) == 0 {
		return "Unit has no Listen setting (ListenStream=, ListenDatagram=, ListenFIFO=, ...). Refusing."
	}
	if sk.Accept {
		for _, p := range sk.Ports {
			if !p.canAccept() {
				return "Unit configured for accepting sockets, but sockets are non-accepting. Refusing."
			}
		}
		if sk.MaxConnections == 0 {
			return "MaxConnection= setting too small. Refusing."
		}
		if sk.Service != "" {
			return "Explicit service configuration for accepting socket units not supported. Refusing."
		}
	}
	if len(sk.Symlinks) > 0 {
		n := 0
		for _, p := range sk.Ports {
			if p.Kind == "FIFO" || p.Path == "" && p.fsPath() != "" {
				n++
			}
		}
		if n != 1 {
			return "Unit has symlinks set but none or more than one node in the file system. Refusing."
		}
	}
	return ""
}

// Helpers shared by the socket, timer, path and mount directive tables.

// trigRefuse marks u bad-setting with systemd's unit-level message.
func trigRefuse(u *Unit, msg string) {
	u.Diags = append(u.Diags, &unit.Diag{File: u.ID, Msg: msg})
	u.LoadState = StateBadSetting
	u.LoadError = fatal(errors.New(msg))
}

// trigRelatedName is systemd's unit_load_related_unit() naming: the
// unit's own name with another suffix.
func trigRelatedName(id, suffix string) string {
	return strings.TrimSuffix(id, "."+unit.NameType(id)) + suffix
}

// trigRequireMountsFor is systemd's unit_require_mounts_for() as far as
// gosd keeps it: the path is recorded in RequiresMountsFor=; gosd adds no
// dependencies on mount units.
func trigRequireMountsFor(u *Unit, p string) {
	p = unit.PathSimplify(p)
	if !strings.HasPrefix(p, "/") || slices.Contains(strings.Split(p, "/"), "..") {
		return // systemd refuses paths that are not absolute and normalized
	}
	u.Unit.RequiresMountsFor = appendUnique(u.Unit.RequiresMountsFor, p)
}

// trigSimplifyPath is systemd's path_simplify_and_warn() with
// PATH_CHECK_ABSOLUTE: the simplified path, or the warning for a bad one.
func trigSimplifyPath(lvalue, p string) (string, string) {
	if !strings.HasPrefix(p, "/") {
		return "", lvalue + "= path is not absolute, ignoring: " + p
	}
	p = unit.PathSimplify(p)
	if len(p) >= 4096 {
		return "", fmt.Sprintf("%s= path has invalid length (%d bytes), ignoring.", lvalue, len(p))
	}
	for _, c := range strings.Split(p, "/") {
		if len(c) > 255 {
			return "", fmt.Sprintf("%s= path has invalid length (%d bytes), ignoring.", lvalue, len(p))
		}
		if c == ".." {
			return "", lvalue + "= path is not normalized, ignoring: " + p
		}
	}
	return p, ""
}

// trigIPv6Supported is systemd's socket_ipv6_is_supported(): whether the
// running kernel has IPv6 (like systemd, gosd asks the kernel it runs on).
func trigIPv6Supported() bool {
	_, err := os.Stat("/proc/net/if_inet6")
	return err == nil
}

// trigIfNameValid is systemd's ifname_valid_full(); alt allows the
// longer alternative names and numeric indexes.
func trigIfNameValid(s string, alt bool) bool {
	if s == "" {
		return false
	}
	if n, err := strconv.Atoi(s); err == nil && n > 0 && s[0] != '+' && s[0] != '0' {
		return alt
	}
	max := 16
	if alt {
		max = 128
	}
	if len(s) >= max || s == "." || s == ".." || s == "all" || s == "default" {
		return false
	}
	numeric := true
	for _, c := range []byte(s) {
		if c >= 127 || c <= 32 || c == ':' || c == '/' || c == '%' {
			return false
		}
		numeric = numeric && c >= '0' && c <= '9'
	}
	return !numeric
}

// trigIfName names a network interface by index as systemd prints it
// (the index itself when there is no such interface here).
func trigIfName(idx int) string {
	if name, err := ifName(idx); err == nil {
		return name
	}
	return strconv.Itoa(idx)
}

// trigFormatIPv6 formats an IPv6 address as glibc's inet_ntop() does,
// which writes IPv4-compatible and IPv4-mapped addresses in dotted form.
func trigFormatIPv6(ip netip.Addr) string {
	b := ip.As16()
	zero := true
	for _, x := range b[:10] {
		zero = zero && x == 0
	}
	if zero && (b[10] == 0 && b[11] == 0 && (b[12] != 0 || b[13] != 0) || b[10] == 0xff && b[11] == 0xff) {
		prefix := "::"
		if b[10] == 0xff {
			prefix = "::ffff:"
		}
		return prefix + netip.AddrFrom4([4]byte{b[12], b[13], b[14], b[15]}).String()
	}
	return netip.AddrFrom16(b).String()
}

// trigErrText renders an error as glibc's %m does ("Invalid argument").
func trigErrText(err error) string {
	s := err.Error()
	if s != "" && s[0] >= 'a' && s[0] <= 'z' {
		s = string(s[0]-'a'+'A') + s[1:]
	}
	return s
}

// trigStrtoul is systemd's safe_atou()/safe_atou64() family: C strtoul()
// with base 0 ("0x" hex, "0o"/leading "0" octal, "0b" binary), leading
// blanks allowed, no trailing garbage, negative values refused (ERANGE),
// the result limited to bits.
func trigStrtoul(s string, bits int) (uint64, error) {
	mag, neg, err := trigStrto(s)
	if err != nil {
		return 0, err
	}
	if neg && mag != 0 {
		return 0, syscall.ERANGE
	}
	if bits < 64 && mag >= 1<<bits {
		return 0, syscall.ERANGE
	}
	return mag, nil
}

// trigStrtol is safe_atoi()/safe_atoli(): like trigStrtoul but signed.
func trigStrtol(s string, bits int) (int64, error) {
	mag, neg, err := trigStrto(s)
	if err != nil {
		return 0, err
	}
	limit := uint64(1) << (bits - 1)
	if !neg && mag >= limit || neg && mag > limit {
		return 0, syscall.ERANGE
	}
	if neg {
		return -int64(mag), nil
	}
	return int64(mag), nil
}

func trigStrto(s string) (mag uint64, neg bool, err error) {
	s = strings.TrimLeft(s, " \t\n\r\v\f")
	if s != "" && (s[0] == '+' || s[0] == '-') {
		neg = s[0] == '-'
		s = s[1:]
	}
	base := 10
	switch {
	case len(s) > 2 && (s[:2] == "0x" || s[:2] == "0X"):
		base, s = 16, s[2:]
	case len(s) > 2 && (s[:2] == "0o" || s[:2] == "0O"):
		base, s = 8, s[2:]
	case len(s) > 2 && (s[:2] == "0b" || s[:2] == "0B"):
		base, s = 2, s[2:]
	case len(s) > 1 && s[0] == '0':
		base = 8
	}
	if s == "" {
		return 0, false, syscall.EINVAL
	}
	for _, c := range []byte(s) {
		var d uint64
		switch {
		case c >= '0' && c <= '9':
			d = uint64(c - '0')
		case c >= 'a' && c <= 'f':
			d = uint64(c-'a') + 10
		case c >= 'A' && c <= 'F':
			d = uint64(c-'A') + 10
		default:
			return 0, false, syscall.EINVAL
		}
		if d >= uint64(base) {
			return 0, false, syscall.EINVAL
		}
		if mag > (math.MaxUint64-d)/uint64(base) {
			return 0, false, syscall.ERANGE
		}
		mag = mag*uint64(base) + d
	}
	return mag, neg, nil
}

// uintField is systemd's config_parse_unsigned().
type uintField func(u *Unit) *uint32

func (field uintField) parse(u *Unit, o *unit.Option) error {
	v, err := trigStrtoul(o.Value, 32)
	if err != nil {
		return fmt.Errorf("Failed to parse unsigned value, ignoring: %s", o.Value)
	}
	*field(u) = uint32(v)
	return nil
}

// intField is systemd's config_parse_int().
type intField func(u *Unit) *int32

func (field intField) parse(u *Unit, o *unit.Option) error {
	v, err := trigStrtol(o.Value, 32)
	if err != nil {
		return fmt.Errorf("Failed to parse int value, ignoring: %s", o.Value)
	}
	*field(u) = int32(v)
	return nil
}

// longField is systemd's config_parse_long() for the socket's message
// queue settings.
type longField func(s *Socket) *int64

func (field longField) parse(u *Unit, o *unit.Option) error {
	v, err := trigStrtol(o.Value, 64)
	if err != nil {
		return fmt.Errorf("Failed to parse long value, ignoring: %s", o.Value)
	}
	*field(u.Socket) = v
	return nil
}

// sizeField is systemd's config_parse_iec_size().
type sizeField func(u *Unit) *uint64

func (field sizeField) parse(u *Unit, o *unit.Option) error {
	v, err := unit.ParseSize(o.Value, 1024)
	if err == nil && o.Value == "infinity" {
		err = syscall.EINVAL // parse_size() itself does not know "infinity"
	}
	if err != nil {
		return fmt.Errorf("Failed to parse size value '%s', ignoring: %s", o.Value, trigErrText(err))
	}
	*field(u) = v
	return nil
}

// modeField is systemd's config_parse_mode(): an octal mode; no reset.
type modeField func(u *Unit) *uint32

func (field modeField) parse(u *Unit, o *unit.Option) error {
	v, err := unit.ParseMode(o.Value)
	if err != nil {
		return fmt.Errorf("Failed to parse mode value, ignoring: %s", o.Value)
	}
	*field(u) = v
	return nil
}

// secFix0Field is systemd's config_parse_sec_fix_0(): like secField, but
// 0 means infinity.
type secFix0Field func(u *Unit) *uint64

func (field secFix0Field) parse(u *Unit, o *unit.Option) error {
	v, err := parseSecFix0(o.Value)
	if err != nil {
		return fmt.Errorf("Failed to parse time value, ignoring: %s", o.Value)
	}
	*field(u) = v
	return nil
}

// stringField is systemd's config_parse_unit_string_printf().
type stringField func(u *Unit) *string

func (field stringField) parse(u *Unit, o *unit.Option) error {
	v, err := u.spec.Expand(o.Value)
	if err != nil {
		return fmt.Errorf("Failed to resolve unit specifiers in '%s', ignoring: %v", o.Value, err)
	}
	*field(u) = v
	return nil
}
