package condition

import (
	"bufio"
	"bytes"
	"math"
	"runtime"
	"strconv"
	"strings"
	"syscall"

	"github.com/gosd/gosd/unit"
)

// unameArch maps uname(2)'s machine to systemd's architecture names.
var unameArch = map[string]string{
	"aarch64": "arm64", "aarch64_be": "arm64-be",
	"armv8l": "arm", "armv8b": "arm-be", "armv7ml": "arm", "armv7mb": "arm-be", "armv7l": "arm", "armv7b": "arm-be",
	"armv6l": "arm", "armv6b": "arm-be", "armv5tl": "arm", "armv5tel": "arm", "armv5tejl": "arm", "armv5tejb": "arm-be",
	"armv5teb": "arm-be", "armv5tb": "arm-be", "armv4tl": "arm", "armv4tb": "arm-be", "armv4l": "arm", "armv4b": "arm-be",
	"alpha": "alpha", "arc": "arc", "arceb": "arc-be", "crisv32": "cris",
	"x86_64": "x86-64", "i686": "x86", "i586": "x86", "i486": "x86", "i386": "x86",
	"ia64": "ia64", "parisc64": "parisc64", "parisc": "parisc", "loongarch64": "loongarch64", "m68k": "m68k",
	"nios2": "nios2", "ppc64": "ppc64", "ppc64le": "ppc64-le", "ppc": "ppc", "ppcle": "ppc-le",
	"riscv32": "riscv32", "riscv64": "riscv64", "s390x": "s390x", "s390": "s390",
	"sh5": "sh64", "sh4a": "sh", "sh4": "sh", "sh3": "sh", "sh2a": "sh", "sh2": "sh",
	"sparc64": "sparc64", "sparc": "sparc", "tilegx": "tilegx",
}

// architectures are the names ConditionArchitecture= knows.
var architectures = []string{"x86", "x86-64", "ppc", "ppc-le", "ppc64", "ppc64-le", "ia64", "parisc", "parisc64",
	"s390", "s390x", "sparc", "sparc64", "mips", "mips-le", "mips64", "mips64-le", "alpha", "arm", "arm-be", "arm64",
	"arm64-be", "sh", "sh64", "m68k", "tilegx", "cris", "nios2", "riscv32", "riscv64", "arc", "arc-be", "loongarch64"}

// unameArchitecture is systemd's uname_architecture().
func (h *Host) unameArchitecture() (string, error) {
	u, err := h.uname()
	if err != nil {
		return "", err
	}
	a, ok := unameArch[u.Machine]
	if !ok {
		return "", errorf(syscall.EINVAL, "Unknown architecture %s", u.Machine)
	}
	// uname does not tell the byte order of MIPS; systemd goes by its build.
	if strings.HasPrefix(u.Machine, "mips") {
		a = u.Machine
		if runtime.GOARCH == "mipsle" || runtime.GOARCH == "mips64le" {
			a += "-le"
		}
	}
	return a, nil
}

func (h *Host) uname() (Uname, error) {
	if h.Uname == nil {
		return Uname{}, errorf(syscall.ENOSYS, "uname not available")
	}
	u, err := h.Uname()
	return u, asError(err, "uname")
}

// testArchitecture: an unknown architecture name is simply not ours
// (false, observed: ConditionArchitecture=!foo succeeds).
func (h *Host) testArchitecture(param string) (bool, error) {
	a, err := h.unameArchitecture()
	if err != nil {
		return false, err
	}
	want := param
	if param == "native" {
		want = unit.SystemdArch(runtime.GOARCH)
	} else if !contains(architectures, param) {
		return false, nil
	}
	return a == want, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// testKernelVersion: whitespace separated expressions that must all hold,
// each an optional operator and a version; without an operator the
// version is a glob. Only the first expression may have blanks between
// its operator and version.
func (h *Host) testKernelVersion(param string) (bool, error) {
	u, err := h.uname()
	if err != nil {
		return false, err
	}
	w := unit.NewWords(param)
	for first := true; ; first = false {
		word, ok, err := w.Next("", unit.ExtractUnquote)
		if err != nil {
			return false, errorf(syscall.EINVAL, "Failed to parse condition string \"%s\"", w.Rest())
		}
		if !ok {
			return true, nil
		}
		s := strings.Trim(word, " \t\n\r")
		o, rest := parseOperator(s, true)
		if o == opInvalid {
			o = opFnmatchEqual
		}
		s = strings.TrimLeft(rest, " \t\n\r")
		if s == "" {
			if !first {
				return false, errorf(syscall.EINVAL, "Unexpected end of expression: %s", w.Rest())
			}
			word, ok, err = w.Next("", 0)
			if err != nil {
				return false, errorf(syscall.EINVAL, "Failed to parse condition string \"%s\"", w.Rest())
			}
			if !ok {
				return false, errorf(syscall.EINVAL, "Unexpected end of expression: (null)")
			}
			s = word
		}
		if !versionOrFnmatch(o, u.Release, s) {
			return false, nil
		}
	}
}

// testHost: a machine ID (32 hex digits or UUID form) is compared with
// /etc/machine-id, anything else is a case-insensitive glob on the
// hostname.
func (h *Host) testHost(param string) (bool, error) {
	if id, ok := parseID128(param); ok {
		mid, err := h.machineID()
		if err != nil {
			return false, err
		}
		return id == mid, nil
	}
	u, err := h.uname()
	if err != nil {
		return false, err
	}
	name := u.Nodename
	if name == "" || name == "(none)" {
		name = h.defaultHostname()
	}
	return fnmatch(param, name, fnmCasefold), nil
}

// defaultHostname is what systemd uses when no hostname is set: the
// DEFAULT_HOSTNAME of os-release, else "localhost".
func (h *Host) defaultHostname() string {
	if v, ok := h.getenv("SYSTEMD_DEFAULT_HOSTNAME"); ok && v != "" {
		return v
	}
	if v, err := h.osReleaseValue("DEFAULT_HOSTNAME"); err == nil && v != "" {
		return v
	}
	return "localhost"
}

func unhexDigit(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

// parseID128 is sd_id128_from_string(): 32 hex digits, or the UUID form
// with dashes; the result is lowercase hex.
func parseID128(s string) (string, bool) {
	if len(s) == 36 {
		if s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-' {
			return "", false
		}
		s = s[:8] + s[9:13] + s[14:18] + s[19:23] + s[24:]
	}
	if len(s) != 32 {
		return "", false
	}
	for i := 0; i < len(s); i++ {
		if unhexDigit(s[i]) < 0 {
			return "", false
		}
	}
	return strings.ToLower(s), true
}

// machineID reads /etc/machine-id; an empty, "uninitialized" or all-zero
// one is ENOMEDIUM, as sd_id128_get_machine() has it.
func (h *Host) machineID() (string, error) {
	b, err := h.readFile("/etc/machine-id")
	if err != nil {
		return "", asError(err, "Failed to read /etc/machine-id")
	}
	s := strings.TrimSuffix(string(b), "\n")
	if s == "" || s == "uninitialized" {
		return "", errorf(syscall.ENOMEDIUM, "machine ID not initialized")
	}
	id, ok := parseID128(s)
	if !ok || len(s) != 32 {
		return "", errorf(syscall.EINVAL, "Failed to parse /etc/machine-id")
	}
	if id == strings.Repeat("0", 32) {
		return "", errorf(syscall.ENOMEDIUM, "machine ID is null")
	}
	return id, nil
}

// kernelCommandLine is systemd's proc_cmdline(): $SYSTEMD_PROC_CMDLINE of
// the manager, in a container PID 1's arguments joined with blanks,
// otherwise /proc/cmdline.
func (h *Host) kernelCommandLine() (string, error) {
	if v, ok := h.getenv("SYSTEMD_PROC_CMDLINE"); ok {
		return v, nil
	}
	if v, _ := h.virtualization(); v.container() {
		b, err := h.readFile("/proc/1/cmdline")
		if err != nil {
			return "", asError(err, "Failed to read /proc/1/cmdline")
		}
		b = bytes.TrimRight(b, "\x00")
		return string(bytes.ReplaceAll(b, []byte{0}, []byte{' '})), nil
	}
	l, err := h.readLine("/proc/cmdline")
	return l, asError(err, "Failed to read /proc/cmdline")
}

// cmdlineWords splits the kernel command line as systemd does (quotes
// removed, unbalanced quotes tolerated).
func cmdlineWords(line string) ([]string, error) {
	var out []string
	w := unit.NewWords(line)
	for {
		word, ok, err := w.Next("", unit.ExtractUnquote|unit.ExtractRelax)
		if err != nil {
			return out, errorf(syscall.EINVAL, "Failed to parse kernel command line")
		}
		if !ok {
			return out, nil
		}
		out = append(out, word)
	}
}

// testKernelCommandLine: "key=value" must appear as a word; "key" matches
// the word "key" or any "key=...". Case and '-'/'_' matter.
func (h *Host) testKernelCommandLine(param string) (bool, error) {
	line, err := h.kernelCommandLine()
	if err != nil {
		return false, err
	}
	words, err := cmdlineWords(line)
	if err != nil {
		return false, err
	}
	_, _, hasValue := strings.Cut(param, "=")
	for _, w := range words {
		if hasValue {
			if w == param {
				return true, nil
			}
		} else if rest, ok := strings.CutPrefix(w, param); ok && (rest == "" || rest[0] == '=') {
			return true, nil
		}
	}
	return false, nil
}

// cmdlineBool is proc_cmdline_get_bool(): whether key appears on the
// kernel command line (found), with its value (a bare key is true; the
// last occurrence wins; '-' and '_' are the same in the key). A value
// that is not a boolean is an error the callers ignore.
func (h *Host) cmdlineBool(key string) (value, found bool, err error) {
	line, err := h.kernelCommandLine()
	if err != nil {
		return false, false, err
	}
	words, err := cmdlineWords(line)
	if err != nil {
		return false, false, err
	}
	norm := func(s string) string { return strings.ReplaceAll(s, "-", "_") }
	var val string
	var hasVal bool
	for _, w := range words {
		k, v, eq := strings.Cut(w, "=")
		if norm(k) == norm(key) {
			found, val, hasVal = true, v, eq
		}
	}
	if !found || !hasVal {
		return found, found, nil
	}
	b, err := unit.ParseBool(val)
	if err != nil {
		return false, false, errorf(syscall.EINVAL, "Failed to parse %s= kernel command line argument", key)
	}
	return b, true, nil
}

// testEnvironment checks the manager's environment block: "NAME=VALUE"
// exactly, or a bare NAME set to anything.
func (h *Host) testEnvironment(param string) (bool, error) {
	_, _, hasValue := strings.Cut(param, "=")
	for _, e := range h.Environment {
		if hasValue {
			if e == param {
				return true, nil
			}
		} else if rest, ok := strings.CutPrefix(e, param); ok && (rest == "" || rest[0] == '=') {
			return true, nil
		}
	}
	return false, nil
}

// credentialNameValid: a valid file name that is also a valid file
// descriptor name (printable ASCII without ':').
func credentialNameValid(s string) bool {
	if s == "" || s == "." || s == ".." || len(s) > 255 || strings.Contains(s, "/") {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < ' ' || s[i] > '~' || s[i] == ':' {
			return false
		}
	}
	return true
}

// testCredential: whether a credential of that name was passed to the
// manager, in $CREDENTIALS_DIRECTORY or $ENCRYPTED_CREDENTIALS_DIRECTORY
// of its own environment. An invalid name is false; a relative directory
// an error (observed).
func (h *Host) testCredential(param string) (bool, error) {
	if !credentialNameValid(param) {
		return false, nil
	}
	for _, env := range []string{"CREDENTIALS_DIRECTORY", "ENCRYPTED_CREDENTIALS_DIRECTORY"} {
		dir, ok := h.getenv(env)
		if !ok {
			continue
		}
		if !strings.HasPrefix(dir, "/") || !pathIsNormalized(dir) {
			return false, errorf(syscall.EINVAL, "Failed to determine credentials directory")
		}
		if _, err := lstat(h.hostPath(dir+"/"+param, false)); err == nil {
			return true, nil
		} else if errnoOf(err) != syscall.ENOENT {
			return false, asError(err, "Failed to check credential %s", param)
		}
	}
	return false, nil
}

// pathIsNormalized: no "." or ".." components and no double slashes.
func pathIsNormalized(p string) bool {
	if strings.Contains(p, "//") {
		return false
	}
	for _, c := range strings.Split(p, "/") {
		if c == "." || c == ".." {
			return false
		}
	}
	return true
}

// capNames are the capability names systemd 252 knows, by number.
var capNames = []string{"cap_chown", "cap_dac_override", "cap_dac_read_search", "cap_fowner", "cap_fsetid", "cap_kill",
	"cap_setgid", "cap_setuid", "cap_setpcap", "cap_linux_immutable", "cap_net_bind_service", "cap_net_broadcast",
	"cap_net_admin", "cap_net_raw", "cap_ipc_lock", "cap_ipc_owner", "cap_sys_module", "cap_sys_rawio", "cap_sys_chroot",
	"cap_sys_ptrace", "cap_sys_pacct", "cap_sys_admin", "cap_sys_boot", "cap_sys_nice", "cap_sys_resource",
	"cap_sys_time", "cap_sys_tty_config", "cap_mknod", "cap_lease", "cap_audit_write", "cap_audit_control",
	"cap_setfcap", "cap_mac_override", "cap_mac_admin", "cap_syslog", "cap_wake_alarm", "cap_block_suspend",
	"cap_audit_read", "cap_perfmon", "cap_bpf", "cap_checkpoint_restore"}

// capabilityFromName: a name in any case, or a number 0..63 in C's
// bases (observed: "0x15" is CAP_SYS_ADMIN, "64" and "-1" are invalid).
func capabilityFromName(s string) (int, bool) {
	if n, err := safeAtoi(s); err == nil {
		if n < 0 || n > 63 {
			return 0, false
		}
		return int(n), true
	}
	for i, n := range capNames {
		if strings.EqualFold(n, s) {
			return i, true
		}
	}
	return 0, false
}

// testCapability: whether the capability is in the manager's bounding
// set, from CapBnd: in /proc/self/status (every capability when that line
// is missing). An unknown capability is an error.
func (h *Host) testCapability(param string) (bool, error) {
	n, ok := capabilityFromName(param)
	if !ok {
		return false, errorf(syscall.EINVAL, "Unknown capability %s", param)
	}
	b, err := h.readFile("/proc/self/status")
	if err != nil {
		return false, asError(err, "Failed to read /proc/self/status")
	}
	set := uint64(math.MaxUint64)
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "CapBnd:"); ok {
			set, err = strconv.ParseUint(strings.TrimSpace(v), 16, 64)
			if err != nil {
				return false, errorf(syscall.EIO, "Failed to parse CapBnd")
			}
			break
		}
	}
	return set&(1<<n) != 0, nil
}

// testCPUs: the number of CPUs in the manager's affinity mask, compared
// with an optional operator (default ">="); the number is read as C's
// strtoul reads it ("0x2", "+2" and " 2" are 2, "09" is invalid).
func (h *Host) testCPUs(param string) (bool, error) {
	if h.CPUs == nil {
		return false, errorf(syscall.ENOSYS, "Failed to determine CPUs in affinity mask")
	}
	n, err := h.CPUs()
	if err != nil {
		return false, asError(err, "Failed to determine CPUs in affinity mask")
	}
	o, rest := parseOperator(param, false)
	if o == opInvalid {
		o, rest = opGE, param
	}
	k, err := safeAtou(rest)
	if err != nil {
		return false, errorf(errnoOf(err), "Failed to parse number of CPUs")
	}
	return testOrder(cmp3(uint64(n), k), o), nil
}

// cpuidTable are the CPUID bits ConditionCPUFeature= knows, by leaf and
// register.
var cpuidTable = []struct {
	leaf uint32
	reg  int // 0 eax, 1 ebx, 2 ecx, 3 edx
	bits map[string]uint
}{
	{1, 2, map[string]uint{"pni": 0, "pclmul": 1, "monitor": 3, "ssse3": 9, "fma3": 12, "cx16": 13, "sse4_1": 19,
		"sse4_2": 20, "movbe": 22, "popcnt": 23, "aes": 25, "xsave": 26, "osxsave": 27, "avx": 28, "f16c": 29, "rdrand": 30}},
	{1, 3, map[string]uint{"fpu": 0, "vme": 1, "de": 2, "pse": 3, "tsc": 4, "msr": 5, "pae": 6, "mce": 7, "cx8": 8,
		"apic": 9, "sep": 11, "mtrr": 12, "pge": 13, "mca": 14, "cmov": 15, "pat": 16, "pse36": 17, "clflush": 19,
		"mmx": 23, "fxsr": 24, "sse": 25, "sse2": 26, "ht": 28}},
	{7, 1, map[string]uint{"bmi1": 3, "avx2": 5, "bmi2": 8, "rdseed": 18, "adx": 19, "sha_ni": 29}},
	{0x80000001, 2, map[string]uint{"lahf_lm": 0, "abm": 5}},
	{0x80000001, 3, map[string]uint{"syscall": 11, "rdtscp": 27, "lm": 29}},
	{0x80000007, 3, map[string]uint{"constant_tsc": 8}},
}

// testCPUFeature: the feature name (any case) must be one of the known
// CPUID bits and set. Without CPUID (not x86) every feature is absent.
func (h *Host) testCPUFeature(param string) (bool, error) {
	if h.CPUID == nil {
		return false, nil
	}
	flag := strings.ToLower(param)
	maxBasic, _, _, _ := h.CPUID(0, 0)
	maxExt, _, _, _ := h.CPUID(0x80000000, 0)
	for _, t := range cpuidTable {
		bit, ok := t.bits[flag]
		if !ok {
			continue
		}
		if t.leaf < 0x80000000 && t.leaf > maxBasic || t.leaf >= 0x80000000 && t.leaf > maxExt {
			return false, nil
		}
		a, b, c, d := h.CPUID(t.leaf, 0)
		reg := [4]uint32{a, b, c, d}[t.reg]
		return reg&(1<<bit) != 0, nil
	}
	return false, nil
}

// C-style number parsing, as systemd's safe_atou()/safe_atoi(): leading
// blanks, a sign, base detection ("0x" hex, "0" octal; systemd adds "0b"
// and "0o"), and nothing after the digits.

func parseCNumber(s string) (mag uint64, neg bool, err error) {
	s = strings.TrimLeft(s, " \t\n\r\v\f")
	if s == "" {
		return 0, false, syscall.EINVAL
	}
	switch s[0] {
	case '-':
		neg = true
		s = s[1:]
	case '+':
		s = s[1:]
	}
	base := 10
	switch {
	case len(s) > 2 && (s[:2] == "0x" || s[:2] == "0X"):
		base, s = 16, s[2:]
	case len(s) > 2 && (s[:2] == "0b" || s[:2] == "0B"):
		base, s = 2, s[2:]
	case len(s) > 2 && (s[:2] == "0o" || s[:2] == "0O"):
		base, s = 8, s[2:]
	case len(s) > 1 && s[0] == '0':
		base = 8
	}
	if s == "" {
		return 0, false, syscall.EINVAL
	}
	v, perr := strconv.ParseUint(s, base, 64)
	if perr != nil {
		if ne, ok := perr.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
			return 0, false, syscall.ERANGE
		}
		return 0, false, syscall.EINVAL
	}
	return v, neg, nil
}

// safeAtou parses an unsigned int; "-0" is fine, any other negative is
// ERANGE.
func safeAtou(s string) (uint64, error) {
	v, neg, err := parseCNumber(s)
	if err != nil {
		return 0, err
	}
	if neg && v != 0 {
		return 0, syscall.ERANGE
	}
	if v > math.MaxUint32 {
		return 0, syscall.ERANGE
	}
	return v, nil
}

// safeAtoi parses an int.
func safeAtoi(s string) (int64, error) {
	v, neg, err := parseCNumber(s)
	if err != nil {
		return 0, err
	}
	if neg {
		if v > -math.MinInt32 {
			return 0, syscall.ERANGE
		}
		return -int64(v), nil
	}
	if v > math.MaxInt32 {
		return 0, syscall.ERANGE
	}
	return int64(v), nil
}

// Architecture is systemd's name for the machine's architecture
// (ConditionArchitecture=, $SYSTEMD_ARCHITECTURE of generators).
func (h *Host) Architecture() (string, error) { return h.unameArchitecture() }
