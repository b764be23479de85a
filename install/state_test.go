package install

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

type fsEntry struct{ path, content, link string }

func makeRoot(t *testing.T, es []fsEntry) string {
	t.Helper()
	root := t.TempDir()
	for _, e := range es {
		p := filepath.Join(root, e.path)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		var err error
		if e.link != "" {
			err = os.Symlink(e.link, p)
		} else {
			err = os.WriteFile(p, []byte(e.content), 0o644)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	return root
}

const wanted = "[Service]\nExecStart=/bin/true\n[Install]\nWantedBy=multi-user.target\n"

func TestStates(t *testing.T) {
	root := makeRoot(t, []fsEntry{
		{path: "lib/systemd/system/multi-user.target", content: "[Unit]\n"},
		{path: "lib/systemd/system/en.service", content: wanted},
		{path: "etc/systemd/system/multi-user.target.wants/en.service", link: "/lib/systemd/system/en.service"},
		{path: "lib/systemd/system/rt.service", content: wanted},
		{path: "run/systemd/system/multi-user.target.wants/rt.service", link: "/lib/systemd/system/rt.service"},
		{path: "lib/systemd/system/dis.service", content: wanted},
		{path: "lib/systemd/system/st.service", content: "[Service]\nExecStart=/bin/true\n"},
		{path: "lib/systemd/system/ind.service", content: "[Install]\nAlso=dis.service\n"},
		{path: "lib/systemd/system/al.service", link: "dis.service"},
		{path: "etc/systemd/system/m.service", link: "/dev/null"},
		{path: "run/systemd/system/mr.service", link: "/dev/null"},
		{path: "opt/l.service", content: wanted},
		{path: "etc/systemd/system/l.service", link: "/opt/l.service"},
		{path: "run/systemd/generator/g.service", content: "[Service]\n"},
		{path: "run/systemd/transient/tr.service", content: "[Service]\n"},
		{path: "lib/systemd/system/t@.service", content: wanted},
		{path: "lib/systemd/system/multi-user.target.wants/t@v.service", link: "../t@.service"},
	})
	in := New(root, nil)
	for name, want := range map[string]State{
		"en.service": Enabled, "rt.service": EnabledRuntime, "dis.service": Disabled,
		"st.service": Static, "ind.service": Indirect, "al.service": Alias,
		"m.service": Masked, "mr.service": MaskedRuntime, "l.service": Linked,
		"g.service": Generated, "tr.service": Transient, "t@v.service": Static,
		"t@w.service": Disabled, "multi-user.target": Static,
	} {
		got, err := in.State(name)
		if err != nil || got != want {
			t.Errorf("State(%s) = %v, %v; want %v", name, got, err, want)
		}
	}
	_, err := in.State("missing.service")
	if Errno(err) != syscall.ENOENT {
		t.Errorf("missing unit: %v, want ENOENT", err)
	}
	if !Enabled.IsEnabled() || !Static.IsEnabled() || Linked.IsEnabled() || Masked.IsEnabled() || Disabled.IsEnabled() {
		t.Error("IsEnabled does not follow is-enabled's exit status")
	}
}

func TestEnableDisableRoundTrip(t *testing.T) {
	root := makeRoot(t, []fsEntry{
		{path: "lib/systemd/system/multi-user.target", content: "[Unit]\n"},
		{path: "lib/systemd/system/a.service", content: wanted + "Alias=b.service\nAlso=c.service\n"},
		{path: "lib/systemd/system/c.service", content: "[Install]\nRequiredBy=x.target\n"},
	})
	in := New(root, nil)
	res, err := in.Enable([]string{"a.service"}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	lines, failed := FormatChanges("enable", res.Changes, false)
	want := []string{
		"Created symlink " + root + "/etc/systemd/system/b.service → /lib/systemd/system/a.service.",
		"Created symlink " + root + "/etc/systemd/system/multi-user.target.wants/a.service → /lib/systemd/system/a.service.",
		"Created symlink " + root + "/etc/systemd/system/x.target.requires/c.service → /lib/systemd/system/c.service.",
		"Unit " + root + "/lib/systemd/system/c.service is added as a dependency to a non-existent unit x.target.",
	}
	if failed || strings.Join(lines, "\n") != strings.Join(want, "\n") {
		t.Errorf("enable printed\n%s\nwant\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}
	if res.Carried != 2 {
		t.Errorf("Carried = %d, want 2", res.Carried)
	}
	if s, _ := in.State("a.service"); s != Enabled {
		t.Errorf("a.service is %v after enable", s)
	}
	if _, err := in.Disable([]string{"a.service"}, Options{}); err != nil {
		t.Fatal(err)
	}
	ents, _ := os.ReadDir(filepath.Join(root, "etc/systemd/system"))
	if len(ents) != 0 {
		t.Errorf("disable left %v", ents)
	}
}

func TestParseInstallWarnings(t *testing.T) {
	root := makeRoot(t, []fsEntry{
		{path: "lib/systemd/system/w.service", content: "[Service]\nFoo\n[Bogus]\nx\n[Install]\nWantedBy=\"a.target\nUpheldBy=b.target\nX-Ok=1\n"},
		{path: "lib/systemd/system/d@.service", content: "[Install]\nDefaultInstance=a/b\n"},
	})
	var log strings.Builder
	in := New(root, &log)
	if _, err := in.State("w.service"); err != nil {
		t.Fatal(err)
	}
	f := root + "/lib/systemd/system/w.service"
	want := f + ":3: Unknown section 'Bogus'. Ignoring.\n" +
		f + ":6: Invalid syntax, ignoring: \"a.target\n" +
		f + ":7: Unknown key 'UpheldBy' in section [Install], ignoring.\n"
	if log.String() != want {
		t.Errorf("log\n%s\nwant\n%s", log.String(), want)
	}
	log.Reset()
	_, err := in.State("d@.service")
	var ce *ConfigError
	if Errno(err) != syscall.EINVAL || !errors.As(err, &ce) || ce.Line != 2 || !strings.HasSuffix(ce.File, "d@.service") {
		t.Errorf("bad DefaultInstance: %v, want a ConfigError naming line 2 of d@.service", err)
	}
}

func TestMangleName(t *testing.T) {
	for in, want := range map[string]string{
		"foo":        "foo.service",
		"foo.socket": "foo.socket",
		"foo@bar":    "foo@bar.service",
		"foo bar":    `foo\x20bar.service`,
		"/home/x":    "home-x.mount",
		"/dev/sda1":  "dev-sda1.device",
		"getty@tty1": "getty@tty1.service",
		"multi-user": "multi-user.service",
		"a.b.c":      "a.b.c.service",
	} {
		got, _, ok := MangleName(in, ".service")
		if !ok || got != want {
			t.Errorf("MangleName(%q) = %q %v, want %q", in, got, ok, want)
		}
	}
}
