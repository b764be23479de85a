package unit

import (
	"strings"
	"syscall"
	"unicode/utf8"
)

// go-systemd's unit parser keeps line continuations and caps lines at 2048 bytes, unlike systemd, hence this parser.

// LongLineMax is systemd's LONG_LINE_MAX: a physical line must be shorter
// than this, and a joined continuation line at most this long.
const LongLineMax = 1 << 20

// File is a parsed unit file or drop-in.
type File struct {
	Path     string
	Options  []Option // every assignment in file order, in any section
	Sections []string // every section header in file order, known or not
	// SectionLines holds the line of each header in Sections.
	SectionLines []int
}

const utf8BOM = "\xef\xbb\xbf"

// Parse splits data into sections and assignments exactly as systemd 252's
// config_parse() does for unit files:
//
//   - Lines end at "\n", "\r", "\0" or any run of these in which no kind
//     repeats ("\r\n" is one line end, "\n\n" two) and a NUL ends the run.
//   - A line whose first non-blank byte is '#' or ';' is a comment, also in
//     the middle of a continuation, and never continues.
//   - A line ending in an unescaped backslash continues: the backslash
//     becomes a space and the next line is appended.
//   - A UTF-8 byte order mark is dropped from the start of a line until
//     one has been seen (the comment check happens before, on the raw line).
//   - Keys and values are trimmed of " \t\n\r"; values are not unquoted.
//
// Assignments in unknown sections are returned too: whether a section is
// known depends on the unit type, so the loader ignores them (silently,
// as systemd does, also for their Diags; see Diag.Section).
//
// Warnings (the line is skipped, loading goes on) are returned as diags.
// When systemd refuses the whole file (an invalid section header, a line
// that is not UTF-8, a line too long) Parse returns a nil File and a *Diag
// as error; the unit then fails to load with the Diag's Errno.
//
// An assignment's Line is that of its last physical line; for a
// continuation still open at the end of the file it is one more than the
// number of lines, as systemd counts it.
//
// Parse copies data once; the File's strings share that copy.
func Parse(path string, data []byte) (*File, []*Diag, error) {
	return ParseString(path, string(data))
}

// ParseString is Parse of the text src, without a copy: the File's
// names, values and sections are cut out of src, and keep all of it alive
// while any of them is.
func ParseString(path string, src string) (*File, []*Diag, error) {
	p := parser{path: path, src: src}
	p.file.Path = path
	p.file.Options = make([]Option, 0, strings.Count(src, "="))
	if err := p.run(); err != nil {
		return nil, p.diags, err
	}
	return &p.file, p.diags, nil
}

type parser struct {
	path      string
	src       string
	file      File
	diags     []*Diag
	section   string
	inSection bool
}

func (p *parser) warn(line int, msg string) {
	p.diags = append(p.diags, &Diag{File: p.path, Line: line, Msg: msg, Warning: true, Section: p.section})
}

func (p *parser) fail(line int, msg string, errno syscall.Errno) *Diag {
	return &Diag{File: p.path, Line: line, Msg: msg, Errno: errno, Section: p.section}
}

func isEOL(c byte) uint8 {
	switch c {
	case '\n':
		return 1
	case '\r':
		return 2
	case 0:
		return 4
	}
	return 0
}

func (p *parser) run() error {
	s := p.src
	pos := 0
	line := 0
	bomSeen := false
	var cont []byte // pending continuation, with its backslash turned into a space
	haveCont := false

	for pos < len(s) {
		// read_line(): content up to the first end-of-line byte.
		start := pos
		for pos < len(s) && isEOL(s[pos]) == 0 {
			pos++
		}
		if pos-start >= LongLineMax {
			// systemd logs the previous line's number here; gosd names the long line itself.
			return p.fail(line+1, "Line too long", syscall.ENOBUFS)
		}
		l := s[start:pos]
		// Consume the end-of-line run.
		var seen uint8
		for pos < len(s) {
			k := isEOL(s[pos])
			if seen&4 != 0 || k == 0 || seen&k != 0 {
				break
			}
			seen |= k
			pos++
		}
		line++

		// Comments are recognised on the raw line, before the BOM is dropped.
		if t := strings.TrimLeft(l, whitespace); t != "" && (t[0] == '#' || t[0] == ';') {
			continue
		}
		if !bomSeen && strings.HasPrefix(l, utf8BOM) {
			l = l[len(utf8BOM):]
			bomSeen = true
		}

		if haveCont && len(cont)+len(l) > LongLineMax {
			return p.fail(line, "Continuation line too long", syscall.ENOBUFS)
		}

		// A pending continuation never ends in an escaping backslash (it was
		// turned into a space), so scanning the new piece alone suffices.
		escaped := false
		for i := 0; i < len(l); i++ {
			if escaped {
				escaped = false
			} else if l[i] == '\\' {
				escaped = true
			}
		}

		if escaped {
			if !haveCont {
				cont = append(cont[:0], l...)
				haveCont = true
			} else {
				cont = append(cont, l...)
			}
			cont[len(cont)-1] = ' '
			continue
		}

		if haveCont {
			cont = append(cont, l...)
			haveCont = false
			if err := p.parseLine(line, string(cont)); err != nil {
				return err
			}
			continue
		}
		if err := p.parseLine(line, l); err != nil {
			return err
		}
	}
	if haveCont {
		return p.parseLine(line+1, string(cont))
	}
	return nil
}

// validUTF8 is systemd's utf8_is_valid().
func validUTF8(s string) bool {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 || !unicharIsValid(uint32(r)) {
			return false
		}
		i += n
	}
	return true
}

// escapeInvalidUTF8 is systemd's utf8_escape_invalid(): each invalid byte
// becomes U+FFFD.
func escapeInvalidUTF8(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 || !unicharIsValid(uint32(r)) {
			b.WriteString("\uFFFD")
			i++
			continue
		}
		b.WriteString(s[i : i+n])
		i += n
	}
	return b.String()
}

// stringIsSafe is systemd's string_is_safe(): no control characters,
// quotes, backslashes or DEL.
func stringIsSafe(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c > 0 && c < ' ' || c == '"' || c == '\'' || c == '\\' || c == 0x7f {
			return false
		}
	}
	return true
}

func (p *parser) parseLine(line int, l string) error {
	l = strings.Trim(l, whitespace)
	if l == "" {
		return nil
	}
	if !validUTF8(l) {
		return p.fail(line, "String is not UTF-8 clean, ignoring assignment: "+escapeInvalidUTF8(l), syscall.EINVAL)
	}
	if l[0] == '[' {
		if l[len(l)-1] != ']' || len(l) < 2 {
			return p.fail(line, "Invalid section header '"+l+"'", syscall.EBADMSG)
		}
		n := l[1 : len(l)-1]
		if !stringIsSafe(n) {
			return p.fail(line, "Bad characters in section header '"+l+"'", syscall.EBADMSG)
		}
		p.section = n
		p.inSection = true
		p.file.Sections = append(p.file.Sections, n)
		p.file.SectionLines = append(p.file.SectionLines, line)
		return nil
	}
	if !p.inSection {
		p.warn(line, "Assignment outside of section. Ignoring.")
		return nil
	}
	e := strings.IndexByte(l, '=')
	if e < 0 {
		p.warn(line, "Missing '=', ignoring line.")
		return nil
	}
	if e == 0 {
		p.warn(line, "Missing key name before '=', ignoring line.")
		return nil
	}
	p.file.Options = append(p.file.Options, Option{
		Section: p.section,
		Name:    strings.TrimRight(l[:e], whitespace),
		Value:   strings.TrimLeft(l[e+1:], whitespace),
		File:    p.path,
		Line:    line,
	})
	return nil
}
