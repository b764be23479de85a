package spawn

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf8"
)

// DefaultPath is the PATH systemd 252 gives system services, and where it
// looks up an ExecStart= command given by file name only.
const DefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// localeVars are the variables of /etc/locale.conf, in the order systemd
// exports them.
var localeVars = [...]string{"LANG", "LANGUAGE", "LC_CTYPE", "LC_NUMERIC", "LC_TIME", "LC_COLLATE",
	"LC_MONETARY", "LC_MESSAGES", "LC_PAPER", "LC_NAME", "LC_ADDRESS", "LC_TELEPHONE",
	"LC_MEASUREMENT", "LC_IDENTIFICATION"}

// ManagerEnvironment returns the environment systemd 252 starts every
// system service with before the unit's own settings: the locale of the
// root's /etc/locale.conf (LANG=C.UTF-8 when it sets no LANG), then PATH.
func ManagerEnvironment(root string) []string {
	vals := map[string]string{}
	if b, err := os.ReadFile(filepath.Join(root, "/etc/locale.conf")); err == nil {
		for _, kv := range ParseEnvironmentFile(b) {
			k, v, _ := strings.Cut(kv, "=")
			vals[k] = v
		}
	}
	if vals["LANG"] == "" {
		vals["LANG"] = "C.UTF-8"
	}
	var env []string
	for _, k := range localeVars {
		if v, ok := vals[k]; ok && v != "" {
			env = append(env, k+"="+v)
		}
	}
	return append(env, "PATH="+DefaultPath)
}

// rankOf orders the variables the manager sets for one process, as
// systemd 252 emits them (observed with `env` as the service): first the
// service's own (NOTIFY_SOCKET ... MONITOR_*), then the exec context's.
// Names not listed keep their order between the two groups. The places
// of MANAGERPID (systemd sets it for user managers only) and TERM (set
// for terminals) are guesses; the rest was observed.
func rankOf(kv string) int {
	name, _, _ := strings.Cut(kv, "=")
	switch name {
	case "NOTIFY_SOCKET":
		return 1
	case "MAINPID":
		return 2
	case "MANAGERPID":
		return 3
	case "SERVICE_RESULT":
		return 4
	case "EXIT_CODE":
		return 5
	case "EXIT_STATUS":
		return 6
	case "MONITOR_SERVICE_RESULT":
		return 7
	case "MONITOR_EXIT_CODE":
		return 8
	case "MONITOR_EXIT_STATUS":
		return 9
	case "MONITOR_INVOCATION_ID":
		return 10
	case "MONITOR_UNIT":
		return 11
	case "LISTEN_PID":
		return 100
	case "LISTEN_FDS":
		return 101
	case "LISTEN_FDNAMES":
		return 102
	case "WATCHDOG_PID":
		return 103
	case "WATCHDOG_USEC":
		return 104
	case "HOME":
		return 105
	case "LOGNAME":
		return 106
	case "USER":
		return 107
	case "SHELL":
		return 108
	case "INVOCATION_ID":
		return 109
	case "TERM":
		return 110
	case "RUNTIME_DIRECTORY":
		return 111
	case "STATE_DIRECTORY":
		return 112
	case "CACHE_DIRECTORY":
		return 113
	case "LOGS_DIRECTORY":
		return 114
	case "CONFIGURATION_DIRECTORY":
		return 115
	case "SYSTEMD_EXEC_PID":
		return 116
	}
	return 50 // anything else the engine passes
}

// envBlock is an environment being assembled: assignments in order, a
// later assignment of a name replacing the earlier one in place.
type envBlock struct {
	list  []string
	index map[string]int
}

func newEnvBlock(n int) *envBlock {
	return &envBlock{list: make([]string, 0, n), index: make(map[string]int, n)}
}

func (e *envBlock) set(kv string) {
	name, _, _ := strings.Cut(kv, "=")
	if i, ok := e.index[name]; ok {
		e.list[i] = kv
		return
	}
	e.index[name] = len(e.list)
	e.list = append(e.list, kv)
}

func (e *envBlock) get(name string) (string, bool) {
	i, ok := e.index[name]
	if !ok {
		return "", false
	}
	_, v, _ := strings.Cut(e.list[i], "=")
	return v, true
}

// unset applies UnsetEnvironment=: a name removes the variable, NAME=value
// only that exact assignment.
func (e *envBlock) unset(patterns []string) []string {
	if len(patterns) == 0 {
		return e.list
	}
	out := e.list[:0:0]
	for _, kv := range e.list {
		name, _, _ := strings.Cut(kv, "=")
		drop := false
		for _, p := range patterns {
			if p == kv || !strings.Contains(p, "=") && p == name {
				drop = true
				break
			}
		}
		if !drop {
			out = append(out, kv)
		}
	}
	return out
}

// envNameValid is systemd's env_name_is_valid(): letters, digits and
// underscores, not starting with a digit.
func envNameValid(n string) bool {
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

// ParseEnvironmentFile parses the contents of an EnvironmentFile= as
// systemd 252 does and returns its valid NAME=value assignments in order
// (a repeated name keeps its first position and last value):
//   - blank lines and lines starting with # or ; are skipped;
//   - blanks around the name and before the value are dropped, and
//     unquoted trailing blanks;
//   - '...' is literal; "..." is literal except \" \\ \$ \` and a
//     backslash-newline (a continuation), other backslashes stay;
//   - unquoted, a backslash makes the next character literal and a
//     backslash-newline continues the line;
//   - $VAR is not expanded; lines without "=", with an invalid name (so
//     "export A=b") or with an invalid UTF-8 value are ignored.
func ParseEnvironmentFile(data []byte) []string {
	b := newEnvBlock(16)
	p := envFileParser{s: data}
	for {
		key, val, ok, more := p.next()
		if ok && envNameValid(key) && utf8.ValidString(val) {
			b.set(key + "=" + val)
		}
		if !more {
			return b.list
		}
	}
}

type envFileParser struct {
	s   []byte
	pos int
}

func isNewline(c byte) bool { return c == '\n' || c == '\r' }
func isBlank(c byte) bool   { return c == ' ' || c == '\t' }

// next parses one logical line: ok says whether it was an assignment,
// more whether input is left.
func (p *envFileParser) next() (key, val string, ok, more bool) {
	s := p.s
	// Leading whitespace, including empty lines.
	for p.pos < len(s) && (isBlank(s[p.pos]) || isNewline(s[p.pos])) {
		p.pos++
	}
	if p.pos >= len(s) {
		return "", "", false, false
	}
	if s[p.pos] == '#' || s[p.pos] == ';' {
		p.skipLine()
		return "", "", false, p.pos < len(s)
	}
	// The key: up to '=' or the end of the line.
	start := p.pos
	for p.pos < len(s) && s[p.pos] != '=' && !isNewline(s[p.pos]) {
		p.pos++
	}
	if p.pos >= len(s) || s[p.pos] != '=' {
		p.skipLine()
		return "", "", false, p.pos < len(s)
	}
	key = strings.TrimRight(string(s[start:p.pos]), " \t")
	p.pos++ // '='
	for p.pos < len(s) && isBlank(s[p.pos]) {
		p.pos++
	}
	var v []byte
	keep := 0 // length of v that trailing-blank trimming must keep
	for p.pos < len(s) {
		c := s[p.pos]
		switch {
		case isNewline(c):
			p.pos++
			return key, string(v[:keep]), true, p.pos < len(s)
		case c == '\\':
			p.pos++
			if p.pos >= len(s) {
				break
			}
			if !isNewline(s[p.pos]) {
				v = append(v, s[p.pos])
				keep = len(v)
			}
			p.pos++
		case c == '\'':
			p.pos++
			for p.pos < len(s) && s[p.pos] != '\'' {
				v = append(v, s[p.pos])
				p.pos++
			}
			p.pos++
			keep = len(v)
		case c == '"':
			p.pos++
			for p.pos < len(s) && s[p.pos] != '"' {
				d := s[p.pos]
				if d == '\\' && p.pos+1 < len(s) {
					n := s[p.pos+1]
					switch {
					case n == '"' || n == '\\' || n == '$' || n == '`':
						v = append(v, n)
						p.pos += 2
						continue
					case isNewline(n):
						p.pos += 2
						continue
					}
				}
				v = append(v, d)
				p.pos++
			}
			p.pos++
			keep = len(v)
		default:
			v = append(v, c)
			if !isBlank(c) {
				keep = len(v)
			}
			p.pos++
		}
	}
	return key, string(v[:min(keep, len(v))]), true, false
}

func (p *envFileParser) skipLine() {
	for p.pos < len(p.s) && !isNewline(p.s[p.pos]) {
		p.pos++
	}
}

// errEnvFile marks the failure to read an EnvironmentFile=, which systemd
// reports as result "resources" without starting a process.
var errEnvFile = errors.New("failed to load environment files")

// loadEnvironmentFiles reads the EnvironmentFile= entries under root in
// order; each entry may be a glob, and a "-" prefix makes a missing file
// (or a glob without match) fine.
func loadEnvironmentFiles(root string, files []string, into *envBlock) error {
	for _, f := range files {
		p, optional := strings.CutPrefix(f, "-")
		var paths []string
		if strings.ContainsAny(p, "*?[") {
			m, err := filepath.Glob(filepath.Join(root, p))
			if err != nil || len(m) == 0 {
				if optional {
					continue
				}
				return fmt.Errorf("EnvironmentFile=%s: %w: %w", p, errEnvFile, os.ErrNotExist)
			}
			paths = m
		} else {
			paths = []string{filepath.Join(root, p)}
		}
		for _, path := range paths {
			data, err := os.ReadFile(path)
			if err != nil {
				if optional && errors.Is(err, os.ErrNotExist) {
					continue
				}
				return fmt.Errorf("EnvironmentFile=%s: %w: %w", p, errEnvFile, err)
			}
			for _, kv := range ParseEnvironmentFile(data) {
				into.set(kv)
			}
		}
	}
	return nil
}
