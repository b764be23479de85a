package engine

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestRecordings checks, without root, that every scenario has a recording
// made from its current text, that the recording ran exactly the
// scenario's steps and showed its units after each, that no step hit the
// harness's timeout, and that no recording is left without a scenario.
func TestRecordings(t *testing.T) {
	scs, err := loadScenarios(scenarioDir, helpersDir)
	if err != nil {
		t.Fatal(err)
	}
	if len(scs) < minScenarios {
		t.Errorf("%d scenarios, issue 3 asks for at least %d", len(scs), minScenarios)
	}
	names := map[string]bool{}
	for _, sc := range scs {
		names[sc.Name] = true
		t.Run(sc.Name, func(t *testing.T) {
			data, err := os.ReadFile(recordingPath(sc))
			if err != nil {
				t.Fatalf("no recording (run record.sh): %v", err)
			}
			tr := string(data)
			if h := transcriptHash(tr); h != sc.Hash() {
				t.Fatalf("recorded from another version of the scenario (hash %s, now %s): run record.sh", h, sc.Hash())
			}
			checkTranscript(t, sc, tr)
		})
	}
	recs, err := filepath.Glob(filepath.Join(testdataDir, "*.systemd"))
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		if n := strings.TrimSuffix(filepath.Base(r), ".systemd"); !names[n] {
			t.Errorf("%s has no scenario %s.txt", r, filepath.Join(scenarioDir, n))
		}
	}
}

// checkTranscript checks the shape of a transcript against its scenario.
func checkTranscript(t *testing.T, sc *scenario, tr string) {
	t.Helper()
	ls := lines(tr)
	var steps []string
	for i, l := range ls {
		switch {
		case strings.HasPrefix(l, "$ "), strings.HasPrefix(l, "$~ "):
			steps = append(steps, l)
			if strings.HasPrefix(l, "$~ ") {
				continue
			}
			// The step's output lines, then one "= UNIT" line per unit.
			j := i + 1
			for j < len(ls) && !strings.HasPrefix(ls[j], "= ") && !strings.HasPrefix(ls[j], "$") {
				j++
			}
			var shown []string
			for ; j < len(ls) && strings.HasPrefix(ls[j], "= "); j++ {
				u, _, _ := strings.Cut(strings.TrimPrefix(ls[j], "= "), " ")
				shown = append(shown, u)
			}
			if !slices.Equal(shown, sc.Show) {
				t.Errorf("line %d: after %q the transcript shows %v, the scenario %v", i+1, l, shown, sc.Show)
			}
		case l == "exit 124":
			t.Errorf("line %d: a step hit the harness's %v timeout", i+1, stepTimeout)
		case strings.Contains(l, "[harness:"), strings.HasPrefix(l, "= systemctl show failed"):
			t.Errorf("line %d: %s", i+1, l)
		}
	}
	var want []string
	for _, st := range sc.Steps {
		if st.NoShow {
			want = append(want, "$~ "+st.Cmd)
		} else {
			want = append(want, "$ "+st.Cmd)
		}
	}
	if !slices.Equal(steps, want) {
		t.Errorf("steps in the transcript:\n%s\nsteps in the scenario:\n%s", strings.Join(steps, "\n"), strings.Join(want, "\n"))
	}
}

func TestParseScenario(t *testing.T) {
	good := `# description
# more
== unit a.service
[Unit]
# a comment inside a unit stays
Description=x
== file /usr/local/bin/x 0755
#!/bin/sh
== unit diff-boot.target
[Unit]
== steps
# a comment
systemctl start a.service

~ sleep 1
`
	sc, err := parseScenario("scenarios/010-x.txt", []byte(good))
	if err != nil {
		t.Fatal(err)
	}
	if sc.Name != "010-x" {
		t.Errorf("name %q", sc.Name)
	}
	if got := len(sc.Files); got != 3 {
		t.Fatalf("%d files, want 3", got)
	}
	if f := sc.Files[0]; f.Path != "/etc/systemd/system/a.service" || f.Mode != 0o644 || string(f.Content) != "[Unit]\n# a comment inside a unit stays\nDescription=x\n" || f.Line != 3 {
		t.Errorf("unit file: %+v", f)
	}
	if f := sc.Files[1]; f.Path != "/usr/local/bin/x" || f.Mode != 0o755 || string(f.Content) != "#!/bin/sh\n" {
		t.Errorf("file: %+v", f)
	}
	// Without "== show", every declared unit but the boot target is shown.
	if !slices.Equal(sc.Show, []string{"a.service"}) {
		t.Errorf("show %v", sc.Show)
	}
	wantSteps := []step{{Cmd: "systemctl start a.service", Line: 13}, {Cmd: "sleep 1", NoShow: true, Line: 15}}
	if !slices.Equal(sc.Steps, wantSteps) {
		t.Errorf("steps %+v, want %+v", sc.Steps, wantSteps)
	}

	// The hash covers what runs, not the description.
	other, err := parseScenario("scenarios/010-x.txt", []byte(strings.Replace(good, "# more\n", "", 1)))
	if err != nil {
		t.Fatal(err)
	}
	if other.Hash() != sc.Hash() {
		t.Error("a description change changed the hash")
	}
	other, err = parseScenario("scenarios/010-x.txt", []byte(strings.Replace(good, "~ sleep 1", "sleep 1", 1)))
	if err != nil {
		t.Fatal(err)
	}
	if other.Hash() == sc.Hash() {
		t.Error("dropping the ~ of a step did not change the hash")
	}
	other, err = parseScenario("scenarios/010-x.txt", []byte(strings.Replace(good, "== steps\n", "== collect a.service\n== steps\n", 1)))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(other.Collect, []string{"a.service"}) || other.Hash() == sc.Hash() {
		t.Errorf("collect %v: the hash changed %v", other.Collect, other.Hash() != sc.Hash())
	}
}

func TestParseScenarioErrors(t *testing.T) {
	for _, tc := range []struct {
		name, text, want string
	}{
		{"no steps", "== unit a.service\n[Unit]\n", "x.txt:2: no steps"},
		{"empty steps", "== unit a.service\n== steps\n# nothing\n", "x.txt:3: no steps"},
		{"text outside", "hello\n== steps\ntrue\n", `x.txt:1: text outside any section: "hello"`},
		{"unknown section", "== units a.service\n", `x.txt:1: unknown section "units"`},
		{"section after steps", "== unit a.service\n== steps\ntrue\n== show a.service\n", `x.txt:4: "== show a.service" after "== steps"`},
		{"unit without name", "== unit\n", `x.txt:1: want "== unit NAME"`},
		{"unit with slash", "== unit x/a.service\n", `x.txt:1: bad unit name "x/a.service"`},
		{"duplicate unit", "== unit a.service\n== unit a.service\n", "x.txt:2: unit a.service already declared on line 1"},
		{"keep target", "== unit diff-keep.target\n", "x.txt:1: diff-keep.target is the harness's"},
		{"relative file", "== file etc/x 0644\n", `x.txt:1: file path "etc/x" is not an absolute file path`},
		{"bad mode", "== file /etc/x 0999\n", `x.txt:1: bad octal mode "0999"`},
		{"nothing to show", "== steps\ntrue\n", `x.txt:1: no units to show`},
		{"shown twice", "== show a.service a.service\n== steps\ntrue\n", "x.txt:1: unit a.service shown twice"},
		{"collect undeclared", "== unit a.service\n== collect b.service\n== steps\ntrue\n", `x.txt:1: "== collect" names b.service, which the scenario does not declare`},
		{"collect twice", "== unit a.service\n== collect a.service\n== collect a.service\n== steps\ntrue\n", `x.txt:3: second "== collect"`},
		{"empty noshow step", "== show a.service\n== steps\n~ \n", `x.txt:3: empty step`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parseScenario("x.txt", []byte(tc.text))
			if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
				t.Errorf("error %v, want one starting %q", err, tc.want)
			}
		})
	}
}

func TestTranscriptHash(t *testing.T) {
	for _, tc := range []struct{ name, tr, want string }{
		{"header", "# 001-x (scenario 0123456789abcdef); format in README.md\n$ true\n", "0123456789abcdef"},
		{"no header", "$ true\n", ""},
		{"empty", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := transcriptHash(tc.tr); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestUnifiedDiff(t *testing.T) {
	// Expected outputs are what GNU diff -u prints for the same inputs
	// (file names aside).
	for _, tc := range []struct{ name, a, b, want string }{
		{"equal", "x\ny\n", "x\ny\n", ""},
		{"one changed line", "a\nb\nc\n", "a\nB\nc\n",
			"--- A\n+++ B\n@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n"},
		{"append to empty", "", "x\n",
			"--- A\n+++ B\n@@ -0,0 +1 @@\n+x\n"},
		{"two hunks", "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n", "1\nX\n3\n4\n5\n6\n7\n8\n9\n10\nY\n12\n",
			"--- A\n+++ B\n@@ -1,5 +1,5 @@\n 1\n-2\n+X\n 3\n 4\n 5\n@@ -8,5 +8,5 @@\n 8\n 9\n 10\n-11\n+Y\n 12\n"},
		{"close changes share a hunk", "1\n2\n3\n4\n5\n6\n7\n8\n", "X\n2\n3\n4\n5\n6\n7\nY\n",
			"--- A\n+++ B\n@@ -1,8 +1,8 @@\n-1\n+X\n 2\n 3\n 4\n 5\n 6\n 7\n-8\n+Y\n"},
		{"deletion", "a\nb\nc\nd\n", "a\nd\n",
			"--- A\n+++ B\n@@ -1,4 +1,2 @@\n a\n-b\n-c\n d\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := unifiedDiff("A", "B", tc.a, tc.b); got != tc.want {
				t.Errorf("got:\n%s\nwant:\n%s", got, tc.want)
			}
		})
	}
}

func TestPlanJail(t *testing.T) {
	// The hybrid layout of the machine the recordings were made on, and a
	// pure cgroup2 one.
	hybrid := `31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs ro,size=4096k,nr_inodes=1024,mode=755
32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
34 31 0:31 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset
35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,xattr,name=systemd
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
50 23 0:40 / /sys/fs/cgroupx rw,relatime - cgroup2 cgroup2 rw
`
	hybridOwn := `9:name=systemd:/
4:memory:/process_api/027f
3:cpuset:/
1:cpu:/
0::/
`
	pure := `30 23 0:26 /user.slice /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw,nsdelegate
`
	for _, tc := range []struct {
		name, mountinfo, own string
		want                 []jailDir
	}{
		{"hybrid", hybrid, hybridOwn, []jailDir{
			{"/sys/fs/cgroup/cpu", "/sys/fs/cgroup/cpu/J"},
			{"/sys/fs/cgroup/memory", "/sys/fs/cgroup/memory/process_api/027f/J"},
			{"/sys/fs/cgroup/systemd", "/sys/fs/cgroup/systemd/J"},
			{"/sys/fs/cgroup/unified", "/sys/fs/cgroup/unified/J"},
		}},
		{"cgroup2 mounted from a subtree", pure, "0::/user.slice/session-1.scope\n", []jailDir{
			{"/sys/fs/cgroup", "/sys/fs/cgroup/session-1.scope/J"},
		}},
		{"own cgroup outside the mount", pure, "0::/system.slice\n", nil},
		{"own cgroup beside the mount root", pure, "0::/user.slicex\n", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := planJail(parseCgroupMounts(tc.mountinfo), parseProcCgroup(tc.own), "J")
			if !slices.Equal(got, tc.want) {
				t.Errorf("got %v\nwant %v", got, tc.want)
			}
		})
	}
}

func TestWrapQuotes(t *testing.T) {
	j := &cgroupJail{dirs: []jailDir{{Mount: "/sys/fs/cgroup/unified", Dir: "/sys/fs/cgroup/unified/it's"}}}
	argv := j.wrap([]string{"/bin/echo", "a b"})
	if argv[0] != "/bin/sh" || argv[1] != "-c" || argv[3] != "sh" || !slices.Equal(argv[4:], []string{"/bin/echo", "a b"}) {
		t.Fatalf("argv %q", argv)
	}
	for _, want := range []string{
		`echo $$ > '/sys/fs/cgroup/unified/it'\''s'/cgroup.procs && break`,
		"exec unshare --cgroup --mount --propagation private /bin/sh -c ",
	} {
		if !strings.Contains(argv[2], want) {
			t.Errorf("script lacks %q:\n%s", want, argv[2])
		}
	}
}

func TestGosdInstall(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "gosd-built")
	if err := os.WriteFile(bin, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	if err := gosdManager(bin).Install(root); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(filepath.Join(root, "usr/local/sbin/gosd"))
	if err != nil || st.Mode().Perm() != 0o755 {
		t.Fatalf("usr/local/sbin/gosd: %v %v", st, err)
	}
	for _, l := range []string{"usr/local/sbin/systemctl", "usr/local/bin/systemd-notify", "usr/local/bin/systemd-analyze"} {
		target, err := os.Readlink(filepath.Join(root, l))
		if err != nil {
			t.Errorf("%s: %v", l, err)
			continue
		}
		// Relative, so that it resolves inside the namespace's root too.
		if got := filepath.Join(root, filepath.Dir(l), target); got != filepath.Join(root, "usr/local/sbin/gosd") {
			t.Errorf("%s -> %s, which is %s", l, target, got)
		}
	}
	// The steps' PATH must find gosd's systemctl before /usr/bin's.
	dirs := strings.Split(stepPath, ":")
	if slices.Index(dirs, "/usr/local/sbin") > slices.Index(dirs, "/usr/bin") {
		t.Errorf("step PATH %s puts /usr/bin first", stepPath)
	}
}
