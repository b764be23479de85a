package condition

import (
	"bufio"
	"bytes"
	"math"
	"os"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/gosd/gosd/unit"
)

type cgroupMode int

const (
	cgroupLegacy  cgroupMode = iota // cgroup v1 only
	cgroupHybrid                    // v1 controllers, systemd's own hierarchy on v2
	cgroupUnified                   // v2 only
)

// cgroupMode tells the cgroup layout from the file system types under
// /sys/fs/cgroup, as systemd does.
func (h *Host) cgroupMode() (cgroupMode, error) {
	if h.Statfs == nil {
		return 0, errorf(syscall.ENOSYS, "statfs not available")
	}
	st, err := h.Statfs(h.hostPath("/sys/fs/cgroup/", true))
	if err != nil {
		return 0, asError(err, "statfs(\"/sys/fs/cgroup/\") failed")
	}
	switch uint32(st.Type) {
	case unix.CGROUP2_SUPER_MAGIC:
		return cgroupUnified, nil
	case unix.TMPFS_MAGIC:
		if st, err := h.Statfs(h.hostPath("/sys/fs/cgroup/unified/", true)); err == nil && uint32(st.Type) == unix.CGROUP2_SUPER_MAGIC {
			return cgroupHybrid, nil
		}
		st, err := h.Statfs(h.hostPath("/sys/fs/cgroup/systemd/", true))
		if err != nil {
			return 0, asError(err, "statfs(\"/sys/fs/cgroup/systemd/\") failed")
		}
		switch uint32(st.Type) {
		case unix.CGROUP2_SUPER_MAGIC:
			return cgroupHybrid, nil
		case unix.CGROUP_SUPER_MAGIC:
			return cgroupLegacy, nil
		}
	}
	return 0, errorf(syscall.ENOMEDIUM, "Unknown filesystem type %x mounted on /sys/fs/cgroup", st.Type)
}

// cgroupOf returns the cgroup of a process in systemd's own hierarchy
// ("0::" on v2 and hybrid, "name=systemd" on v1), from /proc/PID/cgroup.
func (h *Host) cgroupOf(pid string, mode cgroupMode) (string, error) {
	b, err := h.readFile("/proc/" + pid + "/cgroup")
	if err != nil {
		return "", asError(err, "Failed to read /proc/%s/cgroup", pid)
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		_, rest, _ := strings.Cut(sc.Text(), ":")
		ctrls, p, ok := strings.Cut(rest, ":")
		if !ok {
			continue
		}
		if mode == cgroupLegacy {
			for _, c := range strings.Split(ctrls, ",") {
				if c == "name=systemd" {
					return p, nil
				}
			}
		} else if ctrls == "" {
			return p, nil
		}
	}
	return "", errorf(syscall.ENODATA, "no systemd cgroup for PID %s", pid)
}

// cgroupRoot is cg_get_root_path(): PID 1's cgroup without its
// init.scope, the top of the manager's tree.
func (h *Host) cgroupRoot(mode cgroupMode) (string, error) {
	p, err := h.cgroupOf("1", mode)
	if err != nil {
		return "", err
	}
	for _, suffix := range []string{"/init.scope", "/system.slice", "/system"} {
		if s, ok := strings.CutSuffix(p, suffix); ok {
			return s, nil
		}
	}
	return p, nil
}

// Controller masks: the controllers systemd uses on v1 and on v2.
var (
	controllersV1 = []string{"cpu", "cpuacct", "blkio", "memory", "devices", "pids"}
	controllersV2 = []string{"cpu", "cpuset", "io", "memory", "pids"}
	controllers   = []string{"cpu", "cpuacct", "cpuset", "io", "blkio", "memory", "devices", "pids",
		"bpf-firewall", "bpf-devices", "bpf-foreign", "bpf-socket-bind", "bpf-restrict-network-interfaces"}
)

// supportedControllers is cg_mask_supported(): on v2 the controllers
// enabled for the manager's root cgroup, on v1 (and hybrid) those whose
// hierarchy is mounted and writable there.
func (h *Host) supportedControllers(mode cgroupMode) (map[string]bool, error) {
	root, err := h.cgroupRoot(mode)
	if err != nil {
		return nil, err
	}
	got := map[string]bool{}
	if mode == cgroupUnified {
		l, err := h.readLine("/sys/fs/cgroup" + root + "/cgroup.controllers")
		if err != nil {
			return nil, asError(err, "Failed to determine supported controllers")
		}
		for _, c := range strings.Fields(l) {
			if contains(controllersV2, c) {
				got[c] = true
			}
		}
		return got, nil
	}
	for _, c := range controllersV1 {
		p := h.hostPath("/sys/fs/cgroup/"+c+root+"/cgroup.procs", false)
		if unix.Faccessat(unix.AT_FDCWD, p, unix.W_OK, unix.AT_SYMLINK_NOFOLLOW) == nil {
			got[c] = true
		}
	}
	return got, nil
}

// testControlGroupController: "v1" (also hybrid) or "v2", or controller
// names that must all be usable. Unknown names are ignored; with no known
// name at all the condition holds (observed: "foo" succeeds).
func (h *Host) testControlGroupController(param string) (bool, error) {
	mode, err := h.cgroupMode()
	switch param {
	case "v2":
		return mode == cgroupUnified, err
	case "v1":
		return mode != cgroupUnified, err
	}
	if err != nil {
		return false, err
	}
	var want []string
	for _, w := range strings.Fields(param) {
		if contains(controllers, w) {
			want = append(want, w)
		}
	}
	have, err := h.supportedControllers(mode)
	if err != nil {
		return false, err
	}
	if len(want) == 0 {
		return true, nil
	}
	for _, c := range want {
		if !have[c] {
			return false, nil
		}
	}
	return true, nil
}

// physicalMemory is systemd's physical_memory(): the RAM, or the memory
// limit of the manager's root cgroup when that is lower.
func (h *Host) physicalMemory() (uint64, error) {
	if h.PhysicalMemory == nil {
		return 0, errorf(syscall.ENOSYS, "physical memory not available")
	}
	mem, err := h.PhysicalMemory()
	if err != nil {
		return 0, asError(err, "sysconf(_SC_PHYS_PAGES)")
	}
	mode, err := h.cgroupMode()
	if err != nil {
		return mem, nil
	}
	root, err := h.cgroupRoot(mode)
	if err != nil {
		return mem, nil
	}
	file := "/sys/fs/cgroup/memory" + root + "/memory.limit_in_bytes"
	if mode == cgroupUnified {
		file = "/sys/fs/cgroup" + root + "/memory.max"
	}
	v, err := h.readLine(file)
	if err != nil || v == "max" {
		return mem, nil
	}
	lim, err := strconv.ParseUint(v, 10, 64)
	if err != nil || lim == math.MaxUint64 {
		return mem, nil
	}
	ps := uint64(os.Getpagesize())
	return min(mem, lim/ps*ps), nil
}

// testMemory: the memory (see physicalMemory) compared with a size with
// an optional operator (default ">="); sizes take K M G T P E (base
// 1024), fractions and blanks before the suffix.
func (h *Host) testMemory(param string) (bool, error) {
	m, err := h.physicalMemory()
	if err != nil {
		return false, err
	}
	o, rest := parseOperator(param, false)
	if o == opInvalid {
		o, rest = opGE, param
	}
	if rest == "infinity" { // parse_size() itself does not know it
		return false, errorf(syscall.EINVAL, "Failed to parse size '%s'", rest)
	}
	k, err := unit.ParseSize(rest, 1024)
	if err != nil {
		return false, errorf(errnoOf(err), "Failed to parse size '%s'", rest)
	}
	return testOrder(cmp3(m, k), o), nil
}

// loadavg is a fixed-point number with 11 fractional bits, as the kernel
// keeps load and pressure averages.
type loadavg uint64

const loadavgShift = 11

func makeLoadavg(i, f uint64) (loadavg, error) {
	if i >= math.MaxUint64>>loadavgShift {
		return 0, syscall.ERANGE
	}
	frac := (f<<loadavgShift + 99) / 100
	if frac >= 1<<loadavgShift {
		return 0, syscall.ERANGE
	}
	return loadavg(i<<loadavgShift | frac), nil
}

func parseLoadavg(s string) (loadavg, error) {
	is, fs, ok := strings.Cut(s, ".")
	if !ok {
		return 0, syscall.EINVAL
	}
	i, err1 := strconv.ParseUint(is, 10, 64)
	f, err2 := strconv.ParseUint(fs, 10, 64)
	if err1 != nil || err2 != nil {
		return 0, syscall.EINVAL
	}
	return makeLoadavg(i, f)
}

// readPressure reads the avg10/avg60/avg300 of the "some" or "full" line
// of a PSI file; ENODATA when there is no such line.
func (h *Host) readPressure(file, kind string) ([3]loadavg, error) {
	var avg [3]loadavg
	b, err := h.readFile(file)
	if err != nil {
		return avg, err
	}
	var fields []string
	for _, l := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(l, kind); ok && (rest == "" || rest[0] == ' ' || rest[0] == '\t') {
			fields = strings.Fields(rest)
			break
		}
	}
	if fields == nil {
		return avg, syscall.ENODATA
	}
	filled := 0
	for _, f := range fields {
		for i, key := range []string{"avg10=", "avg60=", "avg300="} {
			if v, ok := strings.CutPrefix(f, key); ok {
				if filled&(1<<i) != 0 {
					return avg, syscall.EINVAL
				}
				filled |= 1 << i
				if avg[i], err = parseLoadavg(v); err != nil {
					return avg, err
				}
			}
		}
		if v, ok := strings.CutPrefix(f, "total="); ok {
			if filled&8 != 0 {
				return avg, syscall.EINVAL
			}
			filled |= 8
			if _, err := strconv.ParseUint(v, 10, 64); err != nil {
				return avg, syscall.EINVAL
			}
		}
	}
	if filled != 15 {
		return avg, syscall.EINVAL
	}
	return avg, nil
}

// cgroupEscape is cg_escape(): a leading '_' where a cgroup name could
// be taken for a kernel attribute.
func cgroupEscape(s string) string {
	if s == "" || s[0] == '_' || s[0] == '.' || s == "notify_on_release" || s == "release_agent" || s == "tasks" {
		return "_" + s
	}
	if dot := strings.IndexByte(s, '.'); dot > 0 && contains(append([]string{"cgroup"}, controllers...), s[:dot]) {
		return "_" + s
	}
	return s
}

// sliceToPath is cg_slice_to_path(): "a-b.slice" is "a.slice/a-b.slice",
// "-.slice" the root.
func sliceToPath(slice string) (string, error) {
	if slice == "-.slice" {
		return "", nil
	}
	prefix, ok := strings.CutSuffix(slice, ".slice")
	if !ok || !unit.IsPlain(slice) || strings.HasPrefix(prefix, "-") {
		return "", syscall.EINVAL
	}
	var b strings.Builder
	for i := 0; i < len(prefix); i++ {
		if prefix[i] != '-' {
			continue
		}
		if i+1 >= len(prefix) || prefix[i+1] == '-' {
			return "", syscall.EINVAL
		}
		parent := prefix[:i] + ".slice"
		if !unit.IsPlain(parent) {
			return "", syscall.EINVAL
		}
		b.WriteString(cgroupEscape(parent) + "/")
	}
	b.WriteString(cgroupEscape(slice))
	return b.String(), nil
}

// psiSupported: the kernel exposes pressure stall information.
func (h *Host) psiSupported() bool {
	for _, r := range []string{"cpu", "io", "memory"} {
		if _, err := h.readFile("/proc/pressure/" + r); err != nil {
			e := errnoOf(err)
			if e == syscall.ENOENT || e == syscall.EOPNOTSUPP || e == syscall.ENOTSUP || e == syscall.ENOSYS {
				return false
			}
		}
	}
	return true
}

// testPressure: "[SLICE:]PERCENT[/10sec|1min|5min]" holds when the
// pressure average (5min by default) of the system, or of the slice's
// cgroup, is at most PERCENT. Without PSI, without the unified hierarchy
// or its controller, or for a missing cgroup, it holds (systemd skips
// the check).
func (h *Host) testPressure(kind, param string) (bool, error) {
	if !h.psiSupported() {
		return true, nil
	}
	bad := func() error { return errorf(syscall.EINVAL, "Failed to parse condition parameter %s", param) }
	w := unit.NewWords(param)
	first, ok, err := w.Next(":", 0)
	if err != nil || !ok {
		return false, bad()
	}
	second, hasSecond, err := w.Next(":", 0)
	if err != nil {
		return false, bad()
	}
	file := "/proc/pressure/" + kind
	value := first
	if hasSecond {
		mode, err := h.cgroupMode()
		if err != nil {
			return false, err
		}
		if mode != cgroupUnified {
			return true, nil
		}
		have, err := h.supportedControllers(mode)
		if err != nil {
			return false, err
		}
		if !have[kind] {
			return true, nil
		}
		slicePath, err := sliceToPath(strings.TrimSpace(first))
		if err != nil {
			return false, errorf(syscall.EINVAL, "Cannot determine slice \"%s\" cgroup path", first)
		}
		own, err := h.cgroupOf("self", mode)
		if err != nil {
			return false, err
		}
		own = strings.TrimSuffix(own, "/init.scope")
		if own != "" && own != "/" {
			slicePath = strings.TrimSuffix(own, "/") + "/" + slicePath
		}
		file = "/sys/fs/cgroup/" + strings.TrimPrefix(slicePath, "/") + "/" + kind + ".pressure"
		value = second
	}
	vw := unit.NewWords(value)
	third, ok, err := vw.Next("/", 0)
	if err != nil || !ok {
		return false, bad()
	}
	fourth, hasSpan, err := vw.Next("/", 0)
	if err != nil {
		return false, bad()
	}
	span := 2 // avg300
	if hasSpan {
		switch t := strings.TrimLeft(fourth, " \t\n\r"); {
		case strings.HasPrefix(t, "10sec"):
			span = 0
		case strings.HasPrefix(t, "1min"):
			span = 1
		case strings.HasPrefix(t, "5min"):
			span = 2
		default:
			return false, bad()
		}
	}
	pct, err := unit.ParsePermyriad(strings.TrimSpace(third))
	if err != nil {
		return false, errorf(errnoOf(err), "Failed to parse permyriad: %s", param)
	}
	limit, err := makeLoadavg(uint64(pct/100), uint64(pct%100))
	if err != nil {
		return false, errorf(errnoOf(err), "Failed to parse loadavg: %s", param)
	}
	// CPU pressure is read from "some": a system's "full" CPU line is all
	// zeros (observed: ConditionCPUPressure=50% fails with "some" at 52%
	// and "full" at 0). Memory and IO use "full", or "some" when the
	// kernel has no "full" line.
	kindLine := "full"
	if kind == "cpu" {
		kindLine = "some"
	}
	avg, err := h.readPressure(file, kindLine)
	if errnoOf(err) == syscall.ENODATA {
		avg, err = h.readPressure(file, "some")
	}
	if err != nil {
		if errnoOf(err) == syscall.ENOENT {
			return true, nil
		}
		return false, asError(err, "Error parsing pressure from %s", file)
	}
	return avg[span] <= limit, nil
}
