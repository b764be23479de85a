package loader

import (
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"math/bits"
	"os"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
	"unicode/utf8"

	"github.com/gosd/gosd/unit"
)

// ExecContext holds the settings of systemd.exec(5) shared by services,
// sockets, mounts and swaps, as systemd 252 keeps them after parsing.
// Time spans are in microseconds (Infinity: "infinity").
//
// A few defaults depend on the unit type (KeyringMode, StandardOutput,
// StandardError, SameProcessGroup): systemd sets them when it creates
// the unit, gosd when the unit's first exec setting is parsed or, for a
// unit without any, in ExecSettings. Others are only filled in for units
// that load (systemd's unit_patch_contexts, see execExtras): the
// manager's default LimitNOFILE= and LimitMEMLOCK=, what DynamicUser=,
// PrivateDevices=, ProtectKernelModules=, ProtectKernelLogs= and
// ProtectClock= imply, and the sorting of the *Directory= lists.
type ExecContext struct {
	Environment      []string // NAME=value; a later assignment of a name replaces the earlier one in place
	EnvironmentFiles []string // absolute paths; a "-" prefix means a missing file is fine
	PassEnvironment  []string
	UnsetEnvironment []string // names or NAME=value assignments
	UMask            uint32

	// Limits are indexed by the Linux resource number (RlimitCPU...). nil
	// means not set: the process inherits the manager's own limit (see
	// ManagerRlimit).
	Limits [RlimitCount]*Rlimit

	WorkingDirectory          string // absolute; "" when not set or WorkingDirectoryHome
	WorkingDirectoryHome      bool   // WorkingDirectory=~
	WorkingDirectoryMissingOK bool   // "-" prefix
	RootDirectory             string
	RootImage                 string
	RootImageOptions          []MountOption
	RootHash                  []byte
	RootHashPath              string
	RootHashSignature         []byte
	RootHashSignaturePath     string
	RootVerity                string
	ExtensionDirectories      []string
	ExtensionImages           []MountImage // Destination is empty
	MountImages               []MountImage

	// The *Set flags say whether the value was configured; if not, the
	// process keeps what it inherits from the manager.
	OOMScoreAdjust           int
	OOMScoreAdjustSet        bool
	CoredumpFilter           uint64
	CoredumpFilterSet        bool
	Nice                     int
	NiceSet                  bool
	IOSchedulingClass        int // 0 none, 1 realtime, 2 best-effort, 3 idle
	IOSchedulingPriority     int // 0..7
	IOSchedulingSet          bool
	CPUSchedulingPolicy      int // SCHED_OTHER 0, FIFO 1, RR 2, BATCH 3, IDLE 5
	CPUSchedulingPriority    int
	CPUSchedulingSet         bool
	CPUSchedulingResetOnFork bool
	CPUAffinity              CPUMask
	CPUAffinityFromNUMA      bool
	NUMAPolicy               int // -1: not set; MPOL_DEFAULT 0, PREFERRED 1, BIND 2, INTERLEAVE 3, LOCAL 4
	NUMAMask                 CPUMask
	TimerSlackNSec           uint64 // Infinity: not set

	// StandardInput is null, tty, tty-force, tty-fail, socket, fd, data
	// or file; StandardOutput and StandardError are inherit, null, tty,
	// kmsg, kmsg+console, journal, journal+console, socket, fd, file,
	// append or truncate. The *File and *FDName fields go with file (and
	// append, truncate) and fd.
	StandardInput        string
	StandardInputFile    string
	StandardInputFDName  string
	StandardInputData    []byte // StandardInputText= (with a newline each) and StandardInputData=
	StandardOutput       string
	StandardOutputFile   string
	StandardOutputFDName string
	StandardError        string
	StandardErrorFile    string
	StandardErrorFDName  string

	TTYPath          string
	TTYReset         bool
	TTYVHangup       bool
	TTYVTDisallocate bool
	TTYRows          int // -1: not set
	TTYColumns       int

	SyslogIdentifier         string
	SyslogPriority           int // facility<<3 | level
	SyslogLevelPrefix        bool
	LogLevelMax              int // -1: not set
	LogRateLimitIntervalUSec uint64
	LogRateLimitBurst        uint32
	LogExtraFields           []string // FIELD=value
	LogNamespace             string

	SecureBits            int    // bits of SECBIT_*: noroot 0, noroot-locked 1, no-setuid-fixup 2, ... keep-caps 4, keep-caps-locked 5
	CapabilityBoundingSet uint64 // bit n is capability n
	AmbientCapabilities   uint64

	User                string
	Group               string
	SupplementaryGroups []string
	DynamicUser         bool
	RemoveIPC           bool
	PAMName             string
	SetCredentials      []SetCredential  // in first-assignment order, one per ID
	LoadCredentials     []LoadCredential // in first-assignment order, one per ID

	// Paths of ReadWritePaths= and friends keep their "-" (ignore a
	// missing path) and "+" (relative to RootDirectory=) prefixes.
	ReadWritePaths    []string
	ReadOnlyPaths     []string
	InaccessiblePaths []string
	ExecPaths         []string
	NoExecPaths       []string
	ExecSearchPath    []string
	MountFlags        string // "", shared, slave, private

	PrivateTmp              bool
	PrivateDevices          bool
	PrivateNetwork          bool
	PrivateUsers            bool
	PrivateMounts           bool
	PrivateIPC              bool
	ProtectClock            bool
	ProtectKernelTunables   bool
	ProtectKernelModules    bool
	ProtectKernelLogs       bool
	ProtectControlGroups    bool
	ProtectHostname         bool
	ProtectHome             string // no, yes, read-only, tmpfs
	ProtectSystem           string // no, yes, full, strict
	ProtectProc             string // default, noaccess, invisible, ptraceable
	ProcSubset              string // all, pid
	SameProcessGroup        bool
	UtmpIdentifier          string
	UtmpMode                string // init, login, user
	SELinuxContext          string
	SELinuxContextIgnore    bool // "-" prefix
	AppArmorProfile         string
	AppArmorProfileIgnore   bool
	SmackProcessLabel       string
	SmackProcessLabelIgnore bool
	IgnoreSIGPIPE           bool
	NoNewPrivileges         bool

	// SystemCallFilter maps system call names to the errno to return
	// (-1: the default action; SeccompKill: kill); nil when not set. With
	// SystemCallFilterAllowList only the calls listed are allowed.
	SystemCallFilter          map[string]int
	SystemCallFilterAllowList bool
	SystemCallArchitectures   []string // sorted
	SystemCallErrorNumber     int      // SeccompKill when not set
	SystemCallLog             map[string]bool
	SystemCallLogAllowList    bool
	Personality               string // "" when not set
	LockPersonality           bool
	// RestrictAddressFamilies holds "AF_INET"-style names; nil when not set.
	RestrictAddressFamilies          map[string]bool
	RestrictAddressFamiliesAllowList bool
	MemoryDenyWriteExecute           bool
	RestrictRealtime                 bool
	RestrictSUIDSGID                 bool
	RestrictNamespaces               uint64 // CLONE_NEW* flags allowed; NamespacesInitial when not set
	RestrictFileSystems              map[string]bool
	RestrictFileSystemsAllowList     bool

	// The per-unit directories, relative to /run, /var/lib, /var/cache,
	// /var/log and /etc; DirectorySymlinks holds the "path:symlink" forms.
	RuntimeDirectory           []string
	RuntimeDirectoryMode       uint32
	RuntimeDirectoryPreserve   string // no, yes, restart
	StateDirectory             []string
	StateDirectoryMode         uint32
	CacheDirectory             []string
	CacheDirectoryMode         uint32
	LogsDirectory              []string
	LogsDirectoryMode          uint32
	ConfigurationDirectory     []string
	ConfigurationDirectoryMode uint32
	DirectorySymlinks          []DirectorySymlink
	TimeoutCleanUSec           uint64

	BindPaths           []BindMount
	BindReadOnlyPaths   []BindMount
	TemporaryFileSystem []TemporaryFileSystem
	MountAPIVFS         bool
	MountAPIVFSSet      bool
	KeyringMode         string // inherit, private, shared

	NetworkNamespacePath string
	IPCNamespacePath     string

	typeInit bool // the unit type's defaults are applied
}

// Rlimit is one resource limit; RlimInfinity is RLIM_INFINITY.
type Rlimit struct{ Soft, Hard uint64 }

// RlimInfinity is Linux's RLIM_INFINITY.
const RlimInfinity = ^uint64(0)

// Linux resource numbers, the index of ExecContext.Limits.
const (
	RlimitCPU = iota
	RlimitFSIZE
	RlimitDATA
	RlimitSTACK
	RlimitCORE
	RlimitRSS
	RlimitNPROC
	RlimitNOFILE
	RlimitMEMLOCK
	RlimitAS
	RlimitLOCKS
	RlimitSIGPENDING
	RlimitMSGQUEUE
	RlimitNICE
	RlimitRTPRIO
	RlimitRTTIME
	RlimitCount
)

// RlimitName returns systemd's name of resource n ("NOFILE"), as in
// LimitNOFILE=.
func RlimitName(n int) string {
	if n < 0 || n >= RlimitCount {
		return ""
	}
	return exRlimitNames[n]
}

var exRlimitNames = [RlimitCount]string{"CPU", "FSIZE", "DATA", "STACK", "CORE", "RSS", "NPROC", "NOFILE", "MEMLOCK", "AS", "LOCKS", "SIGPENDING", "MSGQUEUE", "NICE", "RTPRIO", "RTTIME"}

// MountOption is one partition's mount options of RootImageOptions=,
// MountImages= and ExtensionImages=.
type MountOption struct {
	Partition string // root, usr, home, ...
	Options   string
}

// MountImage is one entry of MountImages= or ExtensionImages=.
type MountImage struct {
	Source       string
	Destination  string
	IgnoreENOENT bool // "-" prefix
	Options      []MountOption
}

// BindMount is one entry of BindPaths= or BindReadOnlyPaths=.
type BindMount struct {
	Source       string
	Destination  string
	IgnoreENOENT bool // "-" prefix
	Recursive    bool // rbind (the default) rather than norbind
}

// TemporaryFileSystem is one entry of TemporaryFileSystem=.
type TemporaryFileSystem struct {
	Path    string
	Options string
}

// DirectorySymlink is the optional second part of StateDirectory=foo:bar
// (and the Runtime, Cache and Logs forms): a symlink to the directory.
type DirectorySymlink struct {
	Setting string // RuntimeDirectory, StateDirectory, CacheDirectory, LogsDirectory
	Path    string
	Symlink string
}

// SetCredential is one SetCredential= or SetCredentialEncrypted=.
type SetCredential struct {
	ID        string
	Data      []byte
	Encrypted bool
}

// LoadCredential is one LoadCredential= or LoadCredentialEncrypted=.
type LoadCredential struct {
	ID        string
	Path      string // absolute path, or a credential name of the manager
	Encrypted bool
}

// CPUMask is a set of CPU (or NUMA node) numbers. The zero value is
// empty; Allocated tells an explicitly emptied set apart, as systemd does.
type CPUMask struct {
	words     []uint64
	Allocated bool
}

// Has reports whether n is in the set.
func (c CPUMask) Has(n int) bool {
	return n >= 0 && n/64 < len(c.words) && c.words[n/64]&(1<<(n%64)) != 0
}

func (c *CPUMask) add(n int) {
	for n/64 >= len(c.words) {
		c.words = append(c.words, 0)
	}
	c.words[n/64] |= 1 << (n % 64)
	c.Allocated = true
}

// List returns the members in increasing order.
func (c CPUMask) List() []int {
	var l []int
	for i, w := range c.words {
		for w != 0 {
			b := bits.TrailingZeros64(w)
			l = append(l, i*64+b)
			w &^= 1 << b
		}
	}
	return l
}

// String formats the set as systemd's cpu_set_to_range_string(): "0-3 6".
func (c CPUMask) String() string {
	var b strings.Builder
	l := c.List()
	for i := 0; i < len(l); {
		j := i
		for j+1 < len(l) && l[j+1] == l[j]+1 {
			j++
		}
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		if j > i {
			fmt.Fprintf(&b, "%d-%d", l[i], l[j])
		} else {
			fmt.Fprintf(&b, "%d", l[i])
		}
		i = j + 1
	}
	return b.String()
}

// SeccompKill is systemd's SECCOMP_ERROR_NUMBER_KILL: the "kill" action
// of SystemCallErrorNumber= and "name:kill" in SystemCallFilter=.
const SeccompKill = 1<<31 - 2

// Namespace flags of RestrictNamespaces= (Linux CLONE_NEW*).
const (
	NamespaceCgroup = 0x02000000
	NamespaceIPC    = 0x08000000
	NamespaceNet    = 0x40000000
	NamespaceMnt    = 0x00020000
	NamespacePID    = 0x20000000
	NamespaceUser   = 0x10000000
	NamespaceUTS    = 0x04000000
	NamespaceTime   = 0x00000080
	// NamespacesAll are the flags "RestrictNamespaces=no" allows.
	NamespacesAll = NamespaceCgroup | NamespaceIPC | NamespaceNet | NamespaceMnt | NamespacePID | NamespaceUser | NamespaceUTS
	// NamespacesInitial is the value before any RestrictNamespaces=.
	NamespacesInitial = ^uint64(0)
)

// NamespaceNames lists the namespace types in systemd's order with their
// flags.
func NamespaceNames() []struct {
	Name string
	Flag uint64
} {
	return []struct {
		Name string
		Flag uint64
	}{{"cgroup", NamespaceCgroup}, {"ipc", NamespaceIPC}, {"net", NamespaceNet}, {"mnt", NamespaceMnt},
		{"pid", NamespacePID}, {"user", NamespaceUser}, {"uts", NamespaceUTS}, {"time", NamespaceTime}}
}

// The manager defaults of systemd 252's system instance with an empty
// system.conf (conformance/testdata/manager.show).
const (
	exDefaultStdOutput = "journal"
	exDefaultStdError  = "inherit"
	// exHighRlimitNOFILE is the hard limit systemd gives services by
	// default (HIGH_RLIMIT_NOFILE), capped at fs.nr_open.
	exHighRlimitNOFILE = 512 * 1024
	// exDefaultRlimitMEMLOCK is the least LimitMEMLOCK= systemd gives
	// services (DEFAULT_RLIMIT_MEMLOCK).
	exDefaultRlimitMEMLOCK = 8 * 1024 * 1024
	exFDSetSize            = 1024
)

// exDirectoryPrefixes are the *Directory= settings and the directories
// they are relative to, for the system manager.
var exDirectoryPrefixes = [...]struct{ setting, prefix string }{
	{"RuntimeDirectory", "/run"}, {"StateDirectory", "/var/lib"}, {"CacheDirectory", "/var/cache"},
	{"LogsDirectory", "/var/log"}, {"ConfigurationDirectory", "/etc"},
}

func newExecContext() *ExecContext {
	return &ExecContext{
		UMask:                      0o022,
		IOSchedulingClass:          2,
		IOSchedulingPriority:       4,
		NUMAPolicy:                 -1,
		TimerSlackNSec:             Infinity,
		StandardInput:              "null",
		StandardOutput:             "inherit",
		StandardError:              "inherit",
		TTYRows:                    -1,
		TTYColumns:                 -1,
		SyslogPriority:             3<<3 | 6, // LOG_DAEMON | LOG_INFO
		SyslogLevelPrefix:          true,
		LogLevelMax:                -1,
		CapabilityBoundingSet:      ^uint64(0),
		ProtectHome:                "no",
		ProtectSystem:              "no",
		ProtectProc:                "default",
		ProcSubset:                 "all",
		UtmpMode:                   "init",
		IgnoreSIGPIPE:              true,
		SystemCallErrorNumber:      SeccompKill,
		RestrictNamespaces:         NamespacesInitial,
		RuntimeDirectoryMode:       0o755,
		RuntimeDirectoryPreserve:   "no",
		StateDirectoryMode:         0o755,
		CacheDirectoryMode:         0o755,
		LogsDirectoryMode:          0o755,
		ConfigurationDirectoryMode: 0o755,
		TimeoutCleanUSec:           Infinity,
		KeyringMode:                "shared",
	}
}

// initForType applies the defaults systemd gives an exec context when it
// creates a unit of type typ (unit_init and the type's init).
func (c *ExecContext) initForType(typ string) {
	if c.typeInit {
		return
	}
	c.typeInit = true
	switch typ {
	case "service":
		c.KeyringMode = "private"
	case "socket", "mount", "swap":
		c.StandardOutput = exDefaultStdOutput
		c.StandardError = exDefaultStdError
	}
	if typ == "mount" {
		c.SameProcessGroup = true
	}
}

// exCtx returns the unit's exec context for writing, with its type's
// defaults applied: its own copy if it still shared the Set's default.
func (u *Unit) exCtx() *ExecContext {
	c := ownCopy(u, &u.Exec, sharedExec)
	c.initForType(u.Type)
	return c
}

// ExecSettings returns the unit's exec context as systemd shows it: with
// the defaults of the unit's type applied even when no exec setting was
// parsed (a masked or missing unit). It is nil for units without one.
func (u *Unit) ExecSettings() *ExecContext {
	if u.Exec == nil || u.Exec.typeInit {
		return u.Exec
	}
	c := *u.Exec
	c.initForType(u.Type)
	return &c
}

// ManagerRlimit returns the limit the manager itself runs with, which a
// unit without that Limit*= inherits: systemd shows its own getrlimit()
// there, and gosd, which inherits what systemd as PID 1 would, shows its
// own. (Go raises its own soft RLIMIT_NOFILE to the hard limit, as
// systemd does for itself when it cannot raise the hard one.)
func ManagerRlimit(res int) Rlimit {
	var r syscall.Rlimit
	if err := syscall.Getrlimit(res, &r); err != nil {
		return Rlimit{RlimInfinity, RlimInfinity}
	}
	return Rlimit{r.Cur, r.Max}
}

// managerDefaultRlimit is the DefaultLimit*= of systemd 252 with an empty
// system.conf: only NOFILE and MEMLOCK have one, computed from the
// manager's own limits as systemd's fallback_rlimit_nofile() and
// fallback_rlimit_memlock() do; the rest is nil.
func managerDefaultRlimit(res int) *Rlimit {
	switch res {
	case RlimitNOFILE:
		own := ManagerRlimit(res)
		hard := max(own.Hard, exHighRlimitNOFILE)
		if nr := exNrOpen(); hard > nr {
			hard = nr
		}
		return &Rlimit{Soft: min(own.Soft, exFDSetSize), Hard: hard}
	case RlimitMEMLOCK:
		own := ManagerRlimit(res)
		return &Rlimit{Soft: max(own.Soft, exDefaultRlimitMEMLOCK), Hard: max(own.Hard, exDefaultRlimitMEMLOCK)}
	}
	return nil
}

// exNrOpen is the kernel's fs.nr_open (systemd's read_nr_open()).
func exNrOpen() uint64 {
	b, err := os.ReadFile("/proc/sys/fs/nr_open")
	if err == nil {
		if v, err := strconv.ParseUint(strings.TrimSpace(string(b)), 10, 64); err == nil {
			return v
		}
	}
	return 1024 * 1024
}

// ---------------------------------------------------------------------
// Directives

// exUnsupported* say why gosd parses a setting but does not apply it.
const (
	exNoSandbox    = "sandboxing with mount namespaces is not implemented"
	exNoSeccomp    = "seccomp filtering is not implemented"
	exNoImages     = "disk images are not supported"
	exNoCreds      = "service credentials are not implemented"
	exNoMAC        = "SELinux/AppArmor/SMACK labels are not applied"
	exNoSched      = "CPU/IO scheduling and affinity are not applied"
	exNoJournal    = "output goes to gosd's own log, not the systemd journal"
	exNoTTY        = "terminal setup (reset, hangup, size) is not implemented"
	exNoNamespaces = "network and IPC namespaces are not implemented"
	exNoPAM        = "PAM sessions are not supported"
	exNoMisc       = "not applied by gosd"
	exLegacy       = "removed in systemd; ignored"
)

// execDirectives is systemd 252's exec context table
// (EXEC_CONTEXT_CONFIG_ITEMS), for [Service], [Socket], [Mount] and [Swap].
// Service.NonBlocking= lives in serviceDirectives.
var execDirectives = []directive{
	{in: secExec, name: "WorkingDirectory", parse: parseFunc(exParseWorkingDirectory)},
	{in: secExec, name: "RootDirectory", parse: exPath{field: func(c *ExecContext) *string { return &c.RootDirectory }, fatal: true}},
	{in: secExec, name: "RootImage", parse: exPath{field: func(c *ExecContext) *string { return &c.RootImage }, fatal: true}, unsupported: exNoImages},
	{in: secExec, name: "RootImageOptions", parse: parseFunc(exParseRootImageOptions), unsupported: exNoImages},
	{in: secExec, name: "RootHash", parse: parseFunc(exParseRootHash), unsupported: exNoImages},
	{in: secExec, name: "RootHashSignature", parse: parseFunc(exParseRootHashSignature), unsupported: exNoImages},
	{in: secExec, name: "RootVerity", parse: exPath{field: func(c *ExecContext) *string { return &c.RootVerity }, fatal: true}, unsupported: exNoImages},
	{in: secExec, name: "ExtensionDirectories", parse: exNamespacePaths(func(c *ExecContext) *[]string { return &c.ExtensionDirectories }), unsupported: exNoImages},
	{in: secExec, name: "ExtensionImages", parse: parseFunc(exParseExtensionImages), unsupported: exNoImages},
	{in: secExec, name: "MountImages", parse: parseFunc(exParseMountImages), unsupported: exNoImages},
	{in: secExec, name: "User", parse: exUser(func(c *ExecContext) *string { return &c.User })},
	{in: secExec, name: "Group", parse: exUser(func(c *ExecContext) *string { return &c.Group })},
	{in: secExec, name: "SupplementaryGroups", parse: parseFunc(exParseSupplementaryGroups)},
	{in: secExec, name: "Nice", parse: parseFunc(exParseNice)},
	{in: secExec, name: "OOMScoreAdjust", parse: parseFunc(exParseOOMScoreAdjust)},
	{in: secExec, name: "CoredumpFilter", parse: parseFunc(exParseCoredumpFilter), unsupported: exNoMisc},
	{in: secExec, name: "IOSchedulingClass", parse: parseFunc(exParseIOClass), unsupported: exNoSched},
	{in: secExec, name: "IOSchedulingPriority", parse: parseFunc(exParseIOPriority), unsupported: exNoSched},
	{in: secExec, name: "CPUSchedulingPolicy", parse: parseFunc(exParseCPUSchedPolicy), unsupported: exNoSched},
	{in: secExec, name: "CPUSchedulingPriority", parse: parseFunc(exParseCPUSchedPriority), unsupported: exNoSched},
	{in: secExec, name: "CPUSchedulingResetOnFork", parse: boolField(func(u *Unit) *bool { return &u.exCtx().CPUSchedulingResetOnFork }), unsupported: exNoSched},
	{in: secExec, name: "CPUAffinity", parse: parseFunc(exParseCPUAffinity), unsupported: exNoSched},
	{in: secExec, name: "NUMAPolicy", parse: parseFunc(exParseNUMAPolicy), unsupported: exNoSched},
	{in: secExec, name: "NUMAMask", parse: parseFunc(exParseNUMAMask), unsupported: exNoSched},
	{in: secExec, name: "UMask", parse: modeField(func(u *Unit) *uint32 { return &u.exCtx().UMask })},
	{in: secExec, name: "Environment", parse: parseFunc(exParseEnvironment)},
	{in: secExec, name: "EnvironmentFile", parse: parseFunc(exParseEnvironmentFile)},
	{in: secExec, name: "PassEnvironment", parse: parseFunc(exParsePassEnvironment)},
	{in: secExec, name: "UnsetEnvironment", parse: parseFunc(exParseUnsetEnvironment)},
	{in: secExec, name: "DynamicUser", parse: parseFunc(exParseDynamicUser)},
	{in: secExec, name: "RemoveIPC", parse: boolField(func(u *Unit) *bool { return &u.exCtx().RemoveIPC }), unsupported: exNoMisc},
	{in: secExec, name: "StandardInput", parse: parseFunc(exParseStandardInput)},
	{in: secExec, name: "StandardOutput", parse: parseFunc(exParseStandardOutput)},
	{in: secExec, name: "StandardError", parse: parseFunc(exParseStandardOutput)},
	{in: secExec, name: "StandardInputText", parse: parseFunc(exParseStandardInputText)},
	{in: secExec, name: "StandardInputData", parse: parseFunc(exParseStandardInputData)},
	{in: secExec, name: "TTYPath", parse: exPath{field: func(c *ExecContext) *string { return &c.TTYPath }}},
	{in: secExec, name: "TTYReset", parse: boolField(func(u *Unit) *bool { return &u.exCtx().TTYReset }), unsupported: exNoTTY},
	{in: secExec, name: "TTYVHangup", parse: boolField(func(u *Unit) *bool { return &u.exCtx().TTYVHangup }), unsupported: exNoTTY},
	{in: secExec, name: "TTYVTDisallocate", parse: boolField(func(u *Unit) *bool { return &u.exCtx().TTYVTDisallocate }), unsupported: exNoTTY},
	{in: secExec, name: "TTYRows", parse: exTTYSize(func(c *ExecContext) *int { return &c.TTYRows }), unsupported: exNoTTY},
	{in: secExec, name: "TTYColumns", parse: exTTYSize(func(c *ExecContext) *int { return &c.TTYColumns }), unsupported: exNoTTY},
	{in: secExec, name: "SyslogIdentifier", parse: exString(func(c *ExecContext) *string { return &c.SyslogIdentifier })},
	{in: secExec, name: "SyslogFacility", parse: parseFunc(exParseSyslogFacility), unsupported: exNoJournal},
	{in: secExec, name: "SyslogLevel", parse: parseFunc(exParseSyslogLevel), unsupported: exNoJournal},
	{in: secExec, name: "SyslogLevelPrefix", parse: boolField(func(u *Unit) *bool { return &u.exCtx().SyslogLevelPrefix }), unsupported: exNoJournal},
	{in: secExec, name: "LogLevelMax", parse: parseFunc(exParseLogLevelMax), unsupported: exNoJournal},
	{in: secExec, name: "LogRateLimitIntervalSec", parse: parseFunc(exParseLogRateLimitInterval), unsupported: exNoJournal},
	{in: secExec, name: "LogRateLimitBurst", parse: parseFunc(exParseLogRateLimitBurst), unsupported: exNoJournal},
	{in: secExec, name: "LogExtraFields", parse: parseFunc(exParseLogExtraFields), unsupported: exNoJournal},
	{in: secExec, name: "Capabilities", parse: parseFunc(parseRemoved), unsupported: exLegacy},
	{in: secExec, name: "SecureBits", parse: parseFunc(exParseSecureBits), unsupported: exNoMisc},
	{in: secExec, name: "CapabilityBoundingSet", parse: parseFunc(exParseCapabilities)},
	{in: secExec, name: "AmbientCapabilities", parse: parseFunc(exParseCapabilities)},
	{in: secExec, name: "TimerSlackNSec", parse: parseFunc(exParseTimerSlack), unsupported: exNoSched},
	{in: secExec, name: "NoNewPrivileges", parse: boolField(func(u *Unit) *bool { return &u.exCtx().NoNewPrivileges })},
	{in: secExec, name: "KeyringMode", parse: enumField{msg: "Failed to parse keyring mode", values: []string{"inherit", "private", "shared"}, field: func(u *Unit) *string { return &u.exCtx().KeyringMode }}, unsupported: exNoMisc},
	{in: secExec, name: "ProtectProc", parse: enumField{msg: "Failed to parse /proc/ protection mode", values: []string{"noaccess", "invisible", "ptraceable", "default"}, field: func(u *Unit) *string { return &u.exCtx().ProtectProc }}, unsupported: exNoSandbox},
	{in: secExec, name: "ProcSubset", parse: enumField{msg: "Failed to parse /proc/ subset mode", values: []string{"all", "pid"}, field: func(u *Unit) *string { return &u.exCtx().ProcSubset }}, unsupported: exNoSandbox},
	{in: secExec, name: "SystemCallFilter", parse: parseFunc(exParseSystemCallFilter), unsupported: exNoSeccomp},
	{in: secExec, name: "SystemCallArchitectures", parse: parseFunc(exParseSystemCallArchitectures), unsupported: exNoSeccomp},
	{in: secExec, name: "SystemCallErrorNumber", parse: parseFunc(exParseSystemCallErrorNumber), unsupported: exNoSeccomp},
	{in: secExec, name: "SystemCallLog", parse: parseFunc(exParseSystemCallLog), unsupported: exNoSeccomp},
	{in: secExec, name: "MemoryDenyWriteExecute", parse: boolField(func(u *Unit) *bool { return &u.exCtx().MemoryDenyWriteExecute }), unsupported: exNoSeccomp},
	{in: secExec, name: "RestrictNamespaces", parse: parseFunc(exParseRestrictNamespaces), unsupported: exNoSeccomp},
	{in: secExec, name: "RestrictRealtime", parse: boolField(func(u *Unit) *bool { return &u.exCtx().RestrictRealtime }), unsupported: exNoSeccomp},
	{in: secExec, name: "RestrictSUIDSGID", parse: boolField(func(u *Unit) *bool { return &u.exCtx().RestrictSUIDSGID }), unsupported: exNoSeccomp},
	{in: secExec, name: "RestrictAddressFamilies", parse: parseFunc(exParseRestrictAddressFamilies), unsupported: exNoSeccomp},
	{in: secExec, name: "LockPersonality", parse: boolField(func(u *Unit) *bool { return &u.exCtx().LockPersonality }), unsupported: exNoSeccomp},
	{in: secExec, name: "RestrictFileSystems", parse: parseFunc(exParseRestrictFileSystems), unsupported: "BPF LSM filesystem restrictions are not implemented"},
	{in: secExec, name: "LimitCPU", parse: exRlimit(RlimitCPU)},
	{in: secExec, name: "LimitFSIZE", parse: exRlimit(RlimitFSIZE)},
	{in: secExec, name: "LimitDATA", parse: exRlimit(RlimitDATA)},
	{in: secExec, name: "LimitSTACK", parse: exRlimit(RlimitSTACK)},
	{in: secExec, name: "LimitCORE", parse: exRlimit(RlimitCORE)},
	{in: secExec, name: "LimitRSS", parse: exRlimit(RlimitRSS)},
	{in: secExec, name: "LimitNOFILE", parse: exRlimit(RlimitNOFILE)},
	{in: secExec, name: "LimitAS", parse: exRlimit(RlimitAS)},
	{in: secExec, name: "LimitNPROC", parse: exRlimit(RlimitNPROC)},
	{in: secExec, name: "LimitMEMLOCK", parse: exRlimit(RlimitMEMLOCK)},
	{in: secExec, name: "LimitLOCKS", parse: exRlimit(RlimitLOCKS)},
	{in: secExec, name: "LimitSIGPENDING", parse: exRlimit(RlimitSIGPENDING)},
	{in: secExec, name: "LimitMSGQUEUE", parse: exRlimit(RlimitMSGQUEUE)},
	{in: secExec, name: "LimitNICE", parse: exRlimit(RlimitNICE)},
	{in: secExec, name: "LimitRTPRIO", parse: exRlimit(RlimitRTPRIO)},
	{in: secExec, name: "LimitRTTIME", parse: exRlimit(RlimitRTTIME)},
	{in: secExec, name: "ReadWriteDirectories", parse: exNamespacePaths(func(c *ExecContext) *[]string { return &c.ReadWritePaths }), unsupported: exNoSandbox},
	{in: secExec, name: "ReadOnlyDirectories", parse: exNamespacePaths(func(c *ExecContext) *[]string { return &c.ReadOnlyPaths }), unsupported: exNoSandbox},
	{in: secExec, name: "InaccessibleDirectories", parse: exNamespacePaths(func(c *ExecContext) *[]string { return &c.InaccessiblePaths }), unsupported: exNoSandbox},
	{in: secExec, name: "ReadWritePaths", parse: exNamespacePaths(func(c *ExecContext) *[]string { return &c.ReadWritePaths }), unsupported: exNoSandbox},
	{in: secExec, name: "ReadOnlyPaths", parse: exNamespacePaths(func(c *ExecContext) *[]string { return &c.ReadOnlyPaths }), unsupported: exNoSandbox},
	{in: secExec, name: "InaccessiblePaths", parse: exNamespacePaths(func(c *ExecContext) *[]string { return &c.InaccessiblePaths }), unsupported: exNoSandbox},
	{in: secExec, name: "ExecPaths", parse: exNamespacePaths(func(c *ExecContext) *[]string { return &c.ExecPaths }), unsupported: exNoSandbox},
	{in: secExec, name: "NoExecPaths", parse: exNamespacePaths(func(c *ExecContext) *[]string { return &c.NoExecPaths }), unsupported: exNoSandbox},
	{in: secExec, name: "ExecSearchPath", parse: parseFunc(exParseExecSearchPath), unsupported: exNoMisc},
	{in: secExec, name: "BindPaths", parse: parseFunc(exParseBindPaths), unsupported: exNoSandbox},
	{in: secExec, name: "BindReadOnlyPaths", parse: parseFunc(exParseBindPaths), unsupported: exNoSandbox},
	{in: secExec, name: "TemporaryFileSystem", parse: parseFunc(exParseTemporaryFileSystem), unsupported: exNoSandbox},
	{in: secExec, name: "PrivateTmp", parse: boolField(func(u *Unit) *bool { return &u.exCtx().PrivateTmp })},
	{in: secExec, name: "PrivateDevices", parse: boolField(func(u *Unit) *bool { return &u.exCtx().PrivateDevices }), unsupported: exNoSandbox},
	{in: secExec, name: "ProtectKernelTunables", parse: boolField(func(u *Unit) *bool { return &u.exCtx().ProtectKernelTunables }), unsupported: exNoSandbox},
	{in: secExec, name: "ProtectKernelModules", parse: boolField(func(u *Unit) *bool { return &u.exCtx().ProtectKernelModules }), unsupported: exNoSandbox},
	{in: secExec, name: "ProtectKernelLogs", parse: boolField(func(u *Unit) *bool { return &u.exCtx().ProtectKernelLogs }), unsupported: exNoSandbox},
	{in: secExec, name: "ProtectClock", parse: boolField(func(u *Unit) *bool { return &u.exCtx().ProtectClock }), unsupported: exNoSandbox},
	{in: secExec, name: "ProtectControlGroups", parse: boolField(func(u *Unit) *bool { return &u.exCtx().ProtectControlGroups }), unsupported: exNoSandbox},
	{in: secExec, name: "NetworkNamespacePath", parse: exPath{field: func(c *ExecContext) *string { return &c.NetworkNamespacePath }}, unsupported: exNoNamespaces},
	{in: secExec, name: "IPCNamespacePath", parse: exPath{field: func(c *ExecContext) *string { return &c.IPCNamespacePath }}, unsupported: exNoNamespaces},
	{in: secExec, name: "LogNamespace", parse: parseFunc(exParseLogNamespace), unsupported: exNoJournal},
	{in: secExec, name: "PrivateNetwork", parse: boolField(func(u *Unit) *bool { return &u.exCtx().PrivateNetwork }), unsupported: exNoNamespaces},
	{in: secExec, name: "PrivateUsers", parse: boolField(func(u *Unit) *bool { return &u.exCtx().PrivateUsers }), unsupported: exNoSandbox},
	{in: secExec, name: "PrivateMounts", parse: boolField(func(u *Unit) *bool { return &u.exCtx().PrivateMounts }), unsupported: exNoSandbox},
	{in: secExec, name: "PrivateIPC", parse: boolField(func(u *Unit) *bool { return &u.exCtx().PrivateIPC }), unsupported: exNoNamespaces},
	{in: secExec, name: "ProtectSystem", parse: enumField{msg: "Failed to parse protect system value", values: []string{"no", "yes", "full", "strict"}, withBool: true, field: func(u *Unit) *string { return &u.exCtx().ProtectSystem }}, unsupported: exNoSandbox},
	{in: secExec, name: "ProtectHome", parse: enumField{msg: "Failed to parse protect home value", values: []string{"no", "yes", "read-only", "tmpfs"}, withBool: true, field: func(u *Unit) *string { return &u.exCtx().ProtectHome }}, unsupported: exNoSandbox},
	{in: secExec, name: "MountFlags", parse: parseFunc(exParseMountFlags), unsupported: exNoSandbox},
	{in: secExec, name: "MountAPIVFS", parse: parseFunc(exParseMountAPIVFS), unsupported: exNoSandbox},
	{in: secExec, name: "Personality", parse: parseFunc(exParsePersonality), unsupported: exNoMisc},
	{in: secExec, name: "RuntimeDirectoryPreserve", parse: enumField{msg: "Failed to parse runtime directory preserve mode", values: []string{"no", "yes", "restart"}, withBool: true, field: func(u *Unit) *string { return &u.exCtx().RuntimeDirectoryPreserve }}, unsupported: exNoMisc},
	{in: secExec, name: "RuntimeDirectoryMode", parse: modeField(func(u *Unit) *uint32 { return &u.exCtx().RuntimeDirectoryMode })},
	{in: secExec, name: "RuntimeDirectory", parse: parseFunc(exParseDirectories)},
	{in: secExec, name: "StateDirectoryMode", parse: modeField(func(u *Unit) *uint32 { return &u.exCtx().StateDirectoryMode })},
	{in: secExec, name: "StateDirectory", parse: parseFunc(exParseDirectories)},
	{in: secExec, name: "CacheDirectoryMode", parse: modeField(func(u *Unit) *uint32 { return &u.exCtx().CacheDirectoryMode })},
	{in: secExec, name: "CacheDirectory", parse: parseFunc(exParseDirectories)},
	{in: secExec, name: "LogsDirectoryMode", parse: modeField(func(u *Unit) *uint32 { return &u.exCtx().LogsDirectoryMode })},
	{in: secExec, name: "LogsDirectory", parse: parseFunc(exParseDirectories)},
	{in: secExec, name: "ConfigurationDirectoryMode", parse: modeField(func(u *Unit) *uint32 { return &u.exCtx().ConfigurationDirectoryMode })},
	{in: secExec, name: "ConfigurationDirectory", parse: parseFunc(exParseDirectories)},
	{in: secExec, name: "SetCredential", parse: parseFunc(exParseSetCredential), unsupported: exNoCreds},
	{in: secExec, name: "SetCredentialEncrypted", parse: parseFunc(exParseSetCredential), unsupported: exNoCreds},
	{in: secExec, name: "LoadCredential", parse: parseFunc(exParseLoadCredential), unsupported: exNoCreds},
	{in: secExec, name: "LoadCredentialEncrypted", parse: parseFunc(exParseLoadCredential), unsupported: exNoCreds},
	{in: secExec, name: "TimeoutCleanSec", parse: parseFunc(exParseTimeoutClean), unsupported: "systemctl clean is not implemented"},
	{in: secExec, name: "PAMName", parse: exString(func(c *ExecContext) *string { return &c.PAMName }), unsupported: exNoPAM},
	{in: secExec, name: "IgnoreSIGPIPE", parse: boolField(func(u *Unit) *bool { return &u.exCtx().IgnoreSIGPIPE }), unsupported: exNoMisc},
	{in: secExec, name: "UtmpIdentifier", parse: exString(func(c *ExecContext) *string { return &c.UtmpIdentifier }), unsupported: "utmp records are not written"},
	{in: secExec, name: "UtmpMode", parse: enumField{msg: "Failed to parse utmp mode", values: []string{"init", "login", "user"}, field: func(u *Unit) *string { return &u.exCtx().UtmpMode }}, unsupported: "utmp records are not written"},
	{in: secExec, name: "SELinuxContext", parse: exLabel(func(c *ExecContext) (*string, *bool) { return &c.SELinuxContext, &c.SELinuxContextIgnore }), unsupported: exNoMAC},
	{in: secExec, name: "AppArmorProfile", parse: exLabel(func(c *ExecContext) (*string, *bool) { return &c.AppArmorProfile, &c.AppArmorProfileIgnore }), unsupported: exNoMAC},
	{in: secExec, name: "SmackProcessLabel", parse: exLabel(func(c *ExecContext) (*string, *bool) { return &c.SmackProcessLabel, &c.SmackProcessLabelIgnore }), unsupported: exNoMAC},
	{in: secExec, name: "ProtectHostname", parse: boolField(func(u *Unit) *bool { return &u.exCtx().ProtectHostname }), unsupported: exNoNamespaces},
}

// ---------------------------------------------------------------------
// Generic parsers (systemd's conf-parser.c ones, on the exec context)

// exParseDynamicUser is config_parse_bool for DynamicUser=, where a bad
// value is fatal.
func exParseDynamicUser(u *Unit, o *unit.Option) error {
	b, err := unit.ParseBool(o.Value)
	if err != nil {
		return fatal(fmt.Errorf("Failed to parse boolean value: %s", o.Value))
	}
	u.exCtx().DynamicUser = b
	return nil
}

// exString is config_parse_unit_string_printf: specifiers are expanded;
// an empty value resets.
type exString func(c *ExecContext) *string

func (field exString) parse(u *Unit, o *unit.Option) error {
	s, err := u.spec.Expand(o.Value)
	if err != nil {
		return fmt.Errorf("Failed to resolve unit specifiers in '%s', ignoring: %s", o.Value, exErrText(err))
	}
	*field(u.exCtx()) = s
	return nil
}

// exPath is config_parse_unit_path_printf: an absolute path, specifiers
// expanded and simplified; an empty value resets. With fatal
// (RootDirectory=, RootImage=, RootVerity=) a bad path makes the unit
// bad-setting.
type exPath struct {
	field func(c *ExecContext) *string
	fatal bool
}

func (x exPath) parse(u *Unit, o *unit.Option) error {
	c := u.exCtx()
	if o.Value == "" {
		*x.field(c) = ""
		return nil
	}
	s, err := u.spec.ExpandPath(o.Value)
	if err != nil {
		if x.fatal {
			return fatal(fmt.Errorf("Failed to resolve unit specifiers in '%s': %s", o.Value, exErrText(err)))
		}
		return fmt.Errorf("Failed to resolve unit specifiers in '%s', ignoring: %s", o.Value, exErrText(err))
	}
	p, err := exCheckPath(o.Name, s, exAbsolute, x.fatal)
	if err != nil && x.fatal {
		return fatal(err)
	}
	if err != nil {
		return err
	}
	*x.field(c) = p
	return nil
}

// exLabel is SELinuxContext=, AppArmorProfile= and SmackProcessLabel=:
// "-" makes a failure to apply the label non-fatal.
type exLabel func(c *ExecContext) (*string, *bool)

func (field exLabel) parse(u *Unit, o *unit.Option) error {
	s, ign := field(u.exCtx())
	if o.Value == "" {
		*s, *ign = "", false
		return nil
	}
	v, ignore := strings.CutPrefix(o.Value, "-")
	k, err := u.spec.Expand(v)
	if err != nil {
		if ignore {
			return fmt.Errorf("Failed to resolve unit specifiers in '%s', ignoring: %s", v, exErrText(err))
		}
		return fatal(fmt.Errorf("Failed to resolve unit specifiers in '%s': %s", v, exErrText(err)))
	}
	*s, *ign = k, ignore
	return nil
}

// exTTYSize is TTYRows= and TTYColumns=: an unsigned number; empty unsets.
type exTTYSize func(c *ExecContext) *int

func (field exTTYSize) parse(u *Unit, o *unit.Option) error {
	if o.Value == "" {
		*field(u.exCtx()) = -1
		return nil
	}
	v, err := exParseUint(o.Value, 32)
	if err != nil {
		return fmt.Errorf("Failed to parse unsigned value, ignoring: %s", o.Value)
	}
	*field(u.exCtx()) = int(v)
	return nil
}

// exWarn records a warning about part of a setting whose other parts are
// still applied.
func exWarn(u *Unit, o *unit.Option, format string, args ...any) {
	u.diagWarn(o, fmt.Sprintf(format, args...))
}

// exErrText is strerror() of an error from the unit package: "Invalid
// slot" for EBADSLT.
func exErrText(err error) string {
	var e syscall.Errno
	if errors.As(err, &e) {
		s := e.Error()
		if s != "" && s[0] >= 'a' && s[0] <= 'z' {
			s = string(s[0]-'a'+'A') + s[1:]
		}
		return s
	}
	return err.Error()
}

// Kinds of path exCheckPath accepts.
const (
	exAbsolute = iota
	exRelative
)

// exCheckPath is systemd's path_simplify_and_warn(): p must be valid
// UTF-8, absolute (or relative), and normalized once simplified. The
// error carries systemd's message, which says ", ignoring" unless
// isFatal (the caller decides what a fatal error does).
func exCheckPath(lvalue, p string, kind int, isFatal bool) (string, error) {
	ign := ", ignoring"
	if isFatal {
		ign = ""
	}
	if !utf8.ValidString(p) {
		return "", fmt.Errorf("String is not UTF-8 clean, ignoring assignment: %s", strings.ToValidUTF8(p, "\uFFFD"))
	}
	abs := strings.HasPrefix(p, "/")
	if kind == exAbsolute && !abs {
		return "", fmt.Errorf("%s= path is not absolute%s: %s", lvalue, ign, p)
	}
	if kind == exRelative && abs {
		return "", fmt.Errorf("%s= path is absolute%s: %s", lvalue, ign, p)
	}
	p = unit.PathSimplify(p)
	if len(p) >= 4096 {
		return "", fmt.Errorf("%s= path has invalid length (%d bytes)%s.", lvalue, len(p), ign)
	}
	if !exPathNormalized(p) {
		return "", fmt.Errorf("%s= path is not normalized%s: %s", lvalue, ign, p)
	}
	return p, nil
}

// exPathNormalized is path_is_normalized() of a simplified path: no ".."
// and no "." component, no double slash.
func exPathNormalized(p string) bool {
	for _, c := range strings.Split(p, "/") {
		if c == ".." || c == "." || len(c) > 255 {
			return false
		}
	}
	return !strings.Contains(p, "//")
}

// exParseUint is systemd's safe_atou64()/safe_atou(): leading blanks, an
// optional "+", C number syntax ("0x" hex, "0" octal, also "0b", "0o");
// "-0" is 0 and other negative numbers are ERANGE. bitSize is 32 or 64.
func exParseUint(s string, bitSize int) (uint64, error) {
	s = strings.TrimLeft(s, " \t\n\r\v\f")
	neg := false
	t := s
	if t != "" && (t[0] == '+' || t[0] == '-') {
		neg = t[0] == '-'
		t = t[1:]
	}
	base := 10
	switch {
	case len(t) > 2 && t[0] == '0' && (t[1] == 'x' || t[1] == 'X'):
		base, t = 16, t[2:]
	case len(t) > 2 && t[0] == '0' && t[1] == 'b':
		base, t = 2, t[2:]
	case len(t) > 2 && t[0] == '0' && t[1] == 'o':
		base, t = 8, t[2:]
	case len(t) > 1 && t[0] == '0':
		base, t = 8, t[1:]
	}
	if t == "" || t[0] == '+' || t[0] == '-' {
		return 0, syscall.EINVAL
	}
	v, err := strconv.ParseUint(t, base, 64)
	if err != nil {
		if errors.Is(err, strconv.ErrRange) {
			return 0, syscall.ERANGE
		}
		return 0, syscall.EINVAL
	}
	if neg && v != 0 {
		return 0, syscall.ERANGE
	}
	if bitSize == 32 && v > 1<<32-1 {
		return 0, syscall.ERANGE
	}
	return v, nil
}

// exParseInt is systemd's safe_atoi(): as exParseUint with a sign, in the
// range of int32.
func exParseInt(s string) (int, error) {
	s = strings.TrimLeft(s, " \t\n\r\v\f")
	neg := strings.HasPrefix(s, "-")
	t := strings.TrimPrefix(strings.TrimPrefix(s, "-"), "+")
	if len(s)-len(t) > 1 {
		return 0, syscall.EINVAL
	}
	v, err := exParseUint(t, 64)
	if err != nil {
		return 0, err
	}
	if !neg && v > 1<<31-1 || neg && v > 1<<31 {
		return 0, syscall.ERANGE
	}
	if neg {
		return -int(v), nil
	}
	return int(v), nil
}

// ---------------------------------------------------------------------
// Environment

func exEnvNameValid(n string) bool {
	if n == "" || n[0] >= '0' && n[0] <= '9' {
		return false
	}
	for i := 0; i < len(n); i++ {
		c := n[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

func exEnvAssignmentValid(s string) bool {
	name, value, ok := strings.Cut(s, "=")
	return ok && exEnvNameValid(name) && utf8.ValidString(value)
}

// exParseEnvironment is config_parse_environ: quoted words with C
// escapes, specifiers expanded in each; an empty value resets.
func exParseEnvironment(u *Unit, o *unit.Option) error {
	c := u.exCtx()
	if o.Value == "" {
		c.Environment = nil
		return nil
	}
	return eachWord(o, o.Value, unit.ExtractCUnescape|unit.ExtractUnquote, func(word string) error {
		s, err := u.spec.Expand(word)
		if err != nil {
			exWarn(u, o, "Failed to resolve specifiers in %s, ignoring: %s", word, exErrText(err))
			return nil
		}
		if !exEnvAssignmentValid(s) {
			exWarn(u, o, "Invalid environment assignment, ignoring: %s", s)
			return nil
		}
		c.Environment = exEnvReplace(c.Environment, s)
		return nil
	})
}

// exEnvReplace sets an assignment, replacing one of the same name in place.
func exEnvReplace(env []string, s string) []string {
	name, _, _ := strings.Cut(s, "=")
	for i, e := range env {
		if n, _, _ := strings.Cut(e, "="); n == name {
			env[i] = s
			return env
		}
	}
	return append(env, s)
}

// exParseEnvironmentFile is config_parse_unit_env_file: one absolute path,
// "-" prefix allowed; an empty value resets.
func exParseEnvironmentFile(u *Unit, o *unit.Option) error {
	c := u.exCtx()
	if o.Value == "" {
		c.EnvironmentFiles = nil
		return nil
	}
	s, err := u.spec.ExpandPath(o.Value)
	if err != nil {
		return fmt.Errorf("Failed to resolve unit specifiers in '%s', ignoring: %s", o.Value, exErrText(err))
	}
	p, dash := strings.CutPrefix(s, "-")
	p, err = exCheckPath(o.Name, p, exAbsolute, false)
	if err != nil {
		return err
	}
	if dash {
		p = "-" + p
	}
	c.EnvironmentFiles = append(c.EnvironmentFiles, p)
	return nil
}

// exParsePassEnvironment is config_parse_pass_environ: variable names,
// added once each; an empty value resets.
func exParsePassEnvironment(u *Unit, o *unit.Option) error {
	return exParseEnvNames(u, o, false, &u.exCtx().PassEnvironment)
}

// exParseUnsetEnvironment is config_parse_unset_environ: names or
// assignments, C escapes decoded.
func exParseUnsetEnvironment(u *Unit, o *unit.Option) error {
	return exParseEnvNames(u, o, true, &u.exCtx().UnsetEnvironment)
}

func exParseEnvNames(u *Unit, o *unit.Option, unset bool, list *[]string) error {
	if o.Value == "" {
		*list = nil
		return nil
	}
	flags := unit.ExtractUnquote
	if unset {
		flags |= unit.ExtractCUnescape
	}
	var add []string
	w := unit.NewWords(o.Value)
	for {
		word, ok, err := w.Next("", flags)
		if err != nil {
			exWarn(u, o, "Trailing garbage in %s, ignoring: %s", o.Name, o.Value)
			break
		}
		if !ok {
			break
		}
		k, err := u.spec.Expand(word)
		if err != nil {
			if unset {
				exWarn(u, o, "Failed to resolve unit specifiers in %s, ignoring: %s", word, exErrText(err))
			} else {
				exWarn(u, o, "Failed to resolve specifiers in %s, ignoring: %s", word, exErrText(err))
			}
			continue
		}
		switch {
		case unset && !exEnvAssignmentValid(k) && !exEnvNameValid(k):
			exWarn(u, o, "Invalid environment name or assignment %s, ignoring: %s", o.Name, k)
			continue
		case !unset && !exEnvNameValid(k):
			exWarn(u, o, "Invalid environment name for %s, ignoring: %s", o.Name, k)
			continue
		}
		add = append(add, k)
	}
	for _, k := range add {
		*list = appendUnique(*list, k)
	}
	return nil
}

// ---------------------------------------------------------------------
// Users, directories, paths

// exUser is config_parse_user_group_compat: a user or group name or
// numeric ID, specifiers expanded; an invalid one is fatal.
type exUser func(c *ExecContext) *string

func (field exUser) parse(u *Unit, o *unit.Option) error {
	c := u.exCtx()
	if o.Value == "" {
		*field(c) = ""
		return nil
	}
	k, err := u.spec.Expand(o.Value)
	if err != nil {
		return fatal(fmt.Errorf("Failed to resolve unit specifiers in %s: %s", o.Value, exErrText(err)))
	}
	if !exValidUserRelaxed(k) {
		return fatal(fmt.Errorf("Invalid user/group name or numeric ID: %s", k))
	}
	exWarnUnsafeUser(u, o, k)
	if o.Name == "User" && k == "nobody" {
		exWarn(u, o, "Special user %s configured, this is not safe!", k)
	}
	*field(c) = k
	return nil
}

func exWarnUnsafeUser(u *Unit, o *unit.Option, k string) {
	if !exIsUID(k) && !exValidUserStrict(k) {
		exWarn(u, o, "Accepting user/group name '%s', which does not match strict user/group name rules.", k)
	}
}

// exParseSupplementaryGroups is config_parse_user_group_strv_compat.
func exParseSupplementaryGroups(u *Unit, o *unit.Option) error {
	c := u.exCtx()
	if o.Value == "" {
		c.SupplementaryGroups = nil
		return nil
	}
	w := unit.NewWords(o.Value)
	for {
		word, ok, err := w.Next("", 0)
		if err != nil {
			return fatal(fmt.Errorf("Invalid syntax: %s", o.Value))
		}
		if !ok {
			return nil
		}
		k, err := u.spec.Expand(word)
		if err != nil {
			return fatal(fmt.Errorf("Failed to resolve unit specifiers in %s: %s", word, exErrText(err)))
		}
		if !exValidUserRelaxed(k) {
			return fatal(fmt.Errorf("Invalid user/group name or numeric ID: %s", k))
		}
		exWarnUnsafeUser(u, o, k)
		c.SupplementaryGroups = append(c.SupplementaryGroups, k)
	}
}

// exIsUID is parse_uid(): a decimal number without sign, leading zero or
// blank, below 2^32-1 and not 65535.
func exIsUID(s string) bool {
	if s == "" || len(s) > 1 && s[0] == '0' {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	v, err := strconv.ParseUint(s, 10, 32)
	return err == nil && v != 1<<32-1 && v != 65535
}

// exValidUserRelaxed is valid_user_group_name(VALID_USER_ALLOW_NUMERIC |
// VALID_USER_RELAX).
func exValidUserRelaxed(s string) bool {
	if s == "" {
		return false
	}
	if exIsUID(s) {
		return true
	}
	if s[0] == ' ' || s[len(s)-1] == ' ' || !utf8.ValidString(s) || strings.ContainsAny(s, ":/") || s == "." || s == ".." {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < ' ' || s[i] == 127 {
			return false
		}
	}
	digits := strings.TrimLeft(s, "0123456789")
	if digits == "" || s[0] == '-' && strings.TrimLeft(s[1:], "0123456789") == "" {
		return false
	}
	return true
}

// exValidUserStrict is valid_user_group_name() without flags: what
// systemd synthesizes itself.
func exValidUserStrict(s string) bool {
	if s == "" || exIsUID(s) || len(s) > 31 {
		return false
	}
	c := s[0]
	if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_') {
		return false
	}
	for i := 1; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// exParseWorkingDirectory is config_parse_working_directory: an absolute
// path or "~" (the user's home), optionally "-" prefixed (a missing
// directory is fine; the error is then not fatal either).
func exParseWorkingDirectory(u *Unit, o *unit.Option) error {
	c := u.exCtx()
	if o.Value == "" {
		c.WorkingDirectoryHome = false
		c.WorkingDirectory = ""
		return nil
	}
	v, missingOK := strings.CutPrefix(o.Value, "-")
	if v == "~" {
		c.WorkingDirectoryHome = true
		c.WorkingDirectory = ""
	} else {
		k, err := u.spec.ExpandPath(v)
		if err != nil {
			if missingOK {
				return fmt.Errorf("Failed to resolve unit specifiers in working directory path '%s', ignoring: %s", v, exErrText(err))
			}
			return fatal(fmt.Errorf("Failed to resolve unit specifiers in working directory path '%s': %s", v, exErrText(err)))
		}
		p, err := exCheckPath(o.Name, k, exAbsolute, !missingOK)
		if err != nil && !missingOK {
			return fatal(err)
		}
		if err != nil {
			return err
		}
		c.WorkingDirectoryHome = false
		c.WorkingDirectory = p
	}
	c.WorkingDirectoryMissingOK = missingOK
	return nil
}

// exNamespacePaths is config_parse_namespace_path_strv: absolute paths,
// each optionally prefixed "-" and then "+"; an empty value resets.
type exNamespacePaths func(c *ExecContext) *[]string

func (field exNamespacePaths) parse(u *Unit, o *unit.Option) error {
	list := field(u.exCtx())
	if o.Value == "" {
		*list = nil
		return nil
	}
	w := unit.NewWords(o.Value)
	for {
		word, ok, err := w.Next("", unit.ExtractUnquote)
		if err != nil {
			return fmt.Errorf("Failed to extract first word, ignoring: %s", o.Value)
		}
		if !ok {
			return nil
		}
		p, ignore := strings.CutPrefix(word, "-")
		p, prefix := strings.CutPrefix(p, "+")
		k, err := u.spec.ExpandPath(p)
		if err != nil {
			exWarn(u, o, "Failed to resolve unit specifiers in %s: %s", p, exErrText(err))
			continue
		}
		k, err = exCheckPath(o.Name, k, exAbsolute, false)
		if err != nil {
			exWarn(u, o, "%s", err)
			continue
		}
		if prefix {
			k = "+" + k
		}
		if ignore {
			k = "-" + k
		}
		*list = append(*list, k)
	}
}

// exParseExecSearchPath is config_parse_colon_separated_paths: each path
// is appended; the first bad one stops the rest. Empty resets.
func exParseExecSearchPath(u *Unit, o *unit.Option) error {
	c := u.exCtx()
	if o.Value == "" {
		c.ExecSearchPath = nil
		return nil
	}
	w := unit.NewWords(o.Value)
	for {
		word, ok, err := w.Next(":", unit.ExtractDontCoalesceSeparators)
		if err != nil {
			return fmt.Errorf("Failed to extract first word, ignoring: %s", o.Value)
		}
		if !ok {
			return nil
		}
		k, err := u.spec.ExpandPath(word)
		if err != nil {
			return fmt.Errorf("Failed to resolve unit specifiers in '%s', ignoring: %s", word, exErrText(err))
		}
		p, err := exCheckPath(o.Name, k, exAbsolute, false)
		if err != nil {
			return err
		}
		c.ExecSearchPath = append(c.ExecSearchPath, p)
	}
}

// exDirs returns the path list of a *Directory= setting.
func (c *ExecContext) exDirs(setting string) *[]string {
	switch setting {
	case "RuntimeDirectory":
		return &c.RuntimeDirectory
	case "StateDirectory":
		return &c.StateDirectory
	case "CacheDirectory":
		return &c.CacheDirectory
	case "LogsDirectory":
		return &c.LogsDirectory
	}
	return &c.ConfigurationDirectory
}

// exParseDirectories is config_parse_exec_directories: relative paths,
// each optionally "path:symlink" (not for ConfigurationDirectory=); an
// empty value resets.
func exParseDirectories(u *Unit, o *unit.Option) error {
	c := u.exCtx()
	list := c.exDirs(o.Name)
	if o.Value == "" {
		*list = nil
		keep := c.DirectorySymlinks[:0]
		for _, s := range c.DirectorySymlinks {
			if s.Setting != o.Name {
				keep = append(keep, s)
			}
		}
		c.DirectorySymlinks = keep
		return nil
	}
	w := unit.NewWords(o.Value)
	for {
		tuple, ok, err := w.Next("", unit.ExtractUnquote|unit.ExtractRetainEscape)
		if err != nil {
			return fmt.Errorf("Invalid syntax %s=%s, ignoring: %s", o.Name, o.Value, exErrText(err))
		}
		if !ok {
			return nil
		}
		t := unit.NewWords(tuple)
		src, ok1, err1 := t.Next(":", unit.ExtractCUnescape|unit.ExtractUnescapeSeparators)
		dest, _, err2 := t.Next(":", unit.ExtractCUnescape|unit.ExtractUnescapeSeparators)
		if err1 != nil || err2 != nil || !ok1 {
			return fmt.Errorf("Invalid syntax in %s=, ignoring: %s", o.Name, tuple)
		}
		k, err := u.spec.ExpandPath(src)
		if err != nil {
			exWarn(u, o, "Failed to resolve unit specifiers in \"%s\", ignoring: %s", src, exErrText(err))
			continue
		}
		p, err := exCheckPath(o.Name, k, exRelative, false)
		if err != nil {
			exWarn(u, o, "%s", err)
			continue
		}
		if p == "private" || strings.HasPrefix(p, "private/") {
			exWarn(u, o, "%s= path can't be 'private', ignoring assignment: %s", o.Name, tuple)
			continue
		}
		var link string
		if dest != "" {
			if o.Name == "ConfigurationDirectory" {
				exWarn(u, o, "Destination parameter is not supported for ConfigurationDirectory, ignoring: %s", tuple)
				continue
			}
			d, err := u.spec.ExpandPath(dest)
			if err != nil {
				exWarn(u, o, "Failed to resolve unit specifiers in \"%s\", ignoring: %s", dest, exErrText(err))
				continue
			}
			if link, err = exCheckPath(o.Name, d, exRelative, false); err != nil {
				exWarn(u, o, "%s", err)
				continue
			}
		}
		found := false
		for _, x := range *list {
			found = found || x == p
		}
		if !found {
			*list = append(*list, p)
		}
		if link != "" {
			c.DirectorySymlinks = append(c.DirectorySymlinks, DirectorySymlink{Setting: o.Name, Path: p, Symlink: link})
		}
	}
}

// exPathLess orders paths as systemd's path_compare(): component by
// component, a path before the paths below it.
func exPathLess(a, b string) bool {
	ca, cb := strings.Split(a, "/"), strings.Split(b, "/")
	for i := 0; i < len(ca) && i < len(cb); i++ {
		if ca[i] != cb[i] {
			return ca[i] < cb[i]
		}
	}
	return len(ca) < len(cb)
}

// exParseBindPaths is config_parse_bind_paths:
// "[-]source[:destination[:rbind|norbind]]" words.
func exParseBindPaths(u *Unit, o *unit.Option) error {
	c := u.exCtx()
	list := &c.BindPaths
	if o.Name == "BindReadOnlyPaths" {
		list = &c.BindReadOnlyPaths
	}
	if o.Value == "" {
		*list = nil
		return nil
	}
	const seps = ": \t\n\r"
	flags := unit.ExtractUnquote | unit.ExtractDontCoalesceSeparators
	w := unit.NewWords(o.Value)
	afterColon := func() bool {
		used := len(o.Value) - len(w.Rest())
		return !w.Done() && used > 0 && o.Value[used-1] == ':'
	}
	for {
		source, ok, err := w.Next(seps, flags)
		if err != nil {
			return fmt.Errorf("Failed to parse %s, ignoring: %s", o.Name, o.Value)
		}
		if !ok {
			return nil
		}
		if source == "" && !afterColon() {
			continue // consecutive blanks make empty words
		}
		s, err := u.spec.ExpandPath(source)
		if err != nil {
			exWarn(u, o, "Failed to resolve unit specifiers in \"%s\", ignoring: %s", source, exErrText(err))
			continue
		}
		s, ignore := strings.CutPrefix(s, "-")
		if s, err = exCheckPath(o.Name, s, exAbsolute, false); err != nil {
			exWarn(u, o, "%s", err)
			continue
		}
		b := BindMount{Source: s, Destination: s, IgnoreENOENT: ignore, Recursive: true}
		if afterColon() {
			dest, ok, err := w.Next(seps, flags)
			if err != nil {
				return fmt.Errorf("Failed to parse %s, ignoring: %s", o.Name, o.Value)
			}
			if !ok {
				exWarn(u, o, "Missing argument after ':', ignoring: %s", s)
				continue
			}
			d, err := u.spec.ExpandPath(dest)
			if err != nil {
				exWarn(u, o, "Failed to resolve specifiers in \"%s\", ignoring: %s", dest, exErrText(err))
				continue
			}
			if d, err = exCheckPath(o.Name, d, exAbsolute, false); err != nil {
				exWarn(u, o, "%s", err)
				continue
			}
			b.Destination = d
			if afterColon() {
				opt, _, err := w.Next("", unit.ExtractUnquote)
				if err != nil {
					return fmt.Errorf("Failed to parse %s=, ignoring: %s", o.Name, o.Value)
				}
				switch opt {
				case "", "rbind":
				case "norbind":
					b.Recursive = false
				default:
					exWarn(u, o, "Invalid option string, ignoring setting: %s", opt)
					continue
				}
			}
		}
		*list = append(*list, b)
	}
}

// exParseTemporaryFileSystem is config_parse_temporary_filesystems:
// "path[:options]" words.
func exParseTemporaryFileSystem(u *Unit, o *unit.Option) error {
	c := u.exCtx()
	if o.Value == "" {
		c.TemporaryFileSystem = nil
		return nil
	}
	w := unit.NewWords(o.Value)
	for {
		word, ok, err := w.Next("", unit.ExtractUnquote)
		if err != nil {
			return fmt.Errorf("Failed to extract first word, ignoring: %s", o.Value)
		}
		if !ok {
			return nil
		}
		path, opts, _ := strings.Cut(word, ":")
		if path == "" {
			exWarn(u, o, "Invalid syntax, ignoring: %s", word)
			continue
		}
		k, err := u.spec.ExpandPath(path)
		if err != nil {
			exWarn(u, o, "Failed to resolve unit specifiers in %s, ignoring: %s", path, exErrText(err))
			continue
		}
		if k, err = exCheckPath(o.Name, k, exAbsolute, false); err != nil {
			exWarn(u, o, "%s", err)
			continue
		}
		c.TemporaryFileSystem = append(c.TemporaryFileSystem, TemporaryFileSystem{Path: k, Options: opts})
	}
}

// exPartitions are the partition designators of systemd 252.
var exPartitions = []string{"root", "root-secondary", "root-other", "usr", "usr-secondary", "usr-other", "home", "srv",
	"esp", "xbootldr", "swap", "root-verity", "root-secondary-verity", "root-other-verity", "usr-verity",
	"usr-secondary-verity", "usr-other-verity", "root-verity-sig", "root-secondary-verity-sig", "root-other-verity-sig",
	"usr-verity-sig", "usr-secondary-verity-sig", "usr-other-verity-sig", "tmp", "var"}

func exPartitionValid(p string) bool {
	for _, x := range exPartitions {
		if x == p {
			return true
		}
	}
	return false
}

// exParseMountOptions reads the "partition:options" pairs that follow
// the paths of MountImages= and ExtensionImages=; a single field is the
// root partition's options.
func exParseMountOptions(u *Unit, o *unit.Option, t *unit.Words) []MountOption {
	var opts []MountOption
	const flags = unit.ExtractCUnescape | unit.ExtractUnescapeSeparators
	for {
		part, ok, _ := t.Next(":", flags)
		if !ok {
			return opts
		}
		options, ok2, _ := t.Next(":", flags)
		if !ok2 {
			s, err := u.spec.Expand(part)
			if err != nil {
				exWarn(u, o, "Failed to resolve unit specifiers in %s, ignoring: %s", part, exErrText(err))
				return opts
			}
			return append(opts, MountOption{Partition: "root", Options: s})
		}
		if !exPartitionValid(part) {
			exWarn(u, o, "Invalid partition name %s, ignoring", part)
			continue
		}
		s, err := u.spec.Expand(options)
		if err != nil {
			exWarn(u, o, "Failed to resolve unit specifiers in %s, ignoring: %s", options, exErrText(err))
			continue
		}
		opts = append(opts, MountOption{Partition: part, Options: s})
	}
}

// exParseMountImages is config_parse_mount_images:
// "[-]source:destination[:partition:options...]" words.
func exParseMountImages(u *Unit, o *unit.Option) error {
	return exParseImages(u, o, true)
}

// exParseExtensionImages is config_parse_extension_images:
// "[-]source[:partition:options...]" words.
func exParseExtensionImages(u *Unit, o *unit.Option) error {
	return exParseImages(u, o, false)
}

func exParseImages(u *Unit, o *unit.Option, withDest bool) error {
	c := u.exCtx()
	list := &c.ExtensionImages
	if withDest {
		list = &c.MountImages
	}
	if o.Value == "" {
		*list = nil
		return nil
	}
	const flags = unit.ExtractCUnescape | unit.ExtractUnescapeSeparators
	w := unit.NewWords(o.Value)
	for {
		tuple, ok, err := w.Next("", unit.ExtractUnquote|unit.ExtractRetainEscape)
		if err != nil {
			return fmt.Errorf("Invalid syntax %s=%s, ignoring: %s", o.Name, o.Value, exErrText(err))
		}
		if !ok {
			return nil
		}
		t := unit.NewWords(tuple)
		first, ok, err := t.Next(":", flags)
		if err != nil {
			return fmt.Errorf("Invalid syntax in %s=, ignoring: %s", o.Name, tuple)
		}
		if !ok {
			continue
		}
		var second string
		if withDest {
			second, _, _ = t.Next(":", flags)
		}
		s, ignore := strings.CutPrefix(first, "-")
		k, err := u.spec.ExpandPath(s)
		if err != nil {
			exWarn(u, o, "Failed to resolve unit specifiers in \"%s\", ignoring: %s", s, exErrText(err))
			continue
		}
		if k, err = exCheckPath(o.Name, k, exAbsolute, false); err != nil {
			exWarn(u, o, "%s", err)
			continue
		}
		img := MountImage{Source: k, IgnoreENOENT: ignore}
		if withDest {
			if second == "" {
				exWarn(u, o, "Missing destination in %s, ignoring: %s", o.Name, o.Value)
				continue
			}
			d, err := u.spec.ExpandPath(second)
			if err != nil {
				exWarn(u, o, "Failed to resolve specifiers in \"%s\", ignoring: %s", second, exErrText(err))
				continue
			}
			if d, err = exCheckPath(o.Name, d, exAbsolute, false); err != nil {
				exWarn(u, o, "%s", err)
				continue
			}
			img.Destination = d
		}
		img.Options = exParseMountOptions(u, o, &t)
		*list = append(*list, img)
	}
}

// exParseRootImageOptions is config_parse_root_image_options:
// "partition:options" or "options" (for root) words.
func exParseRootImageOptions(u *Unit, o *unit.Option) error {
	c := u.exCtx()
	if o.Value == "" {
		c.RootImageOptions = nil
		return nil
	}
	words, err := unit.SplitWords(o.Value)
	if err != nil {
		return fmt.Errorf("Failed to parse %s, ignoring: %s", o.Name, o.Value)
	}
	var opts []MountOption
	for _, word := range words {
		part, options, found := strings.Cut(word, ":")
		if !found || options == "" {
			part, options = "root", part
		}
		if !exPartitionValid(part) {
			exWarn(u, o, "Invalid partition name %s, ignoring", part)
			continue
		}
		s, err := u.spec.Expand(options)
		if err != nil {
			exWarn(u, o, "Failed to resolve unit specifiers in %s, ignoring: %s", options, exErrText(err))
			continue
		}
		opts = append(opts, MountOption{Partition: part, Options: s})
	}
	if opts == nil {
		c.RootImageOptions = nil
	} else {
		c.RootImageOptions = append(c.RootImageOptions, opts...)
	}
	return nil
}

// exParseRootHash is config_parse_exec_root_hash: a path or hex data of at
// least 16 bytes.
func exParseRootHash(u *Unit, o *unit.Option) error {
	c := u.exCtx()
	switch {
	case o.Value == "":
		c.RootHash, c.RootHashPath = nil, ""
	case strings.HasPrefix(o.Value, "/"):
		c.RootHash, c.RootHashPath = nil, o.Value
	default:
		b, err := hex.DecodeString(o.Value)
		if err != nil {
			return fmt.Errorf("Failed to decode RootHash=, ignoring: %s", o.Value)
		}
		if len(b) < 16 {
			return fmt.Errorf("RootHash= is too short, ignoring: %s", o.Value)
		}
		c.RootHash, c.RootHashPath = b, ""
	}
	return nil
}

// exParseRootHashSignature is config_parse_exec_root_hash_sig: a path or
// "base64:" data.
func exParseRootHashSignature(u *Unit, o *unit.Option) error {
	c := u.exCtx()
	switch {
	case o.Value == "":
		c.RootHashSignature, c.RootHashSignaturePath = nil, ""
	case strings.HasPrefix(o.Value, "/"):
		c.RootHashSignature, c.RootHashSignaturePath = nil, o.Value
	default:
		v, ok := strings.CutPrefix(o.Value, "base64:")
		if !ok {
			return fmt.Errorf("Failed to decode RootHashSignature=, not a path but doesn't start with 'base64:', ignoring: %s", o.Value)
		}
		b, err := exDecodeBase64(v)
		if err != nil {
			return fmt.Errorf("Failed to decode RootHashSignature=, ignoring: %s", o.Value)
		}
		c.RootHashSignature, c.RootHashSignaturePath = b, ""
	}
	return nil
}

// exDecodeBase64 is unbase64mem(): standard alphabet, whitespace ignored,
// padding optional.
func exDecodeBase64(s string) ([]byte, error) {
	s = strings.Map(func(r rune) rune {
		if strings.ContainsRune(" \t\n\r", r) {
			return -1
		}
		return r
	}, s)
	return base64.RawStdEncoding.DecodeString(strings.TrimRight(s, "="))
}

// ---------------------------------------------------------------------
// Process settings

// exParseNice is config_parse_exec_nice: -20..19; empty resets.
func exParseNice(u *Unit, o *unit.Option) error {
	c := u.exCtx()
	return exParseBounded(o.Value, -20, 19, &c.Nice, &c.NiceSet,
		"Nice priority out of range, ignoring: %[1]s", "Failed to parse nice priority '%[1]s', ignoring: %[2]s")
}

// exParseOOMScoreAdjust is config_parse_exec_oom_score_adjust: -1000..1000.
func exParseOOMScoreAdjust(u *Unit, o *unit.Option) error {
	c := u.exCtx()
	return exParseBounded(o.Value, -1000, 1000, &c.OOMScoreAdjust, &c.OOMScoreAdjustSet,
		"OOM score adjust value out of range, ignoring: %[1]s", "Failed to parse the OOM score adjust value '%[1]s', ignoring: %[2]s")
}

// exParseBounded parses an integer in lo..hi into *v and sets *set; an
// empty value clears *set. rangeMsg and parseMsg are systemd's warnings
// (%[1]s the value, %[2]s the parse error).
func exParseBounded(value string, lo, hi int, v *int, set *bool, rangeMsg, parseMsg string) error {
	if value == "" {
		*set = false
		return nil
	}
	n, err := exParseInt(value)
	if err == nil && (n < lo || n > hi) {
		err = syscall.ERANGE
	}
	if err != nil {
		if errors.Is(err, syscall.ERANGE) {
			return fmt.Errorf(rangeMsg, value)
		}
		return fmt.Errorf(parseMsg, value, exErrText(err))
	}
	*v, *set = n, true
	return nil
}

// exCoredumpFilterBits are the names of /proc/PID/coredump_filter bits.
var exCoredumpFilterBits = []string{"private-anonymous", "shared-anonymous", "private-file-backed", "shared-file-backed",
	"elf-headers", "private-huge", "shared-huge", "private-dax", "shared-dax"}

// exParseCoredumpFilter is config_parse_exec_coredump_filter: bit names,
// "default" (0x33), "all" or hex numbers, ORed into the mask.
//
// systemd 252 marks OOMScoreAdjust= (not CoredumpFilter=) as set here, so
// CoredumpFilter= never shows and an unset OOMScoreAdjust= shows 0; gosd
// keeps that, as the recorded behaviour wins.
func exParseCoredumpFilter(u *Unit, o *unit.Option) error {
	c := u.exCtx()
	if o.Value == "" {
		c.CoredumpFilter, c.CoredumpFilterSet = 0, false
		return nil
	}
	var f uint64
	w := unit.NewWords(o.Value)
	for {
		word, ok, err := w.Next("", 0)
		if err != nil {
			return fmt.Errorf("Failed to parse the CoredumpFilter=%s, ignoring: %s", o.Value, exErrText(err))
		}
		if !ok {
			break
		}
		switch word {
		case "default":
			f |= 0x33
			continue
		case "all":
			f |= 1<<64 - 1
			continue
		}
		found := false
		for i, n := range exCoredumpFilterBits {
			if n == word {
				f |= 1 << i
				found = true
			}
		}
		if found {
			continue
		}
		v, err := strconv.ParseUint(strings.TrimPrefix(word, "0x"), 16, 64)
		if err != nil {
			return fmt.Errorf("Failed to parse the CoredumpFilter=%s, ignoring: Invalid argument", o.Value)
		}
		f |= v
	}
	c.CoredumpFilter |= f
	c.OOMScoreAdjustSet = true
	return nil
}

var exIOClasses = []string{"none", "realtime", "best-effort", "idle"}

// exParseIOClass is config_parse_exec_io_class: a class name or number
// 0..8; empty resets to best-effort/4.
func exParseIOClass(u *Unit, o *unit.Option) error {
	c := u.exCtx()
	if o.Value == "" {
		c.IOSchedulingSet, c.IOSchedulingClass, c.IOSchedulingPriority = false, 2, 4
		return nil
	}
	x := exLookup(exIOClasses, o.Value, 8)
	if x < 0 {
		return fmt.Errorf("Failed to parse IO scheduling class, ignoring: %s", o.Value)
	}
	c.IOSchedulingClass = x
	c.exNormalizeIO()
	c.IOSchedulingSet = true
	return nil
}

// exNormalizeIO is ioprio_normalize(): class "none" means best-effort/4.
func (c *ExecContext) exNormalizeIO() {
	if c.IOSchedulingClass == 0 {
		c.IOSchedulingClass, c.IOSchedulingPriority = 2, 4
	}
}

// exParseIOPriority is config_parse_exec_io_priority: 0..7.
func exParseIOPriority(u *Unit, o *unit.Option) error {
	c := u.exCtx()
	if o.Value == "" {
		c.IOSchedulingSet, c.IOSchedulingClass, c.IOSchedulingPriority = false, 2, 4
		return nil
	}
	n, err := exParseInt(o.Value)
	if err != nil || n < 0 || n > 7 {
		return fmt.Errorf("Failed to parse IO priority, ignoring: %s", o.Value)
	}
	c.IOSchedulingPriority = n
	c.exNormalizeIO()
	c.IOSchedulingSet = true
	return nil
}

// exLookup finds s in a name table (its index) or, as systemd's
// string-table fallback, as a number up to max; -1 if neither.
func exLookup(table []string, s string, max int) int {
	for i, n := range table {
		if n != "" && n == s {
			return i
		}
	}
	v, err := exParseUint(s, 32)
	if err != nil || v > uint64(max) {
		return -1
	}
	return int(v)
}

var exSchedPolicies = []string{"other", "fifo", "rr", "batch", "", "idle"}

// exParseCPUSchedPolicy is config_parse_exec_cpu_sched_policy.
func exParseCPUSchedPolicy(u *Unit, o *unit.Option) error {
	c := u.exCtx()
	if o.Value == "" {
		c.CPUSchedulingSet, c.CPUSchedulingPolicy, c.CPUSchedulingPriority = false, 0, 0
		return nil
	}
	x := exLookup(exSchedPolicies, o.Value, 1<<31-1)
	if x < 0 {
		return fmt.Errorf("Failed to parse CPU scheduling policy, ignoring: %s", o.Value)
	}
	c.CPUSchedulingPolicy = x
	lo, hi := 0, 0
	if x == 1 || x == 2 {
		lo, hi = 1, 99
	}
	c.CPUSchedulingPriority = min(max(c.CPUSchedulingPriority, lo), hi)
	c.CPUSchedulingSet = true
	return nil
}

// exParseCPUSchedPriority is config_parse_exec_cpu_sched_prio: 0..99.
func exParseCPUSchedPriority(u *Unit, o *unit.Option) error {
	c := u.exCtx()
	n, err := exParseInt(o.Value)
	if err != nil {
		return fmt.Errorf("Failed to parse CPU scheduling priority, ignoring: %s", o.Value)
	}
	if n < 0 || n > 99 {
		return fmt.Errorf("CPU scheduling priority is out of range, ignoring: %s", o.Value)
	}
	c.CPUSchedulingPriority, c.CPUSchedulingSet = n, true
	return nil
}

// exParseCPUSet is parse_cpu_set_extend(): numbers and ranges separated
// by blanks or commas, merged into set; an empty value empties it.
func exParseCPUSet(u *Unit, o *unit.Option, value string, set *CPUMask) bool {
	var n CPUMask
	w := unit.NewWords(value)
	for {
		word, ok, err := w.Next(" \t\n\r,", unit.ExtractUnquote)
		if err != nil {
			exWarn(u, o, "Invalid value for %s: %s", o.Name, value)
			return false
		}
		if !ok {
			break
		}
		lo, hi, err := exParseRange(word)
		if err != nil {
			exWarn(u, o, "Failed to parse CPU affinity '%s'", word)
			return false
		}
		if lo > hi {
			exWarn(u, o, "Range '%s' is invalid, %d > %d, ignoring.", word, lo, hi)
			n.Allocated = true
			continue
		}
		if hi >= 8192 {
			exWarn(u, o, "Cannot add CPU %d to set: Numerical result out of range", hi)
			return false
		}
		for i := lo; i <= hi; i++ {
			n.add(int(i))
		}
	}
	if !n.Allocated {
		*set = CPUMask{}
		return true
	}
	for _, i := range n.List() {
		set.add(i)
	}
	set.Allocated = true
	return true
}

func exParseRange(s string) (uint64, uint64, error) {
	a, b, found := strings.Cut(s, "-")
	lo, err := exParseUint(a, 32)
	if err != nil {
		return 0, 0, err
	}
	if !found {
		return lo, lo, nil
	}
	hi, err := exParseUint(b, 32)
	return lo, hi, err
}

// exParseCPUAffinity is config_parse_exec_cpu_affinity: a CPU set or
// "numa" (the CPUs of NUMAMask=).
func exParseCPUAffinity(u *Unit, o *unit.Option) error {
	c := u.exCtx()
	if o.Value == "numa" {
		c.CPUAffinityFromNUMA = true
		c.CPUAffinity = CPUMask{}
		return nil
	}
	k, err := u.spec.Expand(o.Value)
	if err != nil {
		return fmt.Errorf("Failed to resolve unit specifiers in '%s', ignoring: %s", o.Value, exErrText(err))
	}
	if exParseCPUSet(u, o, k, &c.CPUAffinity) {
		c.CPUAffinityFromNUMA = false
	}
	return nil
}

var exNUMAPolicies = []string{"default", "preferred", "bind", "interleave", "local"}

// exParseNUMAPolicy is config_parse_numa_policy; empty resets.
func exParseNUMAPolicy(u *Unit, o *unit.Option) error {
	c := u.exCtx()
	if o.Value == "" {
		c.NUMAPolicy = -1
		return nil
	}
	for i, n := range exNUMAPolicies {
		if n == o.Value {
			c.NUMAPolicy = i
			return nil
		}
	}
	return fmt.Errorf("Invalid NUMA policy type, ignoring: %s", o.Value)
}

// exParseNUMAMask is config_parse_numa_mask: a node set or "all" (the
// nodes of this machine).
func exParseNUMAMask(u *Unit, o *unit.Option) error {
	c := u.exCtx()
	if o.Value == "all" {
		nodes, err := os.ReadFile("/sys/devices/system/node/online")
		if err != nil {
			return fmt.Errorf("Failed to create NUMA mask representing \"all\" NUMA nodes, ignoring: %s", exErrText(err))
		}
		exParseCPUSet(u, o, strings.TrimSpace(string(nodes)), &c.NUMAMask)
		return nil
	}
	exParseCPUSet(u, o, o.Value, &c.NUMAMask)
	return nil
}

// exParseTimerSlack is config_parse_nsec: a time span in nanoseconds by
// default, or "infinity" (the manager's slack).
func exParseTimerSlack(u *Unit, o *unit.Option) error {
	v, err := exParseNsec(o.Value)
	if err != nil {
		return fmt.Errorf("Failed to parse nsec value, ignoring: %s", o.Value)
	}
	u.exCtx().TimerSlackNSec = v
	return nil
}

// exParseNsec is systemd's parse_nsec(): like a time span, but plain
// numbers are nanoseconds and "ns"/"nsec" is accepted.
func exParseNsec(s string) (uint64, error) {
	t := strings.Trim(s, " \t\n\r")
	if t == "infinity" {
		return Infinity, nil
	}
	if t == "" {
		return 0, syscall.EINVAL
	}
	units := []struct {
		suffix string
		mult   float64
	}{{"seconds", 1e9}, {"second", 1e9}, {"sec", 1e9}, {"s", 1e9}, {"minutes", 60e9}, {"minute", 60e9}, {"min", 60e9},
		{"months", 2629800e9}, {"month", 2629800e9}, {"msec", 1e6}, {"ms", 1e6}, {"m", 60e9}, {"hours", 3600e9},
		{"hour", 3600e9}, {"hr", 3600e9}, {"h", 3600e9}, {"days", 86400e9}, {"day", 86400e9}, {"d", 86400e9},
		{"weeks", 604800e9}, {"week", 604800e9}, {"w", 604800e9}, {"years", 31557600e9}, {"year", 31557600e9},
		{"y", 31557600e9}, {"usec", 1e3}, {"us", 1e3}, {"µs", 1e3}, {"μs", 1e3}, {"nsec", 1}, {"ns", 1}, {"", 1}}
	var total float64
	for t != "" {
		t = strings.TrimLeft(t, " \t\n\r")
		i := 0
		for i < len(t) && (t[i] >= '0' && t[i] <= '9' || t[i] == '.') {
			i++
		}
		if i == 0 {
			return 0, syscall.EINVAL
		}
		num, err := strconv.ParseFloat(t[:i], 64)
		if err != nil {
			return 0, syscall.EINVAL
		}
		t = strings.TrimLeft(t[i:], " \t\n\r")
		mult := -1.0
		for _, un := range units {
			if un.suffix == "" {
				if t == "" || t[0] >= '0' && t[0] <= '9' {
					mult = 1
				}
				break
			}
			if rest, ok := strings.CutPrefix(t, un.suffix); ok && (rest == "" || !(rest[0] >= 'a' && rest[0] <= 'z' || rest[0] >= 'A' && rest[0] <= 'Z')) {
				mult, t = un.mult, rest
				break
			}
		}
		if mult < 0 {
			return 0, syscall.EINVAL
		}
		total += num * mult
	}
	if total >= float64(Infinity) {
		return 0, syscall.ERANGE
	}
	return uint64(total), nil
}

// exRlimit is config_parse_rlimit of its resource: "soft[:hard]", each a
// number in the resource's unit (bytes with K/M/G... suffixes, seconds for
// CPU, microseconds for RTTIME, nice levels for NICE) or "infinity".
type exRlimit int

func (res exRlimit) parse(u *Unit, o *unit.Option) error {
	rl, err := exParseRlimit(int(res), o.Value)
	if errors.Is(err, syscall.EILSEQ) {
		return fmt.Errorf("Soft resource limit chosen higher than hard limit, ignoring: %s", o.Value)
	}
	if err != nil {
		return fmt.Errorf("Failed to parse resource value, ignoring: %s", o.Value)
	}
	u.exCtx().Limits[res] = &rl
	return nil
}

func exParseRlimit(res int, s string) (Rlimit, error) {
	w := unit.NewWords(s)
	soft, ok, err := w.Next(":", unit.ExtractDontCoalesceSeparators)
	if err != nil || !ok {
		return Rlimit{}, syscall.EINVAL
	}
	sl, err := exParseRlimitValue(res, soft)
	if err != nil {
		return Rlimit{}, err
	}
	hard, ok, err := w.Next(":", unit.ExtractDontCoalesceSeparators)
	if err != nil || w.Rest() != "" {
		return Rlimit{}, syscall.EINVAL
	}
	if !ok {
		return Rlimit{sl, sl}, nil
	}
	hl, err := exParseRlimitValue(res, hard)
	if err != nil {
		return Rlimit{}, err
	}
	if sl > hl {
		return Rlimit{}, syscall.EILSEQ
	}
	return Rlimit{sl, hl}, nil
}

func exParseRlimitValue(res int, s string) (uint64, error) {
	if s == "infinity" {
		return RlimInfinity, nil
	}
	var v uint64
	var err error
	switch res {
	case RlimitCPU:
		v, err = unit.ParseTimespan(s, time.Second)
		if err == nil && v == Infinity {
			return RlimInfinity, nil
		}
		v = (v + 999_999) / 1_000_000
	case RlimitRTTIME:
		v, err = unit.ParseTimespan(s, time.Microsecond)
		if err == nil && v == Infinity {
			return RlimInfinity, nil
		}
	case RlimitFSIZE, RlimitDATA, RlimitSTACK, RlimitCORE, RlimitRSS, RlimitAS, RlimitMEMLOCK, RlimitMSGQUEUE:
		v, err = unit.ParseSize(s, 1024)
	case RlimitNICE:
		return exParseRlimitNice(s)
	default:
		v, err = exParseUint(s, 64)
	}
	if err != nil {
		return 0, err
	}
	if v >= RlimInfinity {
		return 0, syscall.ERANGE
	}
	return v, nil
}

// exParseRlimitNice reads LimitNICE=: "+n" and "-n" are nice levels
// (0..19, -20..0), a plain number the raw limit 0..40.
func exParseRlimitNice(s string) (uint64, error) {
	switch {
	case strings.HasPrefix(s, "+"):
		v, err := exParseUint(s[1:], 64)
		if err != nil {
			return 0, err
		}
		if v >= 20 {
			return 0, syscall.ERANGE
		}
		return 20 - v, nil
	case strings.HasPrefix(s, "-"):
		v, err := exParseUint(s[1:], 64)
		if err != nil {
			return 0, err
		}
		if v > 20 {
			return 0, syscall.ERANGE
		}
		return 20 + v, nil
	}
	v, err := exParseUint(s, 64)
	if err != nil {
		return 0, err
	}
	if v > 40 {
		return 0, syscall.ERANGE
	}
	return v, nil
}

// ---------------------------------------------------------------------
// Standard input and output

var exInputs = []string{"null", "tty", "tty-force", "tty-fail", "socket", "fd", "data", "file"}
var exOutputs = []string{"inherit", "null", "tty", "kmsg", "kmsg+console", "journal", "journal+console", "socket", "fd", "file", "append", "truncate"}

// exFDNameValid is fdname_is_valid(): printable ASCII except ':', at
// most 255 bytes.
func exFDNameValid(s string) bool {
	if len(s) > 255 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < ' ' || s[i] >= 127 || s[i] == ':' {
			return false
		}
	}
	return true
}

// exParseStandardInput is config_parse_exec_input.
func exParseStandardInput(u *Unit, o *unit.Option) error {
	c := u.exCtx()
	switch {
	case strings.HasPrefix(o.Value, "fd:"):
		n, err := u.spec.Expand(o.Value[3:])
		if err != nil {
			return fmt.Errorf("Failed to resolve unit specifiers in '%s', ignoring: %s", o.Value[3:], exErrText(err))
		}
		if n != "" && !exFDNameValid(n) {
			return fmt.Errorf("Invalid file descriptor name, ignoring: %s", n)
		}
		c.StandardInputFDName, c.StandardInput = n, "fd"
	case strings.HasPrefix(o.Value, "file:"):
		k, err := u.spec.ExpandPath(o.Value[5:])
		if err != nil {
			return fmt.Errorf("Failed to resolve unit specifiers in '%s', ignoring: %s", o.Value[5:], exErrText(err))
		}
		// systemd logs this as fatal but then only ignores the setting.
		p, err := exCheckPath(o.Name, k, exAbsolute, true)
		if err != nil {
			return err
		}
		c.StandardInputFile, c.StandardInput = p, "file"
	default:
		for _, v := range exInputs {
			if o.Value == v {
				c.StandardInput = v
				return nil
			}
		}
		return fmt.Errorf("Failed to parse input specifier, ignoring: %s", o.Value)
	}
	return nil
}

// exParseStandardOutput is config_parse_exec_output, for StandardOutput=
// and StandardError=.
func exParseStandardOutput(u *Unit, o *unit.Option) error {
	c := u.exCtx()
	kind, file, fdname := "", "", ""
	switch {
	case strings.HasPrefix(o.Value, "fd:"):
		n, err := u.spec.Expand(o.Value[3:])
		if err != nil {
			return fmt.Errorf("Failed to resolve unit specifiers in %s: %s", o.Value[3:], exErrText(err))
		}
		if n != "" && !exFDNameValid(n) {
			return fmt.Errorf("Invalid file descriptor name, ignoring: %s", n)
		}
		kind, fdname = "fd", n
	case o.Value == "syslog" || o.Value == "syslog+console":
		kind = "journal" + strings.TrimPrefix(o.Value, "syslog")
		exWarn(u, o, "Standard output type %s is obsolete, automatically updating to %s. Please update your unit file, and consider removing the setting altogether.", o.Value, kind)
	case strings.HasPrefix(o.Value, "file:") || strings.HasPrefix(o.Value, "append:") || strings.HasPrefix(o.Value, "truncate:"):
		k, rest, _ := strings.Cut(o.Value, ":")
		s, err := u.spec.ExpandPath(rest)
		if err != nil {
			return fmt.Errorf("Failed to resolve unit specifiers in %s, ignoring: %s", rest, exErrText(err))
		}
		p, err := exCheckPath(o.Name, s, exAbsolute, true)
		if err != nil {
			return err
		}
		kind, file = k, p
	default:
		for _, v := range exOutputs {
			if o.Value == v {
				kind = v
			}
		}
		if kind == "" {
			return fmt.Errorf("Failed to parse output specifier, ignoring: %s", o.Value)
		}
	}
	// As systemd: "fd:NAME" sets the name, anything else sets (or, with
	// no path, clears) the file; "fd" alone keeps the previous name.
	out, outFile, outFD := &c.StandardOutput, &c.StandardOutputFile, &c.StandardOutputFDName
	if o.Name == "StandardError" {
		out, outFile, outFD = &c.StandardError, &c.StandardErrorFile, &c.StandardErrorFDName
	}
	if strings.HasPrefix(o.Value, "fd:") {
		*outFD = fdname
	} else {
		*outFile = file
	}
	*out = kind
	return nil
}

// exStdinDataMax is EXEC_STDIN_DATA_MAX (64 MiB).
const exStdinDataMax = 64 * 1024 * 1024

// exParseStandardInputText is config_parse_exec_input_text: a line of
// text (C escapes, specifiers) appended with a newline; empty resets.
func exParseStandardInputText(u *Unit, o *unit.Option) error {
	c := u.exCtx()
	if o.Value == "" {
		c.StandardInputData = nil
		return nil
	}
	t, err := unit.Unescape(o.Value)
	if err != nil {
		return fmt.Errorf("Failed to decode C escaped text '%s', ignoring: %s", o.Value, exErrText(err))
	}
	r, err := u.spec.Expand(t)
	if err != nil {
		return fmt.Errorf("Failed to resolve unit specifiers in '%s', ignoring: %s", t, exErrText(err))
	}
	if len(c.StandardInputData)+len(r)+1 > exStdinDataMax {
		return fmt.Errorf("Standard input data too large (%d), maximum of %d permitted, ignoring.", len(c.StandardInputData)+len(r), exStdinDataMax)
	}
	c.StandardInputData = append(append(c.StandardInputData, r...), '\n')
	return nil
}

// exParseStandardInputData is config_parse_exec_input_data: base64 data
// appended; empty resets.
func exParseStandardInputData(u *Unit, o *unit.Option) error {
	c := u.exCtx()
	if o.Value == "" {
		c.StandardInputData = nil
		return nil
	}
	b, err := exDecodeBase64(o.Value)
	if err != nil || len(b) == 0 {
		return fmt.Errorf("Failed to decode base64 data, ignoring: %s", o.Value)
	}
	if len(c.StandardInputData)+len(b) > exStdinDataMax {
		return fmt.Errorf("Standard input data too large (%d), maximum of %d permitted, ignoring.", len(c.StandardInputData)+len(b), exStdinDataMax)
	}
	c.StandardInputData = append(c.StandardInputData, b...)
	return nil
}

// ---------------------------------------------------------------------
// Logging

var exSyslogFacilities = []string{"kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news", "uucp", "cron",
	"authpriv", "ftp", "", "", "", "", "local0", "local1", "local2", "local3", "local4", "local5", "local6", "local7"}

var exLogLevels = []string{"emerg", "alert", "crit", "err", "warning", "notice", "info", "debug"}

// exParseSyslogFacility is config_parse_log_facility.
func exParseSyslogFacility(u *Unit, o *unit.Option) error {
	c := u.exCtx()
	x := exLookup(exSyslogFacilities, o.Value, 127)
	if x < 0 {
		return fmt.Errorf("Failed to parse log facility, ignoring: %s", o.Value)
	}
	c.SyslogPriority = x<<3 | c.SyslogPriority&7
	return nil
}

// exParseSyslogLevel is config_parse_log_level on SyslogPriority.
func exParseSyslogLevel(u *Unit, o *unit.Option) error {
	c := u.exCtx()
	x := exLookup(exLogLevels, o.Value, 7)
	if x < 0 {
		return fmt.Errorf("Failed to parse log level, ignoring: %s", o.Value)
	}
	c.SyslogPriority = c.SyslogPriority&^7 | x
	return nil
}

// exParseLogLevelMax is config_parse_log_level on LogLevelMax.
func exParseLogLevelMax(u *Unit, o *unit.Option) error {
	c := u.exCtx()
	x := exLookup(exLogLevels, o.Value, 7)
	if x < 0 {
		return fmt.Errorf("Failed to parse log level, ignoring: %s", o.Value)
	}
	if c.LogLevelMax < 0 {
		c.LogLevelMax = x
	} else {
		c.LogLevelMax = c.LogLevelMax&^7 | x
	}
	return nil
}

func exParseLogRateLimitInterval(u *Unit, o *unit.Option) error {
	v, err := unit.ParseTimespan(o.Value, time.Second)
	if err != nil {
		return fmt.Errorf("Failed to parse sec value, ignoring: %s", o.Value)
	}
	u.exCtx().LogRateLimitIntervalUSec = v
	return nil
}

func exParseLogRateLimitBurst(u *Unit, o *unit.Option) error {
	v, err := exParseUint(o.Value, 32)
	if err != nil {
		return fmt.Errorf("Failed to parse unsigned value, ignoring: %s", o.Value)
	}
	u.exCtx().LogRateLimitBurst = uint32(v)
	return nil
}

func exParseTimeoutClean(u *Unit, o *unit.Option) error {
	v, err := unit.ParseTimespan(o.Value, time.Second)
	if err != nil {
		return fmt.Errorf("Failed to parse sec value, ignoring: %s", o.Value)
	}
	u.exCtx().TimeoutCleanUSec = v
	return nil
}

// exJournalFieldValid is journal_field_valid() for user fields: A-Z, 0-9
// and '_', not starting with '_' or a digit, at most 64 bytes.
func exJournalFieldValid(s string) bool {
	if s == "" || len(s) > 64 || s[0] == '_' || s[0] >= '0' && s[0] <= '9' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// exParseLogExtraFields is config_parse_log_extra_fields: FIELD=value
// words; empty resets.
func exParseLogExtraFields(u *Unit, o *unit.Option) error {
	c := u.exCtx()
	if o.Value == "" {
		c.LogExtraFields = nil
		return nil
	}
	return eachWord(o, o.Value, unit.ExtractCUnescape|unit.ExtractUnquote, func(word string) error {
		k, err := u.spec.Expand(word)
		if err != nil {
			exWarn(u, o, "Failed to resolve unit specifiers in %s, ignoring: %s", word, exErrText(err))
			return nil
		}
		name, _, found := strings.Cut(k, "=")
		if !found {
			exWarn(u, o, "Log field lacks '=' character, ignoring: %s", k)
			return nil
		}
		if !exJournalFieldValid(name) {
			exWarn(u, o, "Log field name is invalid, ignoring: %s", k)
			return nil
		}
		c.LogExtraFields = append(c.LogExtraFields, k)
		return nil
	})
}

// exParseLogNamespace is config_parse_log_namespace.
func exParseLogNamespace(u *Unit, o *unit.Option) error {
	c := u.exCtx()
	if o.Value == "" {
		c.LogNamespace = ""
		return nil
	}
	k, err := u.spec.Expand(o.Value)
	if err != nil {
		return fmt.Errorf("Failed to resolve unit specifiers in %s, ignoring: %s", o.Value, exErrText(err))
	}
	if !exLogNamespaceValid(k) {
		return fmt.Errorf("Specified log namespace name is not valid, ignoring: %s", k)
	}
	c.LogNamespace = k
	return nil
}

// exLogNamespaceValid is log_namespace_name_valid(): a file name of at
// most 222 bytes that is a valid unit instance, safe, and not a glob.
func exLogNamespaceValid(s string) bool {
	if s == "" || s == "." || s == ".." || len(s) > 255-33 || strings.ContainsAny(s, "/*?[\"'\\") {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte(":-_.\\", c) >= 0) {
			return false
		}
	}
	return true
}

// ---------------------------------------------------------------------
// Capabilities and security

// exCapabilityNames are the Linux capabilities systemd 252 knows, by
// number.
var exCapabilityNames = []string{"cap_chown", "cap_dac_override", "cap_dac_read_search", "cap_fowner", "cap_fsetid",
	"cap_kill", "cap_setgid", "cap_setuid", "cap_setpcap", "cap_linux_immutable", "cap_net_bind_service",
	"cap_net_broadcast", "cap_net_admin", "cap_net_raw", "cap_ipc_lock", "cap_ipc_owner", "cap_sys_module",
	"cap_sys_rawio", "cap_sys_chroot", "cap_sys_ptrace", "cap_sys_pacct", "cap_sys_admin", "cap_sys_boot",
	"cap_sys_nice", "cap_sys_resource", "cap_sys_time", "cap_sys_tty_config", "cap_mknod", "cap_lease",
	"cap_audit_write", "cap_audit_control", "cap_setfcap", "cap_mac_override", "cap_mac_admin", "cap_syslog",
	"cap_wake_alarm", "cap_block_suspend", "cap_audit_read", "cap_perfmon", "cap_bpf", "cap_checkpoint_restore"}

// CapabilityName returns the name of capability n ("cap_chown"), or ""
// for a number systemd 252 has no name for.
func CapabilityName(n int) string {
	if n < 0 || n >= len(exCapabilityNames) {
		return ""
	}
	return exCapabilityNames[n]
}

// Capability numbers the sandboxing settings take away.
const (
	exCapSysModule = 16
	exCapSysRawio  = 17
	exCapSysTime   = 25
	exCapMknod     = 27
	exCapSyslog    = 34
	exCapWakeAlarm = 35
)

// exCapabilityFromName is capability_from_name(): a name (any case) or a
// number below 64.
func exCapabilityFromName(s string) int {
	if n, err := exParseInt(s); err == nil {
		if n >= 0 && n < 64 {
			return n
		}
		return -1
	}
	for i, n := range exCapabilityNames {
		if strings.EqualFold(n, s) {
			return i
		}
	}
	return -1
}

// exParseCapabilities is config_parse_capability_set: names, "~" inverts;
// the first assignment (or one that names nothing) replaces, later ones
// add or, inverted, remove. Unknown names are skipped silently.
func exParseCapabilities(u *Unit, o *unit.Option) error {
	c := u.exCtx()
	v, invert := strings.CutPrefix(o.Value, "~")
	set, initial := &c.AmbientCapabilities, uint64(0)
	if o.Name == "CapabilityBoundingSet" {
		set, initial = &c.CapabilityBoundingSet, ^uint64(0)
	}
	var sum uint64
	w := unit.NewWords(v)
	for {
		word, ok, err := w.Next("", unit.ExtractUnquote)
		if err != nil || !ok {
			break
		}
		if n := exCapabilityFromName(word); n >= 0 {
			sum |= 1 << n
		}
	}
	switch {
	case sum == 0 || *set == initial:
		if invert {
			*set = ^sum
		} else {
			*set = sum
		}
	case invert:
		*set &^= sum
	default:
		*set |= sum
	}
	return nil
}

// exSecureBits are the names of the secure bits, by bit number.
var exSecureBits = [...]string{"noroot", "noroot-locked", "no-setuid-fixup", "no-setuid-fixup-locked", "keep-caps", "keep-caps-locked"}

// exParseSecureBits is config_parse_exec_secure_bits: names, unknown ones
// skipped; the value replaces the previous one.
func exParseSecureBits(u *Unit, o *unit.Option) error {
	bitsSet := 0
	w := unit.NewWords(o.Value)
	for {
		word, ok, err := w.Next("", unit.ExtractUnquote)
		if err != nil || !ok {
			break
		}
		if b := slices.Index(exSecureBits[:], word); b >= 0 {
			bitsSet |= 1 << b
		}
	}
	u.exCtx().SecureBits = bitsSet
	return nil
}

// exParseMountFlags is config_parse_exec_mount_flags.
func exParseMountFlags(u *Unit, o *unit.Option) error {
	switch o.Value {
	case "", "shared", "slave", "private":
		u.exCtx().MountFlags = o.Value
		return nil
	}
	return fmt.Errorf("Failed to parse mount flag, ignoring: %s", o.Value)
}

// exParseMountAPIVFS is config_parse_exec_mount_apivfs; empty resets to
// "yes if RootDirectory=/RootImage= is set".
func exParseMountAPIVFS(u *Unit, o *unit.Option) error {
	c := u.exCtx()
	if o.Value == "" {
		c.MountAPIVFS, c.MountAPIVFSSet = false, false
		return nil
	}
	b, err := unit.ParseBool(o.Value)
	if err != nil {
		return fmt.Errorf("Failed to parse boolean value, ignoring: %s", o.Value)
	}
	c.MountAPIVFS, c.MountAPIVFSSet = b, true
	return nil
}

// EffectiveMountAPIVFS is MountAPIVFS= as applied: when not set, yes if
// the unit has its own root file system.
func (c *ExecContext) EffectiveMountAPIVFS() bool {
	if c.MountAPIVFSSet {
		return c.MountAPIVFS
	}
	return c.RootDirectory != "" && c.RootDirectory != "/" || c.RootImage != ""
}

// exPersonalities returns the native and secondary personality names of
// the architecture gosd runs on, in systemd's architecture names.
func exPersonalities() (native, secondary string) {
	switch runtime.GOARCH {
	case "amd64":
		return "x86-64", "x86"
	case "386":
		return "x86", ""
	case "arm64":
		return "arm64", "arm"
	case "arm":
		return "arm", ""
	case "ppc64le":
		return "ppc64-le", ""
	case "s390x":
		return "s390x", "s390"
	case "riscv64":
		return "riscv64", ""
	}
	return runtime.GOARCH, ""
}

// exParsePersonality is config_parse_personality: the native or
// secondary architecture of this machine; empty resets.
func exParsePersonality(u *Unit, o *unit.Option) error {
	native, secondary := exPersonalities()
	if o.Value != "" && o.Value != native && (secondary == "" || o.Value != secondary) {
		return fmt.Errorf("Failed to parse personality, ignoring: %s", o.Value)
	}
	u.exCtx().Personality = o.Value
	return nil
}

// exParseRestrictNamespaces is config_parse_restrict_namespaces: a
// boolean (yes: none allowed) or namespace names, "~" inverting.
func exParseRestrictNamespaces(u *Unit, o *unit.Option) error {
	c := u.exCtx()
	if o.Value == "" {
		c.RestrictNamespaces = NamespacesInitial
		return nil
	}
	if b, err := unit.ParseBool(o.Value); err == nil {
		if b {
			c.RestrictNamespaces = 0
		} else {
			c.RestrictNamespaces = NamespacesAll
		}
		return nil
	}
	v, invert := strings.CutPrefix(o.Value, "~")
	var flags uint64
	w := unit.NewWords(v)
	for {
		word, ok, err := w.Next("", 0)
		if err != nil {
			return fmt.Errorf("Failed to parse namespace type string, ignoring: %s", o.Value)
		}
		if !ok {
			break
		}
		var f uint64
		for _, n := range NamespaceNames() {
			if n.Name == word {
				f = n.Flag
			}
		}
		if f == 0 {
			return fmt.Errorf("Failed to parse namespace type string, ignoring: %s", o.Value)
		}
		flags |= f
	}
	switch {
	case c.RestrictNamespaces == NamespacesInitial && invert:
		c.RestrictNamespaces = ^flags & NamespacesAll
	case c.RestrictNamespaces == NamespacesInitial:
		c.RestrictNamespaces = flags
	case invert:
		c.RestrictNamespaces &^= flags
	default:
		c.RestrictNamespaces |= flags
	}
	return nil
}

// exAddressFamilies are the AF_* names of glibc 2.36 by number (AF_UNIX
// also answers to AF_LOCAL and AF_FILE, AF_NETLINK to AF_ROUTE).
var exAddressFamilies = []string{"", "AF_UNIX", "AF_INET", "AF_AX25", "AF_IPX", "AF_APPLETALK", "AF_NETROM", "AF_BRIDGE",
	"AF_ATMPVC", "AF_X25", "AF_INET6", "AF_ROSE", "AF_DECnet", "AF_NETBEUI", "AF_SECURITY", "AF_KEY", "AF_NETLINK",
	"AF_PACKET", "AF_ASH", "AF_ECONET", "AF_ATMSVC", "AF_RDS", "AF_SNA", "AF_IRDA", "AF_PPPOX", "AF_WANPIPE", "AF_LLC",
	"AF_IB", "AF_MPLS", "AF_CAN", "AF_TIPC", "AF_BLUETOOTH", "AF_IUCV", "AF_RXRPC", "AF_ISDN", "AF_PHONET",
	"AF_IEEE802154", "AF_CAIF", "AF_ALG", "AF_NFC", "AF_VSOCK", "AF_KCM", "AF_QIPCRTR", "AF_SMC", "AF_XDP", "AF_MCTP"}

// exAddressFamily is af_from_name() (any case) mapped to the canonical
// name; "" if unknown.
func exAddressFamily(s string) string {
	switch strings.ToUpper(s) {
	case "AF_LOCAL", "AF_FILE":
		return "AF_UNIX"
	case "AF_ROUTE":
		return "AF_NETLINK"
	}
	for _, n := range exAddressFamilies[1:] {
		if strings.EqualFold(n, s) {
			return n
		}
	}
	return ""
}

// exParseRestrictAddressFamilies is config_parse_address_families:
// names, "~" inverting, "none" allowing none; empty resets.
func exParseRestrictAddressFamilies(u *Unit, o *unit.Option) error {
	c := u.exCtx()
	if o.Value == "" {
		c.RestrictAddressFamilies, c.RestrictAddressFamiliesAllowList = nil, false
		return nil
	}
	if o.Value == "none" {
		c.RestrictAddressFamilies, c.RestrictAddressFamiliesAllowList = nil, true
		return nil
	}
	v, invert := strings.CutPrefix(o.Value, "~")
	if c.RestrictAddressFamilies == nil {
		c.RestrictAddressFamilies = map[string]bool{}
		c.RestrictAddressFamiliesAllowList = !invert
	}
	return eachWord(o, v, unit.ExtractUnquote, func(word string) error {
		af := exAddressFamily(word)
		if af == "" {
			exWarn(u, o, "Failed to parse address family, ignoring: %s", word)
			return nil
		}
		if !invert == c.RestrictAddressFamiliesAllowList {
			c.RestrictAddressFamilies[af] = true
		} else {
			delete(c.RestrictAddressFamilies, af)
		}
		return nil
	})
}

// exFileSystemGroups are systemd 252's file system groups.
var exFileSystemGroups = []string{"@basic-api", "@anonymous", "@application", "@auxiliary-api", "@common-block",
	"@historical-block", "@network", "@privileged-api", "@security", "@temporary", "@known"}

// exParseRestrictFileSystems is config_parse_restrict_filesystems. The
// groups are not expanded: systemd 252 as built by Debian (without
// libbpf) shows the list empty whatever it holds.
func exParseRestrictFileSystems(u *Unit, o *unit.Option) error {
	c := u.exCtx()
	if o.Value == "" {
		c.RestrictFileSystems, c.RestrictFileSystemsAllowList = nil, false
		return nil
	}
	v, invert := strings.CutPrefix(o.Value, "~")
	if c.RestrictFileSystems == nil {
		c.RestrictFileSystems = map[string]bool{}
		c.RestrictFileSystemsAllowList = !invert
	}
	w := unit.NewWords(v)
	for {
		word, ok, err := w.Next("", unit.ExtractUnquote)
		if err != nil {
			exWarn(u, o, "Trailing garbage in %s, ignoring: %s", o.Name, o.Value)
			return nil
		}
		if !ok {
			return nil
		}
		if strings.HasPrefix(word, "@") {
			known := false
			for _, g := range exFileSystemGroups {
				known = known || g == word
			}
			if !known {
				exWarn(u, o, "bpf-lsm: Unknown filesystem group, ignoring: %s", word)
				continue
			}
		}
		if !invert == c.RestrictFileSystemsAllowList {
			c.RestrictFileSystems[word] = true
		} else {
			delete(c.RestrictFileSystems, word)
		}
	}
}

// ---------------------------------------------------------------------
// Seccomp

// exSyscallNames maps every system call name of the groups that
// libseccomp knows to the name it resolves back to; built on the first
// system call filter (not at start: 100 KB and a fifth of a millisecond
// that most boots never use), never written after. (A sync.Once, not a
// package-level sync.OnceValue: that call at start would make the
// compiler build the directive tables at start too; see TestStaticInit.)
var exSyscallNames struct {
	once sync.Once
	m    map[string]string
}

func exBuildSyscallNames() map[string]string {
	unknown := map[string]bool{}
	for _, n := range strings.Fields(exSyscallsUnknownToLibseccomp) {
		unknown[n] = true
	}
	m := map[string]string{}
	for _, g := range exSyscallGroups {
		for _, n := range strings.Fields(g.members) {
			if !strings.HasPrefix(n, "@") && !unknown[n] {
				m[n] = n
			}
		}
	}
	// libseccomp 2.5.4 gives sys_debug_setcontext the number of
	// switch_endian, so it shows under that name.
	m["sys_debug_setcontext"] = "switch_endian"
	return m
}

// exSyscallGroup returns the members of the group called name.
func exSyscallGroup(name string) (string, bool) {
	for _, g := range exSyscallGroups {
		if g.name == name {
			return g.members, true
		}
	}
	return "", false
}

// exSyscallKnown reports whether libseccomp knows name, and the name it
// resolves back to. Names in none of systemd's groups count as unknown.
func exSyscallKnown(name string) (string, bool) {
	exSyscallNames.once.Do(func() { exSyscallNames.m = exBuildSyscallNames() })
	n, ok := exSyscallNames.m[name]
	return n, ok
}

// exSyscallAdd is seccomp_parse_syscall_filter(): it adds (or, when the
// list's sense is the other one, removes) a call or a group's calls.
// Unknown names are reported only for the user's own words (report).
func exSyscallAdd(u *Unit, o *unit.Option, name string, errno int, filter map[string]int, invert, allowList, report bool) {
	if strings.HasPrefix(name, "@") {
		members, ok := exSyscallGroup(name)
		if !ok {
			if report {
				exWarn(u, o, "Unknown system call group, ignoring: %s", name)
			}
			return
		}
		for _, m := range strings.Fields(members) {
			exSyscallAdd(u, o, m, errno, filter, invert, allowList, false)
		}
		return
	}
	n, ok := exSyscallKnown(name)
	if !ok {
		if report {
			exWarn(u, o, "Failed to parse system call, ignoring: %s", name)
		}
		return
	}
	if !invert == allowList || invert && allowList && errno >= 0 {
		filter[n] = errno
	} else {
		delete(filter, n)
	}
}

// exParseSystemCallFilter is config_parse_syscall_filter: names and
// "@groups", "~" making it a deny list ("name:errno" allowed there); an
// allow list always includes @default. Empty resets.
func exParseSystemCallFilter(u *Unit, o *unit.Option) error {
	c := u.exCtx()
	if o.Value == "" {
		c.SystemCallFilter, c.SystemCallFilterAllowList = nil, false
		return nil
	}
	v, invert := strings.CutPrefix(o.Value, "~")
	if c.SystemCallFilter == nil {
		c.SystemCallFilter = map[string]int{}
		c.SystemCallFilterAllowList = !invert
		if !invert {
			exSyscallAdd(u, o, "@default", -1, c.SystemCallFilter, false, true, false)
		}
	}
	return eachWord(o, v, 0, func(word string) error {
		name, errno, err := exParseSyscallAndErrno(word)
		if err != nil {
			exWarn(u, o, "Failed to parse syscall:errno, ignoring: %s", word)
			return nil
		}
		if !invert && errno >= 0 {
			exWarn(u, o, "Allow-listed system calls cannot take error number, ignoring: %s", word)
			return nil
		}
		exSyscallAdd(u, o, name, errno, c.SystemCallFilter, invert, c.SystemCallFilterAllowList, true)
		return nil
	})
}

// exParseSyscallAndErrno splits "name[:errno]"; errno is -1 without one.
func exParseSyscallAndErrno(s string) (string, int, error) {
	name, e, found := strings.Cut(s, ":")
	errno := -1
	if found {
		var err error
		if errno, err = exParseErrnoOrAction(e); err != nil {
			return "", 0, err
		}
	}
	if name == "" {
		return "", 0, syscall.EINVAL
	}
	return name, errno, nil
}

// exParseErrnoOrAction is seccomp_parse_errno_or_action(): "kill" or an
// errno name or number (0..4095).
func exParseErrnoOrAction(s string) (int, error) {
	if s == "kill" {
		return SeccompKill, nil
	}
	return exParseErrno(s)
}

// exParseErrno is parse_errno().
func exParseErrno(s string) (int, error) {
	if n := ErrnoFromName(s); n > 0 {
		return n, nil
	}
	n, err := exParseInt(s)
	if err != nil {
		return 0, err
	}
	if n < 0 || n > 4095 {
		return 0, syscall.ERANGE
	}
	return n, nil
}

// exErrnoNames are Linux's errno names by number (1...), "" for unused.
const exErrnoNames = "EPERM ENOENT ESRCH EINTR EIO ENXIO E2BIG ENOEXEC EBADF ECHILD EAGAIN ENOMEM EACCES EFAULT ENOTBLK " +
	"EBUSY EEXIST EXDEV ENODEV ENOTDIR EISDIR EINVAL ENFILE EMFILE ENOTTY ETXTBSY EFBIG ENOSPC ESPIPE EROFS EMLINK EPIPE " +
	"EDOM ERANGE EDEADLK ENAMETOOLONG ENOLCK ENOSYS ENOTEMPTY ELOOP - ENOMSG EIDRM ECHRNG EL2NSYNC EL3HLT EL3RST ELNRNG " +
	"EUNATCH ENOCSI EL2HLT EBADE EBADR EXFULL ENOANO EBADRQC EBADSLT - EBFONT ENOSTR ENODATA ETIME ENOSR ENONET ENOPKG " +
	"EREMOTE ENOLINK EADV ESRMNT ECOMM EPROTO EMULTIHOP EDOTDOT EBADMSG EOVERFLOW ENOTUNIQ EBADFD EREMCHG ELIBACC ELIBBAD " +
	"ELIBSCN ELIBMAX ELIBEXEC EILSEQ ERESTART ESTRPIPE EUSERS ENOTSOCK EDESTADDRREQ EMSGSIZE EPROTOTYPE ENOPROTOOPT " +
	"EPROTONOSUPPORT ESOCKTNOSUPPORT EOPNOTSUPP EPFNOSUPPORT EAFNOSUPPORT EADDRINUSE EADDRNOTAVAIL ENETDOWN ENETUNREACH " +
	"ENETRESET ECONNABORTED ECONNRESET ENOBUFS EISCONN ENOTCONN ESHUTDOWN ETOOMANYREFS ETIMEDOUT ECONNREFUSED EHOSTDOWN " +
	"EHOSTUNREACH EALREADY EINPROGRESS ESTALE EUCLEAN ENOTNAM ENAVAIL EISNAM EREMOTEIO EDQUOT ENOMEDIUM EMEDIUMTYPE " +
	"ECANCELED ENOKEY EKEYEXPIRED EKEYREVOKED EKEYREJECTED EOWNERDEAD ENOTRECOVERABLE ERFKILL EHWPOISON"

// ErrnoName returns the name of errno n ("EPERM"), or "".
func ErrnoName(n int) string {
	f := strings.Fields(exErrnoNames)
	if n < 1 || n > len(f) || f[n-1] == "-" {
		return ""
	}
	return f[n-1]
}

// ErrnoFromName returns the number of an errno name (any case; the
// aliases EWOULDBLOCK, EDEADLOCK and ENOTSUP too), or 0.
func ErrnoFromName(s string) int {
	switch strings.ToUpper(s) {
	case "EWOULDBLOCK":
		return int(syscall.EAGAIN)
	case "EDEADLOCK":
		return int(syscall.EDEADLK)
	case "ENOTSUP":
		return int(syscall.EOPNOTSUPP)
	}
	for i, n := range strings.Fields(exErrnoNames) {
		if n != "-" && strings.EqualFold(n, s) {
			return i + 1
		}
	}
	return 0
}

// exParseSystemCallLog is config_parse_syscall_log.
func exParseSystemCallLog(u *Unit, o *unit.Option) error {
	c := u.exCtx()
	if o.Value == "" {
		c.SystemCallLog, c.SystemCallLogAllowList = nil, false
		return nil
	}
	v, invert := strings.CutPrefix(o.Value, "~")
	if c.SystemCallLog == nil {
		c.SystemCallLog = map[string]bool{}
		c.SystemCallLogAllowList = !invert
	}
	return eachWord(o, v, 0, func(word string) error {
		m := map[string]int{}
		for k := range c.SystemCallLog {
			m[k] = -1
		}
		exSyscallAdd(u, o, word, -1, m, invert, c.SystemCallLogAllowList, true)
		c.SystemCallLog = map[string]bool{}
		for k := range m {
			c.SystemCallLog[k] = true
		}
		return nil
	})
}

var exSeccompArchs = []string{"native", "x86", "x86-64", "x32", "arm", "arm64", "mips", "mips64", "mips64-n32", "mips-le",
	"mips64-le", "mips64-le-n32", "parisc", "parisc64", "ppc", "ppc64", "ppc64-le", "riscv64", "s390", "s390x"}

// exParseSystemCallArchitectures is config_parse_syscall_archs.
func exParseSystemCallArchitectures(u *Unit, o *unit.Option) error {
	c := u.exCtx()
	if o.Value == "" {
		c.SystemCallArchitectures = nil
		return nil
	}
	w := unit.NewWords(o.Value)
	for {
		word, ok, err := w.Next("", unit.ExtractUnquote)
		if err != nil {
			return fmt.Errorf("Invalid syntax, ignoring: %s", o.Value)
		}
		if !ok {
			return nil
		}
		known := false
		for _, a := range exSeccompArchs {
			known = known || a == word
		}
		if !known {
			exWarn(u, o, "Failed to parse system call architecture \"%s\", ignoring: Invalid argument", word)
			continue
		}
		c.SystemCallArchitectures = appendUnique(c.SystemCallArchitectures, word)
		sort.Strings(c.SystemCallArchitectures)
	}
}

// exParseSystemCallErrorNumber is config_parse_syscall_errno: an errno
// name or number, or "kill"; empty resets to kill.
func exParseSystemCallErrorNumber(u *Unit, o *unit.Option) error {
	c := u.exCtx()
	if o.Value == "" || o.Value == "kill" {
		c.SystemCallErrorNumber = SeccompKill
		return nil
	}
	e, err := exParseErrno(o.Value)
	if err != nil {
		return fmt.Errorf("Failed to parse error number, ignoring: %s", o.Value)
	}
	if e == 0 {
		return fmt.Errorf("Invalid error number, ignoring: %s", o.Value)
	}
	c.SystemCallErrorNumber = e
	return nil
}

// ---------------------------------------------------------------------
// Credentials

// exCredentialNameValid is credential_name_valid(): a file name of at
// most 255 bytes.
func exCredentialNameValid(s string) bool {
	return s != "" && s != "." && s != ".." && len(s) <= 255 && !strings.Contains(s, "/") && utf8.ValidString(s)
}

// exParseSetCredential is config_parse_set_credential: "id:data" (C
// escapes, or base64 for the Encrypted form); a later assignment of an
// id replaces its data. Empty resets.
func exParseSetCredential(u *Unit, o *unit.Option) error {
	c := u.exCtx()
	if o.Value == "" {
		c.SetCredentials = nil
		return nil
	}
	id, data, found := strings.Cut(o.Value, ":")
	if !found || data == "" {
		return fmt.Errorf("Invalid syntax, ignoring: %s", o.Value)
	}
	k, err := u.spec.Expand(id)
	if err != nil {
		return fmt.Errorf("Failed to resolve unit specifiers in \"%s\", ignoring: %s", id, exErrText(err))
	}
	if !exCredentialNameValid(k) {
		return fmt.Errorf("Credential name \"%s\" not valid, ignoring.", k)
	}
	encrypted := o.Name == "SetCredentialEncrypted"
	var d []byte
	if encrypted {
		if d, err = exDecodeBase64(data); err != nil {
			return errors.New("Encrypted credential data not valid Base64 data, ignoring.")
		}
	} else {
		s, err := unit.Unescape(data)
		if err != nil {
			return fmt.Errorf("Can't unescape \"%s\", ignoring: %s", data, exErrText(err))
		}
		d = []byte(s)
	}
	for i := range c.SetCredentials {
		if c.SetCredentials[i].ID == k {
			c.SetCredentials[i].Data, c.SetCredentials[i].Encrypted = d, encrypted
			return nil
		}
	}
	c.SetCredentials = append(c.SetCredentials, SetCredential{ID: k, Data: d, Encrypted: encrypted})
	return nil
}

// exParseLoadCredential is config_parse_load_credential: "id[:path]".
func exParseLoadCredential(u *Unit, o *unit.Option) error {
	c := u.exCtx()
	if o.Value == "" {
		c.LoadCredentials = nil
		return nil
	}
	id, p, _ := strings.Cut(o.Value, ":")
	if id == "" {
		return fmt.Errorf("Invalid syntax, ignoring: %s", o.Value)
	}
	k, err := u.spec.Expand(id)
	if err != nil {
		return fmt.Errorf("Failed to resolve unit specifiers in \"%s\", ignoring: %s", id, exErrText(err))
	}
	if !exCredentialNameValid(k) {
		return fmt.Errorf("Credential name \"%s\" not valid, ignoring.", k)
	}
	q := k
	if p != "" {
		if q, err = u.spec.ExpandPath(p); err != nil {
			return fmt.Errorf("Failed to resolve unit specifiers in \"%s\", ignoring: %s", p, exErrText(err))
		}
		if strings.HasPrefix(q, "/") && !exPathNormalized(q) || !strings.HasPrefix(q, "/") && !exCredentialNameValid(q) {
			return fmt.Errorf("Credential source \"%s\" not valid, ignoring.", q)
		}
	}
	encrypted := o.Name == "LoadCredentialEncrypted"
	for i := range c.LoadCredentials {
		if c.LoadCredentials[i].ID == k {
			c.LoadCredentials[i].Path, c.LoadCredentials[i].Encrypted = q, encrypted
			return nil
		}
	}
	c.LoadCredentials = append(c.LoadCredentials, LoadCredential{ID: k, Path: q, Encrypted: encrypted})
	return nil
}

// ---------------------------------------------------------------------
// Loading: what systemd derives from the exec settings of a loaded unit

// execExtras does what systemd 252 does with the exec context once a unit
// has loaded: service_fix_stdio() for services, unit_patch_contexts()
// and unit_add_exec_dependencies(). The dependencies on the journal
// sockets are deliberately not added (gosd captures output itself), nor
// those on tmp.mount (gosd tracks no mount units).
func (u *Unit) execExtras(s *Set) {
	if u.shared&sharedExec != 0 {
		// No exec setting: every such unit of the type ends up the same.
		u.Exec = u.ctx.patchedExec(u.Type, s.managerLimits())
	} else {
		c := u.exCtx()
		if u.Type == "service" {
			c.fixServiceStdio()
		}
		u.patchExecContext(s.managerLimits())
	}
	if u.Type == "socket" && !u.socketHasExec() {
		return // systemd adds them only for sockets that run commands
	}
	u.addExecDependencies()
}

// socketHasExec is socket_has_exec(): the socket has Exec*= commands.
func (u *Unit) socketHasExec() bool {
	s := u.Socket
	return s != nil && len(s.ExecStartPre)+len(s.ExecStartPost)+len(s.ExecStopPre)+len(s.ExecStopPost) > 0
}

// fixServiceStdio is service_fix_stdio(): input data implies
// StandardInput=data, and output that is still "inherit" with an input
// that is not a terminal or socket gets the manager's defaults.
func (c *ExecContext) fixServiceStdio() {
	if c.StandardInput == "null" && len(c.StandardInputData) > 0 {
		c.StandardInput = "data"
	}
	switch c.StandardInput {
	case "tty", "tty-force", "tty-fail", "socket", "fd":
		return
	}
	if c.StandardError == "inherit" && c.StandardOutput == "inherit" {
		c.StandardError = exDefaultStdError
	}
	if c.StandardOutput == "inherit" {
		c.StandardOutput = exDefaultStdOutput
	}
}

// patchExecContext is the exec part of unit_patch_contexts(). (The
// DevicePolicy= that PrivateDevices= implies is the cgroup context's.)
// defaults are the manager's DefaultLimit*= (shared, never modified).
func (u *Unit) patchExecContext(defaults *[RlimitCount]*Rlimit) {
	u.exCtx().patch(u.ID, defaults)
}

// patch is patchExecContext for the context of the unit called id.
func (c *ExecContext) patch(id string, defaults *[RlimitCount]*Rlimit) {
	for res := range c.Limits {
		if c.Limits[res] == nil {
			c.Limits[res] = defaults[res]
		}
	}
	if c.PrivateDevices {
		c.CapabilityBoundingSet &^= 1<<exCapMknod | 1<<exCapSysRawio
	}
	if c.ProtectKernelModules {
		c.CapabilityBoundingSet &^= 1 << exCapSysModule
	}
	if c.ProtectKernelLogs {
		c.CapabilityBoundingSet &^= 1 << exCapSyslog
	}
	if c.ProtectClock {
		c.CapabilityBoundingSet &^= 1<<exCapSysTime | 1<<exCapWakeAlarm
	}
	if c.DynamicUser {
		if c.User == "" {
			c.User = exDynamicUserName(id)
		}
		if c.Group == "" {
			c.Group = c.User
		}
		c.PrivateTmp = true
		c.RemoveIPC = true
		c.ProtectSystem = "strict"
		if c.ProtectHome == "no" {
			c.ProtectHome = "read-only"
		}
		c.NoNewPrivileges = true
		c.RestrictSUIDSGID = true
	}
	for _, d := range []*[]string{&c.RuntimeDirectory, &c.StateDirectory, &c.CacheDirectory, &c.LogsDirectory, &c.ConfigurationDirectory} {
		sort.SliceStable(*d, func(i, j int) bool { return exPathLess((*d)[i], (*d)[j]) })
	}
}

// exDynamicUserName is user_from_unit_name(): the unit's prefix if it is
// a strict user name, else "_du" and a SipHash-2-4 of it.
func exDynamicUserName(id string) string {
	prefix := id
	if i := strings.LastIndexByte(prefix, '.'); i >= 0 {
		prefix = prefix[:i]
	}
	if i := strings.IndexByte(prefix, '@'); i >= 0 {
		prefix = prefix[:i]
	}
	if exValidUserStrict(prefix) {
		return prefix
	}
	key := [16]byte{0x58, 0x1a, 0xaf, 0xe6, 0x28, 0x58, 0x4e, 0x96, 0xb4, 0x4e, 0xf5, 0x3b, 0x8c, 0x92, 0x07, 0xec}
	return fmt.Sprintf("_du%016x", exSipHash24(key, []byte(prefix)))
}

// exSipHash24 is SipHash-2-4 with a 128-bit key.
func exSipHash24(key [16]byte, msg []byte) uint64 {
	k0 := binary.LittleEndian.Uint64(key[:8])
	k1 := binary.LittleEndian.Uint64(key[8:])
	v0 := k0 ^ 0x736f6d6570736575
	v1 := k1 ^ 0x646f72616e646f6d
	v2 := k0 ^ 0x6c7967656e657261
	v3 := k1 ^ 0x7465646279746573
	round := func() {
		v0 += v1
		v1 = bits.RotateLeft64(v1, 13) ^ v0
		v0 = bits.RotateLeft64(v0, 32)
		v2 += v3
		v3 = bits.RotateLeft64(v3, 16) ^ v2
		v0 += v3
		v3 = bits.RotateLeft64(v3, 21) ^ v0
		v2 += v1
		v1 = bits.RotateLeft64(v1, 17) ^ v2
		v2 = bits.RotateLeft64(v2, 32)
	}
	n := len(msg)
	for len(msg) >= 8 {
		m := binary.LittleEndian.Uint64(msg)
		v3 ^= m
		round()
		round()
		v0 ^= m
		msg = msg[8:]
	}
	var last [8]byte
	copy(last[:], msg)
	last[7] = byte(n)
	m := binary.LittleEndian.Uint64(last[:])
	v3 ^= m
	round()
	round()
	v0 ^= m
	v2 ^= 0xff
	for i := 0; i < 4; i++ {
		round()
	}
	return v0 ^ v1 ^ v2 ^ v3
}

// addExecDependencies is unit_add_exec_dependencies() of the system
// manager, without the journal socket dependencies.
func (u *Unit) addExecDependencies() {
	c := u.Exec
	if c.WorkingDirectory != "" && !c.WorkingDirectoryMissingOK {
		u.exRequireMountsFor(c.WorkingDirectory)
	}
	if c.RootDirectory != "" {
		u.exRequireMountsFor(c.RootDirectory)
	}
	if c.RootImage != "" {
		u.exRequireMountsFor(c.RootImage)
	}
	for _, p := range exDirectoryPrefixes {
		for _, d := range *c.exDirs(p.setting) {
			u.exRequireMountsFor(p.prefix + "/" + d)
		}
	}
	if len(c.StateDirectory) > 0 || len(c.CacheDirectory) > 0 || len(c.LogsDirectory) > 0 {
		u.addDep(After, "systemd-remount-fs.service")
	}
	if c.PrivateTmp {
		u.exRequireMountsFor("/var/tmp")
		u.addDep(After, "systemd-tmpfiles-setup.service")
	}
	if c.RootImage != "" {
		u.addDep(After, "systemd-udevd.service")
	}
}

// exRequireMountsFor adds a path to the unit's RequiresMountsFor=.
func (u *Unit) exRequireMountsFor(p string) {
	if !strings.HasPrefix(p, "/") {
		return
	}
	p = unit.PathSimplify(p)
	if !exPathNormalized(p) {
		return
	}
	u.Unit.RequiresMountsFor = appendUnique(u.Unit.RequiresMountsFor, p)
}

// ---------------------------------------------------------------------
// Tables

// exSyscallGroups are the system call groups of systemd 252 (as its
// "systemd-analyze syscall-filter" lists them), each a space-separated
// list of system call names and nested "@group" references.
var exSyscallGroups = [...]struct{ name, members string }{
	{"@default", "arch_prctl brk cacheflush clock_getres clock_getres_time64 clock_gettime clock_gettime64 " +
		"clock_nanosleep clock_nanosleep_time64 execve exit exit_group futex futex_time64 futex_waitv " +
		"get_robust_list get_thread_area getegid getegid32 geteuid geteuid32 getgid getgid32 getgroups " +
		"getgroups32 getpgid getpgrp getpid getppid getrandom getresgid getresgid32 getresuid getresuid32 " +
		"getrlimit getsid gettid gettimeofday getuid getuid32 membarrier mmap mmap2 mprotect munmap nanosleep " +
		"pause prlimit64 restart_syscall riscv_flush_icache riscv_hwprobe rseq rt_sigreturn sched_getaffinity " +
		"sched_yield set_robust_list set_thread_area set_tid_address set_tls sigreturn time ugetrlimit " +
		"uretprobe"},
	{"@aio", "io_cancel io_destroy io_getevents io_pgetevents io_pgetevents_time64 io_setup io_submit " +
		"io_uring_enter io_uring_register io_uring_setup"},
	{"@basic-io", "_llseek close close_range dup dup2 dup3 lseek pread64 preadv preadv2 pwrite64 pwritev pwritev2 read " +
		"readv write writev"},
	{"@chown", "chown chown32 fchown fchown32 fchownat lchown lchown32"},
	{"@clock", "adjtimex clock_adjtime clock_adjtime64 clock_settime clock_settime64 settimeofday"},
	{"@cpu-emulation", "modify_ldt subpage_prot switch_endian vm86 vm86old"},
	{"@debug", "lookup_dcookie perf_event_open pidfd_getfd ptrace rtas s390_runtime_instr sys_debug_setcontext"},
	{"@file-system", "access chdir chmod close creat faccessat faccessat2 fallocate fchdir fchmod fchmodat fchmodat2 fcntl " +
		"fcntl64 fgetxattr flistxattr fremovexattr fsetxattr fstat fstat64 fstatat64 fstatfs fstatfs64 " +
		"ftruncate ftruncate64 futimesat getcwd getdents getdents64 getxattr inotify_add_watch inotify_init " +
		"inotify_init1 inotify_rm_watch lgetxattr link linkat listxattr llistxattr lremovexattr lsetxattr " +
		"lstat lstat64 mkdir mkdirat mknod mknodat newfstatat oldfstat oldlstat oldstat open openat openat2 " +
		"readlink readlinkat removexattr rename renameat renameat2 rmdir setxattr stat stat64 statfs statfs64 " +
		"statx symlink symlinkat truncate truncate64 unlink unlinkat utime utimensat utimensat_time64 utimes"},
	{"@io-event", "_newselect epoll_create epoll_create1 epoll_ctl epoll_ctl_old epoll_pwait epoll_pwait2 epoll_wait " +
		"epoll_wait_old eventfd eventfd2 poll ppoll ppoll_time64 pselect6 pselect6_time64 select"},
	{"@ipc", "ipc memfd_create mq_getsetattr mq_notify mq_open mq_timedreceive mq_timedreceive_time64 mq_timedsend " +
		"mq_timedsend_time64 mq_unlink msgctl msgget msgrcv msgsnd pipe pipe2 process_madvise " +
		"process_vm_readv process_vm_writev semctl semget semop semtimedop semtimedop_time64 shmat shmctl " +
		"shmdt shmget"},
	{"@keyring", "add_key keyctl request_key"},
	{"@memlock", "mlock mlock2 mlockall munlock munlockall"},
	{"@module", "delete_module finit_module init_module"},
	{"@mount", "chroot fsconfig fsmount fsopen fspick mount mount_setattr move_mount open_tree pivot_root umount " +
		"umount2"},
	{"@network-io", "accept accept4 bind connect getpeername getsockname getsockopt listen recv recvfrom recvmmsg " +
		"recvmmsg_time64 recvmsg send sendmmsg sendmsg sendto setsockopt shutdown socket socketcall " +
		"socketpair"},
	{"@obsolete", "_sysctl afs_syscall bdflush break create_module ftime get_kernel_syms getpmsg gtty idle lock mpx " +
		"prof profil putpmsg query_module security sgetmask ssetmask stime stty sysfs tuxcall ulimit uselib " +
		"ustat vserver"},
	{"@pkey", "pkey_alloc pkey_free pkey_mprotect"},
	{"@privileged", "@chown @clock @module @raw-io @reboot @swap _sysctl acct bpf capset chroot fanotify_init " +
		"fanotify_mark nfsservctl open_by_handle_at pivot_root quotactl quotactl_fd setdomainname setfsuid " +
		"setfsuid32 setgroups setgroups32 sethostname setresuid setresuid32 setreuid setreuid32 setuid " +
		"setuid32 vhangup"},
	{"@process", "capget clone clone3 execveat fork getrusage kill pidfd_open pidfd_send_signal prctl rt_sigqueueinfo " +
		"rt_tgsigqueueinfo setns swapcontext tgkill times tkill unshare vfork wait4 waitid waitpid"},
	{"@raw-io", "ioperm iopl pciconfig_iobase pciconfig_read pciconfig_write s390_pci_mmio_read s390_pci_mmio_write"},
	{"@reboot", "kexec_file_load kexec_load reboot"},
	{"@resources", "ioprio_set mbind migrate_pages move_pages nice sched_setaffinity sched_setattr sched_setparam " +
		"sched_setscheduler set_mempolicy set_mempolicy_home_node setpriority setrlimit"},
	{"@setuid", "setgid setgid32 setgroups setgroups32 setregid setregid32 setresgid setresgid32 setresuid " +
		"setresuid32 setreuid setreuid32 setuid setuid32"},
	{"@signal", "rt_sigaction rt_sigpending rt_sigprocmask rt_sigsuspend rt_sigtimedwait rt_sigtimedwait_time64 " +
		"sigaction sigaltstack signal signalfd signalfd4 sigpending sigprocmask sigsuspend"},
	{"@swap", "swapoff swapon"},
	{"@sync", "fdatasync fsync msync sync sync_file_range sync_file_range2 syncfs"},
	{"@system-service", "@aio @basic-io @chown @default @file-system @io-event @ipc @keyring @memlock @network-io @process " +
		"@resources @setuid @signal @sync @timer arm_fadvise64_64 capget capset copy_file_range fadvise64 " +
		"fadvise64_64 flock get_mempolicy getcpu getpriority ioctl ioprio_get kcmp madvise mremap " +
		"name_to_handle_at oldolduname olduname personality readahead readdir remap_file_pages " +
		"sched_get_priority_max sched_get_priority_min sched_getattr sched_getparam sched_getscheduler " +
		"sched_rr_get_interval sched_rr_get_interval_time64 sched_yield sendfile sendfile64 setfsgid " +
		"setfsgid32 setfsuid setfsuid32 setpgid setsid splice sysinfo tee umask uname userfaultfd vmsplice"},
	{"@timer", "alarm getitimer setitimer timer_create timer_delete timer_getoverrun timer_gettime timer_gettime64 " +
		"timer_settime timer_settime64 timerfd_create timerfd_gettime timerfd_gettime64 timerfd_settime " +
		"timerfd_settime64 times"},
	{"@known", "@obsolete _llseek _newselect accept accept4 access acct add_key adjtimex alarm arc_gettls arc_settls " +
		"arc_usr_cmpxchg arch_prctl arm_fadvise64_64 atomic_barrier atomic_cmpxchg_32 bind bpf brk cachectl " +
		"cacheflush capget capset chdir chmod chown chown32 chroot clock_adjtime clock_adjtime64 clock_getres " +
		"clock_getres_time64 clock_gettime clock_gettime64 clock_nanosleep clock_nanosleep_time64 " +
		"clock_settime clock_settime64 clone clone3 close close_range connect copy_file_range creat " +
		"delete_module dipc dup dup2 dup3 epoll_create epoll_create1 epoll_ctl epoll_ctl_old epoll_pwait " +
		"epoll_pwait2 epoll_wait epoll_wait_old eventfd eventfd2 exec_with_loader execv execve execveat exit " +
		"exit_group faccessat faccessat2 fadvise64 fadvise64_64 fallocate fanotify_init fanotify_mark fchdir " +
		"fchmod fchmodat fchmodat2 fchown fchown32 fchownat fcntl fcntl64 fdatasync fgetxattr finit_module " +
		"flistxattr flock fork fremovexattr fsconfig fsetxattr fsmount fsopen fspick fstat fstat64 fstatat64 " +
		"fstatfs fstatfs64 fsync ftruncate ftruncate64 futex futex_requeue futex_time64 futex_wait " +
		"futex_waitv futex_wake futimesat get_mempolicy get_robust_list get_thread_area getcpu getcwd " +
		"getdents getdents64 getdomainname getdtablesize getegid getegid32 geteuid geteuid32 getgid getgid32 " +
		"getgroups getgroups32 gethostname getitimer getpagesize getpeername getpgid getpgrp getpid getppid " +
		"getpriority getrandom getresgid getresgid32 getresuid getresuid32 getrlimit getrusage getsid " +
		"getsockname getsockopt gettid gettimeofday getuid getuid32 getxattr getxgid getxpid getxuid " +
		"init_module inotify_add_watch inotify_init inotify_init1 inotify_rm_watch io_cancel io_destroy " +
		"io_getevents io_pgetevents io_pgetevents_time64 io_setup io_submit io_uring_enter io_uring_register " +
		"io_uring_setup ioctl ioperm iopl ioprio_get ioprio_set ipc kcmp kern_features kexec_file_load " +
		"kexec_load keyctl kill landlock_add_rule landlock_create_ruleset landlock_restrict_self lchown " +
		"lchown32 lgetxattr link linkat listen listxattr llistxattr lookup_dcookie lremovexattr lseek " +
		"lsetxattr lstat lstat64 madvise map_shadow_stack mbind membarrier memfd_create memfd_secret " +
		"memory_ordering migrate_pages mincore mkdir mkdirat mknod mknodat mlock mlock2 mlockall mmap mmap2 " +
		"modify_ldt mount mount_setattr move_mount move_pages mprotect mq_getsetattr mq_notify mq_open " +
		"mq_timedreceive mq_timedreceive_time64 mq_timedsend mq_timedsend_time64 mq_unlink mremap msgctl " +
		"msgget msgrcv msgsnd msync multiplexer munlock munlockall munmap name_to_handle_at nanosleep " +
		"newfstatat nice old_adjtimex oldfstat oldlstat oldolduname oldstat oldumount olduname open " +
		"open_by_handle_at open_tree openat openat2 or1k_atomic osf_fstat osf_fstatfs osf_fstatfs64 " +
		"osf_getdirentries osf_getdomainname osf_getitimer osf_getrusage osf_getsysinfo osf_gettimeofday " +
		"osf_lstat osf_mount osf_proplist_syscall osf_select osf_set_program_attributes osf_setitimer " +
		"osf_setsysinfo osf_settimeofday osf_shmat osf_sigprocmask osf_sigstack osf_stat osf_statfs " +
		"osf_statfs64 osf_swapon osf_syscall osf_sysinfo osf_usleep_thread osf_utimes osf_utsname osf_wait4 " +
		"pause pciconfig_iobase pciconfig_read pciconfig_write perf_event_open perfctr personality " +
		"pidfd_getfd pidfd_open pidfd_send_signal pipe pipe2 pivot_root pkey_alloc pkey_free pkey_mprotect " +
		"poll ppoll ppoll_time64 prctl pread64 preadv preadv2 prlimit64 process_madvise process_mrelease " +
		"process_vm_readv process_vm_writev pselect6 pselect6_time64 ptrace pwrite64 pwritev pwritev2 " +
		"quotactl quotactl_fd read readahead readdir readlink readlinkat readv reboot recv recvfrom recvmmsg " +
		"recvmmsg_time64 recvmsg remap_file_pages removexattr rename renameat renameat2 request_key " +
		"restart_syscall riscv_flush_icache riscv_hwprobe rmdir rseq rt_sigaction rt_sigpending " +
		"rt_sigprocmask rt_sigqueueinfo rt_sigreturn rt_sigsuspend rt_sigtimedwait rt_sigtimedwait_time64 " +
		"rt_tgsigqueueinfo rtas s390_guarded_storage s390_pci_mmio_read s390_pci_mmio_write " +
		"s390_runtime_instr s390_sthyi sched_get_affinity sched_get_priority_max sched_get_priority_min " +
		"sched_getaffinity sched_getattr sched_getparam sched_getscheduler sched_rr_get_interval " +
		"sched_rr_get_interval_time64 sched_set_affinity sched_setaffinity sched_setattr sched_setparam " +
		"sched_setscheduler sched_yield seccomp select semctl semget semop semtimedop semtimedop_time64 send " +
		"sendfile sendfile64 sendmmsg sendmsg sendto set_mempolicy set_mempolicy_home_node set_robust_list " +
		"set_thread_area set_tid_address setdomainname setfsgid setfsgid32 setfsuid setfsuid32 setgid " +
		"setgid32 setgroups setgroups32 sethae sethostname setitimer setns setpgid setpgrp setpriority " +
		"setregid setregid32 setresgid setresgid32 setresuid setresuid32 setreuid setreuid32 setrlimit setsid " +
		"setsockopt settimeofday setuid setuid32 setxattr sgetmask shmat shmctl shmdt shmget shutdown " +
		"sigaction sigaltstack signal signalfd signalfd4 sigpending sigprocmask sigreturn sigsuspend socket " +
		"socketcall socketpair splice spu_create spu_run ssetmask stat stat64 statfs statfs64 statx stime " +
		"subpage_prot swapcontext swapoff swapon switch_endian symlink symlinkat sync sync_file_range " +
		"sync_file_range2 syncfs sys_debug_setcontext syscall sysfs sysinfo syslog sysmips tee tgkill time " +
		"timer_create timer_delete timer_getoverrun timer_gettime timer_gettime64 timer_settime " +
		"timer_settime64 timerfd timerfd_create timerfd_gettime timerfd_gettime64 timerfd_settime " +
		"timerfd_settime64 times tkill truncate truncate64 ugetrlimit umask umount umount2 uname unlink " +
		"unlinkat unshare userfaultfd ustat utime utimensat utimensat_time64 utimes utrap_install vfork " +
		"vhangup vm86 vm86old vmsplice wait4 waitid waitpid write writev"},
}

// exSyscallsUnknownToLibseccomp are the names of the groups above that
// libseccomp 2.5.4 (Debian 12, what the recorded systemd used) cannot
// resolve: systemd skips them, so they never show in SystemCallFilter=.
const exSyscallsUnknownToLibseccomp = "" +
	"arc_gettls arc_settls arc_usr_cmpxchg atomic_barrier atomic_cmpxchg_32 dipc exec_with_loader execv " +
	"getdomainname getdtablesize gethostname getpagesize getxgid getxpid getxuid kern_features " +
	"memory_ordering old_adjtimex oldumount or1k_atomic osf_fstat osf_fstatfs osf_fstatfs64 " +
	"osf_getdirentries osf_getdomainname osf_getitimer osf_getrusage osf_getsysinfo osf_gettimeofday " +
	"osf_lstat osf_mount osf_proplist_syscall osf_select osf_set_program_attributes osf_setitimer " +
	"osf_setsysinfo osf_settimeofday osf_shmat osf_sigprocmask osf_sigstack osf_stat osf_statfs " +
	"osf_statfs64 osf_swapon osf_syscall osf_sysinfo osf_usleep_thread osf_utimes osf_utsname osf_wait4 " +
	"perfctr riscv_hwprobe sched_get_affinity sched_set_affinity sethae setpgrp uretprobe utrap_install"
