package unit

import (
	"strings"
	"syscall"
)

// unitNameMax is systemd's UNIT_NAME_MAX: names are shorter than this.
const unitNameMax = 256

// IsUnitType reports whether t (without dot) is one of systemd 252's unit
// types: service mount swap socket target device automount timer path
// slice scope.
func IsUnitType(t string) bool {
	switch t {
	case "service", "mount", "swap", "socket", "target", "device", "automount", "timer", "path", "slice", "scope":
		return true
	}
	return false
}

func isNameChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
		c == ':' || c == '-' || c == '_' || c == '.' || c == '\\'
}

// nameKind classifies a name as systemd's unit_name_is_valid() does:
// 0 invalid, 1 plain, 2 instance, 3 template.
func nameKind(n string) int {
	if n == "" || len(n) >= unitNameMax {
		return 0
	}
	e := strings.LastIndexByte(n, '.')
	if e <= 0 || !IsUnitType(n[e+1:]) {
		return 0
	}
	at := -1
	for i := 0; i < e; i++ {
		c := n[i]
		if c == '@' {
			if at < 0 {
				at = i
			}
			continue
		}
		if !isNameChar(c) {
			return 0
		}
	}
	switch {
	case at == 0:
		return 0
	case at < 0:
		return 1
	case e > at+1:
		return 2
	}
	return 3
}

// IsValidName reports whether name is a valid plain, instance or template
// unit name: at most 255 bytes, "prefix[@[instance]].type" with a known
// type, a non-empty prefix of [A-Za-z0-9:_.\-] and an instance of those
// characters and '@'.
func IsValidName(name string) bool { return nameKind(name) != 0 }

// IsTemplate reports whether name is a valid template ("foo@.service").
func IsTemplate(name string) bool { return nameKind(name) == 3 }

// IsInstance reports whether name is a valid instance ("foo@bar.service").
func IsInstance(name string) bool { return nameKind(name) == 2 }

// IsPlain reports whether name is a valid name without '@'.
func IsPlain(name string) bool { return nameKind(name) == 1 }

// SplitName splits a valid unit name into prefix, instance (empty for
// plain names and templates) and type. The prefix ends at the first '@',
// the instance at the last '.'. Invalid names give EINVAL.
func SplitName(name string) (prefix, instance, typ string, err error) {
	if nameKind(name) == 0 {
		return "", "", "", syscall.EINVAL
	}
	e := strings.LastIndexByte(name, '.')
	typ = name[e+1:]
	if at := strings.IndexByte(name, '@'); at >= 0 {
		return name[:at], name[at+1 : e], typ, nil
	}
	return name[:e], "", typ, nil
}

// NameType returns the type of a valid unit name ("service"), or "".
func NameType(name string) string {
	_, _, t, _ := SplitName(name)
	return t
}

// TemplateOf returns the template of an instance or template name
// ("foo@bar.service" gives "foo@.service"), EINVAL for other names.
func TemplateOf(name string) (string, error) {
	k := nameKind(name)
	if k != 2 && k != 3 {
		return "", syscall.EINVAL
	}
	at := strings.IndexByte(name, '@')
	e := strings.LastIndexByte(name, '.')
	return name[:at+1] + name[e:], nil
}

func isValidInstance(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] != '@' && !isNameChar(s[i]) {
			return false
		}
	}
	return true
}

func isValidPrefix(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isNameChar(s[i]) {
			return false
		}
	}
	return true
}

// Instantiate puts instance into a template or instance name
// ("foo@.service", "bar" gives "foo@bar.service"), as systemd's
// unit_name_replace_instance(). The instance must already be escaped.
func Instantiate(template, instance string) (string, error) {
	k := nameKind(template)
	if k != 2 && k != 3 || !isValidInstance(instance) {
		return "", syscall.EINVAL
	}
	at := strings.IndexByte(template, '@')
	e := strings.LastIndexByte(template, '.')
	s := template[:at+1] + instance + template[e:]
	if nameKind(s) != 2 {
		return "", syscall.EINVAL
	}
	return s, nil
}

// BuildName is systemd's unit_name_build(): prefix, optional instance and
// type suffix (without dot) joined and checked.
func BuildName(prefix, instance, typ string) (string, error) {
	if !isValidPrefix(prefix) || !IsUnitType(typ) {
		return "", syscall.EINVAL
	}
	if instance == "" {
		s := prefix + "." + typ
		if nameKind(s) != 1 {
			return "", syscall.EINVAL
		}
		return s, nil
	}
	if !isValidInstance(instance) {
		return "", syscall.EINVAL
	}
	s := prefix + "@" + instance + "." + typ
	if nameKind(s) != 2 {
		return "", syscall.EINVAL
	}
	return s, nil
}

const hexdigits = "0123456789abcdef"

// EscapeName escapes a string for use in a unit name as `systemd-escape`
// does: '/' becomes '-', a leading '.' and every byte outside
// [A-Za-z0-9:_.] (including '-' and '\') becomes \xNN.
func EscapeName(s string) string {
	b := make([]byte, 0, len(s)+8)
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '/':
			b = append(b, '-')
		case i == 0 && c == '.', c == '-', c == '\\', !isNameChar(c):
			b = append(b, '\\', 'x', hexdigits[c>>4], hexdigits[c&15])
		default:
			b = append(b, c)
		}
	}
	return string(b)
}

// UnescapeName undoes EscapeName (`systemd-escape --unescape`): '-'
// becomes '/', \xNN a byte; any other backslash sequence is EINVAL.
func UnescapeName(s string) (string, error) {
	if strings.IndexByte(s, '-') < 0 && strings.IndexByte(s, '\\') < 0 {
		return s, nil
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '-':
			b = append(b, '/')
		case '\\':
			if byteAt(s, i+1) != 'x' {
				return "", syscall.EINVAL
			}
			h, l := unhex(byteAt(s, i+2)), unhex(byteAt(s, i+3))
			if h < 0 || l < 0 {
				return "", syscall.EINVAL
			}
			b = append(b, byte(h<<4|l))
			i += 3
		default:
			b = append(b, c)
		}
	}
	return string(b), nil
}

// PathEscape escapes a path for a unit name as `systemd-escape --path`
// does: the path is simplified, "" and "/" give "-", leading and trailing
// slashes are dropped; a path with ".." gives EINVAL.
func PathEscape(p string) (string, error) {
	p = PathSimplify(p)
	if p == "" || p == "/" {
		return "-", nil
	}
	if !pathIsNormalized(p) {
		return "", syscall.EINVAL
	}
	return EscapeName(strings.Trim(p, "/")), nil
}

// PathUnescape undoes PathEscape (`systemd-escape --unescape --path`):
// "-" is "/"; otherwise the unescaped text must not start or end with '/'
// and must give a normalized absolute path, else EINVAL.
func PathUnescape(s string) (string, error) {
	if s == "" {
		return "", syscall.EINVAL
	}
	if s == "-" {
		return "/", nil
	}
	w, err := UnescapeName(s)
	if err != nil {
		return "", err
	}
	if strings.HasPrefix(w, "/") || strings.HasSuffix(w, "/") {
		return "", syscall.EINVAL
	}
	w = "/" + w
	if !pathIsNormalized(w) {
		return "", syscall.EINVAL
	}
	return w, nil
}

// DropInPrefixes returns the names whose "<name>.d" directories systemd
// 252 searches for drop-ins of unit name, in its search order (most
// specific first). Each name is followed by its template (for instances)
// and then by its "-"-prefix name, recursively; the unit type ("service")
// comes last. For "foo-bar-baz.service" that is foo-bar-baz.service,
// foo-bar-.service, foo-.service, service. For "a-b@i.service" it is
// a-b@i.service, a-b@.service, a-.service (the template's prefix is a plain
// name), a-@i.service, a-@.service, service.
//
// How the loader uses it (unit_file_find_dropin_paths): for each unit
// search path in priority order, each name in this order except the type,
// then the type directory in each search path. Drop-in files from all of
// these directories are applied sorted by file name; of two files with
// the same name the one in the earlier directory wins. So for one file
// name, the more specific directory wins; across names, file name order
// decides. Invalid names give nil.
func DropInPrefixes(name string) []string {
	k := nameKind(name)
	if k == 0 {
		return nil
	}
	var out []string
	dropInNames(name, &out)
	return append(out, NameType(name))
}

// dropInNames is unit_file_find_dirs() without the file system.
func dropInNames(name string, out *[]string) {
	*out = append(*out, name)
	inst := nameKind(name) == 2
	if inst {
		if t, err := TemplateOf(name); err == nil {
			dropInNames(t, out)
		}
	}
	prefix, instance, typ, err := SplitName(name)
	if err != nil {
		return
	}
	chopped := false
	for {
		dash := strings.LastIndexByte(prefix, '-')
		if dash <= 0 {
			return // no dash, or only a leading one
		}
		if dash+1 < len(prefix) || chopped {
			prefix = prefix[:dash+1]
			break
		}
		// A trailing dash is chopped off once and the search repeated.
		prefix = prefix[:dash]
		chopped = true
	}
	if !isValidPrefix(prefix) {
		return
	}
	if !inst {
		instance = ""
	}
	built, err := BuildName(prefix, instance, typ)
	if err != nil {
		return
	}
	dropInNames(built, out)
}
