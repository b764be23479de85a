package unit

import (
	"errors"
	"strings"
	"syscall"
)

// whitespace is systemd's WHITESPACE set.
const whitespace = " \t\n\r"

// ErrInvalidEscape is returned by Unescape for an unknown or malformed
// escape sequence, a trailing backslash or an escaped NUL.
var ErrInvalidEscape = errors.New("invalid escape sequence")

// ErrUnbalancedQuotes is returned by word extraction when a quote is
// not closed (and ExtractRelax is not set).
var ErrUnbalancedQuotes = errors.New("unbalanced quoting")

// strerror renders an errno the way glibc's %m does ("Invalid argument"),
// which is what systemd puts into its messages.
func strerror(e syscall.Errno) string {
	s := e.Error()
	if s != "" && s[0] >= 'a' && s[0] <= 'z' {
		s = string(s[0]-'a'+'A') + s[1:]
	}
	return s
}

func unhex(c byte) int {
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

// byteAt returns s[i], or 0 past the end: the C code reads a NUL there.
func byteAt(s string, i int) byte {
	if i < len(s) {
		return s[i]
	}
	return 0
}

// unicharIsValid is systemd's unichar_is_valid: stricter than Go's
// utf8.ValidRune, it also refuses U+FDD0..U+FDEF and U+xxFFFE/U+xxFFFF.
func unicharIsValid(c uint32) bool {
	switch {
	case c >= 0x110000:
		return false
	case c&0xFFFFF800 == 0xD800:
		return false
	case c >= 0xFDD0 && c <= 0xFDEF:
		return false
	case c&0xFFFE == 0xFFFE:
		return false
	}
	return true
}

// appendUnichar encodes c as UTF-8 the way systemd's utf8_encode_unichar
// does, which (unlike utf8.AppendRune) writes surrogates from \uD800 as is.
func appendUnichar(b []byte, c uint32) []byte {
	switch {
	case c < 1<<7:
		return append(b, byte(c))
	case c < 1<<11:
		return append(b, 0xc0|byte(c>>6&0x1f), 0x80|byte(c&0x3f))
	case c < 1<<16:
		return append(b, 0xe0|byte(c>>12&0x0f), 0x80|byte(c>>6&0x3f), 0x80|byte(c&0x3f))
	case c < 1<<21:
		return append(b, 0xf0|byte(c>>18&0x07), 0x80|byte(c>>12&0x3f), 0x80|byte(c>>6&0x3f), 0x80|byte(c&0x3f))
	}
	return b
}

// cunescapeOne decodes the escape sequence that starts at s[0] (the
// character after the backslash), like systemd's cunescape_one. It
// returns the number of bytes consumed (0 when invalid), the code and
// whether the code is a raw byte (\x and octal) rather than a code point.
func cunescapeOne(s string, acceptNul bool) (n int, code uint32, rawByte bool) {
	switch c := byteAt(s, 0); c {
	case 'a':
		return 1, '\a', false
	case 'b':
		return 1, '\b', false
	case 'f':
		return 1, '\f', false
	case 'n':
		return 1, '\n', false
	case 'r':
		return 1, '\r', false
	case 't':
		return 1, '\t', false
	case 'v':
		return 1, '\v', false
	case '\\', '"', '\'':
		return 1, uint32(c), false
	case 's':
		return 1, ' ', false
	case 'x':
		a, b := unhex(byteAt(s, 1)), unhex(byteAt(s, 2))
		if a < 0 || b < 0 || (a == 0 && b == 0 && !acceptNul) {
			return 0, 0, false
		}
		return 3, uint32(a<<4 | b), true
	case 'u', 'U':
		digits := 4
		if c == 'U' {
			digits = 8
		}
		var v uint32
		for i := 1; i <= digits; i++ {
			h := unhex(byteAt(s, i))
			if h < 0 {
				return 0, 0, false
			}
			v = v<<4 | uint32(h)
		}
		if v == 0 && !acceptNul {
			return 0, 0, false
		}
		if c == 'U' && !unicharIsValid(v) {
			return 0, 0, false
		}
		return digits + 1, v, false
	case '0', '1', '2', '3', '4', '5', '6', '7':
		a, b, d := byteAt(s, 0), byteAt(s, 1), byteAt(s, 2)
		if b < '0' || b > '7' || d < '0' || d > '7' {
			return 0, 0, false
		}
		v := uint32(a-'0')<<6 | uint32(b-'0')<<3 | uint32(d-'0')
		if v == 0 && !acceptNul || v > 255 {
			return 0, 0, false
		}
		return 3, v, true
	}
	return 0, 0, false
}

func appendEscaped(b []byte, code uint32, rawByte bool) []byte {
	if rawByte {
		return append(b, byte(code))
	}
	return appendUnichar(b, code)
}

// Unescape undoes C-style escaping as systemd's cunescape() does:
// \a \b \f \n \r \t \v \\ \" \' \s (space), \xNN, \NNN (octal, at most
// \377), \uNNNN and \UNNNNNNNN. \x and octal escapes yield raw bytes,
// \u and \U UTF-8. Unknown sequences, a trailing backslash and escapes
// that give NUL return ErrInvalidEscape.
func Unescape(s string) (string, error) {
	return unescape(s, false)
}

// UnescapeRelaxed is Unescape with systemd's UNESCAPE_RELAX: invalid
// sequences and a trailing backslash are kept literally.
func UnescapeRelaxed(s string) string {
	r, _ := unescape(s, true)
	return r
}

func unescape(s string, relax bool) (string, error) {
	i := strings.IndexByte(s, '\\')
	if i < 0 {
		return s, nil
	}
	b := make([]byte, i, len(s))
	copy(b, s)
	for ; i < len(s); i++ {
		c := s[i]
		if c != '\\' {
			b = append(b, c)
			continue
		}
		if i == len(s)-1 {
			if relax {
				b = append(b, c)
				continue
			}
			return "", ErrInvalidEscape
		}
		n, code, raw := cunescapeOne(s[i+1:], false)
		if n == 0 {
			if relax {
				b = append(b, '\\')
				continue
			}
			return "", ErrInvalidEscape
		}
		i += n
		b = appendEscaped(b, code, raw)
	}
	return string(b), nil
}

// CEscape is systemd's cescape(): the inverse of Unescape, using \a \b
// \f \n \r \t \v \\ \" \' and \NNN octal for other control bytes and
// bytes >= 127.
func CEscape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '\a':
			b.WriteString(`\a`)
		case '\b':
			b.WriteString(`\b`)
		case '\f':
			b.WriteString(`\f`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		case '\v':
			b.WriteString(`\v`)
		case '\\', '"', '\'':
			b.WriteByte('\\')
			b.WriteByte(c)
		default:
			if c < ' ' || c >= 127 {
				b.WriteByte('\\')
				b.WriteByte('0' + c>>6)
				b.WriteByte('0' + c>>3&7)
				b.WriteByte('0' + c&7)
			} else {
				b.WriteByte(c)
			}
		}
	}
	return b.String()
}

// ExtractFlags are the flags of systemd's extract_first_word().
type ExtractFlags uint

const (
	// ExtractRelax allows unbalanced quotes and eats a trailing backslash.
	ExtractRelax ExtractFlags = 1 << iota
	// ExtractCUnescape decodes C escape sequences (see Unescape).
	ExtractCUnescape
	// ExtractUnescapeRelax keeps unknown escape sequences and a trailing
	// backslash verbatim instead of failing.
	ExtractUnescapeRelax
	// ExtractUnescapeSeparators turns "\<separator>" and "\\" into the
	// plain character.
	ExtractUnescapeSeparators
	// ExtractKeepQuote ignores separators inside '' and "" but keeps the
	// quote characters in the word. Not combinable with ExtractUnquote.
	ExtractKeepQuote
	// ExtractUnquote ignores separators inside '' and "" and removes the quotes.
	ExtractUnquote
	// ExtractDontCoalesceSeparators treats every separator as ending a
	// word, so adjacent separators yield empty words.
	ExtractDontCoalesceSeparators
	// ExtractRetainEscape treats backslash as an ordinary character.
	ExtractRetainEscape
	// ExtractRetainSeparators leaves the separator that ended the word at
	// the start of the rest instead of skipping it.
	ExtractRetainSeparators
)

// Words walks a string word by word like repeated calls of systemd's
// extract_first_word() on one cursor. Create it with NewWords.
type Words struct {
	s   string
	pos int // -1: the cursor is NULL in systemd's terms
}

// NewWords returns a cursor at the start of s.
func NewWords(s string) Words { return Words{s: s, pos: 0} }

// Rest returns the text not consumed yet ("" once exhausted).
func (w *Words) Rest() string {
	if w.pos < 0 || w.pos > len(w.s) {
		return ""
	}
	return w.s[w.pos:]
}

// Done reports whether the cursor is exhausted (systemd's NULL cursor):
// further Next calls return no word.
func (w *Words) Done() bool { return w.pos < 0 }

// Next extracts the next word. separators "" means whitespace (" \t\n\r").
// It returns ok=false when no word is left. On error the cursor stays at
// the offending character (Rest shows it), as systemd leaves its pointer;
// the error is ErrInvalidEscape or ErrUnbalancedQuotes.
func (w *Words) Next(separators string, flags ExtractFlags) (word string, ok bool, err error) {
	var pos int
	word, ok, pos, err = extractWord(w.s, w.pos, separators, flags)
	w.pos = pos
	return word, ok, err
}

// ExtractWord is a single extract_first_word() call: it returns the first
// word of s and the remainder. ok is false when s holds no word. When s is
// used up rest is "". Loops using ExtractDontCoalesceSeparators should use
// Words instead: systemd tells "used up" apart from "empty remainder
// after a separator" (which still yields one empty word), and a plain
// string cannot.
func ExtractWord(s, separators string, flags ExtractFlags) (word, rest string, ok bool, err error) {
	w := NewWords(s)
	word, ok, err = w.Next(separators, flags)
	return word, w.Rest(), ok, err
}

// SplitWords splits s into whitespace-separated words, removing quotes and
// decoding C escapes (EXTRACT_UNQUOTE|EXTRACT_CUNESCAPE), as Environment=
// and most list settings do.
func SplitWords(s string) ([]string, error) {
	var out []string
	w := NewWords(s)
	for {
		word, ok, err := w.Next("", ExtractUnquote|ExtractCUnescape)
		if err != nil {
			return out, err
		}
		if !ok {
			return out, nil
		}
		out = append(out, word)
	}
}

// extractWord is extract_first_word() on s starting at pos. pos -1 is
// systemd's NULL cursor. It returns the new position (-1 for NULL). A
// word with nothing to unquote or unescape may be a part of s rather than
// a copy.
func extractWord(s string, pos int, separators string, flags ExtractFlags) (string, bool, int, error) {
	if pos < 0 {
		return "", false, -1, nil
	}
	if separators == "" {
		separators = whitespace
	}
	isSep := func(c byte) bool { return strings.IndexByte(separators, c) >= 0 }
	if separators == whitespace {
		isSep = isWhitespace
	}
	if flags&(ExtractDontCoalesceSeparators|ExtractRetainSeparators) == 0 {
		if word, ok, next, plain := plainWord(s, pos, isSep); plain {
			return word, ok, next, nil
		}
	}
	return extractEscapedWord(s, pos, isSep, flags)
}

// isWhitespace reports whether c is one of whitespace's bytes.
func isWhitespace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// plainWord is extractWord, with separators coalesced (neither
// ExtractDontCoalesceSeparators nor ExtractRetainSeparators), for a word
// without quote or backslash, which no other flag changes: it is the run
// of s up to a separator or NUL, and is returned without a copy. plain is
// false for a word with a quote or backslash.
func plainWord(s string, pos int, isSep func(byte) bool) (word string, ok bool, next int, plain bool) {
	// A NUL ends the string, as in C.
	end := func(i int) bool { return i >= len(s) || s[i] == 0 }
	i := pos
	for !end(i) && isSep(s[i]) {
		i++
	}
	if end(i) {
		return "", false, -1, true
	}
	j := i
	for ; !end(j); j++ {
		// A quote or backslash is not plain even among the separators.
		if c := s[j]; c == '\\' || c == '\'' || c == '"' {
			return "", false, 0, false
		} else if isSep(c) {
			break
		}
	}
	word = s[i:j]
	for !end(j) && isSep(s[j]) {
		j++
	}
	if end(j) {
		return word, true, -1, true
	}
	return word, true, j, true
}

// extractEscapedWord is extractWord for any word, copied as it is decoded.
func extractEscapedWord(s string, pos int, isSep func(byte) bool, flags ExtractFlags) (string, bool, int, error) {
	var buf []byte
	have := flags&ExtractDontCoalesceSeparators != 0
	i := pos

	// Skip leading separators.
	for ; ; i++ {
		c := byteAt(s, i)
		if c == 0 {
			goto terminate
		}
		if isSep(c) {
			if flags&ExtractDontCoalesceSeparators != 0 {
				if flags&ExtractRetainSeparators == 0 {
					i++
				}
				return string(buf), true, i, nil
			}
			continue
		}
		have = true
		break
	}

	{
		backslash := false
		var quote byte
		for ; ; i++ {
			c := byteAt(s, i)
			switch {
			case backslash:
				if c == 0 {
					if flags&ExtractUnescapeRelax != 0 && (quote == 0 || flags&ExtractRelax != 0) {
						buf = append(buf, '\\')
						goto terminate
					}
					if flags&ExtractRelax != 0 {
						goto terminate
					}
					if quote != 0 {
						return "", false, i, ErrUnbalancedQuotes
					}
					return "", false, i, ErrInvalidEscape
				}
				if flags&(ExtractCUnescape|ExtractUnescapeSeparators) != 0 {
					n := 0
					var code uint32
					var raw bool
					if flags&ExtractCUnescape != 0 {
						n, code, raw = cunescapeOne(s[i:], false)
					}
					switch {
					case n > 0:
						i += n - 1
						buf = appendEscaped(buf, code, raw)
					case flags&ExtractUnescapeSeparators != 0 && (isSep(c) || c == '\\'):
						buf = append(buf, c)
					case flags&ExtractUnescapeRelax != 0:
						buf = append(buf, '\\', c)
					default:
						return "", false, i, ErrInvalidEscape
					}
				} else {
					buf = append(buf, c)
				}
				backslash = false

			case quote != 0:
				for ; ; i++ {
					c = byteAt(s, i)
					if c == 0 {
						if flags&ExtractRelax != 0 {
							goto terminate
						}
						return "", false, i, ErrUnbalancedQuotes
					} else if c == quote {
						quote = 0
						if flags&ExtractUnquote != 0 {
							break
						}
					} else if c == '\\' && flags&ExtractRetainEscape == 0 {
						backslash = true
						break
					}
					buf = append(buf, c)
					if quote == 0 {
						break
					}
				}

			default:
				for ; ; i++ {
					c = byteAt(s, i)
					if c == 0 {
						goto terminate
					} else if (c == '\'' || c == '"') && flags&(ExtractKeepQuote|ExtractUnquote) != 0 {
						quote = c
						if flags&ExtractUnquote != 0 {
							break
						}
					} else if c == '\\' && flags&ExtractRetainEscape == 0 {
						backslash = true
						break
					} else if isSep(c) {
						if flags&ExtractDontCoalesceSeparators != 0 {
							if flags&ExtractRetainSeparators == 0 {
								i++
							}
							return string(buf), true, i, nil
						}
						if flags&ExtractRetainSeparators == 0 {
							for ; ; i++ {
								c = byteAt(s, i)
								if c == 0 {
									goto terminate
								}
								if !isSep(c) {
									break
								}
							}
						}
						return string(buf), true, i, nil
					}
					buf = append(buf, c)
					if quote != 0 {
						break
					}
				}
			}
		}
	}

terminate:
	if !have {
		return "", false, -1, nil
	}
	return string(buf), true, -1, nil
}
