package condition

import (
	"errors"
	"io/fs"
	"os"
	"path"
	"strings"
)

// fnmatch flags, after glibc.
const (
	fnmCasefold = 1 << iota // letters match either case (ConditionHost=)
	fnmPeriod               // a leading '.' must be matched by a literal '.' (glob)
)

// fnmatch reports whether name matches the shell pattern, as glibc's
// fnmatch(3) does in the C locale without FNM_PATHNAME: '*', '?',
// bracket expressions with '!' or '^', ranges and [:class:], and
// backslash escapes. A '[' without its ']' is an ordinary character; a
// trailing backslash matches nothing.
func fnmatch(pattern, name string, flags int) bool {
	p, n := 0, 0
	starP, starN := -1, -1
	for {
		if p < len(pattern) {
			c := pattern[p]
			leadingDot := n == 0 && n < len(name) && name[n] == '.' && flags&fnmPeriod != 0
			switch c {
			case '*':
				if leadingDot {
					return false
				}
				starP, starN = p, n
				p++
				continue
			case '?':
				if n < len(name) && !leadingDot {
					p++
					n++
					continue
				}
			case '[':
				if n >= len(name) || leadingDot {
					break
				}
				ok, next, valid := matchBracket(pattern, p, name[n], flags)
				if !valid { // no ']': an ordinary '['
					ok, next = name[n] == '[', p+1
				}
				if ok {
					p = next
					n++
					continue
				}
			case '\\':
				if p+1 >= len(pattern) {
					return false
				}
				if n < len(name) && sameChar(pattern[p+1], name[n], flags) {
					p += 2
					n++
					continue
				}
			default:
				if n < len(name) && sameChar(c, name[n], flags) {
					p++
					n++
					continue
				}
			}
		} else if n == len(name) {
			return true
		}
		// Mismatch: let the last '*' swallow one more character.
		if starP < 0 || starN >= len(name) {
			return false
		}
		starN++
		p, n = starP+1, starN
	}
}

func lower(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

func sameChar(a, b byte, flags int) bool {
	if flags&fnmCasefold != 0 {
		return lower(a) == lower(b)
	}
	return a == b
}

var charClasses = map[string]func(c byte) bool{
	"alnum":  func(c byte) bool { return isAlpha(c) || isDigit(c) },
	"alpha":  isAlpha,
	"blank":  func(c byte) bool { return c == ' ' || c == '\t' },
	"cntrl":  func(c byte) bool { return c < 0x20 || c == 0x7f },
	"digit":  isDigit,
	"graph":  func(c byte) bool { return c > 0x20 && c < 0x7f },
	"lower":  func(c byte) bool { return c >= 'a' && c <= 'z' },
	"print":  func(c byte) bool { return c >= 0x20 && c < 0x7f },
	"punct":  func(c byte) bool { return c > 0x20 && c < 0x7f && !isAlpha(c) && !isDigit(c) },
	"space":  func(c byte) bool { return c == ' ' || c >= '\t' && c <= '\r' },
	"upper":  func(c byte) bool { return c >= 'A' && c <= 'Z' },
	"xdigit": func(c byte) bool { return isDigit(c) || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' },
}

// matchBracket matches c against the bracket expression at pattern[p]
// ('['). valid is false when the expression has no closing ']'; next is
// the index after it.
func matchBracket(pattern string, p int, c byte, flags int) (ok bool, next int, valid bool) {
	i := p + 1
	negate := false
	if i < len(pattern) && (pattern[i] == '!' || pattern[i] == '^') {
		negate = true
		i++
	}
	matched := false
	first := true
	for {
		if i >= len(pattern) {
			return false, 0, false
		}
		ch := pattern[i]
		if ch == ']' && !first {
			i++
			break
		}
		first = false
		if ch == '[' && i+1 < len(pattern) && pattern[i+1] == ':' {
			if end := strings.Index(pattern[i+2:], ":]"); end >= 0 {
				if f, known := charClasses[pattern[i+2:i+2+end]]; known {
					if f(c) || flags&fnmCasefold != 0 && (f(lower(c)) || f(upper(c))) {
						matched = true
					}
					i += 2 + end + 2
					continue
				}
				return false, 0, false
			}
		}
		if ch == '\\' {
			i++
			if i >= len(pattern) {
				return false, 0, false
			}
			ch = pattern[i]
		}
		lo := ch
		i++
		hi := lo
		if i+1 < len(pattern) && pattern[i] == '-' && pattern[i+1] != ']' {
			hi = pattern[i+1]
			i += 2
			if hi == '\\' {
				if i >= len(pattern) {
					return false, 0, false
				}
				hi = pattern[i]
				i++
			}
		}
		if lo <= c && c <= hi {
			matched = true
		} else if flags&fnmCasefold != 0 {
			if lc, uc := lower(c), upper(c); lo <= lc && lc <= hi || lo <= uc && uc <= hi {
				matched = true
			}
		}
	}
	return matched != negate, i, true
}

func upper(c byte) byte {
	if c >= 'a' && c <= 'z' {
		return c - ('a' - 'A')
	}
	return c
}

// hasMagic reports whether a glob pattern component has characters
// glob(3) treats specially: '*', '?', or a '[' with a ']' after it, not
// escaped by a backslash.
func hasMagic(s string) bool {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '*', '?':
			return true
		case '[':
			if strings.IndexByte(s[i+1:], ']') >= 0 {
				return true
			}
		}
	}
	return false
}

// braceExpand expands the first top-level {a,b} of a pattern, recursively,
// as glob(3)'s GLOB_BRACE does. A '{' without its '}' is kept literally.
func braceExpand(p string) []string {
	start := -1
	for i := 0; i < len(p); i++ {
		if p[i] == '\\' {
			i++
			continue
		}
		if p[i] == '{' {
			start = i
			break
		}
	}
	if start < 0 {
		return []string{p}
	}
	depth := 0
	var alts []string
	last := start + 1
	for i := start; i < len(p); i++ {
		switch p[i] {
		case '\\':
			i++
		case '{':
			depth++
		case ',':
			if depth == 1 {
				alts = append(alts, p[last:i])
				last = i + 1
			}
		case '}':
			depth--
			if depth == 0 {
				alts = append(alts, p[last:i])
				var out []string
				for _, a := range alts {
					out = append(out, braceExpand(p[:start]+a+p[i+1:])...)
				}
				return out
			}
		}
	}
	return []string{p}
}

// globExists reports whether the absolute pattern matches at least one
// path under the host's root, as systemd's glob_exists() (glob(3) with
// GLOB_BRACE, entries starting with '.' matched only explicitly, "." and
// ".." never). A non-magic last component matches when lstat finds it, so
// a dangling symlink counts.
func (h *Host) globExists(pattern string) (bool, error) {
	for _, p := range braceExpand(pattern) {
		ok, err := h.globOne(p)
		if ok || err != nil {
			return ok, err
		}
	}
	return false, nil
}

func (h *Host) globOne(pattern string) (bool, error) {
	comps := strings.Split(strings.Trim(pattern, "/"), "/")
	cands := []string{"/"}
	for k, c := range comps {
		if c == "" {
			continue
		}
		last := k == len(comps)-1
		if !hasMagic(c) {
			unesc := unescapeGlob(c)
			for i := range cands {
				cands[i] = path.Join(cands[i], unesc)
			}
			if last {
				for _, cand := range cands {
					if _, err := os.Lstat(h.hostPath(cand, false)); err == nil {
						return true, nil
					}
				}
				return false, nil
			}
			continue
		}
		var next []string
		for _, dir := range cands {
			ents, err := os.ReadDir(h.hostPath(dir, true))
			if err != nil {
				continue // glob(3) without GLOB_ERR skips unreadable directories
			}
			for _, e := range ents {
				if fnmatch(c, e.Name(), fnmPeriod) {
					if last {
						return true, nil
					}
					next = append(next, path.Join(dir, e.Name()))
				}
			}
		}
		cands = next
		if len(cands) == 0 {
			return false, nil
		}
	}
	// The pattern was "/" alone.
	_, err := os.Lstat(h.hostPath("/", false))
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	return err == nil, nil
}

// unescapeGlob removes the backslashes of a glob component without magic
// characters.
func unescapeGlob(s string) string {
	if !strings.Contains(s, "\\") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			i++
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
