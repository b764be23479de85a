package props

import (
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"unsafe"

	"github.com/gosd/gosd/loader"
)

//go:noinline
func exProp(name string, get func(c *loader.ExecContext) string) prop {
	return prop{name: name, get: func(u *loader.Unit, _ *State) string { return get(u.ExecSettings()) }}
}

//go:noinline
func exBool(name string, get func(c *loader.ExecContext) bool) prop {
	return exProp(name, func(c *loader.ExecContext) string { return yesno(get(c)) })
}

//go:noinline
func exInt(name string, get func(c *loader.ExecContext) int) prop {
	return exProp(name, func(c *loader.ExecContext) string { return strconv.Itoa(get(c)) })
}

//go:noinline
func exMode(name string, get func(c *loader.ExecContext) uint32) prop {
	return exProp(name, func(c *loader.ExecContext) string { return fmt.Sprintf("%04o", get(c)) })
}

// exLimitOrder is the order of the Limit* properties.
var exLimitOrder = []int{loader.RlimitCPU, loader.RlimitFSIZE, loader.RlimitDATA, loader.RlimitSTACK, loader.RlimitCORE,
	loader.RlimitRSS, loader.RlimitNOFILE, loader.RlimitAS, loader.RlimitNPROC, loader.RlimitMEMLOCK, loader.RlimitLOCKS,
	loader.RlimitSIGPENDING, loader.RlimitMSGQUEUE, loader.RlimitNICE, loader.RlimitRTPRIO, loader.RlimitRTTIME}

func exLimits() []prop {
	var out []prop
	for _, res := range exLimitOrder {
		get := func(c *loader.ExecContext) loader.Rlimit {
			if l := c.Limits[res]; l != nil {
				return *l
			}
			return loader.ManagerRlimit(res)
		}
		format := func(v uint64) string {
			if v == loader.RlimInfinity {
				return "infinity"
			}
			return u64(v)
		}
		name := "Limit" + loader.RlimitName(res)
		out = append(out,
			exProp(name, func(c *loader.ExecContext) string { return format(get(c).Hard) }),
			exProp(name+"Soft", func(c *loader.ExecContext) string { return format(get(c).Soft) }))
	}
	return out
}

// execProps is the org.freedesktop.systemd1.Exec interface of systemd 252
// (dbus-execute.c) as systemctl show prints it; the properties systemctl
// cannot print (RootImageOptions, *DirectorySymlink) are left out as
// systemctl leaves them out. Settings that are not set show what the
// manager itself runs with (its nice level, limits, I/O class...): gosd
// reads its own, as systemd reads its own.
var execProps = exConcat(
	[]prop{
		exProp("Environment", func(c *loader.ExecContext) string { return shellQuoteList(c.Environment) }),
		{name: "EnvironmentFiles", multi: func(u *loader.Unit, _ *State) []string {
			var out []string
			for _, f := range u.ExecSettings().EnvironmentFiles {
				p, ignore := strings.CutPrefix(f, "-")
				out = append(out, p+" (ignore_errors="+yesno(ignore)+")")
			}
			return out
		}},
		exProp("PassEnvironment", func(c *loader.ExecContext) string { return shellQuoteList(c.PassEnvironment) }),
		exProp("UnsetEnvironment", func(c *loader.ExecContext) string { return shellQuoteList(c.UnsetEnvironment) }),
		exMode("UMask", func(c *loader.ExecContext) uint32 { return c.UMask }),
	},
	exLimits(),
	[]prop{
		exProp("WorkingDirectory", exWorkingDirectory),
		exProp("RootDirectory", func(c *loader.ExecContext) string { return c.RootDirectory }),
		exProp("RootImage", func(c *loader.ExecContext) string { return c.RootImage }),
		exProp("RootHash", func(c *loader.ExecContext) string { return hex.EncodeToString(c.RootHash) }),
		exProp("RootHashPath", func(c *loader.ExecContext) string { return c.RootHashPath }),
		exProp("RootHashSignature", func(c *loader.ExecContext) string { return base64.StdEncoding.EncodeToString(c.RootHashSignature) }),
		exProp("RootHashSignaturePath", func(c *loader.ExecContext) string { return c.RootHashSignaturePath }),
		exProp("RootVerity", func(c *loader.ExecContext) string { return c.RootVerity }),
		exProp("ExtensionDirectories", func(c *loader.ExecContext) string { return shellQuoteList(c.ExtensionDirectories) }),
		exProp("ExtensionImages", func(c *loader.ExecContext) string { return exImages(c.ExtensionImages, false) }),
		exProp("MountImages", func(c *loader.ExecContext) string { return exImages(c.MountImages, true) }),
		exProp("OOMScoreAdjust", func(c *loader.ExecContext) string {
			if c.OOMScoreAdjustSet {
				return strconv.Itoa(c.OOMScoreAdjust)
			}
			return strconv.Itoa(exOwnInt("/proc/self/oom_score_adj", 10, 0))
		}),
		exProp("CoredumpFilter", func(c *loader.ExecContext) string {
			if c.CoredumpFilterSet {
				return fmt.Sprintf("0x%x", c.CoredumpFilter)
			}
			return fmt.Sprintf("0x%x", exOwnInt("/proc/self/coredump_filter", 16, 0x33))
		}),
		exProp("Nice", func(c *loader.ExecContext) string {
			if c.NiceSet {
				return strconv.Itoa(c.Nice)
			}
			return strconv.Itoa(exOwnNice())
		}),
		exProp("IOSchedulingClass", func(c *loader.ExecContext) string { cl, _ := exIOPrio(c); return strconv.Itoa(cl) }),
		exProp("IOSchedulingPriority", func(c *loader.ExecContext) string { _, p := exIOPrio(c); return strconv.Itoa(p) }),
		exProp("CPUSchedulingPolicy", func(c *loader.ExecContext) string {
			if c.CPUSchedulingSet {
				return strconv.Itoa(c.CPUSchedulingPolicy)
			}
			return strconv.Itoa(exOwnSchedPolicy())
		}),
		exProp("CPUSchedulingPriority", func(c *loader.ExecContext) string {
			if c.CPUSchedulingSet {
				return strconv.Itoa(c.CPUSchedulingPriority)
			}
			return strconv.Itoa(exOwnSchedPriority())
		}),
		exProp("CPUAffinity", func(c *loader.ExecContext) string {
			if c.CPUAffinityFromNUMA {
				return exNUMACPUs(c.NUMAMask)
			}
			return c.CPUAffinity.String()
		}),
		exBool("CPUAffinityFromNUMA", func(c *loader.ExecContext) bool { return c.CPUAffinityFromNUMA }),
		exProp("NUMAPolicy", func(c *loader.ExecContext) string {
			names := []string{"default", "preferred", "bind", "interleave", "local"}
			if c.NUMAPolicy < 0 || c.NUMAPolicy >= len(names) {
				return "n/a"
			}
			return names[c.NUMAPolicy]
		}),
		exProp("NUMAMask", func(c *loader.ExecContext) string { return c.NUMAMask.String() }),
		exProp("TimerSlackNSec", func(c *loader.ExecContext) string {
			if c.TimerSlackNSec != loader.Infinity {
				return u64(c.TimerSlackNSec)
			}
			return u64(exOwnTimerSlack())
		}),
		exBool("CPUSchedulingResetOnFork", func(c *loader.ExecContext) bool { return c.CPUSchedulingResetOnFork }),
		// NonBlocking= is a [Service] setting that systemd keeps in the
		// exec context.
		{name: "NonBlocking", get: func(u *loader.Unit, _ *State) string { return yesno(u.Service != nil && u.Service.NonBlocking) }},
		exProp("StandardInput", func(c *loader.ExecContext) string { return c.StandardInput }),
		exProp("StandardInputFileDescriptorName", func(c *loader.ExecContext) string {
			return exFDName(c.StandardInput == "fd", c.StandardInputFDName, "stdin")
		}),
		exProp("StandardInputData", func(c *loader.ExecContext) string { return base64.StdEncoding.EncodeToString(c.StandardInputData) }),
		exProp("StandardOutput", func(c *loader.ExecContext) string { return c.StandardOutput }),
		exProp("StandardOutputFileDescriptorName", func(c *loader.ExecContext) string {
			return exFDName(c.StandardOutput == "fd", c.StandardOutputFDName, "stdout")
		}),
		exProp("StandardError", func(c *loader.ExecContext) string { return c.StandardError }),
		exProp("StandardErrorFileDescriptorName", func(c *loader.ExecContext) string {
			return exFDName(c.StandardError == "fd", c.StandardErrorFDName, "stderr")
		}),
		exProp("TTYPath", func(c *loader.ExecContext) string { return c.TTYPath }),
		exBool("TTYReset", func(c *loader.ExecContext) bool { return c.TTYReset }),
		exBool("TTYVHangup", func(c *loader.ExecContext) bool { return c.TTYVHangup }),
		exBool("TTYVTDisallocate", func(c *loader.ExecContext) bool { return c.TTYVTDisallocate }),
		// systemctl 252 cannot print these uint16 properties.
		{name: "TTYRows", get: constant("[unprintable]")},
		{name: "TTYColumns", get: constant("[unprintable]")},
		exInt("SyslogPriority", func(c *loader.ExecContext) int { return c.SyslogPriority }),
		exProp("SyslogIdentifier", func(c *loader.ExecContext) string { return c.SyslogIdentifier }),
		exBool("SyslogLevelPrefix", func(c *loader.ExecContext) bool { return c.SyslogLevelPrefix }),
		exInt("SyslogLevel", func(c *loader.ExecContext) int { return c.SyslogPriority & 7 }),
		exInt("SyslogFacility", func(c *loader.ExecContext) int { return c.SyslogPriority >> 3 }),
		exInt("LogLevelMax", func(c *loader.ExecContext) int { return c.LogLevelMax }),
		exProp("LogRateLimitIntervalUSec", func(c *loader.ExecContext) string { return usec(c.LogRateLimitIntervalUSec) }),
		exProp("LogRateLimitBurst", func(c *loader.ExecContext) string { return u64(uint64(c.LogRateLimitBurst)) }),
		exProp("LogExtraFields", func(c *loader.ExecContext) string { return words(c.LogExtraFields) }),
		exProp("LogNamespace", func(c *loader.ExecContext) string { return c.LogNamespace }),
		exInt("SecureBits", func(c *loader.ExecContext) int { return c.SecureBits }),
		exProp("CapabilityBoundingSet", func(c *loader.ExecContext) string { return exCapabilities(c.CapabilityBoundingSet) }),
		exProp("AmbientCapabilities", func(c *loader.ExecContext) string { return exCapabilities(c.AmbientCapabilities) }),
		exProp("User", func(c *loader.ExecContext) string { return c.User }),
		exProp("Group", func(c *loader.ExecContext) string { return c.Group }),
		exBool("DynamicUser", func(c *loader.ExecContext) bool { return c.DynamicUser }),
		exBool("RemoveIPC", func(c *loader.ExecContext) bool { return c.RemoveIPC }),
		// systemctl 252 cannot print these arrays of structures.
		{name: "SetCredential", get: constant("[unprintable]")},
		{name: "SetCredentialEncrypted", get: constant("[unprintable]")},
		{name: "LoadCredential", get: constant("[unprintable]")},
		{name: "LoadCredentialEncrypted", get: constant("[unprintable]")},
		exProp("SupplementaryGroups", func(c *loader.ExecContext) string { return shellQuoteList(c.SupplementaryGroups) }),
		exProp("PAMName", func(c *loader.ExecContext) string { return c.PAMName }),
		exProp("ReadWritePaths", func(c *loader.ExecContext) string { return shellQuoteList(c.ReadWritePaths) }),
		exProp("ReadOnlyPaths", func(c *loader.ExecContext) string { return shellQuoteList(c.ReadOnlyPaths) }),
		exProp("InaccessiblePaths", func(c *loader.ExecContext) string { return shellQuoteList(c.InaccessiblePaths) }),
		exProp("ExecPaths", func(c *loader.ExecContext) string { return shellQuoteList(c.ExecPaths) }),
		exProp("NoExecPaths", func(c *loader.ExecContext) string { return shellQuoteList(c.NoExecPaths) }),
		exProp("ExecSearchPath", func(c *loader.ExecContext) string { return shellQuoteList(c.ExecSearchPath) }),
		exProp("MountFlags", func(c *loader.ExecContext) string { return c.MountFlags }),
		exBool("PrivateTmp", func(c *loader.ExecContext) bool { return c.PrivateTmp }),
		exBool("PrivateDevices", func(c *loader.ExecContext) bool { return c.PrivateDevices }),
		exBool("ProtectClock", func(c *loader.ExecContext) bool { return c.ProtectClock }),
		exBool("ProtectKernelTunables", func(c *loader.ExecContext) bool { return c.ProtectKernelTunables }),
		exBool("ProtectKernelModules", func(c *loader.ExecContext) bool { return c.ProtectKernelModules }),
		exBool("ProtectKernelLogs", func(c *loader.ExecContext) bool { return c.ProtectKernelLogs }),
		exBool("ProtectControlGroups", func(c *loader.ExecContext) bool { return c.ProtectControlGroups }),
		exBool("PrivateNetwork", func(c *loader.ExecContext) bool { return c.PrivateNetwork }),
		exBool("PrivateUsers", func(c *loader.ExecContext) bool { return c.PrivateUsers }),
		exBool("PrivateMounts", func(c *loader.ExecContext) bool { return c.PrivateMounts }),
		exBool("PrivateIPC", func(c *loader.ExecContext) bool { return c.PrivateIPC }),
		exProp("ProtectHome", func(c *loader.ExecContext) string { return c.ProtectHome }),
		exProp("ProtectSystem", func(c *loader.ExecContext) string { return c.ProtectSystem }),
		exBool("SameProcessGroup", func(c *loader.ExecContext) bool { return c.SameProcessGroup }),
		exProp("UtmpIdentifier", func(c *loader.ExecContext) string { return c.UtmpIdentifier }),
		exProp("UtmpMode", func(c *loader.ExecContext) string { return c.UtmpMode }),
		exProp("SELinuxContext", func(c *loader.ExecContext) string { return exLabel(c.SELinuxContext, c.SELinuxContextIgnore) }),
		exProp("AppArmorProfile", func(c *loader.ExecContext) string { return exLabel(c.AppArmorProfile, c.AppArmorProfileIgnore) }),
		exProp("SmackProcessLabel", func(c *loader.ExecContext) string {
			return exLabel(c.SmackProcessLabel, c.SmackProcessLabelIgnore)
		}),
		exBool("IgnoreSIGPIPE", func(c *loader.ExecContext) bool { return c.IgnoreSIGPIPE }),
		exBool("NoNewPrivileges", func(c *loader.ExecContext) bool { return c.NoNewPrivileges }),
		exProp("SystemCallFilter", exSystemCallFilter),
		exProp("SystemCallArchitectures", func(c *loader.ExecContext) string { return shellQuoteList(c.SystemCallArchitectures) }),
		exInt("SystemCallErrorNumber", func(c *loader.ExecContext) int { return c.SystemCallErrorNumber }),
		exProp("SystemCallLog", func(c *loader.ExecContext) string {
			var l []string
			for n := range c.SystemCallLog {
				l = append(l, n)
			}
			return exAllowList(c.SystemCallLogAllowList, l)
		}),
		exProp("Personality", func(c *loader.ExecContext) string { return c.Personality }),
		exBool("LockPersonality", func(c *loader.ExecContext) bool { return c.LockPersonality }),
		exProp("RestrictAddressFamilies", func(c *loader.ExecContext) string {
			var l []string
			for n := range c.RestrictAddressFamilies {
				l = append(l, n)
			}
			return exAllowList(c.RestrictAddressFamiliesAllowList, l)
		}),
		exProp("RuntimeDirectoryPreserve", func(c *loader.ExecContext) string { return c.RuntimeDirectoryPreserve }),
		exMode("RuntimeDirectoryMode", func(c *loader.ExecContext) uint32 { return c.RuntimeDirectoryMode }),
		exProp("RuntimeDirectory", func(c *loader.ExecContext) string { return shellQuoteList(c.RuntimeDirectory) }),
		exMode("StateDirectoryMode", func(c *loader.ExecContext) uint32 { return c.StateDirectoryMode }),
		exProp("StateDirectory", func(c *loader.ExecContext) string { return shellQuoteList(c.StateDirectory) }),
		exMode("CacheDirectoryMode", func(c *loader.ExecContext) uint32 { return c.CacheDirectoryMode }),
		exProp("CacheDirectory", func(c *loader.ExecContext) string { return shellQuoteList(c.CacheDirectory) }),
		exMode("LogsDirectoryMode", func(c *loader.ExecContext) uint32 { return c.LogsDirectoryMode }),
		exProp("LogsDirectory", func(c *loader.ExecContext) string { return shellQuoteList(c.LogsDirectory) }),
		exMode("ConfigurationDirectoryMode", func(c *loader.ExecContext) uint32 { return c.ConfigurationDirectoryMode }),
		exProp("ConfigurationDirectory", func(c *loader.ExecContext) string { return shellQuoteList(c.ConfigurationDirectory) }),
		exProp("TimeoutCleanUSec", func(c *loader.ExecContext) string { return usec(c.TimeoutCleanUSec) }),
		exBool("MemoryDenyWriteExecute", func(c *loader.ExecContext) bool { return c.MemoryDenyWriteExecute }),
		exBool("RestrictRealtime", func(c *loader.ExecContext) bool { return c.RestrictRealtime }),
		exBool("RestrictSUIDSGID", func(c *loader.ExecContext) bool { return c.RestrictSUIDSGID }),
		exProp("RestrictNamespaces", exRestrictNamespaces),
		// Debian's systemd 252 is built without libbpf: it keeps the list
		// but always shows it empty.
		exProp("RestrictFileSystems", func(c *loader.ExecContext) string { return exAllowList(c.RestrictFileSystemsAllowList, nil) }),
		exProp("BindPaths", func(c *loader.ExecContext) string { return exBindPaths(c.BindPaths) }),
		exProp("BindReadOnlyPaths", func(c *loader.ExecContext) string { return exBindPaths(c.BindReadOnlyPaths) }),
		exProp("TemporaryFileSystem", func(c *loader.ExecContext) string {
			var l []string
			for _, t := range c.TemporaryFileSystem {
				s := t.Path
				if t.Options != "" {
					s += ":" + t.Options
				}
				l = append(l, s)
			}
			return words(l)
		}),
		exBool("MountAPIVFS", func(c *loader.ExecContext) bool { return c.EffectiveMountAPIVFS() }),
		exProp("KeyringMode", func(c *loader.ExecContext) string { return c.KeyringMode }),
		exProp("ProtectProc", func(c *loader.ExecContext) string { return c.ProtectProc }),
		exProp("ProcSubset", func(c *loader.ExecContext) string { return c.ProcSubset }),
		exBool("ProtectHostname", func(c *loader.ExecContext) bool { return c.ProtectHostname }),
		exProp("NetworkNamespacePath", func(c *loader.ExecContext) string { return c.NetworkNamespacePath }),
		exProp("IPCNamespacePath", func(c *loader.ExecContext) string { return c.IPCNamespacePath }),
	},
)

func exConcat(tables ...[]prop) []prop {
	var out []prop
	for _, t := range tables {
		out = append(out, t...)
	}
	return out
}

func exWorkingDirectory(c *loader.ExecContext) string {
	wd := c.WorkingDirectory
	if c.WorkingDirectoryHome {
		wd = "~"
	}
	if c.WorkingDirectoryMissingOK {
		wd = "!" + wd
	}
	return wd
}

func exFDName(isFD bool, name, def string) string {
	if !isFD {
		return ""
	}
	if name == "" {
		return def
	}
	return name
}

func exLabel(s string, ignore bool) string {
	if s == "" {
		return ""
	}
	if ignore {
		return "-" + s
	}
	return s
}

// exAllowList formats the (bas) properties: "~" before a deny list, then
// the names sorted.
func exAllowList(allow bool, l []string) string {
	sort.Strings(l)
	s := strings.Join(l, " ")
	if !allow {
		return "~" + s
	}
	return s
}

func exSystemCallFilter(c *loader.ExecContext) string {
	var l []string
	for n, e := range c.SystemCallFilter {
		switch {
		case e < 0:
			l = append(l, n)
		case c.SystemCallFilterAllowList:
			// an allow-list entry with an errno is denied: not shown
		case e == loader.SeccompKill:
			l = append(l, n+":kill")
		case loader.ErrnoName(e) != "":
			l = append(l, n+":"+loader.ErrnoName(e))
		default:
			l = append(l, n+":"+strconv.Itoa(e))
		}
	}
	return exAllowList(c.SystemCallFilterAllowList, l)
}

func exRestrictNamespaces(c *loader.ExecContext) string {
	v := c.RestrictNamespaces
	switch {
	case v&loader.NamespacesAll == 0:
		return "yes"
	case v&loader.NamespacesAll == loader.NamespacesAll:
		return "no"
	}
	var l []string
	for _, n := range loader.NamespaceNames() {
		if v&n.Flag == n.Flag {
			l = append(l, n.Name)
		}
	}
	return words(l)
}

func exBindPaths(l []loader.BindMount) string {
	var out []string
	for _, b := range l {
		s := b.Source
		if b.IgnoreENOENT {
			s = "-" + s
		}
		if b.Destination != "" {
			s += ":" + b.Destination
		}
		if b.Recursive {
			s += ":rbind"
		}
		out = append(out, s)
	}
	return words(out)
}

func exImages(l []loader.MountImage, withDest bool) string {
	var out []string
	for _, m := range l {
		s := m.Source
		if m.IgnoreENOENT {
			s = "-" + s
		}
		if withDest {
			s += ":" + m.Destination
		}
		for _, o := range m.Options {
			s += ":" + o.Partition + ":" + o.Options
		}
		out = append(out, s)
	}
	return words(out)
}

// exCapabilities names the capabilities of a set up to the kernel's last
// one, as systemctl's capability_set_to_string() does.
func exCapabilities(set uint64) string {
	last := exOwnInt("/proc/sys/kernel/cap_last_cap", 10, 40)
	var l []string
	for i := 0; i <= last && i < 64; i++ {
		if set&(1<<i) == 0 {
			continue
		}
		if n := loader.CapabilityName(i); n != "" {
			l = append(l, n)
		} else {
			l = append(l, fmt.Sprintf("0x%x", i))
		}
	}
	return words(l)
}

// exNUMACPUs lists the CPUs of the NUMA nodes in mask (CPUAffinity=numa).
func exNUMACPUs(mask loader.CPUMask) string {
	var cpus []string
	for _, n := range mask.List() {
		b, err := os.ReadFile(fmt.Sprintf("/sys/devices/system/node/node%d/cpulist", n))
		if err == nil {
			cpus = append(cpus, strings.Split(strings.TrimSpace(string(b)), ",")...)
		}
	}
	return strings.Join(cpus, " ")
}

// What the manager's own process runs with, for settings a unit leaves
// unset. These read gosd's own process, as systemd reads its own.

func exOwnInt(file string, base, def int) int {
	b, err := os.ReadFile(file)
	if err != nil {
		return def
	}
	v, err := strconv.ParseInt(strings.TrimSpace(string(b)), base, 64)
	if err != nil {
		return def
	}
	return int(v)
}

func exOwnNice() int {
	p, err := syscall.Getpriority(syscall.PRIO_PROCESS, 0)
	if err != nil {
		return 0
	}
	return 20 - p // the raw system call returns 20 - nice
}

// exIOPrio is the effective I/O class and priority: the unit's, or the
// manager's own, class "none" meaning best-effort 4.
func exIOPrio(c *loader.ExecContext) (int, int) {
	if c.IOSchedulingSet {
		return c.IOSchedulingClass, c.IOSchedulingPriority
	}
	const ioprioWhoProcess = 1
	v, _, errno := syscall.Syscall(syscall.SYS_IOPRIO_GET, ioprioWhoProcess, 0, 0)
	if errno != 0 || int(v)>>13 == 0 {
		return 2, 4
	}
	return int(v) >> 13, int(v) & 0x1fff
}

func exOwnSchedPolicy() int {
	v, _, errno := syscall.RawSyscall(syscall.SYS_SCHED_GETSCHEDULER, 0, 0, 0)
	if errno != 0 {
		return 0
	}
	return int(v)
}

func exOwnSchedPriority() int {
	var param int32
	if _, _, errno := syscall.RawSyscall(syscall.SYS_SCHED_GETPARAM, 0, uintptr(unsafe.Pointer(&param)), 0); errno != 0 {
		return 0
	}
	return int(param)
}

func exOwnTimerSlack() uint64 {
	const prGetTimerslack = 30
	v, _, errno := syscall.RawSyscall(syscall.SYS_PRCTL, prGetTimerslack, 0, 0)
	if errno != 0 {
		return 50000
	}
	return uint64(v)
}
