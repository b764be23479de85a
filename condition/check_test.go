package condition

import (
	"slices"
	"strings"
	"testing"

	"github.com/gosd/gosd/loader"
)

func loaderCond(typ, param string) loader.Condition { return loader.Condition{Type: typ, Param: param} }

// unitConds builds a list from settings in unit file order and returns it
// in systemd's order, newest first, as loader keeps it.
func unitConds(t *testing.T, settings ...string) ([]loader.Condition, bool) {
	t.Helper()
	var list []loader.Condition
	assert := false
	for _, s := range settings {
		c, a := parseCond(t, s)
		assert = a
		list = append([]loader.Condition{c}, list...)
	}
	return list, assert
}

// TestCheck replays units that systemd 252 ran under nsboot (their
// conditions are those of testdata/oracle/units/t-*.service and
// a-*.service) and compares everything systemd said about them:
// ConditionResult/AssertResult, the states in the Conditions/Asserts
// properties (busctl), the journal's message and systemctl status's
// "was not met" lines.
func TestCheck(t *testing.T) {
	h := newFake(t, nil)
	cases := []struct {
		name     string
		settings []string
		ok       bool
		states   []int32
		message  string   // the skip message, for conditions
		notMet   []string // systemctl status lines
		logLines []string
	}{
		{
			name:     "t-none",
			settings: []string{"ConditionPathExists=|/nonexist", "ConditionPathExists=|!/etc"},
			states:   []int32{-1, -1},
			message:  "t-none.service was skipped because no trigger condition checks were met.",
			notMet:   []string{"ConditionPathExists=|/nonexist was not met", "ConditionPathExists=|!/etc was not met"},
			logLines: []string{"ConditionPathExists=|!/etc failed.", "ConditionPathExists=|/nonexist failed."},
		},
		{
			name:     "t-order",
			settings: []string{"ConditionPathExists=/etc", "ConditionPathExists=/nonexist", "ConditionPathExists=/nonexist2", "ConditionPathExists=|/etc"},
			states:   []int32{1, -1, 0, 0},
			message:  "t-order.service was skipped because of an unmet condition check (ConditionPathExists=/nonexist2).",
			notMet:   []string{"ConditionPathExists=/nonexist2 was not met"},
		},
		{
			name:     "t-err",
			settings: []string{"ConditionCapability=!foo", "ConditionPathExists=/etc"},
			states:   []int32{1, -1},
			message:  "t-err.service was skipped because of an unmet condition check (ConditionCapability=!foo).",
			notMet:   []string{"ConditionCapability=!foo was not met"},
			logLines: []string{"ConditionPathExists=/etc succeeded.", "Couldn't determine result for ConditionCapability=!foo, assuming failed: Invalid argument"},
		},
		{
			name:     "t-trigfail-ntpass",
			settings: []string{"ConditionPathExists=|/nonexist", "ConditionPathExists=/etc", "ConditionPathExists=|/nonexist2"},
			states:   []int32{-1, 1, -1},
			message:  "t-trigfail-ntpass.service was skipped because no trigger condition checks were met.",
			notMet:   []string{"ConditionPathExists=|/nonexist was not met", "ConditionPathExists=|/nonexist2 was not met"},
		},
		{
			name:     "t-trigtrue-ntfail",
			settings: []string{"ConditionPathExists=/nonexist", "ConditionPathExists=|/etc"},
			states:   []int32{1, -1},
			message:  "t-trigtrue-ntfail.service was skipped because of an unmet condition check (ConditionPathExists=/nonexist).",
			notMet:   []string{"ConditionPathExists=/nonexist was not met"},
		},
		{
			name:     "trigger-holds",
			settings: []string{"ConditionPathExists=|/nonexist", "ConditionPathExists=|/etc", "ConditionPathExists=/usr"},
			ok:       true,
			states:   []int32{1, 1, -1},
			notMet:   []string{"ConditionPathExists=|/nonexist was not met"},
		},
		{name: "empty", ok: true, states: []int32{}},
		{
			name:     "a-fail",
			settings: []string{"AssertPathExists=/nonexist", "AssertPathExists=/etc"},
			states:   []int32{1, -1},
			notMet:   []string{"AssertPathExists=/nonexist was not met"},
		},
		{
			name:     "a-trig",
			settings: []string{"AssertPathExists=|/nonexist", "AssertPathExists=|/nonexist2"},
			states:   []int32{-1, -1},
			notMet:   []string{"none of the trigger assertions were met"},
		},
		{
			name:     "a-err",
			settings: []string{"AssertCapability=foo"},
			states:   []int32{-1},
			notMet:   []string{"AssertCapability=foo was not met"},
			logLines: []string{"Couldn't determine result for AssertCapability=foo, assuming failed: Invalid argument"},
		},
		{
			name:     "a-trigger-and-plain",
			settings: []string{"AssertPathExists=|!/etc", "AssertPathExists=!/nonexist", "AssertPathExists=|/nonexist"},
			states:   []int32{-1, 1, -1},
			notMet:   []string{"none of the trigger assertions were met"},
		},
		{
			name:     "a-negated",
			settings: []string{"AssertPathExists=|/etc", "AssertPathExists=!/etc"},
			states:   []int32{-1, 0},
			notMet:   []string{"AssertPathExists=!/etc was not met"},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			conds, assert := unitConds(t, c.settings...)
			ok, results := Check(conds, h)
			if ok != c.ok {
				t.Errorf("Check = %v, want %v", ok, c.ok)
			}
			if got := States(conds, results); !slices.Equal(got, c.states) {
				t.Errorf("states %v, want %v", got, c.states)
			}
			if c.message != "" {
				if got := SkipMessage(c.name+".service", results); got != c.message {
					t.Errorf("message %q\nwant    %q", got, c.message)
				}
			}
			if got := NotMet(results, assert); !slices.Equal(got, c.notMet) {
				t.Errorf("not met %q, want %q", got, c.notMet)
			}
			if c.logLines != nil {
				var got []string
				for _, r := range results {
					got = append(got, LogLine(r, assert))
				}
				if !slices.Equal(got, c.logLines) {
					t.Errorf("log lines %q, want %q", got, c.logLines)
				}
			}
		})
	}
}

func TestMessages(t *testing.T) {
	// Observed: a unit with a description is "ID - Description".
	if got, want := SkipMessage("t-desc.service - My Fancy Unit", []Result{{Cond: loaderCond("PathExists", "/nonexist")}}),
		"t-desc.service - My Fancy Unit was skipped because of an unmet condition check (ConditionPathExists=/nonexist)."; got != want {
		t.Errorf("got %q", got)
	}
	if got, want := AssertFailedMessage("a-desc.service - My Assert Unit"), "Assertion failed for a-desc.service - My Assert Unit."; got != want {
		t.Errorf("got %q", got)
	}
	if got := Name(loader.Condition{Type: "PathExists", Trigger: true, Negate: true, Param: "/x"}, true); got != "AssertPathExists=|!/x" {
		t.Errorf("got %q", got)
	}
}

func TestCPUFeatureLowercased(t *testing.T) {
	// Observed: systemd lowercases the parameter in place, so it reports
	// "ConditionCPUFeature=sse2 succeeded." for SSE2.
	h := newFake(t, nil)
	_, results := Check([]loader.Condition{loaderCond("CPUFeature", "SSE2")}, h)
	if got := LogLine(results[0], false); got != "ConditionCPUFeature=sse2 succeeded." {
		t.Errorf("got %q", got)
	}
}

func TestVersionCompare(t *testing.T) {
	// The order systemd documents for strverscmp_improved(), oldest first.
	order := []string{"122.1", "123~rc1-1", "123", "123-a", "123-a.1", "123-1", "123-1.1", "123^post1", "123.a-1", "123.1-1", "123a-1", "124-1"}
	for i := range order {
		for j := range order {
			want := cmp3(i, j)
			if got := versionCompare(order[i], order[j]); got != want {
				t.Errorf("versionCompare(%q, %q) = %d, want %d", order[i], order[j], got, want)
			}
		}
	}
	for _, c := range []struct {
		a, b string
		want int
	}{
		{"00123", "123", 0}, {"1_2", "1.2", 1}, {"", "1", -1}, {"a", "", 1}, {"1.0", "1.0.0", -1},
		{"5.10", "5.9", 1}, {"abc", "abcde", -1}, {"1~rc1", "1", -1}, {"1-rc1", "1", 1},
	} {
		if got := versionCompare(c.a, c.b); got != c.want {
			t.Errorf("versionCompare(%q, %q) = %d, want %d", c.a, c.b, got, c.want)
		}
	}
}

func TestFnmatch(t *testing.T) {
	for _, c := range []struct {
		pattern, name string
		flags         int
		want          bool
	}{
		{"*", "", 0, true},
		{"a*b", "a/x/b", 0, true},
		{"a?c", "abc", 0, true},
		{"[a-c]x", "bx", 0, true},
		{"[!a-c]x", "bx", 0, false},
		{"[^a-c]x", "dx", 0, true},
		{"[]]", "]", 0, true},
		{"[a-]", "-", 0, true},
		{"[[:upper:]]*", "Abc", 0, true},
		{"[[:upper:]]*", "abc", fnmCasefold, true},
		{"[", "[", 0, true},
		{"a[", "a[", 0, true},
		{`\*`, "*", 0, true},
		{`\*`, "x", 0, false},
		{`a\`, `a\`, 0, false},
		{"ABC", "abc", fnmCasefold, true},
		{"*", ".x", fnmPeriod, false},
		{".*", ".x", fnmPeriod, true},
		{"?x", ".x", fnmPeriod, false},
		{"[.]x", ".x", fnmPeriod, false},
		{"*.conf", "a.conf", fnmPeriod, true},
		{"*a*a*a", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab", 0, false},
	} {
		if got := fnmatch(c.pattern, c.name, c.flags); got != c.want {
			t.Errorf("fnmatch(%q, %q, %d) = %v, want %v", c.pattern, c.name, c.flags, got, c.want)
		}
	}
	if got := braceExpand("/a/{b,c{d,e}}/f{,g}"); strings.Join(got, " ") != "/a/b/f /a/b/fg /a/cd/f /a/cd/fg /a/ce/f /a/ce/fg" {
		t.Errorf("braceExpand: %q", got)
	}
	if got := braceExpand("/a{b"); len(got) != 1 || got[0] != "/a{b" {
		t.Errorf("braceExpand: %q", got)
	}
}
