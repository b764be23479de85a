package props

import (
	"encoding/hex"
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/gosd/gosd/loader"
	"github.com/gosd/gosd/unit"
)

// weight prints a weight or share as systemctl does: "[not set]" when
// unset, and for CPU weights "idle" for 0.
func weight(v uint64, idle bool) string {
	switch {
	case v == loader.CGroupUnset:
		return "[not set]"
	case idle && v == 0:
		return "idle"
	}
	return u64(v)
}

// limit prints a byte or task limit: "infinity" for none.
func limit(v uint64) string {
	if v == loader.Infinity {
		return "infinity"
	}
	return u64(v)
}

// cpuSetHex prints a CPU set as systemctl prints a byte array it has no
// special rule for (StartupAllowedCPUs= in systemd 252): in hex.
func cpuSetHex(c loader.CGroupCPUSet) string { return hex.EncodeToString(c) }

func deviceValues(l []loader.DeviceValue, format func(uint64) string) []string {
	out := make([]string, 0, len(l))
	for _, d := range l {
		out = append(out, d.Path+" "+format(d.Value))
	}
	return out
}

// ioLimit is one of the IO limits (loader.IOReadBandwidthMax, ...) as a
// property: one line per device that has that limit.
type ioLimit int

func (kind ioLimit) values(c *loader.CGroupContext) []string {
	var out []string
	for _, l := range c.IODeviceLimits {
		if l.Limits[kind] != loader.Infinity {
			out = append(out, l.Path+" "+u64(l.Limits[kind]))
		}
	}
	return out
}

// blockIOBandwidth is BlockIOReadBandwidth (read) or BlockIOWriteBandwidth:
// one line per device that has a limit.
type blockIOBandwidth struct{ read bool }

func (bw blockIOBandwidth) values(c *loader.CGroupContext) []string {
	var out []string
	for _, b := range c.BlockIODeviceBandwidth {
		v := b.Write
		if bw.read {
			v = b.Read
		}
		if v != loader.Infinity {
			out = append(out, b.Path+" "+u64(v))
		}
	}
	return out
}

// socketBinds prints SocketBindAllow=/SocketBindDeny= entries as
// systemctl 252 does, which omits the colon after the protocol
// ("ipv4:tcp80").
func socketBinds(l []loader.SocketBind) []string {
	out := make([]string, 0, len(l))
	for _, b := range l {
		s := ""
		if b.Family != 0 {
			s = "ipv" + strconv.Itoa(b.Family) + ":"
		}
		s += b.Protocol
		switch b.NPorts {
		case 0:
			s += "any"
		case 1:
			s += strconv.Itoa(int(b.PortMin))
		default:
			s += fmt.Sprintf("%d-%d", b.PortMin, int(b.PortMin)+int(b.NPorts)-1)
		}
		out = append(out, s)
	}
	return out
}

// cgroupProps is the cgroup part of the unit type's interface (Slice and
// the run-time counters) followed by org.freedesktop.systemd1's cgroup
// context properties, in systemd 252's order. Array properties of
// structures (IODeviceWeight=, DeviceAllow=, ...) are printed once per
// entry and not at all when empty, as systemctl does.
var cgroupProps = []prop{
	{name: "Slice", get: func(c *loader.CGroupContext) string { return c.Slice }},
	{name: "ControlGroup", get: "", runtime: true},
	{name: "ControlGroupId", get: "0", runtime: true},
	{name: "MemoryCurrent", get: "[not set]", runtime: true},
	{name: "MemoryAvailable", get: "infinity", runtime: true},
	{name: "CPUUsageNSec", get: "[not set]", runtime: true},
	{name: "EffectiveCPUs", get: "", runtime: true},
	{name: "EffectiveMemoryNodes", get: "", runtime: true},
	{name: "TasksCurrent", get: "[not set]", runtime: true},
	{name: "IPIngressBytes", get: "[no data]", runtime: true},
	{name: "IPIngressPackets", get: "[no data]", runtime: true},
	{name: "IPEgressBytes", get: "[no data]", runtime: true},
	{name: "IPEgressPackets", get: "[no data]", runtime: true},
	{name: "IOReadBytes", get: "18446744073709551615", runtime: true},
	{name: "IOReadOperations", get: "18446744073709551615", runtime: true},
	{name: "IOWriteBytes", get: "18446744073709551615", runtime: true},
	{name: "IOWriteOperations", get: "18446744073709551615", runtime: true},
	{name: "Delegate", get: func(c *loader.CGroupContext) bool { return c.Delegate }},
	{name: "DelegateControllers", get: func(c *loader.CGroupContext) string {
		if !c.Delegate {
			return ""
		}
		return words(c.DelegateControllers.Names())
	}},
	{name: "CPUAccounting", get: func(c *loader.CGroupContext) bool { return c.CPUAccounting }},
	{name: "CPUWeight", get: func(c *loader.CGroupContext) string { return weight(c.CPUWeight, true) }},
	{name: "StartupCPUWeight", get: func(c *loader.CGroupContext) string { return weight(c.StartupCPUWeight, true) }},
	{name: "CPUShares", get: func(c *loader.CGroupContext) string { return weight(c.CPUShares, false) }},
	{name: "StartupCPUShares", get: func(c *loader.CGroupContext) string { return weight(c.StartupCPUShares, false) }},
	{name: "CPUQuotaPerSecUSec", get: func(c *loader.CGroupContext) string { return usec(c.CPUQuotaPerSecUSec) }},
	{name: "CPUQuotaPeriodUSec", get: func(c *loader.CGroupContext) string { return usec(c.CPUQuotaPeriodUSec) }},
	{name: "AllowedCPUs", get: func(c *loader.CGroupContext) string { return c.AllowedCPUs.RangeString() }},
	{name: "StartupAllowedCPUs", get: func(c *loader.CGroupContext) string { return cpuSetHex(c.StartupAllowedCPUs) }},
	{name: "AllowedMemoryNodes", get: func(c *loader.CGroupContext) string { return c.AllowedMemoryNodes.RangeString() }},
	{name: "StartupAllowedMemoryNodes", get: func(c *loader.CGroupContext) string { return cpuSetHex(c.StartupAllowedMemoryNodes) }},
	{name: "IOAccounting", get: func(c *loader.CGroupContext) bool { return c.IOAccounting }},
	{name: "IOWeight", get: func(c *loader.CGroupContext) string { return weight(c.IOWeight, false) }},
	{name: "StartupIOWeight", get: func(c *loader.CGroupContext) string { return weight(c.StartupIOWeight, false) }},
	{name: "IODeviceWeight", get: func(c *loader.CGroupContext) []string { return deviceValues(c.IODeviceWeight, u64) }},
	{name: "IOReadBandwidthMax", get: ioLimit(loader.IOReadBandwidthMax)},
	{name: "IOWriteBandwidthMax", get: ioLimit(loader.IOWriteBandwidthMax)},
	{name: "IOReadIOPSMax", get: ioLimit(loader.IOReadIOPSMax)},
	{name: "IOWriteIOPSMax", get: ioLimit(loader.IOWriteIOPSMax)},
	{name: "IODeviceLatencyTargetUSec", get: func(c *loader.CGroupContext) []string {
		return deviceValues(c.IODeviceLatencyTarget, func(v uint64) string { return unit.FormatTimespan(v, 1) })
	}},
	{name: "BlockIOAccounting", get: func(c *loader.CGroupContext) bool { return c.BlockIOAccounting }},
	{name: "BlockIOWeight", get: func(c *loader.CGroupContext) string { return weight(c.BlockIOWeight, false) }},
	{name: "StartupBlockIOWeight", get: func(c *loader.CGroupContext) string { return weight(c.StartupBlockIOWeight, false) }},
	{name: "BlockIODeviceWeight", get: func(c *loader.CGroupContext) []string { return deviceValues(c.BlockIODeviceWeight, u64) }},
	{name: "BlockIOReadBandwidth", get: blockIOBandwidth{read: true}},
	{name: "BlockIOWriteBandwidth", get: blockIOBandwidth{read: false}},
	{name: "MemoryAccounting", get: func(c *loader.CGroupContext) bool { return c.MemoryAccounting }},
	{name: "DefaultMemoryLow", get: func(c *loader.CGroupContext) string { return limit(c.DefaultMemoryLow) }},
	{name: "DefaultMemoryMin", get: func(c *loader.CGroupContext) string { return limit(c.DefaultMemoryMin) }},
	{name: "MemoryMin", get: func(c *loader.CGroupContext) string { return limit(c.MemoryMin) }},
	{name: "MemoryLow", get: func(c *loader.CGroupContext) string { return limit(c.MemoryLow) }},
	{name: "MemoryHigh", get: func(c *loader.CGroupContext) string { return limit(c.MemoryHigh) }},
	{name: "MemoryMax", get: func(c *loader.CGroupContext) string { return limit(c.MemoryMax) }},
	{name: "MemorySwapMax", get: func(c *loader.CGroupContext) string { return limit(c.MemorySwapMax) }},
	{name: "MemoryLimit", get: func(c *loader.CGroupContext) string { return limit(c.MemoryLimit) }},
	{name: "DevicePolicy", get: func(c *loader.CGroupContext) string { return c.DevicePolicy }},
	{name: "DeviceAllow", get: func(c *loader.CGroupContext) []string {
		out := make([]string, 0, len(c.DeviceAllow))
		for _, d := range c.DeviceAllow {
			out = append(out, d.Path+" "+d.Access)
		}
		return out
	}},
	{name: "TasksAccounting", get: func(c *loader.CGroupContext) bool { return c.TasksAccounting }},
	// TasksMax= relative to the kernel's task limit is resolved against
	// the limit this process sees (loader.SystemTasksMax), as systemd
	// resolves it when the property is read.
	{name: "TasksMax", get: func(c *loader.CGroupContext) string { return limit(c.TasksMax.Resolve(loader.SystemTasksMax())) }},
	{name: "IPAccounting", get: func(c *loader.CGroupContext) bool { return c.IPAccounting }},
	{name: "IPAddressAllow", get: func(c *loader.CGroupContext) string { return prefixes(c.IPAddressAllow) }},
	{name: "IPAddressDeny", get: func(c *loader.CGroupContext) string { return prefixes(c.IPAddressDeny) }},
	{name: "IPIngressFilterPath", get: func(c *loader.CGroupContext) string { return shellQuoteList(c.IPIngressFilterPath) }},
	{name: "IPEgressFilterPath", get: func(c *loader.CGroupContext) string { return shellQuoteList(c.IPEgressFilterPath) }},
	{name: "DisableControllers", get: func(c *loader.CGroupContext) string { return words(c.DisableControllers.Names()) }},
	{name: "ManagedOOMSwap", get: func(c *loader.CGroupContext) string { return c.ManagedOOMSwap }},
	{name: "ManagedOOMMemoryPressure", get: func(c *loader.CGroupContext) string { return c.ManagedOOMMemoryPressure }},
	{name: "ManagedOOMMemoryPressureLimit", get: func(c *loader.CGroupContext) string {
		return u64(uint64(c.ManagedOOMMemoryPressureLimit))
	}},
	{name: "ManagedOOMPreference", get: func(c *loader.CGroupContext) string { return c.ManagedOOMPreference }},
	{name: "BPFProgram", get: func(c *loader.CGroupContext) []string {
		out := make([]string, 0, len(c.BPFProgram))
		for _, p := range c.BPFProgram {
			out = append(out, p.AttachType+":"+p.Path)
		}
		return out
	}},
	{name: "SocketBindAllow", get: func(c *loader.CGroupContext) []string { return socketBinds(c.SocketBindAllow) }},
	{name: "SocketBindDeny", get: func(c *loader.CGroupContext) []string { return socketBinds(c.SocketBindDeny) }},
	// systemd keeps the interface names in a hash set; gosd prints them
	// in the order they were given.
	{name: "RestrictNetworkInterfaces", get: func(c *loader.CGroupContext) string {
		s := strings.Join(c.RestrictNetworkInterfaces, " ")
		if !c.RestrictNetworkInterfacesAllow {
			s = "~" + s
		}
		return s
	}},
}

// prefixes prints IP address prefixes as "ADDRESS/LENGTH", space-separated.
func prefixes(l []netip.Prefix) string {
	out := make([]string, 0, len(l))
	for _, p := range l {
		out = append(out, p.String())
	}
	return strings.Join(out, " ")
}
