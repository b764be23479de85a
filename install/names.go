package install

import (
	"path"
	"strings"

	"github.com/gosd/gosd/unit"
)

// Unit-name helpers: thin adapters over package unit's name functions in
// the shapes install.c uses.

// nameKind classifies a unit name, like systemd's UnitNameFlags.
type nameKind uint8

const (
	namePlain    nameKind = 1 << iota // foo.service
	nameInstance                      // foo@bar.service
	nameTemplate                      // foo@.service
	nameAny      = namePlain | nameInstance | nameTemplate
)

// unitNameMax is systemd's UNIT_NAME_MAX (names must be shorter).
const unitNameMax = 256

const validChars = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ:-_.\\"

func inCharset(s, set string) bool {
	for i := 0; i < len(s); i++ {
		if strings.IndexByte(set, s[i]) < 0 {
			return false
		}
	}
	return true
}

// classify returns the kind of a valid unit name, or 0 for an invalid one.
func classify(n string) nameKind {
	switch {
	case unit.IsPlain(n):
		return namePlain
	case unit.IsInstance(n):
		return nameInstance
	case unit.IsTemplate(n):
		return nameTemplate
	}
	return 0
}

func isValid(n string, k nameKind) bool { return classify(n)&k != 0 }

// unitType returns the type of a valid unit name without the dot ("" if invalid).
func unitType(n string) string { return unit.NameType(n) }

// templateOf turns foo@bar.service into foo@.service; ok is false for names
// that are not instances or templates.
func templateOf(n string) (string, bool) {
	t, err := unit.TemplateOf(n)
	return t, err == nil
}

// instanceOf returns the instance part of a name ("" for templates) and
// the name's kind (0 if invalid).
func instanceOf(n string) (string, nameKind) {
	_, inst, _, err := unit.SplitName(n)
	if err != nil {
		return "", 0
	}
	return inst, classify(n)
}

// prefixOf returns the part before '@' or the suffix.
func prefixOf(n string) string {
	if at := strings.IndexByte(n, '@'); at >= 0 {
		return n[:at]
	}
	if e := strings.LastIndexByte(n, '.'); e >= 0 {
		return n[:e]
	}
	return n
}

// prefixAndInstance returns the name without its type suffix.
func prefixAndInstance(n string) string {
	if e := strings.LastIndexByte(n, '.'); e >= 0 {
		return n[:e]
	}
	return n
}

func instanceIsValid(i string) bool { return i != "" && inCharset(i, "@"+validChars) }

// replaceInstance instantiates template (or re-instantiates instance) n.
func replaceInstance(n, inst string) (string, bool) {
	s, err := unit.Instantiate(n, inst)
	return s, err == nil
}

func mayAlias(t string) bool {
	switch t {
	case "service", "socket", "target", "device", "timer", "path":
		return true
	}
	return false
}

func mayTemplate(t string) bool {
	switch t {
	case "service", "socket", "target", "timer", "path":
		return true
	}
	return false
}

// isPath is systemd's is_path(): the string contains a slash.
func isPath(s string) bool { return strings.Contains(s, "/") }

// hiddenOrBackup is systemd's hidden_or_backup_file(), which readdir loops
// (FOREACH_DIRENT) use to skip entries.
func hiddenOrBackup(n string) bool {
	if strings.HasPrefix(n, ".") || strings.HasSuffix(n, "~") {
		return true
	}
	dot := strings.LastIndexByte(n, '.')
	if dot < 0 {
		return false
	}
	switch n[dot+1:] {
	case "rpmnew", "rpmsave", "rpmorig", "dpkg-old", "dpkg-new", "dpkg-tmp", "dpkg-dist",
		"dpkg-bak", "dpkg-backup", "dpkg-remove", "ucf-new", "ucf-old", "ucf-dist", "swp", "bak", "old", "new":
		return true
	}
	return false
}

// pathStartsWith reports whether p lies at or under dir (component-wise)
// and returns the remainder without leading slashes.
func pathStartsWith(p, dir string) (string, bool) {
	p, dir = path.Clean(p), path.Clean(dir)
	if dir == "/" {
		return strings.TrimPrefix(p, "/"), strings.HasPrefix(p, "/")
	}
	if p == dir {
		return "", true
	}
	if strings.HasPrefix(p, dir+"/") {
		return p[len(dir)+1:], true
	}
	return "", false
}

// mangleName is unit_name_mangle_with_suffix() without glob support: it
// returns the mangled name and whether it was escaped (notice worthy).
func mangleName(name, suffix string) (string, bool, bool) {
	if name == "" {
		return "", false, false
	}
	if isValid(name, nameAny) {
		return name, false, true
	}
	if strings.HasPrefix(name, "/") {
		// Device and mount paths: unit_name_from_path().
		p := path.Clean(name)
		s := ".mount"
		if strings.HasPrefix(p, "/dev/") || strings.HasPrefix(p, "/sys/") {
			s = ".device"
		}
		if n := pathEscape(p) + s; isValid(n, namePlain) {
			return n, false, true
		}
	}
	var b strings.Builder
	mangled := false
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c == '/':
			b.WriteByte('-')
			mangled = true
		case c != '@' && strings.IndexByte(validChars, c) < 0:
			b.WriteString(`\x`)
			b.WriteByte("0123456789abcdef"[c>>4])
			b.WriteByte("0123456789abcdef"[c&15])
			mangled = true
		default:
			b.WriteByte(c)
		}
	}
	s := b.String()
	if d := strings.LastIndexByte(s, '.'); d < 0 || !unit.IsUnitType(s[d+1:]) {
		s += suffix
	}
	if !isValid(s, nameAny) {
		return "", mangled, false
	}
	return s, mangled, true
}

// pathEscape is unit_name_path_escape() for a clean absolute path.
func pathEscape(p string) string {
	p = strings.Trim(p, "/")
	if p == "" {
		return "-"
	}
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch {
		case c == '/':
			b.WriteByte('-')
		case c == '.' && i == 0, c != '_' && c != '.' && !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == ':'):
			b.WriteString(`\x`)
			b.WriteByte("0123456789abcdef"[c>>4])
			b.WriteByte("0123456789abcdef"[c&15])
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// MangleName turns a word from the command line into a unit name the way
// systemctl does (unit_name_mangle_with_suffix() without globs): valid
// names stay, a missing type gets suffix, invalid characters are escaped.
// mangled reports escaping (systemctl prints a notice), ok is false when
// no valid name results.
func MangleName(name, suffix string) (n string, mangled, ok bool) {
	return mangleName(name, suffix)
}
