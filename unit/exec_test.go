package unit

import (
	"errors"
	"strings"
	"syscall"
	"testing"
)

// Cases marked "dump" were checked with `systemd --test --system` on
// systemd 252 (the "Command Line:" of the unit dump), "verify" with
// `systemd-analyze verify`.
func TestParseExec(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		want  []ExecCommand
		warns []string
		err   string // Diag message
		fatal bool   // systemd refuses the unit (ENOEXEC) rather than ignoring the line
	}{
		{name: "simple", in: "/bin/true",
			want: []ExecCommand{{Path: "/bin/true", Argv: []string{"/bin/true"}}}},
		{name: "empty value", in: ""},
		{name: "dump: quotes and escapes", in: `/bin/echo 'a b'"c"d "x\"y" 'p\'q' \u00e9 \101 \x41\s.`,
			want: []ExecCommand{{Path: "/bin/echo", Argv: []string{"/bin/echo", "a bcd", `x"y`, "p'q", "é", "A", "A ."}}}},
		{name: "dump: unknown escapes are kept with a warning", in: `/bin/true \q \x4g \UD800 \400 \x00 \u0000`,
			want:  []ExecCommand{{Path: "/bin/true", Argv: []string{"/bin/true", `\q`, `\x4g`, `\UD800`, `\400`, `\x00`, `\u0000`}}},
			warns: []string{`Ignoring unknown escape sequences: "\q"`, `Ignoring unknown escape sequences: "\x4g"`, `Ignoring unknown escape sequences: "\UD800"`, `Ignoring unknown escape sequences: "\400"`, `Ignoring unknown escape sequences: "\x00"`, `Ignoring unknown escape sequences: "\u0000"`}},
		{name: "dump: prefixes, @ and separators", in: `-@/bin/echo argv0 "a b" \x41 \; ; true %n`,
			want: []ExecCommand{
				{Path: "/bin/echo", Argv: []string{"argv0", "a b", "A", ";"}, IgnoreFailure: true, Argv0Override: true},
				{Path: "true", Argv: []string{"true", "%n"}},
			}},
		{name: "dump: !! is the ambient hack", in: "!!/bin/true",
			want: []ExecCommand{{Path: "/bin/true", Argv: []string{"/bin/true"}, AmbientHack: true}}},
		{name: "all compatible prefixes in any order", in: ":+@-/bin/true x",
			want: []ExecCommand{{Path: "/bin/true", Argv: []string{"x"}, IgnoreFailure: true, Argv0Override: true, NoEnvExpand: true, Privileged: true}}},
		{name: "! with others", in: "-!:/bin/true",
			want: []ExecCommand{{Path: "/bin/true", Argv: []string{"/bin/true"}, IgnoreFailure: true, NoSetuid: true, NoEnvExpand: true}}},
		{name: "prefixes inside quotes count", in: `"-/bin/echo" x`,
			want: []ExecCommand{{Path: "/bin/echo", Argv: []string{"/bin/echo", "x"}, IgnoreFailure: true}}},
		{name: "verify: + and ! conflict", in: "+!/bin/true foo",
			err: "Neither a valid executable name nor an absolute path: !/bin/true", fatal: true},
		{name: "verify: !!! is refused", in: "!!!/bin/true foo",
			err: "Neither a valid executable name nor an absolute path: !/bin/true", fatal: true},
		{name: "!! then + conflicts", in: "!!+/bin/true",
			err: "Neither a valid executable name nor an absolute path: +/bin/true", fatal: true},
		{name: "double - is refused", in: "--/bin/true",
			err: "Neither a valid executable name nor an absolute path, ignoring: -/bin/true"},
		{name: "dump: a bare file name is accepted (searched at start time)", in: "true foo",
			want: []ExecCommand{{Path: "true", Argv: []string{"true", "foo"}}}},
		{name: "verify: relative path with slash is refused", in: "bin/true foo",
			err: "Neither a valid executable name nor an absolute path: bin/true", fatal: true},
		{name: "dot is no file name", in: "./true",
			err: "Neither a valid executable name nor an absolute path: ./true", fatal: true},
		{name: "directory", in: "/usr/bin/",
			err: "Executable path specifies a directory: /usr/bin/", fatal: true},
		{name: "special characters in path", in: `/bin/a\x22b`,
			err: `Executable name contains special characters: /bin/a"b`, fatal: true},
		{name: "empty path after prefix", in: "- x",
			err: "Empty path in command line, ignoring: '- x'"},
		{name: "empty path is fatal without -", in: "@ x",
			err: "Empty path in command line: '@ x'", fatal: true},
		{name: "verify: @ without argv0", in: "@/bin/true",
			err: "Empty executable name or zeroeth argument: @/bin/true", fatal: true},
		{name: "dump: path is simplified, argv0 is not", in: `/usr//bin/./true a;b ";" \\; \;x`,
			want:  []ExecCommand{{Path: "/usr/bin/true", Argv: []string{"/usr//bin/./true", "a;b", ";", `\;`, `\;x`}}},
			warns: []string{`Ignoring unknown escape sequences: "\;x"`}},
		{name: "dump: semicolon alone ends the command", in: "/bin/echo ;",
			want: []ExecCommand{{Path: "/bin/echo", Argv: []string{"/bin/echo"}}}},
		{name: "dump: leading and repeated separators", in: "; /bin/echo x ;; ; /bin/echo y",
			want: []ExecCommand{{Path: "/bin/echo", Argv: []string{"/bin/echo", "x", ";;"}}, {Path: "/bin/echo", Argv: []string{"/bin/echo", "y"}}}},
		{name: "dump: quoted semicolon is an argument", in: `"/bin/echo" ';' x`,
			want: []ExecCommand{{Path: "/bin/echo", Argv: []string{"/bin/echo", ";", "x"}}}},
		{name: "dump: quoted semicolon as first word separates", in: `";" /bin/echo x`,
			want: []ExecCommand{{Path: "/bin/echo", Argv: []string{"/bin/echo", "x"}}}},
		{name: "dump: escaped blank in the path", in: `-/bin/echo\x20x`,
			want: []ExecCommand{{Path: "/bin/echo x", Argv: []string{"/bin/echo x"}, IgnoreFailure: true}}},
		{name: "dump: environment variables are kept verbatim", in: "/bin/echo $FOO ${BAR} $$",
			want: []ExecCommand{{Path: "/bin/echo", Argv: []string{"/bin/echo", "$FOO", "${BAR}", "$$"}}}},
		{name: "verify: unbalanced quoting in arguments is fatal", in: `/bin/true "unbalanced`,
			err: `Unbalanced quoting, ignoring: "/bin/true "unbalanced"`, fatal: true},
		{name: "verify: unbalanced quoting in the first word ignores the line", in: `"unbal /bin/true`,
			err: `Unbalanced quoting, ignoring: ""unbal /bin/true"`},
		{name: "unbalanced quoting with - is a warning", in: `-/bin/true "x`,
			err: `Unbalanced quoting, ignoring: "-/bin/true "x"`},
		{name: "commands before a failing one are kept", in: `/bin/a ; -/bin/b "x`,
			want: []ExecCommand{{Path: "/bin/a", Argv: []string{"/bin/a"}}},
			err:  `Unbalanced quoting, ignoring: "/bin/a ; -/bin/b "x"`},
		{name: "message quotes the remaining value for later commands", in: `/bin/a ; @/bin/b`,
			want: []ExecCommand{{Path: "/bin/a", Argv: []string{"/bin/a"}}},
			err:  `Empty executable name or zeroeth argument: @/bin/b`, fatal: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cmds, warns, err := ParseExecFull(tc.in, nil)
			if tc.err == "" {
				if err != nil {
					t.Fatalf("error %v", err)
				}
			} else {
				var d *Diag
				if !errors.As(err, &d) {
					t.Fatalf("err = %v, want %q", err, tc.err)
				}
				if d.Msg != tc.err || d.Warning == tc.fatal || tc.fatal && d.Errno != syscall.ENOEXEC {
					t.Fatalf("err = %q (warning %v, errno %v), want %q fatal %v", d.Msg, d.Warning, d.Errno, tc.err, tc.fatal)
				}
			}
			if !equalCmds(cmds, tc.want) {
				t.Errorf("commands\n got %+v\nwant %+v", cmds, tc.want)
			}
			var w []string
			for _, d := range warns {
				w = append(w, d.Msg)
			}
			if strings.Join(w, "|") != strings.Join(tc.warns, "|") {
				t.Errorf("warnings %q, want %q", w, tc.warns)
			}
		})
	}
}

func equalCmds(a, b []ExecCommand) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		x, y := a[i], b[i]
		if strings.Join(x.Argv, "\x00") != strings.Join(y.Argv, "\x00") || len(x.Argv) != len(y.Argv) {
			return false
		}
		if x.Path != y.Path || x.IgnoreFailure != y.IgnoreFailure || x.Argv0Override != y.Argv0Override ||
			x.NoEnvExpand != y.NoEnvExpand || x.Privileged != y.Privileged || x.NoSetuid != y.NoSetuid || x.AmbientHack != y.AmbientHack {
			return false
		}
	}
	return true
}

// Specifiers are expanded per word after splitting (dump: "%n" gives the
// unit name, "ech%o" the os-release ID inside the path).
func TestParseExecSpecifiers(t *testing.T) {
	s := SystemSpecifiers("t.service", "/etc/systemd/system/t.service", &Host{OSRelease: map[string]string{"ID": "debian"}})
	s.Home = "/home/with space"
	cmds, _, err := ParseExecFull(`/bin/ech%o %n% %h "%%"`, s)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"/bin/echdebian", "t.service%", "/home/with space", "%"}
	if cmds[0].Path != "/bin/echdebian" || strings.Join(cmds[0].Argv, "|") != strings.Join(want, "|") {
		t.Errorf("got %+v", cmds[0])
	}
	_, _, err = ParseExecFull(`/bin/true %Z`, s)
	var d *Diag
	if !errors.As(err, &d) || d.Msg != "Failed to resolve unit specifiers in %Z: Invalid slot" || d.Warning {
		t.Errorf("err %v", err)
	}
	_, _, err = ParseExecFull(`-/bin/%Z`, s)
	if !errors.As(err, &d) || d.Msg != "Failed to resolve unit specifiers in '/bin/%Z', ignoring: Invalid slot" || !d.Warning {
		t.Errorf("err %v", err)
	}
}

func TestPathSimplify(t *testing.T) {
	long := strings.Repeat("x", 256)
	for in, want := range map[string]string{
		"":                   "",
		"/":                  "/",
		"//":                 "/",
		"///foo//./bar/.":    "/foo/bar",
		".//./foo//./bar/.":  "foo/bar",
		"./":                 ".",
		"a/../b":             "a/../b",
		"/a/" + long + "//b": "/a/" + long + "//b",
		"//" + long:          "//" + long,
	} {
		if got := PathSimplify(in); got != want {
			t.Errorf("PathSimplify(%q) = %q, want %q", in, got, want)
		}
	}
}

func FuzzParseExec(f *testing.F) {
	for _, s := range []string{
		"/bin/true", `-@/bin/echo argv0 "a b" \x41 \; ; true %n`, "!!/bin/true", "+!/bin/x",
		`"unbal`, `/bin/a ; @/bin/b`, `/usr//bin/./true a;b ";" \\; \;x`, "- x", ";;;", `\`, "/.",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		cmds, _, err := ParseExecFull(s, nil)
		for _, c := range cmds {
			if c.Path == "" || len(c.Argv) == 0 {
				t.Fatalf("bad command %+v", c)
			}
			if c.Privileged && (c.NoSetuid || c.AmbientHack) || c.NoSetuid && c.AmbientHack {
				t.Fatalf("conflicting flags %+v", c)
			}
		}
		if err != nil {
			return
		}
		for _, c := range cmds {
			if c.Path == "/" {
				return // "/." is accepted, but simplifies to "/", which is refused
			}
		}
		// Round trip: quoting every word back gives the same commands.
		var b strings.Builder
		for i, c := range cmds {
			if i > 0 {
				b.WriteString(" ; ")
			}
			prefix := ""
			if c.IgnoreFailure {
				prefix += "-"
			}
			if c.Argv0Override {
				prefix += "@"
			}
			if c.NoEnvExpand {
				prefix += ":"
			}
			switch {
			case c.Privileged:
				prefix += "+"
			case c.NoSetuid:
				prefix += "!"
			case c.AmbientHack:
				prefix += "!!"
			}
			b.WriteString(quoteWord(prefix + c.Path))
			args := c.Argv
			if !c.Argv0Override {
				args = args[1:]
			}
			for _, a := range args {
				b.WriteString(" " + quoteWord(a))
			}
		}
		again, _, err := ParseExecFull(b.String(), nil)
		if err != nil {
			t.Fatalf("re-parse of %q: %v", b.String(), err)
		}
		if len(again) != len(cmds) {
			t.Fatalf("round trip %q -> %q: %d commands, want %d", s, b.String(), len(again), len(cmds))
		}
		for i := range cmds {
			want := cmds[i]
			if !want.Argv0Override {
				// argv[0] is the unsimplified path; after the round trip it is the simplified one.
				want.Argv = append([]string{want.Path}, want.Argv[1:]...)
			}
			if !equalCmds([]ExecCommand{again[i]}, []ExecCommand{want}) {
				t.Fatalf("round trip %q -> %q:\n got %+v\nwant %+v", s, b.String(), again[i], want)
			}
		}
	})
}

// quoteWord quotes a word so that ParseExec reads it back unchanged.
func quoteWord(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\\' || c == '"':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c < ' ' || c == 0x7f:
			b.WriteString(`\x`)
			b.WriteByte(hexdigits[c>>4])
			b.WriteByte(hexdigits[c&15])
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}
