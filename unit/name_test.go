package unit

import (
	"strings"
	"testing"
)

func TestNameValidity(t *testing.T) {
	long := strings.Repeat("a", 255-len(".service"))
	tests := []struct {
		name                          string
		valid, plain, instance, templ bool
	}{
		{"foo.service", true, true, false, false},
		{"foo@bar.service", true, false, true, false},
		{"foo@.service", true, false, false, true},
		{"foo@bar@baz.socket", true, false, true, false},
		{"a-b\\x2dc:d_e.f.mount", true, true, false, false},
		{"@foo.service", false, false, false, false},
		{"foo", false, false, false, false},
		{".service", false, false, false, false},
		{"foo.bar", false, false, false, false},
		{"foo bar.service", false, false, false, false},
		{"foo@bar baz.service", false, false, false, false},
		{"", false, false, false, false},
		{long + ".service", true, true, false, false},
		{long + "a.service", false, false, false, false},
	}
	for _, tc := range tests {
		if IsValidName(tc.name) != tc.valid || IsPlain(tc.name) != tc.plain || IsInstance(tc.name) != tc.instance || IsTemplate(tc.name) != tc.templ {
			t.Errorf("%q: valid %v plain %v instance %v template %v", tc.name, IsValidName(tc.name), IsPlain(tc.name), IsInstance(tc.name), IsTemplate(tc.name))
		}
	}
	for _, typ := range []string{"service", "socket", "target", "device", "mount", "automount", "swap", "timer", "path", "slice", "scope"} {
		if !IsValidName("x." + typ) {
			t.Errorf("type %s", typ)
		}
	}
}

func TestSplitName(t *testing.T) {
	for in, want := range map[string][3]string{
		"foo.service":         {"foo", "", "service"},
		"foo@bar.service":     {"foo", "bar", "service"},
		"foo@.timer":          {"foo", "", "timer"},
		"a@b@c.d.socket":      {"a", "b@c.d", "socket"},
		"foo-bar.baz.service": {"foo-bar.baz", "", "service"},
	} {
		p, i, ty, err := SplitName(in)
		if err != nil || [3]string{p, i, ty} != want {
			t.Errorf("SplitName(%q) = %q %q %q %v", in, p, i, ty, err)
		}
	}
	if _, _, _, err := SplitName("nope"); err == nil {
		t.Error("invalid name split")
	}
	if got, _ := TemplateOf("foo@bar.service"); got != "foo@.service" {
		t.Errorf("TemplateOf = %q", got)
	}
	if _, err := TemplateOf("foo.service"); err == nil {
		t.Error("template of plain name")
	}
	if got, _ := Instantiate("foo@.service", "a-b"); got != "foo@a-b.service" {
		t.Errorf("Instantiate = %q", got)
	}
	if got, _ := Instantiate("foo@x.service", "y"); got != "foo@y.service" {
		t.Errorf("Instantiate = %q", got)
	}
	if _, err := Instantiate("foo@.service", "a b"); err == nil {
		t.Error("bad instance accepted")
	}
	if _, err := Instantiate("foo@.service", strings.Repeat("x", 250)); err == nil {
		t.Error("too long name accepted")
	}
}

// Expectations are the output of systemd-escape (systemd 252).
func TestEscape(t *testing.T) {
	for in, want := range map[string]string{
		"foo/bar":    "foo-bar",
		"/foo//bar/": "-foo--bar-",
		".dot":       `\x2edot`,
		"a-b c":      `a\x2db\x20c`,
		"ü":          `\xc3\xbc`,
		"":           "",
		`a\b`:        `a\x5cb`,
		"-":          `\x2d`,
		"/":          "-",
		"foo.bar":    "foo.bar",
		"x:y_z":      "x:y_z",
	} {
		if got := EscapeName(in); got != want {
			t.Errorf("EscapeName(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{
		"/foo//bar/": "foo-bar",
		".dot":       `\x2edot`,
		"":           "-",
		"/":          "-",
		"foo/bar":    "foo-bar",
		"/a/./b/":    "a-b",
	} {
		if got, err := PathEscape(in); err != nil || got != want {
			t.Errorf("PathEscape(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := PathEscape("/a/../b"); err == nil {
		t.Error("PathEscape accepted ..")
	}
	unesc := []struct{ in, name, path string }{
		// "!" marks an error (systemd-escape: "Failed to unescape string: Invalid argument").
		{"foo-bar", "foo/bar", "/foo/bar"},
		{`a\x2db`, "a-b", "/a-b"},
		{`\x2e`, ".", "!"},
		{`a\x2`, "!", "!"},
		{`a\q`, "!", "!"},
		{"-", "/", "/"},
		{"--", "//", "!"},
		{"a-", "a/", "!"},
		{"a--b", "a//b", "!"},
		{`\x2fa`, "/a", "!"},
	}
	for _, tc := range unesc {
		got, err := UnescapeName(tc.in)
		if err != nil {
			got = "!"
		}
		if got != tc.name {
			t.Errorf("UnescapeName(%q) = %q, want %q", tc.in, got, tc.name)
		}
		got, err = PathUnescape(tc.in)
		if err != nil {
			got = "!"
		}
		if got != tc.path {
			t.Errorf("PathUnescape(%q) = %q, want %q", tc.in, got, tc.path)
		}
	}
}

func TestEscapeRoundTrip(t *testing.T) {
	for _, s := range []string{"foo bar", "/x/y", "a-b", "ü\x01", ".x"} {
		if got, err := UnescapeName(EscapeName(s)); err != nil || got != s {
			t.Errorf("round trip %q: %q %v", s, got, err)
		}
	}
}

// The instance case was checked with drop-in directories under a unit path
// and `systemd --test`: a-.service.d (the template's prefix, a plain name)
// is used, a-b-.service.d is not, and of two drop-ins with the same file
// name the one in a-b@i.service.d wins over a-.service.d.
func TestDropInPrefixes(t *testing.T) {
	for in, want := range map[string]string{
		"foo-bar-baz.service": "foo-bar-baz.service foo-bar-.service foo-.service service",
		"foo.service":         "foo.service service",
		"a-b@i.service":       "a-b@i.service a-b@.service a-.service a-@i.service a-@.service service",
		"a-b@.service":        "a-b@.service a-.service service",
		"foo-bar-.service":    "foo-bar-.service foo-.service service",
		"foo--.service":       "foo--.service foo-.service service",
		"-foo.service":        "-foo.service service",
		"a-b-c.mount":         "a-b-c.mount a-b-.mount a-.mount mount",
		"invalid":             "",
	} {
		if got := strings.Join(DropInPrefixes(in), " "); got != want {
			t.Errorf("DropInPrefixes(%q) = %q, want %q", in, got, want)
		}
	}
}
