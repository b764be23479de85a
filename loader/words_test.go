package loader

import (
	"slices"
	"testing"

	"github.com/gosd/gosd/unit"
)

// TestEachWord checks that eachWord splits values as systemd's
// extract_first_word() does (unit.Words).
func TestEachWord(t *testing.T) {
	values := []string{
		"", " ", "a", "a b", "  a\tb\n c\r ", "a  b", "a.service b.service ",
		"\"a b\" c", "a\\x41 b", "'q' r", "a\x00b c", "x=1 y=2",
	}
	flagSets := []unit.ExtractFlags{0, unit.ExtractUnquote, unit.ExtractCUnescape | unit.ExtractUnquote, unit.ExtractRetainEscape}
	for _, v := range values {
		for _, flags := range flagSets {
			var want []string
			w := unit.NewWords(v)
			for {
				word, ok, err := w.Next("", flags)
				if err != nil || !ok {
					break
				}
				want = append(want, word)
			}
			var got []string
			o := &unit.Option{Name: "X", Value: v}
			if err := eachWord(o, v, flags, func(word string) error { got = append(got, word); return nil }); err != nil {
				t.Errorf("eachWord(%q, %#x): %v", v, flags, err)
			}
			if !slices.Equal(got, want) {
				t.Errorf("eachWord(%q, %#x) = %q, want %q", v, flags, got, want)
			}
		}
	}
}
