package loader

import (
	"fmt"
	"net/netip"
	"os"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unicode/utf8"

	"github.com/gosd/gosd/unit"
)

// CGroupContext holds the resource-control settings of
// systemd.resource-control(5) (systemd 252) that services, sockets, mounts,
// swaps, slices and scopes share. Values are kept as systemd keeps them,
// so that show prints what systemd prints.
//
// gosd has no cgroup hierarchy of its own yet: it parses and shows every
// one of these settings but honours none of them at run time (each
// directive is marked unsupported, and `gosd verify` lists those used).
type CGroupContext struct {
	// Slice is the slice the unit is placed in: the Slice= setting, or
	// after loading the default systemd picks. "" when there is none (a
	// unit that failed to load, or -.slice).
	Slice string
	// sliceSet records that Slice= was assigned explicitly.
	sliceSet bool

	Delegate            bool
	DelegateControllers CGroupMask
	DisableControllers  CGroupMask

	CPUAccounting                   bool
	CPUWeight, StartupCPUWeight     uint64 // CGroupUnset or 0 ("idle") .. 10000
	CPUShares, StartupCPUShares     uint64 // CGroupUnset or 2 .. 262144
	CPUQuotaPerSecUSec              uint64 // Infinity: no quota
	CPUQuotaPeriodUSec              uint64 // Infinity: the kernel's default
	AllowedCPUs, StartupAllowedCPUs CGroupCPUSet
	AllowedMemoryNodes              CGroupCPUSet
	StartupAllowedMemoryNodes       CGroupCPUSet

	IOAccounting              bool
	IOWeight, StartupIOWeight uint64 // CGroupUnset or 1 .. 10000
	IODeviceWeight            []DeviceValue
	IODeviceLimits            []IODeviceLimit
	IODeviceLatencyTarget     []DeviceValue // microseconds

	BlockIOAccounting                   bool
	BlockIOWeight, StartupBlockIOWeight uint64 // CGroupUnset or 10 .. 1000
	BlockIODeviceWeight                 []DeviceValue
	BlockIODeviceBandwidth              []BlockIOBandwidth

	MemoryAccounting                   bool
	DefaultMemoryLow, DefaultMemoryMin uint64 // bytes
	MemoryMin, MemoryLow               uint64 // bytes; Infinity is "infinity"
	MemoryHigh, MemoryMax              uint64 // bytes; Infinity is "infinity"
	MemorySwapMax, MemoryLimit         uint64 // bytes; Infinity is "infinity"

	DevicePolicy string // auto, closed, strict
	// DeviceAllow is in the order systemd lists it: the newest entry first.
	DeviceAllow []DeviceAllow

	TasksAccounting bool
	TasksMax        TasksMax

	IPAccounting        bool
	IPAddressAllow      []netip.Prefix
	IPAddressDeny       []netip.Prefix
	IPIngressFilterPath []string
	IPEgressFilterPath  []string

	ManagedOOMSwap           string // auto, kill
	ManagedOOMMemoryPressure string // auto, kill
	// ManagedOOMMemoryPressureLimit is a fraction of 2^32-1, as systemd
	// stores it (4294967295 is 100%).
	ManagedOOMMemoryPressureLimit uint32
	ManagedOOMPreference          string // none, avoid, omit

	// BPFProgram, SocketBindAllow and SocketBindDeny are in the order
	// systemd lists them: the newest entry first.
	BPFProgram      []BPFProgram
	SocketBindAllow []SocketBind
	SocketBindDeny  []SocketBind

	// RestrictNetworkInterfaces is an allow list when
	// RestrictNetworkInterfacesAllow is set, else a deny list.
	RestrictNetworkInterfaces      []string
	RestrictNetworkInterfacesAllow bool

	// members are the loaded units placed in this slice (slices only);
	// set when the unit's Set is linked.
	members []*Unit
}

// CGroupUnset is systemd's "not set" value of weights and shares
// (CGROUP_WEIGHT_INVALID, CGROUP_CPU_SHARES_INVALID, ...).
const CGroupUnset = ^uint64(0)

// DeviceValue is a per-device setting: a weight, a latency target, ...
type DeviceValue struct {
	Path  string
	Value uint64
}

// IO limit kinds, indexing IODeviceLimit.Limits.
const (
	IOReadBandwidthMax = iota
	IOWriteBandwidthMax
	IOReadIOPSMax
	IOWriteIOPSMax
)

// IOLimitNames are the directive (and property) names of the IO limits.
var IOLimitNames = [4]string{"IOReadBandwidthMax", "IOWriteBandwidthMax", "IOReadIOPSMax", "IOWriteIOPSMax"}

// IODeviceLimit holds the four IO limits of one device; Infinity is no limit.
type IODeviceLimit struct {
	Path   string
	Limits [4]uint64
}

// BlockIOBandwidth holds the legacy bandwidth limits of one device;
// Infinity is no limit.
type BlockIOBandwidth struct {
	Path        string
	Read, Write uint64
}

// DeviceAllow is one DeviceAllow= entry; Access holds "r", "w" and "m" in
// that order.
type DeviceAllow struct {
	Path   string
	Access string
}

// BPFProgram is one BPFProgram= entry.
type BPFProgram struct {
	AttachType string
	Path       string
}

// SocketBind is one SocketBindAllow=/SocketBindDeny= entry. Family is 0
// (any), 4 or 6; Protocol "" (any), "tcp" or "udp"; NPorts 0 means any port.
type SocketBind struct {
	Family   int
	Protocol string
	NPorts   uint16
	PortMin  uint16
}

// TasksMax is a TasksMax= value: Value tasks when Scale is 0 (Infinity is
// "infinity"), else Value/Scale of the system's task limit.
type TasksMax struct {
	Value, Scale uint64
}

// Resolve returns the limit in tasks, Infinity for none, computing relative
// values against systemTasks (see SystemTasksMax).
func (t TasksMax) Resolve(systemTasks uint64) uint64 {
	if t.Scale == 0 {
		return t.Value
	}
	return systemTasks * t.Value / t.Scale
}

// defaultTasksMax is systemd 252's DefaultTasksMax=15%.
var defaultTasksMax = TasksMax{Value: 1500, Scale: 10000}

// SystemTasksMax is the number of tasks the kernel allows, which relative
// TasksMax= values are a share of. It is computed as systemd's
// system_tasks_max() does: the smallest of kernel.pid_max minus one,
// kernel.threads-max and the root cgroup's pids.max. These are the values
// the calling process sees; kernel.pid_max is per PID namespace, so a
// manager in a fresh namespace (4194304) and one in the host's (often
// 32768) get different results.
func SystemTasksMax() uint64 {
	limit := uint64(1<<64 - 2) // TASKS_MAX: UINT64_MAX-1
	read := func(p string) (uint64, bool) {
		b, err := os.ReadFile(p)
		if err != nil {
			return 0, false
		}
		v, err := strconv.ParseUint(strings.TrimSpace(string(b)), 10, 64)
		return v, err == nil && v > 0
	}
	if v, ok := read("/proc/sys/kernel/pid_max"); ok {
		limit = min(limit, v-1)
	}
	if v, ok := read("/proc/sys/kernel/threads-max"); ok {
		limit = min(limit, v)
	}
	for _, p := range []string{"/sys/fs/cgroup/pids.max", "/sys/fs/cgroup/pids/pids.max"} {
		if v, ok := read(p); ok {
			limit = min(limit, v)
		}
	}
	return limit
}

// CGroupMask is a set of cgroup controllers, one bit per entry of
// CGroupControllers.
type CGroupMask uint32

// CGroupControllers are systemd 252's controller names, in its order
// (which is the order masks are printed in).
var CGroupControllers = []string{
	"cpu", "cpuacct", "cpuset", "io", "blkio", "memory", "devices", "pids",
	"bpf-firewall", "bpf-devices", "bpf-foreign", "bpf-socket-bind", "bpf-restrict-network-interfaces",
}

// cgroupMaskDelegate is what Delegate=yes delegates: the controllers of
// the unified hierarchy (cpu cpuset io memory pids).
const cgroupMaskDelegate CGroupMask = 1<<0 | 1<<2 | 1<<3 | 1<<5 | 1<<7

// Names lists the controllers of the mask in systemd's order.
func (m CGroupMask) Names() []string {
	var out []string
	for i, n := range CGroupControllers {
		if m&(1<<i) != 0 {
			out = append(out, n)
		}
	}
	return out
}

func cgroupController(name string) (CGroupMask, bool) {
	i := slices.Index(CGroupControllers, name)
	if i < 0 {
		return 0, false
	}
	return 1 << i, true
}

// CGroupCPUSet is a set of CPU (or NUMA node) numbers, kept as systemd keeps
// it: a bit mask whose size grows in steps of 64 bits. A nil set is
// "not set"; a set may be allocated and still empty.
type CGroupCPUSet []byte

// maxCPUSetSize is systemd's limit on CPU numbers (8192 CPUs).
const maxCPUSetSize = 8192

func (c *CGroupCPUSet) add(n uint) error {
	if n >= maxCPUSetSize {
		return syscall.ERANGE
	}
	c.grow(n + 1)
	(*c)[n/8] |= 1 << (n % 8)
	return nil
}

// grow makes room for n CPUs, rounding up to whole 64-bit words.
func (c *CGroupCPUSet) grow(n uint) {
	need := int((n + 63) / 64 * 8)
	if len(*c) < need {
		*c = append(*c, make([]byte, need-len(*c))...)
	}
}

// List returns the numbers in the set, ascending.
func (c CGroupCPUSet) List() []uint {
	var out []uint
	for i := range uint(len(c) * 8) {
		if c[i/8]&(1<<(i%8)) != 0 {
			out = append(out, i)
		}
	}
	return out
}

// RangeString formats the set as systemd's cpu_set_to_range_string():
// "0-2 5".
func (c CGroupCPUSet) RangeString() string {
	var parts []string
	l := c.List()
	for i := 0; i < len(l); {
		j := i
		for j+1 < len(l) && l[j+1] == l[j]+1 {
			j++
		}
		if j > i {
			parts = append(parts, fmt.Sprintf("%d-%d", l[i], l[j]))
		} else {
			parts = append(parts, strconv.FormatUint(uint64(l[i]), 10))
		}
		i = j + 1
	}
	return strings.Join(parts, " ")
}

func newCGroupContext() *CGroupContext {
	return &CGroupContext{
		CPUWeight:                CGroupUnset,
		StartupCPUWeight:         CGroupUnset,
		CPUShares:                CGroupUnset,
		StartupCPUShares:         CGroupUnset,
		CPUQuotaPerSecUSec:       Infinity,
		CPUQuotaPeriodUSec:       Infinity,
		IOWeight:                 CGroupUnset,
		StartupIOWeight:          CGroupUnset,
		BlockIOWeight:            CGroupUnset,
		StartupBlockIOWeight:     CGroupUnset,
		MemoryHigh:               Infinity,
		MemoryMax:                Infinity,
		MemorySwapMax:            Infinity,
		MemoryLimit:              Infinity,
		DevicePolicy:             "auto",
		TasksMax:                 TasksMax{Value: Infinity},
		ManagedOOMSwap:           "auto",
		ManagedOOMMemoryPressure: "auto",
		ManagedOOMPreference:     "none",
		// The system manager's defaults (DefaultMemoryAccounting=yes,
		// DefaultTasksAccounting=yes; the rest off).
		MemoryAccounting: true,
		TasksAccounting:  true,
	}
}

// initCGroup gives a new unit's cgroup context the manager's defaults that
// depend on the unit type: every type but slices gets DefaultTasksMax.
func (u *Unit) initCGroup() {
	if u.CGroup != nil && u.Type != "slice" {
		u.CGroup.TasksMax = defaultTasksMax
	}
}

// noCGroups is why gosd does not honour the resource-control directives.
const noCGroups = "gosd manages no cgroup hierarchy: resource control is not applied"

// cgFunc is a resource-control parser of its own; it is given the
// unit's own cgroup context.
type cgFunc func(u *Unit, c *CGroupContext, o *unit.Option) error

func (f cgFunc) parse(u *Unit, o *unit.Option) error { return f(u, u.cgCtx(), o) }

// cgWeight parses the weights of the unified hierarchy (1..10000, or
// "idle" for CPU weights); empty unsets. what names the weight in
// systemd's message.
type cgWeight struct {
	what  string
	idle  bool
	field func(c *CGroupContext) *uint64
}

func (w cgWeight) parse(u *Unit, o *unit.Option) error {
	c := u.cgCtx()
	if o.Value == "" {
		*w.field(c) = CGroupUnset
		return nil
	}
	if w.idle && o.Value == "idle" {
		*w.field(c) = 0
		return nil
	}
	v, err := cgParseRange(o.Value, 1, 10000)
	if err != nil {
		return fmt.Errorf("Invalid %s, ignoring: %s", w.what, o.Value)
	}
	*w.field(c) = v
	return nil
}

// cgLegacyWeight parses CPUShares= (2..262144) and BlockIOWeight=
// (10..1000); empty unsets. deprecated, when set, names the setting
// systemd's warning says to use instead.
type cgLegacyWeight struct {
	what, deprecated string
	lo, hi           uint64
	field            func(c *CGroupContext) *uint64
}

func (w cgLegacyWeight) parse(u *Unit, o *unit.Option) error {
	c := u.cgCtx()
	if w.deprecated != "" {
		u.diagWarn(o, fmt.Sprintf("Unit uses %s=; please use %s= instead. Support for %s= will be removed soon.", o.Name, w.deprecated, o.Name))
	}
	if o.Value == "" {
		*w.field(c) = CGroupUnset
		return nil
	}
	v, err := cgParseRange(o.Value, w.lo, w.hi)
	if err != nil {
		return fmt.Errorf("Invalid %s, ignoring: %s", w.what, o.Value)
	}
	*w.field(c) = v
	return nil
}

// cgParseRange parses an unsigned decimal in [lo, hi] (safe_atou64).
func cgParseRange(s string, lo, hi uint64) (uint64, error) {
	v, err := cgAtou64(s)
	if err != nil {
		return 0, err
	}
	if v < lo || v > hi {
		return 0, syscall.ERANGE
	}
	return v, nil
}

// cgAtou64 is systemd's safe_atou64(): leading blanks and '+' allowed, a
// '-' refused, decimal only.
func cgAtou64(s string) (uint64, error) {
	t := strings.TrimLeft(s, " \t\n\v\f\r")
	if strings.HasPrefix(t, "-") {
		return 0, syscall.ERANGE
	}
	t = strings.TrimPrefix(t, "+")
	if t == "" || t[0] < '0' || t[0] > '9' {
		return 0, syscall.EINVAL
	}
	v, err := strconv.ParseUint(t, 10, 64)
	if err != nil {
		if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
			return 0, syscall.ERANGE
		}
		return 0, syscall.EINVAL
	}
	return v, nil
}

// cgStrerror words the errnos these parsers report as glibc does.
func cgStrerror(err error) string {
	switch err {
	case syscall.EINVAL:
		return "Invalid argument"
	case syscall.ERANGE:
		return "Numerical result out of range"
	case syscall.EPERM:
		return "Operation not permitted"
	case syscall.EOPNOTSUPP:
		return "Operation not supported"
	}
	return err.Error()
}

// cgPermyriadUnbounded is systemd's parse_permyriad_unbounded(): "N%",
// "N.N%", "N.NN%", "N‰", "N.N‰" or "N‱", in hundredths of a percent,
// with no upper bound.
func cgPermyriadUnbounded(s string) (uint64, error) {
	whole := func(num string, scale uint64, places int) (uint64, error) {
		frac := uint64(0)
		if i := strings.IndexByte(num, '.'); i >= 0 {
			d := num[i+1:]
			if len(d) == 0 || len(d) > places {
				return 0, syscall.EINVAL
			}
			for j := 0; j < places; j++ {
				frac *= 10
				if j < len(d) {
					if d[j] < '0' || d[j] > '9' {
						return 0, syscall.EINVAL
					}
					frac += uint64(d[j] - '0')
				}
			}
			num = num[:i]
		}
		v, err := cgAtou64(num)
		if err != nil {
			return 0, err
		}
		if v > (1<<31-1-frac)/scale {
			return 0, syscall.ERANGE
		}
		return v*scale + frac, nil
	}
	switch {
	case strings.HasSuffix(s, "‱"):
		return whole(strings.TrimSuffix(s, "‱"), 1, 0)
	case strings.HasSuffix(s, "‰"):
		return whole(strings.TrimSuffix(s, "‰"), 10, 1)
	case strings.HasSuffix(s, "%"):
		return whole(strings.TrimSuffix(s, "%"), 100, 2)
	}
	return 0, syscall.EINVAL
}

// cgPermyriad is parse_permyriad(): at most 100%.
func cgPermyriad(s string) (uint64, error) {
	v, err := cgPermyriadUnbounded(s)
	if err == nil && v > 10000 {
		return 0, syscall.ERANGE
	}
	return v, err
}

// physicalMemory is systemd's physical_memory(): the RAM the kernel
// reports, in bytes, a whole number of pages.
func physicalMemory() uint64 {
	var si syscall.Sysinfo_t
	if err := syscall.Sysinfo(&si); err != nil {
		return 0
	}
	ps := uint64(os.Getpagesize())
	return uint64(si.Totalram) * uint64(si.Unit) / ps * ps
}

// physicalMemoryScale is physical_memory_scale(): v/max of the RAM,
// rounded down to whole pages.
func physicalMemoryScale(v, max uint64) uint64 {
	mem := physicalMemory()
	if v == 0 {
		return 0
	}
	if v == max {
		return mem
	}
	ps := uint64(os.Getpagesize())
	return mem / ps * v / max * ps
}

func parseMemoryLimit(u *Unit, c *CGroupContext, o *unit.Option) error {
	protection := slices.Contains([]string{"DefaultMemoryLow", "DefaultMemoryMin", "MemoryLow", "MemoryMin"}, o.Name)
	bytes := Infinity
	switch {
	case o.Value == "" && protection:
		bytes = 0
	case o.Value != "" && o.Value != "infinity":
		if p, err := cgPermyriad(o.Value); err == nil {
			bytes = physicalMemoryScale(p, 10000)
		} else {
			b, err := unit.ParseSize(o.Value, 1024)
			if err != nil {
				return fmt.Errorf("Invalid memory limit '%s', ignoring: %s", o.Value, cgStrerror(err))
			}
			bytes = b
		}
		if bytes == Infinity || (bytes == 0 && !protection && o.Name != "MemorySwapMax") {
			return fmt.Errorf("Memory limit '%s' out of range, ignoring.", o.Value)
		}
	}
	switch o.Name {
	case "DefaultMemoryLow":
		c.DefaultMemoryLow = bytes
	case "DefaultMemoryMin":
		c.DefaultMemoryMin = bytes
	case "MemoryMin":
		c.MemoryMin = bytes
	case "MemoryLow":
		c.MemoryLow = bytes
	case "MemoryHigh":
		c.MemoryHigh = bytes
	case "MemoryMax":
		c.MemoryMax = bytes
	case "MemorySwapMax":
		c.MemorySwapMax = bytes
	case "MemoryLimit":
		c.MemoryLimit = bytes
	}
	return nil
}

func parseCPUQuota(_ *Unit, c *CGroupContext, o *unit.Option) error {
	if o.Value == "" {
		c.CPUQuotaPerSecUSec = Infinity
		return nil
	}
	p, err := cgPermyriadUnbounded(o.Value)
	if err != nil || p == 0 {
		return fmt.Errorf("Invalid CPU quota '%s', ignoring.", o.Value)
	}
	c.CPUQuotaPerSecUSec = p * 1_000_000 / 10000
	return nil
}

func parseCPUQuotaPeriod(_ *Unit, c *CGroupContext, o *unit.Option) error {
	if o.Value == "" {
		c.CPUQuotaPeriodUSec = Infinity
		return nil
	}
	v, err := unit.ParseTimespan(o.Value, time.Second)
	if err != nil {
		return fmt.Errorf("Failed to parse sec_def_infinity value, ignoring: %s", o.Value)
	}
	c.CPUQuotaPeriodUSec = v
	return nil
}

// cgCPUSet parses AllowedCPUs= and its kin: a list of numbers and ranges
// that extends the set; empty resets it.
type cgCPUSet func(c *CGroupContext) *CGroupCPUSet

func (field cgCPUSet) parse(u *Unit, o *unit.Option) error {
	c := u.cgCtx()
	var set CGroupCPUSet
	rest := o.Value
	for {
		w, r, ok, err := unit.ExtractWord(rest, " \t\n\r,", unit.ExtractUnquote)
		if err != nil {
			return fmt.Errorf("Invalid value for %s: %s", o.Name, o.Value)
		}
		if !ok {
			break
		}
		rest = r
		lo, hi, err := cgParseRangeWord(w)
		if err != nil {
			return fmt.Errorf("Failed to parse CPU affinity '%s'", w)
		}
		if lo > hi {
			u.diagWarn(o, fmt.Sprintf("Range '%s' is invalid, %d > %d, ignoring.", w, lo, hi))
			set.grow(1)
			continue
		}
		for n := lo; n <= hi; n++ {
			if err := set.add(n); err != nil {
				return fmt.Errorf("Cannot add CPU %d to set: %s", n, cgStrerror(err))
			}
		}
	}
	dst := field(c)
	if set == nil {
		*dst = nil
		return nil
	}
	if *dst == nil {
		*dst = set
		return nil
	}
	dst.grow(uint(len(set) * 8))
	for i, b := range set {
		(*dst)[i] |= b
	}
	return nil
}

// cgParseRangeWord is systemd's parse_range(): "N" or "N-M".
func cgParseRangeWord(w string) (lo, hi uint, err error) {
	a, b, isRange := strings.Cut(w, "-")
	pa, err := cgAtou32(a)
	if err != nil {
		return 0, 0, err
	}
	if !isRange {
		return pa, pa, nil
	}
	pb, err := cgAtou32(b)
	if err != nil {
		return 0, 0, err
	}
	return pa, pb, nil
}

func cgAtou32(s string) (uint, error) {
	v, err := cgAtou64(s)
	if err != nil {
		return 0, err
	}
	if v > 1<<32-1 {
		return 0, syscall.ERANGE
	}
	return uint(v), nil
}

// cgPath expands specifiers in a device or file path and checks it as
// systemd's path_simplify_and_warn() does; msg says why it is refused.
func cgPath(u *Unit, o *unit.Option, p string, absolute bool) (string, string) {
	x, err := u.spec.ExpandPath(p)
	if err != nil {
		return "", fmt.Sprintf("Failed to resolve unit specifiers in '%s', ignoring: %v", p, err)
	}
	if !utf8.ValidString(x) {
		return "", "String is not UTF-8 clean, ignoring assignment: " + unit.CEscape(x)
	}
	if absolute && !strings.HasPrefix(x, "/") {
		return "", fmt.Sprintf("%s= path is not absolute, ignoring: %s", o.Name, x)
	}
	x = unit.PathSimplify(x)
	if x == "" || len(x) >= 4096 {
		return "", fmt.Sprintf("%s= path has invalid length (%d bytes), ignoring.", o.Name, len(x))
	}
	if x == ".." || strings.HasPrefix(x, "../") || strings.HasSuffix(x, "/..") || strings.Contains(x, "/../") {
		return "", fmt.Sprintf("%s= path is not normalized, ignoring: %s", o.Name, x)
	}
	return x, ""
}

// cgDeviceAndValue splits "PATH VALUE" the way the per-device settings
// do; bad is the message for a missing part.
func cgDeviceAndValue(u *Unit, o *unit.Option, bad string) (path, value, msg string) {
	w, rest, ok, err := unit.ExtractWord(o.Value, "", unit.ExtractUnquote)
	if err != nil {
		return "", "", "Invalid syntax, ignoring: " + o.Value
	}
	if !ok || rest == "" {
		return "", "", fmt.Sprintf("Invalid device %s specified in '%s', ignoring.", bad, o.Value)
	}
	p, msg := cgPath(u, o, w, false)
	return p, rest, msg
}

func parseDeviceAllow(u *Unit, c *CGroupContext, o *unit.Option) error {
	if o.Value == "" {
		c.DeviceAllow = nil
		return nil
	}
	w, rest, ok, err := unit.ExtractWord(o.Value, "", unit.ExtractUnquote)
	if err != nil {
		return fmt.Errorf("Invalid syntax, ignoring: %s", o.Value)
	}
	if !ok {
		return fmt.Errorf("Failed to extract device path and rights from '%s', ignoring.", o.Value)
	}
	p, err := u.spec.ExpandPath(w)
	if err != nil {
		return fmt.Errorf("Failed to resolve unit specifiers in '%s', ignoring: %v", w, err)
	}
	if !strings.HasPrefix(p, "block-") && !strings.HasPrefix(p, "char-") {
		x, msg := cgPath(u, o, p, false)
		if msg != "" {
			return fmt.Errorf("%s", msg)
		}
		if !strings.HasPrefix(x, "/dev/") && !strings.HasPrefix(x, "/run/systemd/inaccessible/") {
			return fmt.Errorf("Invalid device node path '%s', ignoring.", x)
		}
		p = x
	}
	if strings.Trim(rest, "rwm") != "" {
		return fmt.Errorf("Invalid device rights '%s', ignoring.", rest)
	}
	c.AddDeviceAllow(p, rest)
	return nil
}

// AddDeviceAllow adds a DeviceAllow= entry in front, as systemd's
// cgroup_add_device_allow() does; empty access means "rwm". Settings of
// other contexts that imply device access (ProtectClock=, ...) use it too.
func (c *CGroupContext) AddDeviceAllow(path, access string) {
	var acc string
	for _, r := range "rwm" {
		if access == "" || strings.ContainsRune(access, r) {
			acc += string(r)
		}
	}
	c.DeviceAllow = append([]DeviceAllow{{Path: path, Access: acc}}, c.DeviceAllow...)
}

func parseIODeviceWeight(u *Unit, c *CGroupContext, o *unit.Option) error {
	if o.Value == "" {
		c.IODeviceWeight = nil
		return nil
	}
	p, v, msg := cgDeviceAndValue(u, o, "path or weight")
	if msg != "" {
		return fmt.Errorf("%s", msg)
	}
	w, err := cgParseRange(v, 1, 10000)
	if err != nil {
		return fmt.Errorf("IO weight '%s' invalid, ignoring: %s", v, cgStrerror(err))
	}
	c.IODeviceWeight = append(c.IODeviceWeight, DeviceValue{Path: p, Value: w})
	return nil
}

// cgIOLimit parses the IO*Max= setting of its kind (IOReadBandwidthMax,
// ...): "PATH LIMIT" or "PATH infinity"; empty resets that limit of every
// device.
type cgIOLimit int

func (kind cgIOLimit) parse(u *Unit, o *unit.Option) error {
	c := u.cgCtx()
	if o.Value == "" {
		for i := range c.IODeviceLimits {
			c.IODeviceLimits[i].Limits[kind] = Infinity
		}
		return nil
	}
	p, v, msg := cgDeviceAndValue(u, o, "node or bandwidth")
	if msg != "" {
		return fmt.Errorf("%s", msg)
	}
	n := Infinity
	if v != "infinity" {
		x, err := unit.ParseSize(v, 1000)
		if err != nil || x == 0 {
			return fmt.Errorf("Invalid IO limit '%s', ignoring.", v)
		}
		n = x
	}
	i := slices.IndexFunc(c.IODeviceLimits, func(l IODeviceLimit) bool { return l.Path == p })
	if i < 0 {
		c.IODeviceLimits = append(c.IODeviceLimits, IODeviceLimit{Path: p, Limits: [4]uint64{Infinity, Infinity, Infinity, Infinity}})
		i = len(c.IODeviceLimits) - 1
	}
	c.IODeviceLimits[i].Limits[kind] = n
	return nil
}

func parseIODeviceLatency(u *Unit, c *CGroupContext, o *unit.Option) error {
	if o.Value == "" {
		c.IODeviceLatencyTarget = nil
		return nil
	}
	p, v, msg := cgDeviceAndValue(u, o, "path or target")
	if msg != "" {
		return fmt.Errorf("%s", msg)
	}
	usec, err := unit.ParseTimespan(v, time.Second)
	if err != nil {
		return fmt.Errorf("Failed to parse timer value, ignoring: %s", v)
	}
	c.IODeviceLatencyTarget = append(c.IODeviceLatencyTarget, DeviceValue{Path: p, Value: usec})
	return nil
}

func parseBlockIODeviceWeight(u *Unit, c *CGroupContext, o *unit.Option) error {
	u.diagWarn(o, fmt.Sprintf("Unit uses %s=; please use IO*= settings instead. Support for %s= will be removed soon.", o.Name, o.Name))
	if o.Value == "" {
		c.BlockIODeviceWeight = nil
		return nil
	}
	p, v, msg := cgDeviceAndValue(u, o, "node or weight")
	if msg != "" {
		return fmt.Errorf("%s", msg)
	}
	w, err := cgParseRange(v, 10, 1000)
	if err != nil {
		return fmt.Errorf("Invalid block IO weight '%s', ignoring: %s", v, cgStrerror(err))
	}
	c.BlockIODeviceWeight = append(c.BlockIODeviceWeight, DeviceValue{Path: p, Value: w})
	return nil
}

func parseBlockIOBandwidth(u *Unit, c *CGroupContext, o *unit.Option) error {
	u.diagWarn(o, fmt.Sprintf("Unit uses %s=; please use IO*= settings instead. Support for %s= will be removed soon.", o.Name, o.Name))
	read := o.Name == "BlockIOReadBandwidth"
	if o.Value == "" {
		for i := range c.BlockIODeviceBandwidth {
			if read {
				c.BlockIODeviceBandwidth[i].Read = Infinity
			} else {
				c.BlockIODeviceBandwidth[i].Write = Infinity
			}
		}
		return nil
	}
	p, v, msg := cgDeviceAndValue(u, o, "node or bandwidth")
	if msg != "" {
		return fmt.Errorf("%s", msg)
	}
	n, err := unit.ParseSize(v, 1000)
	if err != nil || n == 0 || v == "infinity" {
		return fmt.Errorf("Invalid Block IO Bandwidth '%s', ignoring.", v)
	}
	i := slices.IndexFunc(c.BlockIODeviceBandwidth, func(b BlockIOBandwidth) bool { return b.Path == p })
	if i < 0 {
		c.BlockIODeviceBandwidth = append(c.BlockIODeviceBandwidth, BlockIOBandwidth{Path: p, Read: Infinity, Write: Infinity})
		i = len(c.BlockIODeviceBandwidth) - 1
	}
	if read {
		c.BlockIODeviceBandwidth[i].Read = n
	} else {
		c.BlockIODeviceBandwidth[i].Write = n
	}
	return nil
}

func parseTasksMax(_ *Unit, c *CGroupContext, o *unit.Option) error {
	switch o.Value {
	case "":
		// Empty means the manager's default, for slices too.
		c.TasksMax = defaultTasksMax
		return nil
	case "infinity":
		c.TasksMax = TasksMax{Value: Infinity}
		return nil
	}
	if p, err := cgPermyriad(o.Value); err == nil {
		c.TasksMax = TasksMax{Value: p, Scale: 10000}
		return nil
	}
	v, err := cgAtou64(o.Value)
	if err != nil {
		return fmt.Errorf("Invalid maximum tasks value '%s', ignoring: %s", o.Value, cgStrerror(err))
	}
	if v == 0 || v == Infinity {
		return fmt.Errorf("Maximum tasks value '%s' out of range, ignoring.", o.Value)
	}
	c.TasksMax = TasksMax{Value: v}
	return nil
}

// delegatingTypes are the unit types systemd lets delegate a cgroup
// subtree.
var delegatingTypes = []string{"service", "socket", "scope"}

func parseDelegate(u *Unit, c *CGroupContext, o *unit.Option) error {
	if !slices.Contains(delegatingTypes, u.Type) {
		return fmt.Errorf("Delegate= setting not supported for this unit type, ignoring.")
	}
	if o.Value == "" {
		// An empty value turns delegation on, without any controller.
		c.Delegate = true
		c.DelegateControllers = 0
		return nil
	}
	if b, err := unit.ParseBool(o.Value); err == nil {
		c.Delegate = b
		c.DelegateControllers = 0
		if b {
			c.DelegateControllers = cgroupMaskDelegate
		}
		return nil
	}
	var mask CGroupMask
	rest := o.Value
	for {
		w, r, ok, err := unit.ExtractWord(rest, "", unit.ExtractUnquote)
		if err != nil {
			return fmt.Errorf("Invalid syntax, ignoring: %s", o.Value)
		}
		if !ok {
			break
		}
		rest = r
		m, known := cgroupController(w)
		if !known {
			u.diagWarn(o, fmt.Sprintf("Invalid controller name '%s', ignoring", w))
			continue
		}
		mask |= m
	}
	c.Delegate = true
	c.DelegateControllers |= mask
	return nil
}

func parseDisableControllers(_ *Unit, c *CGroupContext, o *unit.Option) error {
	if o.Value == "" {
		c.DisableControllers = 0
		return nil
	}
	var mask CGroupMask
	for _, w := range strings.Fields(o.Value) {
		if m, ok := cgroupController(w); ok {
			mask |= m
		}
	}
	if mask == 0 {
		return fmt.Errorf("Invalid cgroup string: %s, ignoring", o.Value)
	}
	c.DisableControllers |= mask
	return nil
}

// cgIPAddress parses IPAddressAllow=/IPAddressDeny=: addresses
// with an optional prefix length, and the names any, localhost,
// link-local and multicast. systemd keeps them in a hash set, so its
// order varies; gosd keeps them in the order given, without duplicates.
type cgIPAddress func(c *CGroupContext) *[]netip.Prefix

func (field cgIPAddress) parse(u *Unit, o *unit.Option) error {
	c := u.cgCtx()
	l := field(c)
	if o.Value == "" {
		*l = nil
		return nil
	}
	add := func(ps ...string) {
		for _, p := range ps {
			x := netip.MustParsePrefix(p)
			if !slices.Contains(*l, x) {
				*l = append(*l, x)
			}
		}
	}
	return eachWord(o, o.Value, 0, func(w string) error {
		switch lw := strings.ToLower(w); {
		case w == "any":
			add("0.0.0.0/0", "::/0")
		case lw == "localhost" || lw == "localhost." || lw == "localhost.localdomain" || lw == "localhost.localdomain." ||
			strings.HasSuffix(lw, ".localhost") || strings.HasSuffix(lw, ".localhost.") ||
			strings.HasSuffix(lw, ".localhost.localdomain") || strings.HasSuffix(lw, ".localhost.localdomain."):
			add("127.0.0.0/8", "::1/128")
		case w == "link-local":
			add("169.254.0.0/16", "fe80::/64")
		case w == "multicast":
			add("224.0.0.0/4", "ff00::/8")
		default:
			p, ok := cgParsePrefix(w)
			if !ok {
				u.diagWarn(o, "Address prefix is invalid, ignoring assignment: "+w)
				return nil
			}
			add(p.String())
		}
		return nil
	})
}

// cgParsePrefix parses "ADDRESS[/LENGTH]" and masks the address to the
// prefix, as in_addr_prefix_from_string_auto() and in_addr_prefix_add() do.
func cgParsePrefix(s string) (netip.Prefix, bool) {
	a, l, hasLen := strings.Cut(s, "/")
	addr, err := netip.ParseAddr(a)
	if err != nil || addr.Zone() != "" {
		return netip.Prefix{}, false
	}
	bits := addr.BitLen()
	if hasLen {
		n, err := cgAtou64(l)
		if err != nil || n > uint64(addr.BitLen()) {
			return netip.Prefix{}, false
		}
		bits = int(n)
	}
	p, err := addr.Prefix(bits)
	return p, err == nil
}

// cgIPFilter parses IPIngressFilterPath=/IPEgressFilterPath=: one
// absolute path per assignment, added once.
type cgIPFilter func(c *CGroupContext) *[]string

func (field cgIPFilter) parse(u *Unit, o *unit.Option) error {
	c := u.cgCtx()
	l := field(c)
	if o.Value == "" {
		*l = nil
		return nil
	}
	p, msg := cgPath(u, o, o.Value, true)
	if msg != "" {
		return fmt.Errorf("%s", msg)
	}
	if !slices.Contains(*l, p) {
		*l = append(*l, p)
	}
	return nil
}

// bpfAttachTypes are the attach points BPFProgram= accepts.
var bpfAttachTypes = []string{
	"ingress", "egress", "sock_create", "sock_ops", "device", "bind4", "bind6",
	"connect4", "connect6", "post_bind4", "post_bind6", "sendmsg4", "sendmsg6",
	"sysctl", "recvmsg4", "recvmsg6", "getsockopt", "setsockopt",
}

func parseBPFProgram(u *Unit, c *CGroupContext, o *unit.Option) error {
	if o.Value == "" {
		c.BPFProgram = nil
		return nil
	}
	typ, p, ok := strings.Cut(o.Value, ":")
	if !ok || typ == "" || p == "" {
		return fmt.Errorf("Invalid syntax in %s=, ignoring: %s", o.Name, o.Value)
	}
	if !slices.Contains(bpfAttachTypes, typ) {
		return fmt.Errorf("Unknown BPF attach type=%s, ignoring: %s", typ, o.Value)
	}
	x, msg := cgPath(u, o, p, true)
	if msg != "" {
		return fmt.Errorf("%s", msg)
	}
	c.BPFProgram = append([]BPFProgram{{AttachType: typ, Path: x}}, c.BPFProgram...)
	return nil
}

// cgSocketBind parses SocketBindAllow= and SocketBindDeny=: each rule is
// added in front; empty resets.
type cgSocketBind func(c *CGroupContext) *[]SocketBind

func (field cgSocketBind) parse(u *Unit, o *unit.Option) error {
	c := u.cgCtx()
	l := field(c)
	if o.Value == "" {
		*l = nil
		return nil
	}
	b, ok := cgParseSocketBind(o.Value)
	if !ok {
		return fmt.Errorf("Unable to parse %s= assignment, ignoring: %s", o.Name, o.Value)
	}
	*l = append([]SocketBind{b}, *l...)
	return nil
}

// cgParseSocketBind parses "[ipv4|ipv6:][tcp|udp:]any|PORT|PORT-PORT".
func cgParseSocketBind(s string) (SocketBind, bool) {
	var b SocketBind
	parts := strings.Split(s, ":")
	if len(parts) > 1 && (parts[0] == "ipv4" || parts[0] == "ipv6") {
		b.Family = 4
		if parts[0] == "ipv6" {
			b.Family = 6
		}
		parts = parts[1:]
	}
	if len(parts) > 1 && (parts[0] == "tcp" || parts[0] == "udp") {
		b.Protocol = parts[0]
		parts = parts[1:]
	}
	if len(parts) != 1 || parts[0] == "" {
		return b, false
	}
	if parts[0] == "any" {
		return b, true
	}
	lo, hi, err := cgParseRangeWord(parts[0])
	if err != nil || lo == 0 || hi > 65535 || lo > hi {
		return b, false
	}
	b.PortMin = uint16(lo)
	b.NPorts = uint16(hi - lo + 1)
	return b, true
}

func parseRestrictNetworkInterfaces(u *Unit, c *CGroupContext, o *unit.Option) error {
	if o.Value == "" {
		c.RestrictNetworkInterfaces = nil
		return nil
	}
	v, deny := strings.CutPrefix(o.Value, "~")
	if len(c.RestrictNetworkInterfaces) == 0 {
		c.RestrictNetworkInterfacesAllow = !deny
	}
	return eachWord(o, v, unit.ExtractUnquote, func(w string) error {
		if !cgIfnameValid(w) {
			u.diagWarn(o, "Invalid interface name, ignoring: "+w)
			return nil
		}
		if c.RestrictNetworkInterfacesAllow == deny {
			c.RestrictNetworkInterfaces = slices.DeleteFunc(c.RestrictNetworkInterfaces, func(s string) bool { return s == w })
		} else if !slices.Contains(c.RestrictNetworkInterfaces, w) {
			c.RestrictNetworkInterfaces = append(c.RestrictNetworkInterfaces, w)
		}
		return nil
	})
}

// cgIfnameValid is ifname_valid_full() with alternative names allowed.
func cgIfnameValid(s string) bool {
	if s == "" || len(s) >= 128 || s == "." || s == ".." || s == "all" || s == "default" {
		return false
	}
	numeric := true
	for i := 0; i < len(s); i++ {
		ch := s[i]
		if ch >= 127 || ch <= 32 || ch == ':' || ch == '/' || ch == '%' {
			return false
		}
		numeric = numeric && ch >= '0' && ch <= '9'
	}
	return !numeric
}

func parseManagedOOMLimit(_ *Unit, c *CGroupContext, o *unit.Option) error {
	if o.Value == "" {
		c.ManagedOOMMemoryPressureLimit = 0
		return nil
	}
	p, err := cgPermyriad(o.Value)
	if err != nil {
		return fmt.Errorf("Failed to parse memory pressure limit value, ignoring: %s", o.Value)
	}
	// UINT32_SCALE_FROM_PERMYRIAD: 100% is 2^32-1, rounded to nearest.
	c.ManagedOOMMemoryPressureLimit = uint32((p*(1<<32-1) + 5000) / 10000)
	return nil
}

// parseSlice handles Slice=: the unit is placed in the named slice, which
// is loaded (gosd adds no dependency on it). Slices themselves sit in
// their parent slice, which their name gives.
func parseSlice(u *Unit, c *CGroupContext, o *unit.Option) error {
	name, err := u.spec.ExpandName(o.Value)
	if err != nil {
		return fmt.Errorf("Failed to resolve unit specifiers in %s, ignoring: %v", o.Value, err)
	}
	if !unit.IsValidName(name) || unit.IsTemplate(name) {
		return fmt.Errorf("Failed to load slice unit %s, ignoring: Unit name %s is not valid.", name, name)
	}
	if u.Type == "slice" || unit.NameType(name) != "slice" {
		return fmt.Errorf("Failed to assign slice %s to unit %s, ignoring: Invalid argument", name, u.ID)
	}
	if u.ID == "init.scope" && name != "-.slice" {
		return fmt.Errorf("Failed to assign slice %s to unit %s, ignoring: Operation not permitted", name, u.ID)
	}
	c.Slice = name
	c.sliceSet = true
	return nil
}

var cgroupDirectives = []directive{
	{in: secCGroup, name: "Slice", parse: cgFunc(parseSlice), unsupported: noCGroups},
	{in: secCGroup, name: "AllowedCPUs", parse: cgCPUSet(func(c *CGroupContext) *CGroupCPUSet { return &c.AllowedCPUs }), unsupported: noCGroups},
	{in: secCGroup, name: "StartupAllowedCPUs", parse: cgCPUSet(func(c *CGroupContext) *CGroupCPUSet { return &c.StartupAllowedCPUs }), unsupported: noCGroups},
	{in: secCGroup, name: "AllowedMemoryNodes", parse: cgCPUSet(func(c *CGroupContext) *CGroupCPUSet { return &c.AllowedMemoryNodes }), unsupported: noCGroups},
	{in: secCGroup, name: "StartupAllowedMemoryNodes", parse: cgCPUSet(func(c *CGroupContext) *CGroupCPUSet { return &c.StartupAllowedMemoryNodes }), unsupported: noCGroups},
	{in: secCGroup, name: "CPUAccounting", parse: boolField(func(u *Unit) *bool { return &u.cgCtx().CPUAccounting }), unsupported: noCGroups},
	{in: secCGroup, name: "CPUWeight", parse: cgWeight{what: "CPU weight", idle: true, field: func(c *CGroupContext) *uint64 { return &c.CPUWeight }}, unsupported: noCGroups},
	{in: secCGroup, name: "StartupCPUWeight", parse: cgWeight{what: "CPU weight", idle: true, field: func(c *CGroupContext) *uint64 { return &c.StartupCPUWeight }}, unsupported: noCGroups},
	{in: secCGroup, name: "CPUShares", parse: cgLegacyWeight{what: "CPU shares", deprecated: "CPUWeight", lo: 2, hi: 262144, field: func(c *CGroupContext) *uint64 { return &c.CPUShares }}, unsupported: noCGroups},
	{in: secCGroup, name: "StartupCPUShares", parse: cgLegacyWeight{what: "CPU shares", deprecated: "CPUWeight", lo: 2, hi: 262144, field: func(c *CGroupContext) *uint64 { return &c.StartupCPUShares }}, unsupported: noCGroups},
	{in: secCGroup, name: "CPUQuota", parse: cgFunc(parseCPUQuota), unsupported: noCGroups},
	{in: secCGroup, name: "CPUQuotaPeriodSec", parse: cgFunc(parseCPUQuotaPeriod), unsupported: noCGroups},
	{in: secCGroup, name: "MemoryAccounting", parse: boolField(func(u *Unit) *bool { return &u.cgCtx().MemoryAccounting }), unsupported: noCGroups},
	{in: secCGroup, name: "MemoryMin", parse: cgFunc(parseMemoryLimit), unsupported: noCGroups},
	{in: secCGroup, name: "DefaultMemoryMin", parse: cgFunc(parseMemoryLimit), unsupported: noCGroups},
	{in: secCGroup, name: "DefaultMemoryLow", parse: cgFunc(parseMemoryLimit), unsupported: noCGroups},
	{in: secCGroup, name: "MemoryLow", parse: cgFunc(parseMemoryLimit), unsupported: noCGroups},
	{in: secCGroup, name: "MemoryHigh", parse: cgFunc(parseMemoryLimit), unsupported: noCGroups},
	{in: secCGroup, name: "MemoryMax", parse: cgFunc(parseMemoryLimit), unsupported: noCGroups},
	{in: secCGroup, name: "MemorySwapMax", parse: cgFunc(parseMemoryLimit), unsupported: noCGroups},
	{in: secCGroup, name: "MemoryLimit", parse: cgFunc(func(u *Unit, c *CGroupContext, o *unit.Option) error {
		u.diagWarn(o, "Unit uses MemoryLimit=; please use MemoryMax= instead. Support for MemoryLimit= will be removed soon.")
		return parseMemoryLimit(u, c, o)
	}), unsupported: noCGroups},
	{in: secCGroup, name: "DeviceAllow", parse: cgFunc(parseDeviceAllow), unsupported: noCGroups},
	{in: secCGroup, name: "DevicePolicy", parse: enumField{msg: "Failed to parse device policy", values: []string{"auto", "closed", "strict"}, field: func(u *Unit) *string { return &u.cgCtx().DevicePolicy }}, unsupported: noCGroups},
	{in: secCGroup, name: "IOAccounting", parse: boolField(func(u *Unit) *bool { return &u.cgCtx().IOAccounting }), unsupported: noCGroups},
	{in: secCGroup, name: "IOWeight", parse: cgWeight{what: "weight", field: func(c *CGroupContext) *uint64 { return &c.IOWeight }}, unsupported: noCGroups},
	{in: secCGroup, name: "StartupIOWeight", parse: cgWeight{what: "weight", field: func(c *CGroupContext) *uint64 { return &c.StartupIOWeight }}, unsupported: noCGroups},
	{in: secCGroup, name: "IODeviceWeight", parse: cgFunc(parseIODeviceWeight), unsupported: noCGroups},
	{in: secCGroup, name: "IOReadBandwidthMax", parse: cgIOLimit(IOReadBandwidthMax), unsupported: noCGroups},
	{in: secCGroup, name: "IOWriteBandwidthMax", parse: cgIOLimit(IOWriteBandwidthMax), unsupported: noCGroups},
	{in: secCGroup, name: "IOReadIOPSMax", parse: cgIOLimit(IOReadIOPSMax), unsupported: noCGroups},
	{in: secCGroup, name: "IOWriteIOPSMax", parse: cgIOLimit(IOWriteIOPSMax), unsupported: noCGroups},
	{in: secCGroup, name: "IODeviceLatencyTargetSec", parse: cgFunc(parseIODeviceLatency), unsupported: noCGroups},
	{in: secCGroup, name: "BlockIOAccounting", parse: boolField(func(u *Unit) *bool { return &u.cgCtx().BlockIOAccounting }), unsupported: noCGroups},
	{in: secCGroup, name: "BlockIOWeight", parse: cgLegacyWeight{what: "block IO weight", lo: 10, hi: 1000, field: func(c *CGroupContext) *uint64 { return &c.BlockIOWeight }}, unsupported: noCGroups},
	{in: secCGroup, name: "StartupBlockIOWeight", parse: cgLegacyWeight{what: "block IO weight", lo: 10, hi: 1000, field: func(c *CGroupContext) *uint64 { return &c.StartupBlockIOWeight }}, unsupported: noCGroups},
	{in: secCGroup, name: "BlockIODeviceWeight", parse: cgFunc(parseBlockIODeviceWeight), unsupported: noCGroups},
	{in: secCGroup, name: "BlockIOReadBandwidth", parse: cgFunc(parseBlockIOBandwidth), unsupported: noCGroups},
	{in: secCGroup, name: "BlockIOWriteBandwidth", parse: cgFunc(parseBlockIOBandwidth), unsupported: noCGroups},
	{in: secCGroup, name: "TasksAccounting", parse: boolField(func(u *Unit) *bool { return &u.cgCtx().TasksAccounting }), unsupported: noCGroups},
	{in: secCGroup, name: "TasksMax", parse: cgFunc(parseTasksMax), unsupported: noCGroups},
	{in: secCGroup, name: "Delegate", parse: cgFunc(parseDelegate), unsupported: noCGroups},
	{in: secCGroup, name: "DisableControllers", parse: cgFunc(parseDisableControllers), unsupported: noCGroups},
	{in: secCGroup, name: "IPAccounting", parse: boolField(func(u *Unit) *bool { return &u.cgCtx().IPAccounting }), unsupported: noCGroups},
	{in: secCGroup, name: "IPAddressAllow", parse: cgIPAddress(func(c *CGroupContext) *[]netip.Prefix { return &c.IPAddressAllow }), unsupported: noCGroups},
	{in: secCGroup, name: "IPAddressDeny", parse: cgIPAddress(func(c *CGroupContext) *[]netip.Prefix { return &c.IPAddressDeny }), unsupported: noCGroups},
	{in: secCGroup, name: "IPIngressFilterPath", parse: cgIPFilter(func(c *CGroupContext) *[]string { return &c.IPIngressFilterPath }), unsupported: noCGroups},
	{in: secCGroup, name: "IPEgressFilterPath", parse: cgIPFilter(func(c *CGroupContext) *[]string { return &c.IPEgressFilterPath }), unsupported: noCGroups},
	{in: secCGroup, name: "ManagedOOMSwap", parse: enumField{msg: "Invalid syntax", values: []string{"auto", "kill"}, emptyDefault: "auto", field: func(u *Unit) *string { return &u.cgCtx().ManagedOOMSwap }}, unsupported: noCGroups},
	{in: secCGroup, name: "ManagedOOMMemoryPressure", parse: enumField{msg: "Invalid syntax", values: []string{"auto", "kill"}, emptyDefault: "auto", field: func(u *Unit) *string { return &u.cgCtx().ManagedOOMMemoryPressure }}, unsupported: noCGroups},
	{in: secCGroup, name: "ManagedOOMMemoryPressureLimit", parse: cgFunc(parseManagedOOMLimit), unsupported: noCGroups},
	{in: secCGroup, name: "ManagedOOMPreference", parse: enumField{msg: "Failed to parse ManagedOOMPreference=", values: []string{"none", "avoid", "omit"}, emptyDefault: "none", field: func(u *Unit) *string { return &u.cgCtx().ManagedOOMPreference }}, unsupported: noCGroups},
	{in: secCGroup, name: "NetClass", parse: parseFunc(parseRemoved)},
	{in: secCGroup, name: "BPFProgram", parse: cgFunc(parseBPFProgram), unsupported: noCGroups},
	{in: secCGroup, name: "SocketBindAllow", parse: cgSocketBind(func(c *CGroupContext) *[]SocketBind { return &c.SocketBindAllow }), unsupported: noCGroups},
	{in: secCGroup, name: "SocketBindDeny", parse: cgSocketBind(func(c *CGroupContext) *[]SocketBind { return &c.SocketBindDeny }), unsupported: noCGroups},
	{in: secCGroup, name: "RestrictNetworkInterfaces", parse: cgFunc(parseRestrictNetworkInterfaces), unsupported: noCGroups},
}

// setDefaultSlice places a loaded unit in the slice systemd 252 would
// (unit_set_default_slice) unless Slice= chose one: instances of a
// template in "system-<escaped prefix>.slice", units systemd considers
// extrinsic (mounts of API file systems, perpetual units) in -.slice, all
// others in system.slice. A slice's slice is its parent by name.
func (u *Unit) setDefaultSlice() {
	c := u.CGroup
	switch {
	case c == nil:
	case u.Type == "slice":
		c.Slice = parentSlice(u.ID)
	case c.sliceSet:
	default:
		prefix, inst, _, _ := unit.SplitName(u.ID)
		slice := "system.slice"
		switch {
		case inst != "":
			slice = "system-" + unit.EscapeName(prefix) + ".slice"
		case u.extrinsic():
			slice = "-.slice"
		}
		if u.shared&sharedCGroup != 0 {
			u.CGroup = u.ctx.placedCGroup(slice)
		} else {
			c.Slice = slice
		}
	}
}

// parentSlice is the slice a slice unit sits in: "a-b.slice" is in
// "a.slice", "a.slice" in "-.slice", and -.slice in none.
func parentSlice(id string) string {
	p := strings.TrimSuffix(id, ".slice")
	if p == "-" {
		return ""
	}
	if i := strings.LastIndexByte(p, '-'); i > 0 {
		return p[:i] + ".slice"
	}
	return "-.slice"
}

// extrinsic reports whether systemd 252 treats the unit as managed outside
// its dependency logic: perpetual units, and mounts of "/", "/usr", "/etc"
// and of anything under /proc, /sys, /dev and /run/initramfs.
func (u *Unit) extrinsic() bool {
	if u.ID == "-.slice" || u.ID == "init.scope" || u.ID == "-.mount" {
		return true
	}
	if u.Type != "mount" {
		return false
	}
	where, err := unit.PathUnescape(strings.TrimSuffix(u.ID, ".mount"))
	if err != nil {
		return false
	}
	if where == "/" || where == "/usr" || where == "/etc" {
		return true
	}
	for _, p := range []string{"/run/initramfs", "/proc", "/sys", "/dev"} {
		if where == p || strings.HasPrefix(where, p+"/") {
			return true
		}
	}
	return false
}

// SliceOf returns the IDs of the loaded units placed in this slice,
// sorted; nil for other units.
func (u *Unit) SliceOf() []string {
	if u.CGroup == nil {
		return nil
	}
	out := make([]string, 0, len(u.CGroup.members))
	for _, m := range u.CGroup.members {
		out = append(out, m.ID)
	}
	slices.Sort(out)
	return out
}

// CanFreeze reports whether systemd could freeze the unit: services and
// scopes can, a slice can when everything in it can, other types cannot.
func (u *Unit) CanFreeze() bool {
	switch u.Type {
	case "service", "scope":
		return true
	case "slice":
		for _, m := range u.CGroup.members {
			if m != u && !m.CanFreeze() {
				return false
			}
		}
		return true
	}
	return false
}

// patchCGroupContext is the cgroup part of systemd's
// unit_patch_contexts(), run once a unit's files are applied: settings
// of the exec context that imply device access rules. PrivateDevices=
// closes the device policy; when a device policy is in force, images
// (RootImage=, MountImages=), ProtectClock= and encrypted credentials add
// the devices they need in front of DeviceAllow=. (systemd also orders
// units with images after modprobe@loop and friends; gosd does not.)
func (u *Unit) patchCGroupContext() {
	c, e := u.CGroup, u.Exec
	if c == nil || e == nil {
		return
	}
	if c.DevicePolicy == "auto" && len(c.DeviceAllow) == 0 && !e.PrivateDevices {
		return
	}
	c = u.cgCtx()
	if e.PrivateDevices && c.DevicePolicy == "auto" {
		c.DevicePolicy = "closed"
	}
	if e.RootImage != "" || len(e.MountImages) > 0 {
		for _, p := range []string{"/dev/loop-control", "/dev/mapper/control"} {
			c.AddDeviceAllow(p, "rw")
		}
		for _, p := range []string{"block-loop", "block-blkext", "block-device-mapper"} {
			c.AddDeviceAllow(p, "rwm")
		}
	}
	if e.ProtectClock {
		c.AddDeviceAllow("char-rtc", "r")
	}
	encrypted := slices.ContainsFunc(e.SetCredentials, func(s SetCredential) bool { return s.Encrypted }) ||
		slices.ContainsFunc(e.LoadCredentials, func(l LoadCredential) bool { return l.Encrypted })
	if encrypted {
		c.AddDeviceAllow("char-tpm", "rw")
	}
}

// initSpecialSlice gives the root and system slices what systemd builds
// into them before reading their (optional) files: they are perpetual,
// have no default dependencies, and a description and documentation.
func (u *Unit) initSpecialSlice() {
	desc := ""
	switch u.ID {
	case "-.slice":
		desc = "Root Slice"
	case "system.slice":
		desc = "System Slice"
	default:
		return
	}
	u.Unit.DefaultDependencies = false
	u.Unit.Description = desc
	u.Unit.Documentation = []string{"man:systemd.special(7)"}
}

// sliceDefaults is what systemd's slice_load() adds once a slice is
// loaded: a description naming its cgroup path. (device_load() likewise
// names a device unit after its path.)
func (u *Unit) sliceDefaults() {
	if u.Unit.Description != "" {
		return
	}
	if u.Type == "device" {
		if p, err := unit.PathUnescape(strings.TrimSuffix(u.ID, ".device")); err == nil {
			u.Unit.Description = p
		}
		return
	}
	if u.Type != "slice" {
		return
	}
	p := "/"
	if u.ID != "-.slice" {
		x, err := unit.PathUnescape(strings.TrimSuffix(u.ID, ".slice"))
		if err != nil {
			return
		}
		p = x
	}
	u.Unit.Description = "Slice " + p
}
