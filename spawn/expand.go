package spawn

import (
	"strings"

	"github.com/gosd/gosd/unit"
)

// ExpandArgv expands environment variable references in the words of an
// exec line as systemd 252 does (recorded in testdata/argv.txt):
//   - a word that starts with "$" but not "${" or "$$" is a lone
//     reference: the rest of the word is the variable name, and the word
//     is replaced by the value split into words (blanks separate, quotes
//     and backslashes are honoured as in the unit file, without C
//     escapes); an unset variable, an empty value or a name that cannot
//     be one ("$A.suffix", "$A$B") leaves no word at all;
//   - elsewhere in a word, "${NAME}" is replaced by the value ("" when
//     unset) and "$$" by "$"; any other "$" is literal, and so is a
//     "${" that has no "}" or whose name runs into ":" ("${A:-x}").
//
// lookup returns a variable's value.
func ExpandArgv(argv []string, lookup func(name string) (string, bool)) []string {
	out := make([]string, 0, len(argv))
	for _, w := range argv {
		if !strings.Contains(w, "$") {
			out = append(out, w)
			continue
		}
		if len(w) >= 1 && w[0] == '$' && (len(w) == 1 || w[1] != '{' && w[1] != '$') {
			v, ok := lookup(w[1:])
			if !ok {
				continue
			}
			words := unit.NewWords(v)
			for {
				word, more, err := words.Next("", unit.ExtractRelax|unit.ExtractUnquote)
				if err != nil || !more {
					break
				}
				out = append(out, word)
			}
			continue
		}
		out = append(out, expandWord(w, lookup))
	}
	return out
}

// expandWord substitutes "${NAME}" and "$$" inside one word.
func expandWord(w string, lookup func(string) (string, bool)) string {
	var b strings.Builder
	b.Grow(len(w))
	for i := 0; i < len(w); {
		c := w[i]
		if c != '$' || i+1 >= len(w) {
			b.WriteByte(c)
			i++
			continue
		}
		switch w[i+1] {
		case '$':
			b.WriteByte('$')
			i += 2
		case '{':
			j := i + 2
			for j < len(w) && w[j] != '}' && w[j] != ':' {
				j++
			}
			if j >= len(w) || w[j] == ':' {
				// Not a reference: copy up to where the scan stopped.
				end := min(j+1, len(w))
				b.WriteString(w[i:end])
				i = end
				continue
			}
			v, _ := lookup(w[i+2 : j])
			b.WriteString(v)
			i = j + 1
		default:
			b.WriteByte('$')
			i++
		}
	}
	return b.String()
}
