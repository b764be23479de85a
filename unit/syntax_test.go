package unit

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"unsafe"
)

type opt struct {
	sec, name, val string
	line           int
}

// The expectations below were checked against systemd 252 (Debian
// 252.38): "verify" means `systemd-analyze verify` printed the warning,
// "dump" means `systemd --test --system --unit=...` (run as an
// unprivileged user) showed the parsed Description= value.
func TestParse(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		opts  []opt
		secs  []string
		warns []string // "line:msg"
		err   string   // "line:msg" of the fatal Diag
		errno syscall.Errno
	}{
		{name: "simple", in: "[Unit]\nDescription=x\n[Service]\nExecStart=/bin/true\n",
			opts: []opt{{"Unit", "Description", "x", 2}, {"Service", "ExecStart", "/bin/true", 4}},
			secs: []string{"Unit", "Service"}},
		{name: "dump: key and value trimmed, quotes kept", in: "[Unit]\n  Description  =  \"quoted\" 'x'  \t\n",
			opts: []opt{{"Unit", "Description", `"quoted" 'x'`, 2}}},
		{name: "dump: continuation backslash becomes space", in: "[Unit]\nDescription=a\\\n  b\n",
			opts: []opt{{"Unit", "Description", "a   b", 3}}},
		{name: "dump: comment inside continuation is skipped", in: "[Unit]\nDescription=a\\\n# c\\\n b\n",
			opts: []opt{{"Unit", "Description", "a  b", 4}}},
		{name: "dump: semicolon comment inside continuation", in: "[Unit]\nDescription=a\\\n  ; c\n b\n",
			opts: []opt{{"Unit", "Description", "a  b", 4}}},
		{name: "dump: comment line ending in backslash does not continue", in: "[Unit]\n#foo\\\nDescription=x\n",
			opts: []opt{{"Unit", "Description", "x", 3}}},
		{name: "dump: even backslashes do not continue", in: "[Unit]\nDescription=a \\\\\\\\\nDocumentation=d\n",
			opts: []opt{{"Unit", "Description", `a \\\\`, 2}, {"Unit", "Documentation", "d", 3}}},
		{name: "dump: odd backslashes continue", in: "[Unit]\nDescription=a\\\\\\\n b\n",
			opts: []opt{{"Unit", "Description", `a\\  b`, 3}}},
		{name: "dump: five backslashes continue", in: "[Unit]\nDescription=a\\\\\\\\\\\n b\n",
			opts: []opt{{"Unit", "Description", `a\\\\  b`, 3}}},
		{name: "dump: backslash then blank is no continuation", in: "[Unit]\nDescription=a\\ \nDocumentation=x\n",
			opts: []opt{{"Unit", "Description", `a\`, 2}, {"Unit", "Documentation", "x", 3}}},
		{name: "dump: empty line ends continuation", in: "[Unit]\nDescription=a\\\n\nDocumentation=y\n",
			opts: []opt{{"Unit", "Description", "a", 3}, {"Unit", "Documentation", "y", 4}}},
		{name: "verify: continuation open at EOF counts one more line", in: "[Service]\nExecStart=/bin/true\nKillMode=y\\\n",
			opts: []opt{{"Service", "ExecStart", "/bin/true", 2}, {"Service", "KillMode", "y", 4}}},
		{name: "continuation open at EOF without newline", in: "[Service]\nKillMode=y\\",
			opts: []opt{{"Service", "KillMode", "y", 3}}},
		{name: "verify: continuation joins lines", in: "[Service]\nRestart=a \\\n# comment\n  b\\\\\nKillMode=c\n",
			opts: []opt{{"Service", "Restart", `a    b\\`, 4}, {"Service", "KillMode", "c", 5}}},
		{name: "dump: CRLF line ends", in: "[Unit]\r\nDescription=a\r\nDocumentation=y\r\n",
			opts: []opt{{"Unit", "Description", "a", 2}, {"Unit", "Documentation", "y", 3}}},
		{name: "verify: CR alone ends lines, CRLF CRLF is two", in: "[Service]\rExecStart=/bin/true\rKillMode=y\r\n\r\nRestart=z\n",
			opts: []opt{{"Service", "ExecStart", "/bin/true", 2}, {"Service", "KillMode", "y", 3}, {"Service", "Restart", "z", 5}}},
		{name: "LF LF is two line ends", in: "[Service]\n\nRestart=z\n",
			opts: []opt{{"Service", "Restart", "z", 3}}},
		{name: "dump: NUL ends a line", in: "[Unit]\nDescription=a\x00b\n",
			opts:  []opt{{"Unit", "Description", "a", 2}},
			warns: []string{"3:Missing '=', ignoring line."}},
		{name: "NUL after LF is part of the line end", in: "[Unit]\nA=1\n\x00B=2\n",
			opts: []opt{{"Unit", "A", "1", 2}, {"Unit", "B", "2", 3}}},
		{name: "dump: BOM at file start", in: "\xef\xbb\xbf[Service]\nExecStart=/bin/true\n",
			opts: []opt{{"Service", "ExecStart", "/bin/true", 2}}},
		{name: "dump: BOM at the start of a later line is dropped too", in: "[Unit]\nDocumentation=z\n\xef\xbb\xbfDescription=bom\n",
			opts: []opt{{"Unit", "Documentation", "z", 2}, {"Unit", "Description", "bom", 3}}},
		{name: "only the first BOM is dropped", in: "\xef\xbb\xbf[Unit]\n\xef\xbb\xbfDescription=bom\n",
			opts: []opt{{"Unit", "\ufeffDescription", "bom", 2}}},
		{name: "verify: BOM then comment is no comment", in: "\xef\xbb\xbf# comment\n[Service]\nKillMode=y\n",
			opts:  []opt{{"Service", "KillMode", "y", 3}},
			warns: []string{"1:Assignment outside of section. Ignoring."}},
		{name: "verify: assignment outside of section", in: "KillMode=q\n[Service]\nnoequals\nKillMode=y\n",
			opts:  []opt{{"Service", "KillMode", "y", 4}},
			warns: []string{"1:Assignment outside of section. Ignoring.", "3:Missing '=', ignoring line."}},
		{name: "line without = before any section says outside of section", in: "junk\n",
			warns: []string{"1:Assignment outside of section. Ignoring."}},
		{name: "verify: missing key name", in: "[Service]\n=foo\n  = bar\nKillMode=y\n",
			opts:  []opt{{"Service", "KillMode", "y", 4}},
			warns: []string{"2:Missing key name before '=', ignoring line.", "3:Missing key name before '=', ignoring line."}},
		{name: "verify: unknown and X- sections are kept for the loader", in: "[X-Foo]\nBar=1\n[Foo]\nBaz=2\n[Service]\nExecStart=/bin/true\n",
			secs: []string{"X-Foo", "Foo", "Service"},
			opts: []opt{{"X-Foo", "Bar", "1", 2}, {"Foo", "Baz", "2", 4}, {"Service", "ExecStart", "/bin/true", 6}}},
		{name: "value may contain =", in: "[Service]\nEnvironment=A=B C=D\n",
			opts: []opt{{"Service", "Environment", "A=B C=D", 2}}},
		{name: "empty value", in: "[Service]\nExecStart=\n",
			opts: []opt{{"Service", "ExecStart", "", 2}}},
		{name: ".include is no longer special", in: "[Unit]\n.include /x\n",
			warns: []string{"2:Missing '=', ignoring line."}},
		{name: "empty section name", in: "[]\nA=b\n", secs: []string{""}, opts: []opt{{"", "A", "b", 2}}},
		{name: "verify: invalid section header fails the file", in: "[Service]\nExecStart=/bin/true\n[Servi ce\nRestart=x\n",
			err: "3:Invalid section header '[Servi ce'", errno: syscall.EBADMSG},
		{name: "lone bracket", in: "[\n", err: "1:Invalid section header '['", errno: syscall.EBADMSG},
		{name: "verify: bad characters in section header fail the file", in: "[Service]\n[Serv\x01ice]\n",
			err: "2:Bad characters in section header '[Serv\x01ice]'", errno: syscall.EBADMSG},
		{name: "quote in section header", in: "[Ser\"vice]\n",
			err: "1:Bad characters in section header '[Ser\"vice]'", errno: syscall.EBADMSG},
		{name: "verify: invalid UTF-8 fails the file", in: "[Service]\nExecStart=/bin/true\nRestart=\xff\nKillMode=y\n",
			err: "3:String is not UTF-8 clean, ignoring assignment: Restart=\ufffd", errno: syscall.EINVAL},
		// utf8_escape_invalid() replaces each byte of the sequence.
		{name: "noncharacter U+FFFE is not UTF-8 clean for systemd", in: "[Unit]\nDescription=\xef\xbf\xbe\n",
			err: "2:String is not UTF-8 clean, ignoring assignment: Description=\ufffd\ufffd\ufffd", errno: syscall.EINVAL},
		{name: "invalid UTF-8 in a comment is fine", in: "# \xff\n[Unit]\nDescription=x\n",
			opts: []opt{{"Unit", "Description", "x", 3}}},
		{name: "valid UTF-8", in: "[Unit]\nDescription=Grüße ✓\n",
			opts: []opt{{"Unit", "Description", "Grüße ✓", 2}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f, diags, err := Parse("/x.service", []byte(tc.in))
			if tc.err != "" {
				var d *Diag
				if !errors.As(err, &d) {
					t.Fatalf("err = %v, want Diag %q", err, tc.err)
				}
				if got := itoa(d.Line) + ":" + d.Msg; got != tc.err || d.Errno != tc.errno || d.Warning {
					t.Fatalf("err = %q errno %v warning %v, want %q %v", got, d.Errno, d.Warning, tc.err, tc.errno)
				}
				if f != nil {
					t.Fatalf("file returned with error")
				}
				return
			}
			if err != nil {
				t.Fatalf("unexpected error %v", err)
			}
			var got []opt
			for _, o := range f.Options {
				if o.File != "/x.service" {
					t.Errorf("option file %q", o.File)
				}
				got = append(got, opt{o.Section, o.Name, o.Value, o.Line})
			}
			if !equalOpts(got, tc.opts) {
				t.Errorf("options\n got %+v\nwant %+v", got, tc.opts)
			}
			if tc.secs != nil && strings.Join(f.Sections, "|") != strings.Join(tc.secs, "|") {
				t.Errorf("sections %q, want %q", f.Sections, tc.secs)
			}
			var w []string
			for _, d := range diags {
				if !d.Warning {
					t.Errorf("non-warning diag %v", d)
				}
				w = append(w, itoa(d.Line)+":"+d.Msg)
			}
			if strings.Join(w, "|") != strings.Join(tc.warns, "|") {
				t.Errorf("warnings %q, want %q", w, tc.warns)
			}
		})
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

func equalOpts(a, b []opt) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestParseDiagSection(t *testing.T) {
	_, diags, err := Parse("/x.service", []byte("[Foo]\nbar\n[Service]\nbaz\n"))
	if err != nil || len(diags) != 2 {
		t.Fatalf("diags %v err %v", diags, err)
	}
	if diags[0].Section != "Foo" || diags[1].Section != "Service" {
		t.Errorf("sections %q %q", diags[0].Section, diags[1].Section)
	}
	if got := diags[0].Error(); got != "/x.service:2: Missing '=', ignoring line." {
		t.Errorf("Error() = %q", got)
	}
}

// Checked with systemd-analyze verify: a line of LONG_LINE_MAX bytes makes
// the unit fail to load with "No buffer space available", one byte less
// is fine; joined continuation lines may reach LONG_LINE_MAX but not pass it.
func TestParseLongLines(t *testing.T) {
	mk := func(n int) string { return strings.Repeat("a", n) }
	tests := []struct {
		name string
		in   string
		err  string
	}{
		{"verify: line of LONG_LINE_MAX-1 bytes", "[Service]\nKillMode=" + mk(LongLineMax-1-9) + "\n", ""},
		{"verify: line of LONG_LINE_MAX bytes", "[Service]\nKillMode=" + mk(LongLineMax-9) + "\n", "2:Line too long"},
		{"line of LONG_LINE_MAX bytes at EOF", "[Service]\nKillMode=" + mk(LongLineMax-9), "2:Line too long"},
		{"long comment is too long as well", "[Service]\n#" + mk(LongLineMax) + "\n", "2:Line too long"},
		{"verify: continuation of exactly LONG_LINE_MAX", "[Service]\nKillMode=" + mk(600000) + "\\\n" + mk(LongLineMax-600010) + "\n", ""},
		{"continuation past LONG_LINE_MAX", "[Service]\nKillMode=" + mk(600000) + "\\\n" + mk(LongLineMax-600010+1) + "\n", "3:Continuation line too long"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f, _, err := Parse("/x.service", []byte(tc.in))
			if tc.err == "" {
				if err != nil || len(f.Options) != 1 {
					t.Fatalf("err %v", err)
				}
				return
			}
			var d *Diag
			if !errors.As(err, &d) || itoa(d.Line)+":"+d.Msg != tc.err || d.Errno != syscall.ENOBUFS {
				t.Fatalf("err = %v, want %s", err, tc.err)
			}
		})
	}
}

// Many continuation lines must not make Parse quadratic.
func TestParseManyContinuations(t *testing.T) {
	in := "[Service]\nExecStart=/bin/echo" + strings.Repeat(" x\\\n", 200000) + "\n"
	f, _, err := Parse("/x.service", []byte(in))
	if err != nil || len(f.Options) != 1 || f.Options[0].Line != 200002 {
		t.Fatalf("err %v opts %d", err, len(f.Options))
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"[Unit]\nDescription=x\n[Service]\nExecStart=/bin/true\n",
		"[Service]\nRestart=a \\\n# comment\n  b\\\\\nKillMode=c\n",
		"\xef\xbb\xbf# c\n[X]\n=a\nb\n",
		"[Service]\rA=1\r\n\r\nB=2\x00C=3\n\\",
		"[Ser\"vice]\n",
		"[Unit]\nDescription=a\\",
		"x=y\n[",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		file, diags, err := Parse("/f.service", data)
		if err != nil {
			if file != nil {
				t.Fatal("file with error")
			}
			return
		}
		for _, o := range file.Options {
			if o.Line <= 0 || o.Name == "" {
				t.Fatalf("bad option %+v", o)
			}
			if o.Name != strings.Trim(o.Name, whitespace) || o.Value != strings.Trim(o.Value, whitespace) {
				t.Fatalf("untrimmed option %+v", o)
			}
			if strings.IndexByte(o.Name, '=') >= 0 {
				t.Fatalf("= in name %+v", o)
			}
		}
		for _, d := range diags {
			if !d.Warning || d.Line <= 0 {
				t.Fatalf("bad diag %+v", d)
			}
		}
	})
}

const benchUnit = `# /lib/systemd/system/example.service
[Unit]
Description=Example daemon with a reasonably long description line
Documentation=man:example(8) https://example.org/docs
After=network-online.target remote-fs.target nss-lookup.target
Wants=network-online.target
ConditionPathExists=!/etc/example/disabled
StartLimitIntervalSec=30
StartLimitBurst=5

[Service]
Type=notify
EnvironmentFile=-/etc/default/example
Environment="LANG=C.UTF-8" "EXAMPLE_OPTS=--verbose --color=never"
ExecStartPre=/usr/bin/example --check-config \
    --config=/etc/example/example.conf
ExecStart=/usr/sbin/exampled --foreground $EXAMPLE_OPTS
ExecReload=/bin/kill -HUP $MAINPID
KillMode=mixed
KillSignal=SIGTERM
Restart=on-failure
RestartSec=5s
TimeoutStartSec=1min 30s
User=example
Group=example
RuntimeDirectory=example
StateDirectory=example
LimitNOFILE=65536
NoNewPrivileges=yes
ProtectSystem=strict
ProtectHome=yes
PrivateTmp=yes
PrivateDevices=yes
ReadWritePaths=/var/lib/example /var/log/example
CapabilityBoundingSet=CAP_NET_BIND_SERVICE
SuccessExitStatus=143 SIGTERM

[Install]
WantedBy=multi-user.target
Alias=example-daemon.service
`

func BenchmarkParse(b *testing.B) {
	data := []byte(benchUnit)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := Parse("/lib/systemd/system/example.service", data); err != nil {
			b.Fatal(err)
		}
	}
}

// systemd reports an unknown section at its header's line, so the parser
// keeps that line for every header.
func TestSectionLines(t *testing.T) {
	f, _, err := Parse("x.service", []byte("# comment\n[Unit]\nDescription=x\n\n[X-Mine]\nA=b\n[Nonsense]\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := []int{2, 5, 7}
	if fmt.Sprint(f.SectionLines) != fmt.Sprint(want) || len(f.Sections) != 3 {
		t.Errorf("sections %q at lines %v, want lines %v", f.Sections, f.SectionLines, want)
	}
}

// TestParseString checks that ParseString's values are cut out of the
// text it was given rather than copied.
func TestParseString(t *testing.T) {
	src := "[Unit]\nDescription=shared\n"
	f, _, err := ParseString("/x.service", src)
	if err != nil || len(f.Options) != 1 {
		t.Fatalf("%v, %v", f, err)
	}
	start := uintptr(unsafe.Pointer(unsafe.StringData(src)))
	if p := uintptr(unsafe.Pointer(unsafe.StringData(f.Options[0].Value))); p < start || p >= start+uintptr(len(src)) {
		t.Errorf("the value %q is a copy, not a part of the text", f.Options[0].Value)
	}
}
