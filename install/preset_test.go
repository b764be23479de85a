package install

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestFnmatch(t *testing.T) {
	for _, c := range []struct {
		pattern, name string
		want          bool
	}{
		{"*", "foo.service", true},
		{"foo.service", "foo.service", true},
		{"foo.service", "foo.socket", false},
		{"foo.*", "foo.socket", true},
		{"*.service", "foo.socket", false},
		{"f?o.service", "fxo.service", true},
		{"f?o.service", "fo.service", false},
		{"[a-c]*.service", "bar.service", true},
		{"[!a-c]*.service", "bar.service", false},
		{"[^a-c]*.service", "dar.service", true},
		{`foo\x2dbar.service`, `foo\x2dbar.service`, true}, // FNM_NOESCAPE: backslash is literal
		{`foo\*`, `foo\bar`, true},
		{"getty@*.service", "getty@tty1.service", true},
		{"*@.service", "getty@.service", true},
		{"[abc", "[abc", true},
		{"", "x.service", false},
	} {
		if got := fnmatch(c.pattern, c.name); got != c.want {
			t.Errorf("fnmatch(%q, %q) = %v, want %v", c.pattern, c.name, got, c.want)
		}
	}
}

func TestParsePresetLine(t *testing.T) {
	for _, c := range []struct {
		line    string
		ok, bad bool
		rule    PresetRule
	}{
		{line: "", ok: false},
		{line: "  # comment", ok: false},
		{line: "; comment", ok: false},
		{line: "enable foo.service", ok: true, rule: PresetRule{Pattern: "foo.service", Action: PresetEnable}},
		{line: "  enable\tfoo.service  ", ok: true, rule: PresetRule{Pattern: "foo.service", Action: PresetEnable}},
		{line: "disable *", ok: true, rule: PresetRule{Pattern: "*", Action: PresetDisable}},
		{line: "disable a.service b.service", ok: true, rule: PresetRule{Pattern: "a.service b.service", Action: PresetDisable}},
		{line: "enable getty@.service tty1 tty2", ok: true, rule: PresetRule{Pattern: "getty@.service", Action: PresetEnable, Instances: []string{"tty1", "tty2"}}},
		{line: "enable foo.service extra", ok: true, bad: true},
		{line: "enabled foo.service", ok: true, bad: true},
		{line: "bogus", ok: true, bad: true},
	} {
		rule, ok, err := parsePresetLine(c.line)
		if ok != c.ok || (err != nil) != c.bad {
			t.Errorf("%q: ok=%v err=%v, want ok=%v bad=%v", c.line, ok, err, c.ok, c.bad)
			continue
		}
		if ok && !c.bad && !reflect.DeepEqual(rule, c.rule) {
			t.Errorf("%q: rule %+v, want %+v", c.line, rule, c.rule)
		}
	}
}

func TestPresetQuery(t *testing.T) {
	ps := &Presets{}
	for _, l := range []string{
		"enable getty@.service tty1 tty2",
		"disable b.service",
		"enable b.service",
		"enable *.socket",
		"disable *",
	} {
		r, _, err := parsePresetLine(l)
		if err != nil {
			t.Fatal(err)
		}
		ps.Rules = append(ps.Rules, r)
	}
	for _, c := range []struct {
		name      string
		enable    bool
		instances []string
	}{
		{"getty@.service", true, []string{"getty@tty1.service", "getty@tty2.service"}},
		{"getty@tty2.service", true, nil},
		{"getty@tty9.service", false, nil},
		{"b.service", false, nil}, // the first matching rule wins
		{"x.socket", true, nil},
		{"x.service", false, nil},
	} {
		e, inst := ps.Query(c.name)
		if e != c.enable || !reflect.DeepEqual(inst, c.instances) {
			t.Errorf("Query(%q) = %v %v, want %v %v", c.name, e, inst, c.enable, c.instances)
		}
	}
	// list-unit-files does not use instance lists: the template itself
	// matches the rule's pattern.
	if !ps.QueryPreset("getty@.service") || ps.QueryPreset("getty@tty1.service") {
		t.Error("QueryPreset: instance rules must match the template name only")
	}
	if e, _ := (&Presets{}).Query("anything.service"); !e {
		t.Error("no rules must mean enable")
	}
}

func TestReadPresetsOverrideAndOrder(t *testing.T) {
	root := t.TempDir()
	write := func(p, s string) {
		p = filepath.Join(root, p)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("lib/systemd/system-preset/90-default.preset", "disable *\n")
	write("lib/systemd/system-preset/10-x.preset", "disable x.service\n")
	write("etc/systemd/system-preset/10-x.preset", "enable x.service\nnonsense\n")
	write("usr/lib/systemd/system-preset/50-y.preset", "enable y.service\n")
	var log strings.Builder
	ps, err := New(root, &log).ReadPresets()
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range ps.Rules {
		got = append(got, strings.TrimPrefix(r.File, root)+":"+r.Pattern)
	}
	want := []string{
		"/etc/systemd/system-preset/10-x.preset:x.service",
		"/usr/lib/systemd/system-preset/50-y.preset:y.service",
		"/lib/systemd/system-preset/90-default.preset:*",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("rules %v, want %v", got, want)
	}
	if w := root + "/etc/systemd/system-preset/10-x.preset:2: Couldn't parse line 'nonsense'. Ignoring.\n"; log.String() != w {
		t.Errorf("log %q, want %q", log.String(), w)
	}
}
