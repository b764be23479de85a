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

// execProps is the org.freedesktop.systemd1.Exec interface of systemd 252
// (dbus-execute.c) as systemctl show prints it; the properties systemctl
// cannot print (RootImageOptions, *DirectorySymlink) are left out as
// systemctl leaves them out. Settings that are not set show what the
// manager itself runs with (its nice level, limits, I/O class...): gosd
// reads its own, as systemd reads its own.
var execProps = []prop{
	{name: "Environment", get: func(c *loader.ExecContext) string { return shellQuoteList(c.Environment) }},
	{name: "EnvironmentFiles", get: func(c *loader.ExecContext) []string {
		var out []string
		for _, f := range c.EnvironmentFiles {
			p, ignore := strings.CutPrefix(f, "-")
			out = append(out, p+" (ignore_errors="+yesno(ignore)+")")
		}
		return out
	}},
	{name: "PassEnvironment", get: func(c *loader.ExecContext) string { return shellQuoteList(c.PassEnvironment) }},
	{name: "UnsetEnvironment", get: func(c *loader.ExecContext) string { return shellQuoteList(c.UnsetEnvironment) }},
	{name: "UMask", get: func(c *loader.ExecContext) string { return octal(c.UMask) }},
	{name: "LimitCPU", get: rlimit{res: loader.RlimitCPU}},
	{name: "LimitCPUSoft", get: rlimit{res: loader.RlimitCPU, soft: true}},
	{name: "LimitFSIZE", get: rlimit{res: loader.RlimitFSIZE}},
	{name: "LimitFSIZESoft", get: rlimit{res: loader.RlimitFSIZE, soft: true}},
	{name: "LimitDATA", get: rlimit{res: loader.RlimitDATA}},
	{name: "LimitDATASoft", get: rlimit{res: loader.RlimitDATA, soft: true}},
	{name: "LimitSTACK", get: rlimit{res: loader.RlimitSTACK}},
	{name: "LimitSTACKSoft", get: rlimit{res: loader.RlimitSTACK, soft: true}},
	{name: "LimitCORE", get: rlimit{res: loader.RlimitCORE}},
	{name: "LimitCORESoft", get: rlimit{res: loader.RlimitCORE, soft: true}},
	{name: "LimitRSS", get: rlimit{res: loader.RlimitRSS}},
	{name: "LimitRSSSoft", get: rlimit{res: loader.RlimitRSS, soft: true}},
	{name: "LimitNOFILE", get: rlimit{res: loader.RlimitNOFILE}},
	{name: "LimitNOFILESoft", get: rlimit{res: loader.RlimitNOFILE, soft: true}},
	{name: "LimitAS", get: rlimit{res: loader.RlimitAS}},
	{name: "LimitASSoft", get: rlimit{res: loader.RlimitAS, soft: true}},
	{name: "LimitNPROC", get: rlimit{res: loader.RlimitNPROC}},
	{name: "LimitNPROCSoft", get: rlimit{res: loader.RlimitNPROC, soft: true}},
	{name: "LimitMEMLOCK", get: rlimit{res: loader.RlimitMEMLOCK}},
	{name: "LimitMEMLOCKSoft", get: rlimit{res: loader.RlimitMEMLOCK, soft: true}},
	{name: "LimitLOCKS", get: rlimit{res: loader.RlimitLOCKS}},
	{name: "LimitLOCKSSoft", get: rlimit{res: loader.RlimitLOCKS, soft: true}},
	{name: "LimitSIGPENDING", get: rlimit{res: loader.RlimitSIGPENDING}},
	{name: "LimitSIGPENDINGSoft", get: rlimit{res: loader.RlimitSIGPENDING, soft: true}},
	{name: "LimitMSGQUEUE", get: rlimit{res: loader.RlimitMSGQUEUE}},
	{name: "LimitMSGQUEUESoft", get: rlimit{res: loader.RlimitMSGQUEUE, soft: true}},
	{name: "LimitNICE", get: rlimit{res: loader.RlimitNICE}},
	{name: "LimitNICESoft", get: rlimit{res: loader.RlimitNICE, soft: true}},
	{name: "LimitRTPRIO", get: rlimit{res: loader.RlimitRTPRIO}},
	{name: "LimitRTPRIOSoft", get: rlimit{res: loader.RlimitRTPRIO, soft: true}},
	{name: "LimitRTTIME", get: rlimit{res: loader.RlimitRTTIME}},
	{name: "LimitRTTIMESoft", get: rlimit{res: loader.RlimitRTTIME, soft: true}},
	{name: "WorkingDirectory", get: exWorkingDirectory},
	{name: "RootDirectory", get: func(c *loader.ExecContext) string { return c.RootDirectory }},
	{name: "RootImage", get: func(c *loader.ExecContext) string { return c.RootImage }},
	{name: "RootHash", get: func(c *loader.ExecContext) string { return hex.EncodeToString(c.RootHash) }},
	{name: "RootHashPath", get: func(c *loader.ExecContext) string { return c.RootHashPath }},
	{name: "RootHashSignature", get: func(c *loader.ExecContext) string { return base64.StdEncoding.EncodeToString(c.RootHashSignature) }},
	{name: "RootHashSignaturePath", get: func(c *loader.ExecContext) string { return c.RootHashSignaturePath }},
	{name: "RootVerity", get: func(c *loader.ExecContext) string { return c.RootVerity }},
	{name: "ExtensionDirectories", get: func(c *loader.ExecContext) string { return shellQuoteList(c.ExtensionDirectories) }},
	{name: "ExtensionImages", get: func(c *loader.ExecContext) string { return exImages(c.ExtensionImages, false) }},
	{name: "MountImages", get: func(c *loader.ExecContext) string { return exImages(c.MountImages, true) }},
	{name: "OOMScoreAdjust", get: func(c *loader.ExecContext) string {
		if c.OOMScoreAdjustSet {
			return strconv.Itoa(c.OOMScoreAdjust)
		}
		return strconv.Itoa(exOwnInt("/proc/self/oom_score_adj", 10, 0))
	}},
	{name: "CoredumpFilter", get: func(c *loader.ExecContext) string {
		if c.CoredumpFilterSet {
			return fmt.Sprintf("0x%x", c.CoredumpFilter)
		}
		return fmt.Sprintf("0x%x", exOwnInt("/proc/self/coredump_filter", 16, 0x33))
	}},
	{name: "Nice", get: func(c *loader.ExecContext) string {
		if c.NiceSet {
			return strconv.Itoa(c.Nice)
		}
		return strconv.Itoa(exOwnNice())
	}},
	{name: "IOSchedulingClass", get: func(c *loader.ExecContext) string { cl, _ := exIOPrio(c); return strconv.Itoa(cl) }},
	{name: "IOSchedulingPriority", get: func(c *loader.ExecContext) string { _, p := exIOPrio(c); return strconv.Itoa(p) }},
	{name: "CPUSchedulingPolicy", get: func(c *loader.ExecContext) string {
		if c.CPUSchedulingSet {
			return strconv.Itoa(c.CPUSchedulingPolicy)
		}
		return strconv.Itoa(exOwnSchedPolicy())
	}},
	{name: "CPUSchedulingPriority", get: func(c *loader.ExecContext) string {
		if c.CPUSchedulingSet {
			return strconv.Itoa(c.CPUSchedulingPriority)
		}
		return strconv.Itoa(exOwnSchedPriority())
	}},
	{name: "CPUAffinity", get: func(c *loader.ExecContext) string {
		if c.CPUAffinityFromNUMA {
			return exNUMACPUs(c.NUMAMask)
		}
		return c.CPUAffinity.String()
	}},
	{name: "CPUAffinityFromNUMA", get: func(c *loader.ExecContext) bool { return c.CPUAffinityFromNUMA }},
	{name: "NUMAPolicy", get: func(c *loader.ExecContext) string {
		names := []string{"default", "preferred", "bind", "interleave", "local"}
		if c.NUMAPolicy < 0 || c.NUMAPolicy >= len(names) {
			return "n/a"
		}
		return names[c.NUMAPolicy]
	}},
	{name: "NUMAMask", get: func(c *loader.ExecContext) string { return c.NUMAMask.String() }},
	{name: "TimerSlackNSec", get: func(c *loader.ExecContext) string {
		if c.TimerSlackNSec != loader.Infinity {
			return u64(c.TimerSlackNSec)
		}
		return u64(exOwnTimerSlack())
	}},
	{name: "CPUSchedulingResetOnFork", get: func(c *loader.ExecContext) bool { return c.CPUSchedulingResetOnFork }},
	// NonBlocking= is a [Service] setting that systemd keeps in the
	// exec context.
	{name: "NonBlocking", get: func(u *loader.Unit, _ *State) string { return yesno(u.Service != nil && u.Service.NonBlocking) }},
	{name: "StandardInput", get: func(c *loader.ExecContext) string { return c.StandardInput }},
	{name: "StandardInputFileDescriptorName", get: func(c *loader.ExecContext) string {
		return exFDName(c.StandardInput == "fd", c.StandardInputFDName, "stdin")
	}},
	{name: "StandardInputData", get: func(c *loader.ExecContext) string { return base64.StdEncoding.EncodeToString(c.StandardInputData) }},
	{name: "StandardOutput", get: func(c *loader.ExecContext) string { return c.StandardOutput }},
	{name: "StandardOutputFileDescriptorName", get: func(c *loader.ExecContext) string {
		return exFDName(c.StandardOutput == "fd", c.StandardOutputFDName, "stdout")
	}},
	{name: "StandardError", get: func(c *loader.ExecContext) string { return c.StandardError }},
	{name: "StandardErrorFileDescriptorName", get: func(c *loader.ExecContext) string {
		return exFDName(c.StandardError == "fd", c.StandardErrorFDName, "stderr")
	}},
	{name: "TTYPath", get: func(c *loader.ExecContext) string { return c.TTYPath }},
	{name: "TTYReset", get: func(c *loader.ExecContext) bool { return c.TTYReset }},
	{name: "TTYVHangup", get: func(c *loader.ExecContext) bool { return c.TTYVHangup }},
	{name: "TTYVTDisallocate", get: func(c *loader.ExecContext) bool { return c.TTYVTDisallocate }},
	// systemctl 252 cannot print these uint16 properties.
	{name: "TTYRows", get: "[unprintable]"},
	{name: "TTYColumns", get: "[unprintable]"},
	{name: "SyslogPriority", get: func(c *loader.ExecContext) string { return strconv.Itoa(c.SyslogPriority) }},
	{name: "SyslogIdentifier", get: func(c *loader.ExecContext) string { return c.SyslogIdentifier }},
	{name: "SyslogLevelPrefix", get: func(c *loader.ExecContext) bool { return c.SyslogLevelPrefix }},
	{name: "SyslogLevel", get: func(c *loader.ExecContext) string { return strconv.Itoa(c.SyslogPriority & 7) }},
	{name: "SyslogFacility", get: func(c *loader.ExecContext) string { return strconv.Itoa(c.SyslogPriority >> 3) }},
	{name: "LogLevelMax", get: func(c *loader.ExecContext) string { return strconv.Itoa(c.LogLevelMax) }},
	{name: "LogRateLimitIntervalUSec", get: func(c *loader.ExecContext) string { return usec(c.LogRateLimitIntervalUSec) }},
	{name: "LogRateLimitBurst", get: func(c *loader.ExecContext) string { return u64(uint64(c.LogRateLimitBurst)) }},
	{name: "LogExtraFields", get: func(c *loader.ExecContext) string { return words(c.LogExtraFields) }},
	{name: "LogNamespace", get: func(c *loader.ExecContext) string { return c.LogNamespace }},
	{name: "SecureBits", get: func(c *loader.ExecContext) string { return strconv.Itoa(c.SecureBits) }},
	{name: "CapabilityBoundingSet", get: func(c *loader.ExecContext) string { return exCapabilities(c.CapabilityBoundingSet) }},
	{name: "AmbientCapabilities", get: func(c *loader.ExecContext) string { return exCapabilities(c.AmbientCapabilities) }},
	{name: "User", get: func(c *loader.ExecContext) string { return c.User }},
	{name: "Group", get: func(c *loader.ExecContext) string { return c.Group }},
	{name: "DynamicUser", get: func(c *loader.ExecContext) bool { return c.DynamicUser }},
	{name: "RemoveIPC", get: func(c *loader.ExecContext) bool { return c.RemoveIPC }},
	// systemctl 252 cannot print these arrays of structures.
	{name: "SetCredential", get: "[unprintable]"},
	{name: "SetCredentialEncrypted", get: "[unprintable]"},
	{name: "LoadCredential", get: "[unprintable]"},
	{name: "LoadCredentialEncrypted", get: "[unprintable]"},
	{name: "SupplementaryGroups", get: func(c *loader.ExecContext) string { return shellQuoteList(c.SupplementaryGroups) }},
	{name: "PAMName", get: func(c *loader.ExecContext) string { return c.PAMName }},
	{name: "ReadWritePaths", get: func(c *loader.ExecContext) string { return shellQuoteList(c.ReadWritePaths) }},
	{name: "ReadOnlyPaths", get: func(c *loader.ExecContext) string { return shellQuoteList(c.ReadOnlyPaths) }},
	{name: "InaccessiblePaths", get: func(c *loader.ExecContext) string { return shellQuoteList(c.InaccessiblePaths) }},
	{name: "ExecPaths", get: func(c *loader.ExecContext) string { return shellQuoteList(c.ExecPaths) }},
	{name: "NoExecPaths", get: func(c *loader.ExecContext) string { return shellQuoteList(c.NoExecPaths) }},
	{name: "ExecSearchPath", get: func(c *loader.ExecContext) string { return shellQuoteList(c.ExecSearchPath) }},
	{name: "MountFlags", get: func(c *loader.ExecContext) string { return c.MountFlags }},
	{name: "PrivateTmp", get: func(c *loader.ExecContext) bool { return c.PrivateTmp }},
	{name: "PrivateDevices", get: func(c *loader.ExecContext) bool { return c.PrivateDevices }},
	{name: "ProtectClock", get: func(c *loader.ExecContext) bool { return c.ProtectClock }},
	{name: "ProtectKernelTunables", get: func(c *loader.ExecContext) bool { return c.ProtectKernelTunables }},
	{name: "ProtectKernelModules", get: func(c *loader.ExecContext) bool { return c.ProtectKernelModules }},
	{name: "ProtectKernelLogs", get: func(c *loader.ExecContext) bool { return c.ProtectKernelLogs }},
	{name: "ProtectControlGroups", get: func(c *loader.ExecContext) bool { return c.ProtectControlGroups }},
	{name: "PrivateNetwork", get: func(c *loader.ExecContext) bool { return c.PrivateNetwork }},
	{name: "PrivateUsers", get: func(c *loader.ExecContext) bool { return c.PrivateUsers }},
	{name: "PrivateMounts", get: func(c *loader.ExecContext) bool { return c.PrivateMounts }},
	{name: "PrivateIPC", get: func(c *loader.ExecContext) bool { return c.PrivateIPC }},
	{name: "ProtectHome", get: func(c *loader.ExecContext) string { return c.ProtectHome }},
	{name: "ProtectSystem", get: func(c *loader.ExecContext) string { return c.ProtectSystem }},
	{name: "SameProcessGroup", get: func(c *loader.ExecContext) bool { return c.SameProcessGroup }},
	{name: "UtmpIdentifier", get: func(c *loader.ExecContext) string { return c.UtmpIdentifier }},
	{name: "UtmpMode", get: func(c *loader.ExecContext) string { return c.UtmpMode }},
	{name: "SELinuxContext", get: func(c *loader.ExecContext) string { return exLabel(c.SELinuxContext, c.SELinuxContextIgnore) }},
	{name: "AppArmorProfile", get: func(c *loader.ExecContext) string { return exLabel(c.AppArmorProfile, c.AppArmorProfileIgnore) }},
	{name: "SmackProcessLabel", get: func(c *loader.ExecContext) string {
		return exLabel(c.SmackProcessLabel, c.SmackProcessLabelIgnore)
	}},
	{name: "IgnoreSIGPIPE", get: func(c *loader.ExecContext) bool { return c.IgnoreSIGPIPE }},
	{name: "NoNewPrivileges", get: func(c *loader.ExecContext) bool { return c.NoNewPrivileges }},
	{name: "SystemCallFilter", get: exSystemCallFilter},
	{name: "SystemCallArchitectures", get: func(c *loader.ExecContext) string { return shellQuoteList(c.SystemCallArchitectures) }},
	{name: "SystemCallErrorNumber", get: func(c *loader.ExecContext) string { return strconv.Itoa(c.SystemCallErrorNumber) }},
	{name: "SystemCallLog", get: func(c *loader.ExecContext) string {
		var l []string
		for n := range c.SystemCallLog {
			l = append(l, n)
		}
		return exAllowList(c.SystemCallLogAllowList, l)
	}},
	{name: "Personality", get: func(c *loader.ExecContext) string { return c.Personality }},
	{name: "LockPersonality", get: func(c *loader.ExecContext) bool { return c.LockPersonality }},
	{name: "RestrictAddressFamilies", get: func(c *loader.ExecContext) string {
		var l []string
		for n := range c.RestrictAddressFamilies {
			l = append(l, n)
		}
		return exAllowList(c.RestrictAddressFamiliesAllowList, l)
	}},
	{name: "RuntimeDirectoryPreserve", get: func(c *loader.ExecContext) string { return c.RuntimeDirectoryPreserve }},
	{name: "RuntimeDirectoryMode", get: func(c *loader.ExecContext) string { return octal(c.RuntimeDirectoryMode) }},
	{name: "RuntimeDirectory", get: func(c *loader.ExecContext) string { return shellQuoteList(c.RuntimeDirectory) }},
	{name: "StateDirectoryMode", get: func(c *loader.ExecContext) string { return octal(c.StateDirectoryMode) }},
	{name: "StateDirectory", get: func(c *loader.ExecContext) string { return shellQuoteList(c.StateDirectory) }},
	{name: "CacheDirectoryMode", get: func(c *loader.ExecContext) string { return octal(c.CacheDirectoryMode) }},
	{name: "CacheDirectory", get: func(c *loader.ExecContext) string { return shellQuoteList(c.CacheDirectory) }},
	{name: "LogsDirectoryMode", get: func(c *loader.ExecContext) string { return octal(c.LogsDirectoryMode) }},
	{name: "LogsDirectory", get: func(c *loader.ExecContext) string { return shellQuoteList(c.LogsDirectory) }},
	{name: "ConfigurationDirectoryMode", get: func(c *loader.ExecContext) string { return octal(c.ConfigurationDirectoryMode) }},
	{name: "ConfigurationDirectory", get: func(c *loader.ExecContext) string { return shellQuoteList(c.ConfigurationDirectory) }},
	{name: "TimeoutCleanUSec", get: func(c *loader.ExecContext) string { return usec(c.TimeoutCleanUSec) }},
	{name: "MemoryDenyWriteExecute", get: func(c *loader.ExecContext) bool { return c.MemoryDenyWriteExecute }},
	{name: "RestrictRealtime", get: func(c *loader.ExecContext) bool { return c.RestrictRealtime }},
	{name: "RestrictSUIDSGID", get: func(c *loader.ExecContext) bool { return c.RestrictSUIDSGID }},
	{name: "RestrictNamespaces", get: exRestrictNamespaces},
	// Debian's systemd 252 is built without libbpf: it keeps the list
	// but always shows it empty.
	{name: "RestrictFileSystems", get: func(c *loader.ExecContext) string { return exAllowList(c.RestrictFileSystemsAllowList, nil) }},
	{name: "BindPaths", get: func(c *loader.ExecContext) string { return exBindPaths(c.BindPaths) }},
	{name: "BindReadOnlyPaths", get: func(c *loader.ExecContext) string { return exBindPaths(c.BindReadOnlyPaths) }},
	{name: "TemporaryFileSystem", get: func(c *loader.ExecContext) string {
		var l []string
		for _, t := range c.TemporaryFileSystem {
			s := t.Path
			if t.Options != "" {
				s += ":" + t.Options
			}
			l = append(l, s)
		}
		return words(l)
	}},
	{name: "MountAPIVFS", get: func(c *loader.ExecContext) bool { return c.EffectiveMountAPIVFS() }},
	{name: "KeyringMode", get: func(c *loader.ExecContext) string { return c.KeyringMode }},
	{name: "ProtectProc", get: func(c *loader.ExecContext) string { return c.ProtectProc }},
	{name: "ProcSubset", get: func(c *loader.ExecContext) string { return c.ProcSubset }},
	{name: "ProtectHostname", get: func(c *loader.ExecContext) bool { return c.ProtectHostname }},
	{name: "NetworkNamespacePath", get: func(c *loader.ExecContext) string { return c.NetworkNamespacePath }},
	{name: "IPCNamespacePath", get: func(c *loader.ExecContext) string { return c.IPCNamespacePath }},
}

// rlimit is a Limit* property: the hard limit of resource res (Linux's
// number, loader.RlimitCPU...), or the soft one. A unit without that
// Limit*= shows the manager's own limit.
type rlimit struct {
	res  int
	soft bool
}

func (r rlimit) format(c *loader.ExecContext) string {
	var l loader.Rlimit
	if p := c.Limits[r.res]; p != nil {
		l = *p
	} else {
		l = loader.ManagerRlimit(r.res)
	}
	v := l.Hard
	if r.soft {
		v = l.Soft
	}
	if v == loader.RlimInfinity {
		return "infinity"
	}
	return u64(v)
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
