package main

import (
	"io"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"
	"unicode/utf8"
)

// consoleLog turns zerolog's JSON events into the manager's readable log
// lines: "15:04:05.000 INF message error=... key=value ...", the error
// first and the other fields by name. It replaces zerolog's ConsoleWriter,
// which decodes each event with encoding/json into a map: that decoder is
// ~0.12 MB of PID 1's binary, resident whether a line is logged or not.
// An event it cannot read is written as it came: no log line is lost.
type consoleLog struct {
	out   io.Writer
	color bool
	now   func() time.Time
}

// ANSI colors of the TTY form, as zerolog's ConsoleWriter uses them.
const (
	ansiReset = "\x1b[0m"
	ansiRed   = "\x1b[31m"
	ansiGreen = "\x1b[32m"
	ansiYel   = "\x1b[33m"
	ansiMag   = "\x1b[35m"
	ansiCyan  = "\x1b[36m"
	ansiBold  = "\x1b[1m"
	ansiGray  = "\x1b[90m"
)

// consoleLevels are the level names zerolog writes, with the short form
// and TTY color of each.
var consoleLevels = map[string][2]string{
	"trace": {"TRC", ansiMag},
	"debug": {"DBG", ansiYel},
	"info":  {"INF", ansiGreen},
	"warn":  {"WRN", ansiRed},
	"error": {"ERR", ansiBold + ansiRed},
	"fatal": {"FTL", ansiBold + ansiRed},
	"panic": {"PNC", ansiBold + ansiRed},
}

// consoleField is one key of an event: the value decoded when it was a
// string, its JSON text otherwise.
type consoleField struct {
	key, val string
	str      bool
}

func (c *consoleLog) Write(p []byte) (int, error) {
	fields, ok := parseEvent(p)
	if !ok {
		_, err := c.out.Write(p)
		return len(p), err
	}
	var level, msg string
	rest := fields[:0]
	for _, f := range fields {
		switch f.key {
		case "level":
			level = f.val
		case "message":
			msg = f.val
		case "time":
		default:
			rest = append(rest, f)
		}
	}
	sort.SliceStable(rest, func(i, j int) bool {
		if (rest[i].key == "error") != (rest[j].key == "error") {
			return rest[i].key == "error"
		}
		return rest[i].key < rest[j].key
	})

	b := make([]byte, 0, 128)
	b = c.paint(b, ansiGray, c.now().AppendFormat(nil, "15:04:05.000"))
	b = append(b, ' ')
	if lv, ok := consoleLevels[level]; ok {
		b = c.paint(b, lv[1], []byte(lv[0]))
	} else if level != "" {
		b = append(b, level...)
	} else {
		b = append(b, "???"...)
	}
	if msg != "" {
		b = append(append(b, ' '), msg...)
	}
	for _, f := range rest {
		b = append(b, ' ')
		b = c.paint(b, ansiCyan, append([]byte(f.key), '='))
		v := []byte(f.val)
		if f.str && needsQuote(f.val) {
			v = strconv.AppendQuote(nil, f.val)
		}
		if f.key == "error" {
			b = c.paint(b, ansiRed, v)
		} else {
			b = append(b, v...)
		}
	}
	b = append(b, '\n')
	_, err := c.out.Write(b)
	return len(p), err
}

func (c *consoleLog) paint(b []byte, color string, s []byte) []byte {
	if !c.color {
		return append(b, s...)
	}
	return append(append(append(b, color...), s...), ansiReset...)
}

// needsQuote reports whether a string value must be quoted to be read
// back from the line: empty, or with spaces, quotes, backslashes, '=',
// control or non-ASCII bytes.
func needsQuote(s string) bool {
	if s == "" {
		return true
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c > '~' || c == '"' || c == '\\' || c == '=' {
			return true
		}
	}
	return false
}

// parseEvent reads one zerolog event: a JSON object, then only white
// space. String values are decoded; numbers, booleans, null, arrays and
// objects are kept as their JSON text.
func parseEvent(p []byte) ([]consoleField, bool) {
	i := skipSpace(p, 0)
	if i >= len(p) || p[i] != '{' {
		return nil, false
	}
	i = skipSpace(p, i+1)
	var fields []consoleField
	if i < len(p) && p[i] == '}' {
		return fields, skipSpace(p, i+1) == len(p)
	}
	for {
		key, j, ok := jsonString(p, i)
		if !ok {
			return nil, false
		}
		i = skipSpace(p, j)
		if i >= len(p) || p[i] != ':' {
			return nil, false
		}
		i = skipSpace(p, i+1)
		f := consoleField{key: key}
		if i < len(p) && p[i] == '"' {
			f.val, j, ok = jsonString(p, i)
			f.str = true
		} else {
			j, ok = jsonValueEnd(p, i)
			f.val = string(p[i:j])
			ok = ok && jsonScalarOK(f.val)
		}
		if !ok {
			return nil, false
		}
		fields = append(fields, f)
		i = skipSpace(p, j)
		if i >= len(p) {
			return nil, false
		}
		switch p[i] {
		case ',':
			i = skipSpace(p, i+1)
		case '}':
			return fields, skipSpace(p, i+1) == len(p)
		default:
			return nil, false
		}
	}
}

// jsonScalarOK checks a value that is not a string: an array or object
// (its inside unchecked), a literal, or a number's characters.
func jsonScalarOK(v string) bool {
	switch {
	case v == "":
		return false
	case v[0] == '[' || v[0] == '{' || v == "true" || v == "false" || v == "null":
		return true
	case v[0] != '-' && (v[0] < '0' || v[0] > '9'):
		return false
	}
	return strings.Trim(v, "0123456789+-.eE") == ""
}

func skipSpace(p []byte, i int) int {
	for i < len(p) && (p[i] == ' ' || p[i] == '\n' || p[i] == '\r' || p[i] == '\t') {
		i++
	}
	return i
}

// jsonString decodes the JSON string at p[i] and returns the index after
// its closing quote.
func jsonString(p []byte, i int) (string, int, bool) {
	if i >= len(p) || p[i] != '"' {
		return "", i, false
	}
	i++
	var out []byte
	start := i
	for i < len(p) {
		c := p[i]
		switch {
		case c == '"':
			if out == nil {
				return string(p[start:i]), i + 1, true
			}
			return string(append(out, p[start:i]...)), i + 1, true
		case c < 0x20:
			return "", i, false
		case c != '\\':
			i++
			continue
		}
		out = append(out, p[start:i]...)
		if i+1 >= len(p) {
			return "", i, false
		}
		switch e := p[i+1]; e {
		case '"', '\\', '/':
			out = append(out, e)
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			r, ok := hex4(p, i+2)
			if !ok {
				return "", i, false
			}
			i += 4
			if utf16.IsSurrogate(r) {
				if r2, ok := hex4(p, i+4); ok && i+3 < len(p) && p[i+2] == '\\' && p[i+3] == 'u' {
					if d := utf16.DecodeRune(r, r2); d != utf8.RuneError {
						r = d
						i += 6
					}
				}
			}
			out = utf8.AppendRune(out, r)
		default:
			return "", i, false
		}
		i += 2
		start = i
	}
	return "", i, false
}

func hex4(p []byte, i int) (rune, bool) {
	if i+4 > len(p) {
		return 0, false
	}
	v, err := strconv.ParseUint(string(p[i:i+4]), 16, 32)
	return rune(v), err == nil
}

// jsonValueEnd returns the index after the number, literal, array or
// object at p[i] (brackets balanced, strings inside skipped); it checks
// the shape of nested values no further.
func jsonValueEnd(p []byte, i int) (int, bool) {
	depth := 0
	for i < len(p) {
		switch c := p[i]; c {
		case '"':
			if depth == 0 {
				return i, false
			}
			_, j, ok := jsonString(p, i)
			if !ok {
				return i, false
			}
			i = j
			continue
		case '[', '{':
			depth++
		case ']', '}':
			if depth == 0 {
				return i, true
			}
			depth--
			if depth == 0 {
				return i + 1, true
			}
		case ',', ' ', '\n', '\r', '\t':
			if depth == 0 {
				return i, true
			}
		}
		i++
	}
	return i, depth == 0
}
