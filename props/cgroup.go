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

//go:noinline
func cgProp(name string, get func(c *loader.CGroupContext) string) prop {
	return prop{name: name, get: func(u *loader.Unit, _ *State) string { return get(u.CGroup) }}
}

//go:noinline
func cgMulti(name string, get func(c *loader.CGroupContext) []string) prop {
	return prop{name: name, multi: func(u *loader.Unit, _ *State) []string { return get(u.CGroup) }}
}

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

//go:noinline
func ioLimits(kind int) prop {
	return cgMulti(loader.IOLimitNames[kind], func(c *loader.CGroupContext) []string {
		var out []string
		for _, l := range c.IODeviceLimits {
			if l.Limits[kind] != loader.Infinity {
				out = append(out, l.Path+" "+u64(l.Limits[kind]))
			}
		}
		return out
	})
}

//go:noinline
func blockIOBandwidth(name string, read bool) prop {
	return cgMulti(name, func(c *loader.CGroupContext) []string {
		var out []string
		for _, b := range c.BlockIODeviceBandwidth {
			v := b.Write
			if read {
				v = b.Read
			}
			if v != loader.Infinity {
				out = append(out, b.Path+" "+u64(v))
			}
		}
		return out
	})
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
	cgProp("Slice", func(c *loader.CGroupContext) string { return c.Slice }),
	rt("ControlGroup", ""),
	rt("ControlGroupId", "0"),
	rt("MemoryCurrent", "[not set]"),
	rt("MemoryAvailable", "infinity"),
	rt("CPUUsageNSec", "[not set]"),
	rt("EffectiveCPUs", ""),
	rt("EffectiveMemoryNodes", ""),
	rt("TasksCurrent", "[not set]"),
	rt("IPIngressBytes", "[no data]"),
	rt("IPIngressPackets", "[no data]"),
	rt("IPEgressBytes", "[no data]"),
	rt("IPEgressPackets", "[no data]"),
	rt("IOReadBytes", "18446744073709551615"),
	rt("IOReadOperations", "18446744073709551615"),
	rt("IOWriteBytes", "18446744073709551615"),
	rt("IOWriteOperations", "18446744073709551615"),
	cgProp("Delegate", func(c *loader.CGroupContext) string { return yesno(c.Delegate) }),
	cgProp("DelegateControllers", func(c *loader.CGroupContext) string {
		if !c.Delegate {
			return ""
		}
		return words(c.DelegateControllers.Names())
	}),
	cgProp("CPUAccounting", func(c *loader.CGroupContext) string { return yesno(c.CPUAccounting) }),
	cgProp("CPUWeight", func(c *loader.CGroupContext) string { return weight(c.CPUWeight, true) }),
	cgProp("StartupCPUWeight", func(c *loader.CGroupContext) string { return weight(c.StartupCPUWeight, true) }),
	cgProp("CPUShares", func(c *loader.CGroupContext) string { return weight(c.CPUShares, false) }),
	cgProp("StartupCPUShares", func(c *loader.CGroupContext) string { return weight(c.StartupCPUShares, false) }),
	cgProp("CPUQuotaPerSecUSec", func(c *loader.CGroupContext) string { return usec(c.CPUQuotaPerSecUSec) }),
	cgProp("CPUQuotaPeriodUSec", func(c *loader.CGroupContext) string { return usec(c.CPUQuotaPeriodUSec) }),
	cgProp("AllowedCPUs", func(c *loader.CGroupContext) string { return c.AllowedCPUs.RangeString() }),
	cgProp("StartupAllowedCPUs", func(c *loader.CGroupContext) string { return cpuSetHex(c.StartupAllowedCPUs) }),
	cgProp("AllowedMemoryNodes", func(c *loader.CGroupContext) string { return c.AllowedMemoryNodes.RangeString() }),
	cgProp("StartupAllowedMemoryNodes", func(c *loader.CGroupContext) string { return cpuSetHex(c.StartupAllowedMemoryNodes) }),
	cgProp("IOAccounting", func(c *loader.CGroupContext) string { return yesno(c.IOAccounting) }),
	cgProp("IOWeight", func(c *loader.CGroupContext) string { return weight(c.IOWeight, false) }),
	cgProp("StartupIOWeight", func(c *loader.CGroupContext) string { return weight(c.StartupIOWeight, false) }),
	cgMulti("IODeviceWeight", func(c *loader.CGroupContext) []string { return deviceValues(c.IODeviceWeight, u64) }),
	ioLimits(loader.IOReadBandwidthMax),
	ioLimits(loader.IOWriteBandwidthMax),
	ioLimits(loader.IOReadIOPSMax),
	ioLimits(loader.IOWriteIOPSMax),
	cgMulti("IODeviceLatencyTargetUSec", func(c *loader.CGroupContext) []string {
		return deviceValues(c.IODeviceLatencyTarget, func(v uint64) string { return unit.FormatTimespan(v, 1) })
	}),
	cgProp("BlockIOAccounting", func(c *loader.CGroupContext) string { return yesno(c.BlockIOAccounting) }),
	cgProp("BlockIOWeight", func(c *loader.CGroupContext) string { return weight(c.BlockIOWeight, false) }),
	cgProp("StartupBlockIOWeight", func(c *loader.CGroupContext) string { return weight(c.StartupBlockIOWeight, false) }),
	cgMulti("BlockIODeviceWeight", func(c *loader.CGroupContext) []string { return deviceValues(c.BlockIODeviceWeight, u64) }),
	blockIOBandwidth("BlockIOReadBandwidth", true),
	blockIOBandwidth("BlockIOWriteBandwidth", false),
	cgProp("MemoryAccounting", func(c *loader.CGroupContext) string { return yesno(c.MemoryAccounting) }),
	cgProp("DefaultMemoryLow", func(c *loader.CGroupContext) string { return limit(c.DefaultMemoryLow) }),
	cgProp("DefaultMemoryMin", func(c *loader.CGroupContext) string { return limit(c.DefaultMemoryMin) }),
	cgProp("MemoryMin", func(c *loader.CGroupContext) string { return limit(c.MemoryMin) }),
	cgProp("MemoryLow", func(c *loader.CGroupContext) string { return limit(c.MemoryLow) }),
	cgProp("MemoryHigh", func(c *loader.CGroupContext) string { return limit(c.MemoryHigh) }),
	cgProp("MemoryMax", func(c *loader.CGroupContext) string { return limit(c.MemoryMax) }),
	cgProp("MemorySwapMax", func(c *loader.CGroupContext) string { return limit(c.MemorySwapMax) }),
	cgProp("MemoryLimit", func(c *loader.CGroupContext) string { return limit(c.MemoryLimit) }),
	cgProp("DevicePolicy", func(c *loader.CGroupContext) string { return c.DevicePolicy }),
	cgMulti("DeviceAllow", func(c *loader.CGroupContext) []string {
		out := make([]string, 0, len(c.DeviceAllow))
		for _, d := range c.DeviceAllow {
			out = append(out, d.Path+" "+d.Access)
		}
		return out
	}),
	cgProp("TasksAccounting", func(c *loader.CGroupContext) string { return yesno(c.TasksAccounting) }),
	// TasksMax= relative to the kernel's task limit is resolved against
	// the limit this process sees (loader.SystemTasksMax), as systemd
	// resolves it when the property is read.
	cgProp("TasksMax", func(c *loader.CGroupContext) string { return limit(c.TasksMax.Resolve(loader.SystemTasksMax())) }),
	cgProp("IPAccounting", func(c *loader.CGroupContext) string { return yesno(c.IPAccounting) }),
	cgProp("IPAddressAllow", func(c *loader.CGroupContext) string { return prefixes(c.IPAddressAllow) }),
	cgProp("IPAddressDeny", func(c *loader.CGroupContext) string { return prefixes(c.IPAddressDeny) }),
	cgProp("IPIngressFilterPath", func(c *loader.CGroupContext) string { return shellQuoteList(c.IPIngressFilterPath) }),
	cgProp("IPEgressFilterPath", func(c *loader.CGroupContext) string { return shellQuoteList(c.IPEgressFilterPath) }),
	cgProp("DisableControllers", func(c *loader.CGroupContext) string { return words(c.DisableControllers.Names()) }),
	cgProp("ManagedOOMSwap", func(c *loader.CGroupContext) string { return c.ManagedOOMSwap }),
	cgProp("ManagedOOMMemoryPressure", func(c *loader.CGroupContext) string { return c.ManagedOOMMemoryPressure }),
	cgProp("ManagedOOMMemoryPressureLimit", func(c *loader.CGroupContext) string {
		return u64(uint64(c.ManagedOOMMemoryPressureLimit))
	}),
	cgProp("ManagedOOMPreference", func(c *loader.CGroupContext) string { return c.ManagedOOMPreference }),
	cgMulti("BPFProgram", func(c *loader.CGroupContext) []string {
		out := make([]string, 0, len(c.BPFProgram))
		for _, p := range c.BPFProgram {
			out = append(out, p.AttachType+":"+p.Path)
		}
		return out
	}),
	cgMulti("SocketBindAllow", func(c *loader.CGroupContext) []string { return socketBinds(c.SocketBindAllow) }),
	cgMulti("SocketBindDeny", func(c *loader.CGroupContext) []string { return socketBinds(c.SocketBindDeny) }),
	// systemd keeps the interface names in a hash set; gosd prints them
	// in the order they were given.
	cgProp("RestrictNetworkInterfaces", func(c *loader.CGroupContext) string {
		s := strings.Join(c.RestrictNetworkInterfaces, " ")
		if !c.RestrictNetworkInterfacesAllow {
			s = "~" + s
		}
		return s
	}),
}

// prefixes prints IP address prefixes as "ADDRESS/LENGTH", space-separated.
func prefixes(l []netip.Prefix) string {
	out := make([]string, 0, len(l))
	for _, p := range l {
		out = append(out, p.String())
	}
	return strings.Join(out, " ")
}
