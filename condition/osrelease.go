package condition

import (
	"errors"
	"io/fs"
	"os"
	"strings"
	"syscall"

	"github.com/gosd/gosd/unit"
)

// readEnvFile parses a file of shell-like assignments (os-release(5),
// locale.conf(5)): KEY=VALUE lines, '#' and ';' comments, values in
// single quotes (literal), double quotes (backslash escapes \" \\ \` \$)
// or bare (backslash escapes, trailing blanks dropped), and backslash-
// newline continuations outside single quotes.
func readEnvFile(hostPath string) (map[string]string, error) {
	b, err := os.ReadFile(hostPath)
	if err != nil {
		return nil, err
	}
	vars := map[string]string{}
	s := string(b)
	i := 0
	for i < len(s) {
		// Skip blank lines and leading blanks.
		for i < len(s) && strings.IndexByte(" \t\r\n", s[i]) >= 0 {
			i++
		}
		if i >= len(s) {
			break
		}
		if s[i] == '#' || s[i] == ';' {
			for i < len(s) && s[i] != '\n' {
				i++
			}
			continue
		}
		start := i
		for i < len(s) && s[i] != '=' && s[i] != '\n' {
			i++
		}
		if i >= len(s) || s[i] == '\n' {
			continue // no assignment on this line
		}
		key := strings.TrimRight(s[start:i], " \t\r")
		i++
		for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
			i++
		}
		var val strings.Builder
		var quote byte
		lastSignificant := 0
	value:
		for i < len(s) {
			c := s[i]
			switch {
			case quote == '\'':
				if c == '\'' {
					quote = 0
				} else {
					val.WriteByte(c)
				}
				lastSignificant = val.Len()
			case quote == '"':
				if c == '"' {
					quote = 0
				} else if c == '\\' && i+1 < len(s) {
					i++
					switch s[i] {
					case '"', '\\', '`', '$':
						val.WriteByte(s[i])
					case '\n':
					default:
						val.WriteByte('\\')
						val.WriteByte(s[i])
					}
				} else {
					val.WriteByte(c)
				}
				lastSignificant = val.Len()
			case c == '\n' || c == '\r':
				break value
			case c == '\'' || c == '"':
				quote = c
			case c == '\\' && i+1 < len(s):
				i++
				if s[i] != '\n' {
					val.WriteByte(s[i])
					lastSignificant = val.Len()
				}
			default:
				val.WriteByte(c)
				if c != ' ' && c != '\t' {
					lastSignificant = val.Len()
				}
			}
			i++
		}
		if key != "" {
			vars[key] = val.String()[:lastSignificant]
		}
	}
	return vars, nil
}

// osRelease reads /etc/os-release, or /usr/lib/os-release when the
// former does not exist.
func (h *Host) osRelease() (map[string]string, error) {
	vars, err := readEnvFile(h.hostPath("/etc/os-release", true))
	if errors.Is(err, fs.ErrNotExist) {
		vars, err = readEnvFile(h.hostPath("/usr/lib/os-release", true))
	}
	if err != nil {
		return nil, asError(err, "Failed to parse os-release")
	}
	return vars, nil
}

func (h *Host) osReleaseValue(key string) (string, error) {
	vars, err := h.osRelease()
	if err != nil {
		return "", err
	}
	return vars[key], nil
}

// envNameValid: letters, digits and '_', not starting with a digit.
func envNameValid(s string) bool {
	if s == "" || isDigit(s[0]) {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isAlpha(s[i]) && !isDigit(s[i]) && s[i] != '_' {
			return false
		}
	}
	return true
}

// testOSRelease: whitespace separated KEY<op>VALUE expressions that must
// all hold. "=" and "!=" compare strings, "<" "<=" "==" "<>" ">=" ">"
// versions, "$=" "!$=" globs. A missing key compares as "". A malformed
// expression is an error.
func (h *Host) testOSRelease(param string) (bool, error) {
	w := unit.NewWords(param)
	for {
		cond, ok, err := w.Next("", unit.ExtractUnquote)
		if err != nil {
			return false, errorf(syscall.EINVAL, "Failed to parse parameter")
		}
		if !ok {
			return true, nil
		}
		key, rest, ok, err := unit.ExtractWord(cond, "!<=>$", unit.ExtractRetainSeparators)
		if err != nil || !ok || rest == "" || !envNameValid(key) {
			return false, errorf(syscall.EINVAL, "Failed to parse parameter, key/value format expected")
		}
		o, value := parseOperator(rest, true)
		if o == opInvalid || value == "" || strings.IndexByte(" \t\n\r", value[0]) >= 0 {
			return false, errorf(syscall.EINVAL, "Failed to parse parameter, key/value format expected")
		}
		actual, err := h.osReleaseValue(key)
		if err != nil {
			return false, err
		}
		if !versionOrFnmatch(o, actual, value) {
			return false, nil
		}
	}
}
