package spawn

import (
	"os"
	"reflect"
	"strings"
	"testing"
)

func TestExpandArgv(t *testing.T) {
	envs := map[string]string{
		// The values of testdata/systemd/argv.service and argv2.service.
		"A": "a  b", "B": "bee", "C": "", "T": "x\ty", "L": " lead trail ",
		"Q": `a "b c" d`, "R": `x\ty  `, "S": "  lead", "U": `it's`, "V": `a\ b`,
		// systemd.service(5), "Command lines".
		"ONE": "one", "TWO": "two two",
		"ONEQ": "'one'", "TWOQ": "'two two' too", "THREE": "",
	}
	lookup := func(n string) (string, bool) { v, ok := envs[n]; return v, ok }
	tests := []struct {
		name string
		argv []string
		want []string
	}{
		// systemd.service(5): 'Environment="ONE=one" 'TWO=two two'
		// ExecStart=echo $ONE $TWO ${TWO}' runs echo with "one", "two",
		// "two" and "two two".
		{"man page example 1", []string{"echo", "$ONE", "$TWO", "${TWO}"}, []string{"echo", "one", "two", "two", "two two"}},
		// systemd.service(5): with ONE='one' and TWO='two two' too, "${ONE}
		// ${TWO} ${THREE}" gives "'one'", "'two two' too" and ""; "$ONE
		// $TWO $THREE" gives "one", "two two" and "too".
		{"man page example 2, braces", []string{"/bin/echo", "${ONEQ}", "${TWOQ}", "${THREE}"}, []string{"/bin/echo", "'one'", "'two two' too", ""}},
		{"man page example 2, lone", []string{"/bin/echo", "$ONEQ", "$TWOQ", "$THREE"}, []string{"/bin/echo", "one", "two two", "too"}},
		// The rest as systemd 252 did it (testdata/systemd/argv.out).
		{"lone splits", []string{"$A"}, []string{"a", "b"}},
		{"braces keep blanks", []string{"${A}"}, []string{"a  b"}},
		{"braces inside a word", []string{"x${A}y"}, []string{"xa  by"}},
		{"lone reference with a tail names no variable", []string{"$B${B}", "$A.suffix", "$B-$B", "$B_X", "$A$B"}, nil},
		{"braces then dollar", []string{"${B}$B"}, []string{"bee$B"}},
		{"unset lone is dropped", []string{"$UNSET"}, nil},
		{"unset braces are empty", []string{"${UNSET}", "x${UNSET}y"}, []string{"", "xy"}},
		{"double dollar", []string{"$$A", "$$"}, []string{"$A", "$"}},
		{"backslash stays", []string{`\$A`}, []string{`\$A`}},
		{"lone dollar", []string{"$"}, nil},
		{"positional is a name", []string{"$1"}, nil},
		{"empty braces", []string{"${}"}, []string{""}},
		{"empty value", []string{"${C}", "$C", "x$C"}, []string{"", "x$C"}},
		{"tab splits", []string{"$T"}, []string{"x", "y"}},
		{"blanks trimmed", []string{"$L", "${L}"}, []string{"lead", "trail", " lead trail "}},
		{"colon is no reference", []string{"${B:-def}", "${B:-def}x${B}"}, []string{"${B:-def}", "${B:-def}xbee"}},
		{"slash is part of the name", []string{"${B/x}"}, []string{""}},
		{"unterminated", []string{"${A"}, []string{"${A"}},
		{"in-word lone form is literal", []string{"pre $A post"}, []string{"pre $A post"}},
		{"quotes in the value", []string{"$Q"}, []string{"a", "b c", "d"}},
		{"backslash in the value", []string{"$R", "$V"}, []string{"xty", "a b"}},
		{"leading blanks", []string{"$S"}, []string{"lead"}},
		{"unbalanced quote", []string{"$U"}, []string{"its"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := ExpandArgv(tc.argv, lookup)
			if len(got) == 0 && len(tc.want) == 0 {
				return
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("ExpandArgv(%q) = %q, want %q", tc.argv, got, tc.want)
			}
		})
	}
}

// TestExpandRecorded runs the recorded argv units through the loader's
// exec-line parser and ExpandArgv, and compares with what systemd ran.
func TestExpandRecorded(t *testing.T) {
	for _, name := range []string{"argv", "argv2"} {
		t.Run(name, func(t *testing.T) {
			body, err := os.ReadFile("testdata/systemd/" + name + ".service")
			if err != nil {
				t.Fatal(err)
			}
			want, err := os.ReadFile("testdata/systemd/" + name + ".out")
			if err != nil {
				t.Fatal(err)
			}
			u := loadUnit(t, "obs-"+name+".service", string(body))
			env := newEnvBlock(8)
			for _, kv := range u.Exec.Environment {
				env.set(kv)
			}
			var got strings.Builder
			for _, cmd := range commands(t, u) {
				argv := cmd.Argv
				if !cmd.NoEnvExpand {
					argv = ExpandArgv(argv, env.get)
				}
				format := argv[1]
				for _, a := range argv[2:] {
					got.WriteString(strings.Replace(format, "%s", a, 1))
				}
			}
			if got.String() != string(want) {
				t.Errorf("got:\n%s\nsystemd ran:\n%s", got.String(), want)
			}
		})
	}
}
