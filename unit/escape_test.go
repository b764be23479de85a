package unit

import (
	"cmp"
	"errors"
	"strings"
	"testing"
	"unsafe"
)

func TestUnescape(t *testing.T) {
	tests := []struct {
		name, in, want string
		err            bool
	}{
		{"plain", "abc", "abc", false},
		{"simple escapes", `\a\b\f\n\r\t\v\\\"\'\s`, "\a\b\f\n\r\t\v\\\"' ", false},
		{"hex gives a raw byte", `\x41\xff`, "A\xff", false},
		{"octal gives a raw byte", `\101\377`, "A\xff", false},
		{"octal above 255", `\400`, "", true},
		{"octal needs three digits", `\12`, "", true},
		{"u escape is UTF-8", `\u00e9`, "é", false},
		{"U escape is UTF-8", `\U0001F600`, "😀", false},
		{"u escape of a surrogate is written as is", `\uD800`, "\xed\xa0\x80", false},
		{"U escape of a surrogate is refused", `\U0000D800`, "", true},
		{"U escape beyond Unicode", `\U00110000`, "", true},
		{"NUL via hex", `\x00`, "", true},
		{"NUL via octal", `\000`, "", true},
		{"NUL via u", `\u0000`, "", true},
		{"unknown escape", `\q`, "", true},
		{"trailing backslash", `a\`, "", true},
		{"short hex", `\x4`, "", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Unescape(tc.in)
			if (err != nil) != tc.err || got != tc.want {
				t.Errorf("Unescape(%q) = %q, %v; want %q, err %v", tc.in, got, err, tc.want, tc.err)
			}
		})
	}
	if got := UnescapeRelaxed(`a\qb\x4g\`); got != `a\qb\x4g\` {
		t.Errorf("UnescapeRelaxed = %q", got)
	}
	if got := UnescapeRelaxed(`\q\n`); got != "\\q\n" {
		t.Errorf("UnescapeRelaxed = %q", got)
	}
}

func TestCEscapeRoundTrip(t *testing.T) {
	for _, s := range []string{"", "abc", "a b\tc\n\"'\\", "\x01\x7f\xff", "é"} {
		e := CEscape(s)
		if s == "" {
			if e != "" {
				t.Fatal("empty")
			}
			continue
		}
		got, err := Unescape(e)
		if err != nil || got != s {
			t.Errorf("round trip %q -> %q -> %q, %v", s, e, got, err)
		}
	}
	if got := CEscape("a\x01é"); got != `a\001\303\251` {
		t.Errorf("CEscape = %q", got)
	}
}

// words extracts all words as systemd loops over extract_first_word().
func words(s, seps string, flags ExtractFlags) ([]string, error) {
	var out []string
	w := NewWords(s)
	for {
		word, ok, err := w.Next(seps, flags)
		if err != nil {
			return out, err
		}
		if !ok {
			return out, nil
		}
		out = append(out, word)
	}
}

// Cases follow systemd's test-extract-word.c semantics; those marked
// "dump" were checked on ExecStart= lines (EXTRACT_UNQUOTE|EXTRACT_CUNESCAPE)
// with `systemd --test` on systemd 252.
func TestExtractWords(t *testing.T) {
	const (
		uq = ExtractUnquote
		cu = ExtractCUnescape
	)
	tests := []struct {
		name  string
		in    string
		seps  string
		flags ExtractFlags
		want  []string
		err   error
	}{
		{"plain words", "  foo  bar\tbaz ", "", 0, []string{"foo", "bar", "baz"}, nil},
		{"empty", "", "", 0, nil, nil},
		{"only separators", "   ", "", 0, nil, nil},
		{"no flags: backslash drops itself", `a\nb \\c`, "", 0, []string{"anb", `\c`}, nil},
		{"no flags: quotes are literal", `"a b"`, "", 0, []string{`"a`, `b"`}, nil},
		{"no flags: trailing backslash", `a\`, "", 0, nil, ErrInvalidEscape},
		{"relax eats trailing backslash", `a\`, "", ExtractRelax, []string{"a"}, nil},
		{"unescape relax keeps trailing backslash", `a\`, "", ExtractUnescapeRelax, []string{`a\`}, nil},
		{"dump: quotes", `'a b'"c"d "x\"y" 'p\'q'`, "", uq | cu, []string{"a bcd", `x"y`, "p'q"}, nil},
		{"dump: escapes", `\u00e9 \101 \x41\s.`, "", uq | cu, []string{"é", "A", "A ."}, nil},
		{"dump: unknown escape fails", `\q`, "", uq | cu, nil, ErrInvalidEscape},
		{"dump: unknown escape relaxed", `\q \400`, "", uq | cu | ExtractUnescapeRelax, []string{`\q`, `\400`}, nil},
		{"dump: unbalanced quotes", `a"b c"d 'e`, "", uq | cu, []string{`ab cd`}, ErrUnbalancedQuotes},
		{"relax allows unbalanced quotes", `'e f`, "", uq | ExtractRelax, []string{"e f"}, nil},
		{"backslash at end inside quotes", `"a\`, "", uq | cu | ExtractUnescapeRelax, nil, ErrUnbalancedQuotes},
		{"backslash at end inside quotes with relax", `"a\`, "", uq | cu | ExtractUnescapeRelax | ExtractRelax, []string{`a\`}, nil},
		{"empty quotes are a word", `"" ''`, "", uq, []string{"", ""}, nil},
		{"keep quotes", `a"b c"d 'e'`, "", ExtractKeepQuote, []string{`a"b c"d`, `'e'`}, nil},
		{"retain escape", `a\ b`, "", ExtractRetainEscape, []string{`a\`, "b"}, nil},
		{"retain escape inside quotes", `"a\"b"`, "", uq | ExtractRetainEscape, nil, ErrUnbalancedQuotes},
		{"retain escape closes quote", `"a\" b`, "", uq | ExtractRetainEscape, []string{`a\`, "b"}, nil},
		{"custom separators", "a:b::c", ":", 0, []string{"a", "b", "c"}, nil},
		{"dont coalesce", "a:b::c:", ":", ExtractDontCoalesceSeparators, []string{"a", "b", "", "c", ""}, nil},
		{"dont coalesce leading", ":a", ":", ExtractDontCoalesceSeparators, []string{"", "a"}, nil},
		{"dont coalesce empty input", "", ":", ExtractDontCoalesceSeparators, []string{""}, nil},
		{"unescape separators", `a\:b:c\\d\x`, ":", ExtractUnescapeSeparators | ExtractUnescapeRelax, []string{`a:b`, `c\d\x`}, nil},
		{"unescape separators refuses others", `a\x`, ":", ExtractUnescapeSeparators, nil, ErrInvalidEscape},
		{"cunescape with unescape separators", `a\:\n`, ":", ExtractUnescapeSeparators | cu, []string{"a:\n"}, nil},
		{"NUL ends the input as in C", "a\x00b", "", 0, []string{"a"}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := words(tc.in, tc.seps, tc.flags)
			if !errors.Is(err, tc.err) || strings.Join(got, "|") != strings.Join(tc.want, "|") || len(got) != len(tc.want) {
				t.Errorf("words(%q) = %q, %v; want %q, %v", tc.in, got, err, tc.want, tc.err)
			}
		})
	}
}

func TestExtractWordRest(t *testing.T) {
	w, rest, ok, err := ExtractWord("  foo   bar baz", "", 0)
	if w != "foo" || rest != "bar baz" || !ok || err != nil {
		t.Errorf("got %q %q %v %v", w, rest, ok, err)
	}
	w, rest, ok, _ = ExtractWord("a:b", ":", ExtractRetainSeparators)
	if w != "a" || rest != ":b" || !ok {
		t.Errorf("retain separators: %q %q", w, rest)
	}
	_, rest, _, err = ExtractWord(`ab\q cd`, "", ExtractCUnescape)
	if err == nil || rest != `q cd` {
		t.Errorf("error position: rest %q err %v", rest, err)
	}
	if _, _, ok, _ := ExtractWord("   ", "", 0); ok {
		t.Error("word from blanks")
	}
	ws := NewWords("x")
	ws.Next("", 0)
	if !ws.Done() {
		t.Error("not done after last word")
	}
}

func TestSplitWords(t *testing.T) {
	got, err := SplitWords(`FOO=bar "BAZ=a b" 'Q=\x41' X=\n`)
	if err != nil || strings.Join(got, "|") != "FOO=bar|BAZ=a b|Q=A|X=\n" {
		t.Errorf("SplitWords = %q, %v", got, err)
	}
	if _, err := SplitWords(`"open`); err == nil {
		t.Error("unbalanced quote accepted")
	}
}

// checkPlainWords steps through s with extractWord and checks each step
// against extractEscapedWord, which has no fast path for plain words. A
// plain word (no quote or backslash in its text, separators coalesced)
// must come from the fast path: a part of s, not a copy. It returns the
// number of plain words seen.
func checkPlainWords(t *testing.T, s, seps string, flags ExtractFlags) (plain int) {
	t.Helper()
	isSep := func(c byte) bool { return strings.IndexByte(cmp.Or(seps, whitespace), c) >= 0 }
	special := func(c byte) bool { return c == '\\' || c == '\'' || c == '"' }
	for pos, n := 0, 0; pos >= 0 && n <= len(s)+2; n++ {
		word, ok, next, err := extractWord(s, pos, seps, flags)
		w2, ok2, next2, err2 := extractEscapedWord(s, pos, isSep, flags)
		if word != w2 || ok != ok2 || next != next2 || err != err2 {
			t.Fatalf("%q at %d, separators %q, flags %#x: %q %v %d %v, want %q %v %d %v", s, pos, seps, flags, word, ok, next, err, w2, ok2, next2, err2)
		}
		if err != nil || !ok {
			return plain
		}
		// The word's text starts after the separators at pos; it is plain
		// when it is the word itself, ended by the end of s, a NUL or a
		// separator that is not a quote or backslash.
		i := pos
		for i < len(s) && s[i] != 0 && isSep(s[i]) {
			i++
		}
		if e := i + len(word); flags&(ExtractDontCoalesceSeparators|ExtractRetainSeparators) == 0 &&
			word != "" && !strings.ContainsAny(word, `\'"`) &&
			strings.HasPrefix(s[i:], word) && (e == len(s) || s[e] == 0 || isSep(s[e]) && !special(s[e])) {
			plain++
			if unsafe.StringData(word) != unsafe.StringData(s[i:]) {
				t.Errorf("%q at %d, separators %q, flags %#x: the plain word %q is a copy, not a part of s: the fast path was not taken", s, pos, seps, flags, word)
			}
		}
		pos = next
	}
	return plain
}

func TestPlainWords(t *testing.T) {
	plain := 0
	for _, s := range []string{"", " ", "a", " a  b\tc\n", "a.service b.service ", "a b\x00c d", "a\x00 b", "a 'b c' d", "a \"b\" c", "a\\x41 b", "x=1  y=2\r", "a:b::c:", "a b\\"} {
		for _, seps := range []string{"", ":", " :", "'", "\\"} {
			for _, flags := range []ExtractFlags{0, ExtractUnquote, ExtractUnquote | ExtractCUnescape, ExtractRetainEscape, ExtractKeepQuote | ExtractRelax, ExtractUnquote | ExtractRetainEscape, ExtractDontCoalesceSeparators, ExtractRetainSeparators} {
				plain += checkPlainWords(t, s, seps, flags)
			}
		}
	}
	if plain < 100 {
		t.Errorf("%d plain words checked; the test finds too few", plain)
	}
}

func FuzzExtractWord(f *testing.F) {
	for _, s := range []string{`a b`, `'a b'"c"`, `\x41\u00e9\q`, `a:b::c`, `"a\`, `\`, "a\x00b", `'\''`} {
		f.Add(s, "", uint(ExtractUnquote|ExtractCUnescape))
		f.Add(s, ":", uint(ExtractDontCoalesceSeparators|ExtractUnescapeSeparators))
	}
	f.Fuzz(func(t *testing.T, s, seps string, flags uint) {
		fl := ExtractFlags(flags) & (ExtractRetainSeparators<<1 - 1)
		if fl&ExtractKeepQuote != 0 && fl&ExtractUnquote != 0 {
			fl &^= ExtractKeepQuote // systemd asserts these are not combined
		}
		if len(seps) > 4 {
			seps = seps[:4]
		}
		checkPlainWords(t, s, seps, fl)
		w := NewWords(s)
		prev := -2
		for n := 0; n <= len(s)+2; n++ {
			_, ok, err := w.Next(seps, fl)
			if err != nil || !ok {
				break
			}
			if fl&ExtractRetainSeparators == 0 && w.pos >= 0 && w.pos <= prev {
				t.Fatalf("no progress at %d", w.pos)
			}
			prev = w.pos
		}
		// Plain splitting of text without backslashes gives the fields.
		if fl == 0 && seps == "" && !strings.ContainsAny(s, "\\\x00") {
			got, err := words(s, "", 0)
			want := strings.FieldsFunc(s, func(r rune) bool { return r < 0x80 && strings.ContainsRune(whitespace, r) })
			if err != nil || strings.Join(got, "|") != strings.Join(want, "|") || len(got) != len(want) {
				t.Fatalf("words(%q) = %q, want %q", s, got, want)
			}
		}
	})
}
