package install

import (
	"bufio"
	"bytes"
	"os"
	"strings"
	"syscall"
)

// expandSpecifiers is install_name_printf(): the specifiers systemd 252
// expands in [Install] values and Also=/DefaultInstance=. It knows %i %j
// %n %N %p (from the unit), %a %A %b %B %H %l %q %m %M %o %v %w %W (the
// system; os-release and machine-id are read inside the root), %g %G %u
// %U (always root/0 for the system manager) and %%. An unknown
// alphanumeric specifier fails with EBADSLT; other "%x" stay as they are.
func (c *ctx) expandSpecifiers(info *installInfo, format string) (string, error) {
	var b strings.Builder
	for i := 0; i < len(format); i++ {
		ch := format[i]
		if ch != '%' {
			b.WriteByte(ch)
			continue
		}
		if i+1 >= len(format) {
			b.WriteByte('%') // a stray % at the end stays
			break
		}
		i++
		spec := format[i]
		if spec == '%' {
			b.WriteByte('%')
			continue
		}
		v, known, err := c.specifier(info, spec)
		if err != nil {
			return "", err
		}
		if !known {
			if isAlnum(spec) {
				return "", syscall.EBADSLT
			}
			b.WriteByte('%')
			b.WriteByte(spec)
			continue
		}
		b.WriteString(v)
		if b.Len() > unitNameMax {
			return "", syscall.ENAMETOOLONG
		}
	}
	if b.Len() > unitNameMax {
		return "", syscall.ENAMETOOLONG
	}
	return b.String(), nil
}

func isAlnum(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

func (c *ctx) specifier(info *installInfo, spec byte) (string, bool, error) {
	switch spec {
	case 'i':
		inst, _ := instanceOf(info.name)
		if inst == "" {
			inst = info.defaultInstance
		}
		return inst, true, nil
	case 'j':
		p := prefixOf(info.name)
		if d := strings.LastIndexByte(p, '-'); d >= 0 {
			p = p[d+1:]
		}
		return p, true, nil
	case 'n':
		if isValid(info.name, nameTemplate) && info.defaultInstance != "" {
			s, ok := replaceInstance(info.name, info.defaultInstance)
			if !ok {
				return "", true, syscall.EINVAL
			}
			return s, true, nil
		}
		return info.name, true, nil
	case 'N':
		p := prefixAndInstance(info.name)
		if strings.HasSuffix(p, "@") && info.defaultInstance != "" {
			p += info.defaultInstance
		}
		return p, true, nil
	case 'p':
		return prefixOf(info.name), true, nil
	case 'a':
		return architecture(), true, nil
	case 'A':
		return c.osRelease("IMAGE_VERSION")
	case 'b':
		id, err := os.ReadFile("/proc/sys/kernel/random/boot_id")
		if err != nil {
			return "", true, err
		}
		return strings.ReplaceAll(strings.TrimSpace(string(id)), "-", ""), true, nil
	case 'B':
		return c.osRelease("BUILD_ID")
	case 'H':
		h, err := os.Hostname()
		return h, true, err
	case 'l':
		h, err := os.Hostname()
		if i := strings.IndexByte(h, '.'); i >= 0 {
			h = h[:i]
		}
		return h, true, err
	case 'q':
		if v := envFileValue("/etc/machine-info", "PRETTY_HOSTNAME"); v != "" {
			return v, true, nil
		}
		h, err := os.Hostname()
		if i := strings.IndexByte(h, '.'); i >= 0 {
			h = h[:i]
		}
		return h, true, err
	case 'm':
		data, err := os.ReadFile(c.paths.Host("/etc/machine-id"))
		if err != nil {
			if os.IsNotExist(err) {
				return "", true, syscall.EUNATCH
			}
			return "", true, err
		}
		id := strings.TrimSpace(string(data))
		if len(id) != 32 || !inCharset(id, "0123456789abcdef") {
			return "", true, syscall.EINVAL
		}
		return id, true, nil
	case 'M':
		return c.osRelease("IMAGE_ID")
	case 'o':
		return c.osRelease("ID")
	case 'v':
		var u syscall.Utsname
		if err := syscall.Uname(&u); err != nil {
			return "", true, err
		}
		return utsString(u.Release[:]), true, nil
	case 'w':
		return c.osRelease("VERSION_ID")
	case 'W':
		return c.osRelease("VARIANT_ID")
	case 'g', 'u':
		return "root", true, nil
	case 'G', 'U':
		return "0", true, nil
	}
	return "", false, nil
}

func utsString(f []int8) string {
	b := make([]byte, 0, len(f))
	for _, c := range f {
		if c == 0 {
			break
		}
		b = append(b, byte(c))
	}
	return string(b)
}

// architecture maps the kernel's machine name to systemd's architecture
// name, as %a prints it.
func architecture() string {
	var u syscall.Utsname
	if err := syscall.Uname(&u); err != nil {
		return ""
	}
	m := utsString(u.Machine[:])
	switch m {
	case "x86_64":
		return "x86-64"
	case "i386", "i486", "i586", "i686":
		return "x86"
	case "aarch64":
		return "arm64"
	case "aarch64_be":
		return "arm64-be"
	case "ppc64le":
		return "ppc64-le"
	case "riscv64":
		return "riscv64"
	case "s390x":
		return "s390x"
	}
	if strings.HasPrefix(m, "arm") {
		return "arm"
	}
	return m
}

// osRelease reads a field of the root's os-release; a missing file is
// EUNATCH, a missing field is empty.
func (c *ctx) osRelease(key string) (string, bool, error) {
	for _, p := range []string{"/etc/os-release", "/usr/lib/os-release"} {
		if _, err := os.Stat(c.paths.Host(p)); err != nil {
			continue
		}
		return envFileValue(c.paths.Host(p), key), true, nil
	}
	return "", true, syscall.EUNATCH
}

// envFileValue reads KEY=value from an environment-style file, removing
// shell quotes and backslash escapes.
func envFileValue(file, key string) string {
	data, err := os.ReadFile(file)
	if err != nil {
		return ""
	}
	val := ""
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		l := strings.TrimSpace(sc.Text())
		if l == "" || l[0] == '#' || l[0] == ';' {
			continue
		}
		k, v, ok := strings.Cut(l, "=")
		if !ok || strings.TrimSpace(k) != key {
			continue
		}
		val = unquoteEnv(strings.TrimSpace(v))
	}
	return val
}

func unquoteEnv(v string) string {
	var b strings.Builder
	var quote byte
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case quote == 0 && (c == '"' || c == '\''):
			quote = c
		case quote != 0 && c == quote:
			quote = 0
		case c == '\\' && quote != '\'' && i+1 < len(v):
			i++
			b.WriteByte(v[i])
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}
