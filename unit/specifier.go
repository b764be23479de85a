package unit

import (
	"bufio"
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
)

// SpecifierError is returned by Specifiers.Expand. Its Error() is the
// errno text systemd shows after "Failed to resolve unit specifiers in
// ...: " (e.g. "Invalid slot" for an unknown specifier).
type SpecifierError struct {
	Specifier byte // the letter after '%'; 0 when the result is too long
	Errno     syscall.Errno
}

func (e *SpecifierError) Error() string { return strerror(e.Errno) }

// Unwrap lets errors.Is(err, syscall.EBADSLT) work.
func (e *SpecifierError) Unwrap() error { return e.Errno }

// Host gives the machine facts some specifiers need. Each fact is read on
// first use and cached in the Host; a non-empty field set by the caller is
// used instead of asking the system. A Host is safe for concurrent use;
// do not copy it after first use.
type Host struct {
	// Root is prepended to /etc/machine-id, /etc/os-release,
	// /usr/lib/os-release and /etc/machine-info ("" is the real root).
	Root string

	MachineID      string            // %m; /etc/machine-id
	BootID         string            // %b; /proc/sys/kernel/random/boot_id without dashes
	Hostname       string            // %H; %l is its part before the first '.'
	PrettyHostname string            // %q; PRETTY_HOSTNAME from /etc/machine-info, else %l
	KernelRelease  string            // %v; uname -r
	Architecture   string            // %a; systemd's names: x86-64, arm64, ...
	OSRelease      map[string]string // %o %w %B %W %M %A; nil: read os-release

	mu    sync.Mutex
	cache map[string]hostFact
}

type hostFact struct {
	val string
	err error
}

func (h *Host) fact(key, override string, read func() (string, error)) (string, error) {
	if override != "" {
		return override, nil
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if f, ok := h.cache[key]; ok {
		return f.val, f.err
	}
	v, err := read()
	if h.cache == nil {
		h.cache = map[string]hostFact{}
	}
	h.cache[key] = hostFact{v, err}
	return v, err
}

func (h *Host) path(p string) string {
	if h.Root == "" {
		return p
	}
	return filepath.Join(h.Root, p)
}

func errnoOf(err error) syscall.Errno {
	var e syscall.Errno
	if errors.As(err, &e) {
		return e
	}
	return syscall.EIO
}

// readID128 reads a file holding a 128-bit ID as 32 hex digits, with or
// without dashes, and returns it in systemd's plain form.
func readID128(path string) (string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "", errnoOf(err)
	}
	s := strings.TrimRight(string(data), "\n")
	if s == "" || s == "uninitialized" {
		return "", syscall.ENOMEDIUM
	}
	s = strings.ReplaceAll(s, "-", "")
	if len(s) != 32 {
		return "", syscall.EINVAL
	}
	for i := 0; i < len(s); i++ {
		if unhex(s[i]) < 0 {
			return "", syscall.EINVAL
		}
	}
	return strings.ToLower(s), nil
}

func (h *Host) machineID() (string, error) {
	return h.fact("m", h.MachineID, func() (string, error) { return readID128(h.path("/etc/machine-id")) })
}

func (h *Host) bootID() (string, error) {
	return h.fact("b", h.BootID, func() (string, error) { return readID128("/proc/sys/kernel/random/boot_id") })
}

func (h *Host) hostname() (string, error) {
	return h.fact("H", h.Hostname, func() (string, error) {
		var u syscall.Utsname
		if err := syscall.Uname(&u); err != nil {
			return "", errnoOf(err)
		}
		n := cString(u.Nodename[:])
		if n == "" || n == "(none)" {
			n = "localhost"
		}
		return n, nil
	})
}

func (h *Host) shortHostname() (string, error) {
	n, err := h.hostname()
	if i := strings.IndexByte(n, '.'); i >= 0 {
		n = n[:i]
	}
	return n, err
}

func (h *Host) prettyHostname() (string, error) {
	v, _ := h.fact("q", h.PrettyHostname, func() (string, error) {
		env, err := readEnvFile(h.path("/etc/machine-info"))
		if err != nil {
			return "", err
		}
		return env["PRETTY_HOSTNAME"], nil
	})
	if v != "" {
		return v, nil
	}
	return h.shortHostname()
}

func (h *Host) kernelRelease() (string, error) {
	return h.fact("v", h.KernelRelease, func() (string, error) {
		var u syscall.Utsname
		if err := syscall.Uname(&u); err != nil {
			return "", errnoOf(err)
		}
		return cString(u.Release[:]), nil
	})
}

// SystemdArch maps Go's GOARCH to systemd's architecture names.
func SystemdArch(goarch string) string {
	switch goarch {
	case "amd64":
		return "x86-64"
	case "386":
		return "x86"
	case "ppc64le":
		return "ppc64-le"
	case "mipsle":
		return "mips-le"
	case "mips64le":
		return "mips64-le"
	case "loong64":
		return "loongarch64"
	}
	return goarch // arm64 arm ppc64 s390x s390 riscv64 mips mips64 sparc64 agree
}

func (h *Host) architecture() string {
	if h.Architecture != "" {
		return h.Architecture
	}
	return SystemdArch(runtime.GOARCH)
}

func (h *Host) osRelease(key string) (string, error) {
	if h.OSRelease != nil {
		return h.OSRelease[key], nil
	}
	h.mu.Lock()
	f, ok := h.cache["os-release"]
	h.mu.Unlock()
	if !ok {
		env, err := readEnvFile(h.path("/etc/os-release"))
		if errnoOf(err) == syscall.ENOENT {
			env, err = readEnvFile(h.path("/usr/lib/os-release"))
		}
		if err != nil {
			if errnoOf(err) == syscall.ENOENT {
				err = syscall.EUNATCH // as systemd: os-release missing is "Protocol driver not attached"
			}
			f = hostFact{err: err}
		} else {
			var b strings.Builder
			for k, v := range env {
				b.WriteString(k + "=" + v + "\x00")
			}
			f = hostFact{val: b.String()}
		}
		h.mu.Lock()
		if h.cache == nil {
			h.cache = map[string]hostFact{}
		}
		h.cache["os-release"] = f
		h.mu.Unlock()
	}
	if f.err != nil {
		return "", f.err
	}
	for _, kv := range strings.Split(f.val, "\x00") {
		if k, v, ok := strings.Cut(kv, "="); ok && k == key {
			return v, nil
		}
	}
	return "", nil
}

func cString(b []int8) string {
	out := make([]byte, 0, len(b))
	for _, c := range b {
		if c == 0 {
			break
		}
		out = append(out, byte(c))
	}
	return string(out)
}

// readEnvFile reads a shell-like KEY=VALUE file such as os-release:
// comments start with '#' or ';', values may be in single quotes (literal)
// or double quotes (where \" \\ \` \$ are escapes), and unquoted values may escape
// any character with a backslash.
func readEnvFile(path string) (map[string]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	env := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' || line[0] == ';' {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			continue
		}
		env[strings.TrimSpace(k)] = shellValue(strings.TrimSpace(v))
	}
	return env, nil
}

func shellValue(v string) string {
	var b strings.Builder
	var quote byte
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case quote == '\'':
			if c == '\'' {
				quote = 0
			} else {
				b.WriteByte(c)
			}
		case quote == '"':
			if c == '"' {
				quote = 0
			} else if c == '\\' && i+1 < len(v) && strings.IndexByte("\"\\`$", v[i+1]) >= 0 {
				i++
				b.WriteByte(v[i])
			} else {
				b.WriteByte(c)
			}
		case c == '\'' || c == '"':
			quote = c
		case c == '\\' && i+1 < len(v):
			i++
			b.WriteByte(v[i])
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// Specifiers expands the %-specifiers of systemd.unit(5) for one unit.
// Build it with SystemSpecifiers and adjust fields as needed; it holds no
// global state. Empty string fields expand to nothing, as in systemd.
type Specifiers struct {
	Unit string // unit name (id), e.g. "foo@bar.service"; instances give %i etc.
	// FragmentPath is the unit file with symlinks already resolved (%y,
	// %Y); "" makes those fail with ENOENT, as for a unit without file.
	FragmentPath string

	UserName, UID, GroupName, GID string // %u %U %g %G
	Home, Shell                   string // %h %s

	RuntimeDir, StateDir, CacheDir, LogsDir, ConfigDir string // %t %S %C %L %E
	TmpDir, VarTmpDir                                  string // %T %V

	// CGroupPath, SliceCGroupPath and CGroupRoot are the deprecated %c, %r
	// and %R; systemd 252 still expands them (with a warning).
	CGroupPath, SliceCGroupPath, CGroupRoot string

	Host *Host // %a %A %b %B %H %l %m %M %o %q %v %w %W; nil: those fail with ENXIO
}

// SystemSpecifiers returns the specifiers of the system manager (running
// as root, credentials of root, /run, /var/lib, ...) for a unit.
func SystemSpecifiers(unitName, fragmentPath string, host *Host) *Specifiers {
	return &Specifiers{
		Unit:         unitName,
		FragmentPath: fragmentPath,
		UserName:     "root", UID: "0", GroupName: "root", GID: "0",
		Home: "/root", Shell: "/bin/sh",
		RuntimeDir: "/run", StateDir: "/var/lib", CacheDir: "/var/cache",
		LogsDir: "/var/log", ConfigDir: "/etc",
		TmpDir: "/tmp", VarTmpDir: "/var/tmp",
		CGroupRoot: "/",
		Host:       host,
	}
}

// Expand replaces specifiers in text as systemd's unit_full_printf() does
// (result limit LongLineMax). "%%" is "%", a '%' before a character that
// is neither a letter nor a digit is kept with it, a trailing '%' is kept,
// and an unknown letter or digit is an error (EBADSLT, "Invalid slot").
func (s *Specifiers) Expand(text string) (string, error) {
	return s.printf(text, LongLineMax, false)
}

// ExpandPath is Expand with the result limited to PATH_MAX
// (unit_path_printf), used for paths.
func (s *Specifiers) ExpandPath(text string) (string, error) {
	return s.printf(text, pathMax, false)
}

// ExpandName expands the reduced set systemd allows in unit names
// (unit_name_printf: %i %j %n %N %p, the host and credential specifiers),
// with the result limited to 256 bytes.
func (s *Specifiers) ExpandName(text string) (string, error) {
	return s.printf(text, unitNameMax, true)
}

func (s *Specifiers) printf(text string, max int, nameOnly bool) (string, error) {
	i := strings.IndexByte(text, '%')
	if i < 0 {
		if len(text) > max {
			return "", &SpecifierError{Errno: syscall.ENAMETOOLONG}
		}
		return text, nil
	}
	b := make([]byte, 0, len(text)+32)
	b = append(b, text[:i]...)
	for ; i < len(text); i++ {
		c := text[i]
		if c != '%' {
			b = append(b, c)
		} else if i+1 == len(text) {
			b = append(b, '%') // a stray '%' at the end stays
		} else {
			i++
			c = text[i]
			if c == '%' {
				b = append(b, '%')
			} else {
				v, known, err := s.lookup(c, nameOnly)
				switch {
				case err != nil:
					return "", &SpecifierError{Specifier: c, Errno: errnoOf(err)}
				case known:
					b = append(b, v...)
				case isAlnum(c):
					return "", &SpecifierError{Specifier: c, Errno: syscall.EBADSLT}
				default:
					b = append(b, '%', c)
				}
			}
		}
		if len(b) > max {
			return "", &SpecifierError{Errno: syscall.ENAMETOOLONG}
		}
	}
	return string(b), nil
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// lookup resolves one specifier; known is false for characters that are
// no specifier in this table.
func (s *Specifiers) lookup(c byte, nameOnly bool) (string, bool, error) {
	switch c {
	// Unit name specifiers.
	case 'i':
		_, inst, _, _ := SplitName(s.Unit)
		return inst, true, nil
	case 'j':
		v, err := s.lastComponent()
		return v, true, err
	case 'n':
		return s.Unit, true, nil
	case 'N':
		if !IsValidName(s.Unit) {
			return "", true, syscall.EINVAL
		}
		return s.Unit[:strings.LastIndexByte(s.Unit, '.')], true, nil
	case 'p':
		if !IsValidName(s.Unit) {
			return "", true, syscall.EINVAL
		}
		prefix, _, _, _ := SplitName(s.Unit)
		return prefix, true, nil
	// Host and credential specifiers.
	case 'a':
		if s.Host == nil {
			return "", true, syscall.ENXIO
		}
		return s.Host.architecture(), true, nil
	case 'A', 'B', 'M', 'o', 'w', 'W':
		if s.Host == nil {
			return "", true, syscall.ENXIO
		}
		key := "ID"
		switch c {
		case 'A':
			key = "IMAGE_VERSION"
		case 'B':
			key = "BUILD_ID"
		case 'M':
			key = "IMAGE_ID"
		case 'w':
			key = "VERSION_ID"
		case 'W':
			key = "VARIANT_ID"
		}
		v, err := s.Host.osRelease(key)
		return v, true, err
	case 'b', 'H', 'l', 'm', 'q', 'v':
		if s.Host == nil {
			return "", true, syscall.ENXIO
		}
		var v string
		var err error
		switch c {
		case 'b':
			v, err = s.Host.bootID()
		case 'H':
			v, err = s.Host.hostname()
		case 'l':
			v, err = s.Host.shortHostname()
		case 'm':
			v, err = s.Host.machineID()
		case 'q':
			v, err = s.Host.prettyHostname()
		case 'v':
			v, err = s.Host.kernelRelease()
		}
		return v, true, err
	case 'g':
		return s.GroupName, true, nil
	case 'G':
		return s.GID, true, nil
	case 'u':
		return s.UserName, true, nil
	case 'U':
		return s.UID, true, nil
	}
	if nameOnly {
		return "", false, nil
	}
	switch c {
	case 'I':
		_, inst, _, _ := SplitName(s.Unit)
		v, err := UnescapeName(inst)
		return v, true, err
	case 'J':
		// systemd 252 aborts on an assertion when the prefix ends in '-'
		// (empty last component); gosd expands to "" instead.
		v, err := s.lastComponent()
		if err != nil {
			return "", true, err
		}
		v, err = UnescapeName(v)
		return v, true, err
	case 'P':
		if !IsValidName(s.Unit) {
			return "", true, syscall.EINVAL
		}
		prefix, _, _, _ := SplitName(s.Unit)
		v, err := UnescapeName(prefix)
		return v, true, err
	case 'f':
		if !IsValidName(s.Unit) {
			return "", true, syscall.EINVAL
		}
		prefix, inst, _, _ := SplitName(s.Unit)
		if inst != "" {
			v, err := PathUnescape(inst)
			return v, true, err
		}
		v, err := PathUnescape(prefix)
		return v, true, err
	case 'y', 'Y':
		if s.FragmentPath == "" {
			return "", true, syscall.ENOENT
		}
		if c == 'y' {
			return s.FragmentPath, true, nil
		}
		return filepath.Dir(s.FragmentPath), true, nil
	case 'c':
		return s.CGroupPath, true, nil
	case 'r':
		return s.SliceCGroupPath, true, nil
	case 'R':
		return s.CGroupRoot, true, nil
	case 'C':
		return s.CacheDir, true, nil
	case 'd':
		return s.RuntimeDir + "/credentials/" + s.Unit, true, nil
	case 'E':
		return s.ConfigDir, true, nil
	case 'L':
		return s.LogsDir, true, nil
	case 'S':
		return s.StateDir, true, nil
	case 't':
		return s.RuntimeDir, true, nil
	case 'h':
		return s.Home, true, nil
	case 's':
		return s.Shell, true, nil
	case 'T':
		return s.TmpDir, true, nil
	case 'V':
		return s.VarTmpDir, true, nil
	}
	return "", false, nil
}

// lastComponent is %j: the prefix after its last '-'.
func (s *Specifiers) lastComponent() (string, error) {
	if !IsValidName(s.Unit) {
		return "", syscall.EINVAL
	}
	prefix, _, _, _ := SplitName(s.Unit)
	if i := strings.LastIndexByte(prefix, '-'); i >= 0 {
		return prefix[i+1:], nil
	}
	return prefix, nil
}
