package install_test

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// The parity tests run the same operations with the host's systemd 252
// systemctl (--root=COPY1) and with gosd's systemctl (--root=COPY2) and
// require identical trees, messages and exit codes.

// hostSystemctl returns the path of the host's systemctl, skipping the
// test when there is none or it is not systemd 252.
func hostSystemctl(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("systemctl")
	if err != nil {
		t.Skip("systemctl is not on PATH: the parity tests compare against systemd 252's systemctl --root")
	}
	out, err := exec.Command(p, "--version").Output()
	if err != nil || !strings.HasPrefix(string(out), "systemd 252 ") {
		t.Skipf("host systemctl is not systemd 252 (%q): the parity tests need 252 as the oracle", firstLine(string(out)))
	}
	return p
}

func firstLine(s string) string {
	l, _, _ := strings.Cut(s, "\n")
	return l
}

// buildGosd builds cmd/gosd into a temporary directory of t.
func buildGosd(t *testing.T) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "gosd")
	out, err := exec.Command("go", "build", "-o", p, "github.com/gosd/gosd/cmd/gosd").CombinedOutput()
	if err != nil {
		t.Fatalf("building gosd: %v\n%s", err, out)
	}
	return p
}

// entry is one file of a scenario's tree: content, or a symlink target
// when Link is set, or a directory when Dir is set.
type entry struct {
	Path    string
	Content string
	Link    string
	Dir     bool
}

func file(p, content string) entry { return entry{Path: p, Content: content} }
func link(p, target string) entry  { return entry{Path: p, Link: target} }
func dir(p string) entry           { return entry{Path: p, Dir: true} }

func writeTree(t *testing.T, root string, es []entry) {
	t.Helper()
	for _, e := range es {
		p := filepath.Join(root, e.Path)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		switch {
		case e.Dir:
			if err := os.MkdirAll(p, 0o755); err != nil {
				t.Fatal(err)
			}
		case e.Link != "":
			if err := os.Symlink(e.Link, p); err != nil {
				t.Fatal(err)
			}
		default:
			if err := os.WriteFile(p, []byte(e.Content), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// snapshot describes every file, directory and symlink under root.
func snapshot(t *testing.T, root string) string {
	t.Helper()
	var lines []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		switch {
		case d.Type()&fs.ModeSymlink != 0:
			tgt, err := os.Readlink(p)
			if err != nil {
				return err
			}
			lines = append(lines, fmt.Sprintf("L %s -> %s", rel, tgt))
		case d.IsDir():
			lines = append(lines, "D "+rel)
		default:
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			lines = append(lines, fmt.Sprintf("F %s %q", rel, data))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

type outcome struct {
	stdout, stderr string
	code           int
}

func run(t *testing.T, bin []string, root string, args []string) outcome {
	t.Helper()
	argv := append(append(append([]string{}, bin[1:]...), "--root="+root), args...)
	cmd := exec.Command(bin[0], argv...)
	cmd.Env = append(os.Environ(), "SYSTEMD_LOG_COLOR=0", "SYSTEMD_PAGER=", "SYSTEMCTL_SKIP_SYSV=1", "LC_ALL=C.UTF-8")
	var so, se bytes.Buffer
	cmd.Stdout, cmd.Stderr = &so, &se
	err := cmd.Run()
	code := 0
	if err != nil {
		ee, ok := err.(*exec.ExitError)
		if !ok {
			t.Fatalf("running %v: %v", argv, err)
		}
		code = ee.ExitCode()
	}
	// systemctl prints host paths under --root; gosd prints the paths as
	// seen inside the root, and must not show the host path at all.
	norm := func(s string) string { return strings.ReplaceAll(s, root+"/", "/") }
	if len(bin) > 1 { // gosd runs as "gosd systemctl"
		if strings.Contains(so.String()+se.String(), root) {
			t.Errorf("gosd %v printed a host path under its root %s:\n%s%s", args, root, so.String(), se.String())
		}
	}
	return outcome{norm(so.String()), norm(se.String()), code}
}

// compareRun runs the operations on two copies of tree and reports every
// difference between the host's systemctl and gosd's.
func compareRun(t *testing.T, g string, tree []entry, ops []string) {
	t.Helper()
	sys := hostSystemctl(t)
	a, b := t.TempDir(), t.TempDir()
	writeTree(t, a, tree)
	writeTree(t, b, tree)
	compareOps(t, []string{sys}, []string{g, "systemctl"}, a, b, ops)
}

func compareOps(t *testing.T, sys, g []string, a, b string, ops []string) {
	t.Helper()
	for _, op := range ops {
		args := strings.Fields(op)
		want := run(t, sys, a, args)
		got := run(t, g, b, args)
		if os.Getenv("PARITY_SHOW") != "" {
			t.Logf("%s -> exit %d\n%s%s", op, want.code, want.stdout, want.stderr)
		}
		if want != got {
			t.Errorf("%q:\n--- systemctl (exit %d)\nstdout:\n%s\nstderr:\n%s\n--- gosd (exit %d)\nstdout:\n%s\nstderr:\n%s",
				op, want.code, want.stdout, want.stderr, got.code, got.stdout, got.stderr)
		}
		if readOnly(args) && op != ops[len(ops)-1] {
			continue // the trees are compared after the next change
		}
		if sa, sb := snapshot(t, a), snapshot(t, b); sa != sb {
			t.Fatalf("%q: trees differ:\n%s", op, diffLines(sa, sb))
		}
	}
}

// readOnly reports whether a systemctl command line only reads the tree.
func readOnly(args []string) bool {
	for _, a := range args {
		switch a {
		case "is-enabled", "list-unit-files", "get-default":
			return true
		}
		if !strings.HasPrefix(a, "-") {
			return false
		}
	}
	return false
}

func diffLines(a, b string) string {
	in := map[string]int{}
	for _, l := range strings.Split(a, "\n") {
		in[l]++
	}
	for _, l := range strings.Split(b, "\n") {
		in[l]--
	}
	var out []string
	for l, n := range in {
		switch {
		case n > 0:
			out = append(out, "systemctl only: "+l)
		case n < 0:
			out = append(out, "gosd only:      "+l)
		}
	}
	sort.Strings(out)
	return strings.Join(out, "\n")
}

const (
	lib = "lib/systemd/system/"
	etc = "etc/systemd/system/"
	rtm = "run/systemd/system/"
)

func svc(install string) string {
	return "[Unit]\nDescription=test\n\n[Service]\nExecStart=/bin/true\n\n[Install]\n" + install
}

// baseTree is a small system: targets and a few services.
func baseTree(extra ...entry) []entry {
	es := []entry{
		file(lib+"multi-user.target", "[Unit]\nDescription=Multi-User\n"),
		file(lib+"graphical.target", "[Unit]\nDescription=Graphical\n"),
		file(lib+"getty.target", "[Unit]\nDescription=Gettys\n"),
		file(lib+"sockets.target", "[Unit]\nDescription=Sockets\n"),
		file(lib+"timers.target", "[Unit]\nDescription=Timers\n"),
		link(lib+"default.target", "graphical.target"),
		dir(etc),
	}
	return append(es, extra...)
}

// presetTree has units in every state and preset files in every preset
// directory, with overrides by file name and rules that shadow each other.
func presetTree() []entry {
	return baseTree(
		file(lib+"a.service", svc("WantedBy=multi-user.target\n")),
		file(lib+"b.service", svc("WantedBy=multi-user.target\nAlias=b-alias.service\n")),
		file(lib+"c.service", svc("WantedBy=multi-user.target\nAlso=d.service\n")),
		file(lib+"d.service", svc("WantedBy=graphical.target\n")),
		file(lib+"e.socket", "[Socket]\nListenStream=/run/e.sock\n[Install]\nWantedBy=sockets.target\n"),
		file(lib+"f.timer", "[Timer]\nOnCalendar=daily\n[Install]\nWantedBy=timers.target\n"),
		file(lib+"static.service", "[Service]\nExecStart=/bin/true\n"),
		file(lib+"inst@.service", svc("WantedBy=multi-user.target\n")),
		file(lib+"noinst@.service", svc("WantedBy=multi-user.target\n")),
		file(lib+"definst@.service", svc("WantedBy=multi-user.target\nDefaultInstance=def\n")),
		file(lib+"masked.service", svc("WantedBy=multi-user.target\n")),
		link(etc+"masked.service", "/dev/null"),
		file(lib+"enabled-off.service", svc("WantedBy=multi-user.target\n")),
		link(etc+"multi-user.target.wants/enabled-off.service", "/lib/systemd/system/enabled-off.service"),
		link(lib+"vendor-alias.service", "a.service"),
		file("run/systemd/generator/gen.service", svc("WantedBy=multi-user.target\n")),
		file("usr/lib/systemd/system/usr.service", svc("WantedBy=multi-user.target\n")),
		file("lib/systemd/system-preset/90-default.preset", "# vendor defaults\nenable a.service\ndisable b.service\nenable inst@.service one two three\nenable noinst@.service\ndisable *\n"),
		file("lib/systemd/system-preset/10-override.preset", "disable a.service\n"),
		file("etc/systemd/system-preset/10-override.preset", "enable a.service\n  bogus line here\nenable c.service extra\n; comment\ndisable e.*\nenable f.timer\n"),
		file("usr/lib/systemd/system-preset/50-usr.preset", "enable d.service\nenable usr.service\ndisable enabled-off.service\n"),
		file("run/systemd/system-preset/20-run.preset", "enable c.service\nenabled nonsense\nenable definst@.service\nenable masked.service\n"),
		file("usr/local/lib/systemd/system-preset/30-local.preset", "disable definst@.service\n"),
	)
}

func TestParityScenarios(t *testing.T) {
	hostSystemctl(t)
	g := buildGosd(t)
	for _, sc := range scenarios() {
		sc := sc
		t.Run(sc.name, func(t *testing.T) {
			compareRun(t, g, sc.tree, sc.ops)
		})
	}
}

type scenario struct {
	name string
	tree []entry
	ops  []string
}

func scenarios() []scenario {
	return []scenario{
		{"wantedby-requiredby-alias-also", baseTree(
			file(lib+"foo.service", svc("WantedBy=multi-user.target\nRequiredBy=graphical.target\nAlias=foo-alias.service\nAlso=bar.service\n")),
			file(lib+"bar.service", svc("WantedBy=multi-user.target\nAlias=bar2.service bar3.service\n")),
		), []string{
			"is-enabled foo.service bar.service",
			"enable foo.service",
			"is-enabled foo.service bar.service foo-alias.service bar2.service",
			"enable foo.service",
			"list-unit-files",
			"disable foo.service",
			"is-enabled foo.service bar.service",
			"enable foo",
			"disable bar.service",
			"is-enabled foo.service",
			"disable foo-alias.service",
			"list-unit-files",
		}},
		{"non-existent-target-and-specifiers", baseTree(
			file(lib+"spec@.service", svc("WantedBy=%p.target other-%i.target\nAlias=alias-%i@.service\nDefaultInstance=one\n")),
			file(lib+"names.service", svc("WantedBy=%n.target %N.target %j.target x-%u-%U-%g-%G.target\n")),
			file(lib+"nothere.service", svc("WantedBy=nope.target\nRequiredBy=also-nope.target\n")),
		), []string{
			"enable spec@.service",
			"enable names.service nothere.service",
			"is-enabled spec@.service spec@one.service names.service",
			"disable spec@.service names.service nothere.service",
		}},
		{"templates-and-instances", baseTree(
			file(lib+"getty@.service", svc("WantedBy=getty.target\nDefaultInstance=tty1\n")),
			file(lib+"serial@.service", svc("WantedBy=getty.target\n")),
			file(lib+"tmpl@.service", svc("WantedBy=multi-user.target\nAlso=serial@ttyS0.service\n")),
			file(lib+"tgt@.target", "[Unit]\nDescription=t\n"),
			file(lib+"worker@.service", svc("WantedBy=tgt@.target\n")),
		), []string{
			"enable getty@tty3.service",
			"is-enabled getty@tty3.service getty@tty1.service getty@.service",
			"enable getty@.service",
			"is-enabled getty@tty1.service getty@.service",
			"enable serial@.service",
			"enable serial@ttyS1.service",
			"is-enabled serial@ttyS1.service serial@.service serial@ttyS2.service",
			"enable worker@.service",
			"enable worker@a.service",
			"enable tmpl@x.service",
			"list-unit-files",
			"disable getty@tty3.service",
			"disable getty@.service",
			"disable serial@.service worker@.service tmpl@.service",
			"list-unit-files",
		}},
		{"static-and-notice", baseTree(
			file(lib+"static.service", "[Service]\nExecStart=/bin/true\n"),
			file(lib+"empty-install.service", svc("")),
			file(lib+"only-also.service", svc("Also=static.service\n")),
			file(lib+"wanted.service", "[Service]\nExecStart=/bin/true\n"),
			link(lib+"multi-user.target.wants/wanted.service", "../wanted.service"),
		), []string{
			"enable static.service",
			"enable -q static.service",
			"enable empty-install.service only-also.service",
			"is-enabled static.service empty-install.service only-also.service wanted.service",
			"disable static.service",
			"reenable static.service",
			"list-unit-files --state=static",
		}},
		{"mask-unmask", baseTree(
			file(lib+"foo.service", svc("WantedBy=multi-user.target\n")),
			file(lib+"bar.service", svc("WantedBy=multi-user.target\nAlso=foo.service\n")),
		), []string{
			"mask foo.service",
			"is-enabled foo.service",
			"enable foo.service",
			"enable bar.service",
			"mask foo.service",
			"mask --runtime bar.service",
			"is-enabled bar.service",
			"list-unit-files",
			"unmask bar.service",
			"unmask --runtime bar.service",
			"unmask foo.service",
			"unmask foo.service",
			"enable foo.service",
			"mask foo.service",
			"mask --force foo.service",
			"is-enabled foo.service",
			"mask nothere.service",
			"is-enabled nothere.service",
			"unmask nothere.service foo.service",
		}},
		{"link-and-enable-by-path", baseTree(
			file("opt/ext/ext.service", svc("WantedBy=multi-user.target\nAlias=ext-alias.service\n")),
			file("opt/ext/plain.service", "[Service]\nExecStart=/bin/true\n"),
			file(lib+"inpath.service", svc("WantedBy=multi-user.target\n")),
		), []string{
			"link /opt/ext/plain.service",
			"is-enabled plain.service",
			"link /opt/ext/plain.service",
			"link /lib/systemd/system/inpath.service",
			"link /opt/ext/missing.service",
			"link plain.service",
			"enable /opt/ext/ext.service",
			"is-enabled ext.service ext-alias.service",
			"reenable ext.service",
			"list-unit-files",
			"disable ext.service",
			"is-enabled ext.service",
			"enable /lib/systemd/system/inpath.service",
			"disable /lib/systemd/system/inpath.service",
			"enable --runtime /opt/ext/ext.service",
			"is-enabled ext.service",
			"disable plain.service",
			"is-enabled plain.service",
		}},
		{"reenable", baseTree(
			file(lib+"foo.service", svc("WantedBy=multi-user.target\nAlias=foo2.service\n")),
			file(lib+"getty@.service", svc("WantedBy=getty.target\n")),
			link(etc+"multi-user.target.wants/foo.service", "/lib/systemd/system/foo.service"),
			link(etc+"graphical.target.wants/foo.service", "/lib/systemd/system/foo.service"),
		), []string{
			"reenable foo.service",
			"reenable foo2.service",
			"reenable getty@tty4.service",
			"list-unit-files",
		}},
		{"runtime", baseTree(
			file(lib+"foo.service", svc("WantedBy=multi-user.target\nAlias=foo-rt.service\n")),
			file(lib+"bar.service", svc("WantedBy=multi-user.target\n")),
		), []string{
			"enable --runtime foo.service",
			"is-enabled foo.service foo-rt.service",
			"enable bar.service",
			"enable --runtime bar.service",
			"is-enabled bar.service",
			"disable --runtime bar.service",
			"is-enabled bar.service",
			"disable foo.service",
			"disable --runtime foo.service",
			"is-enabled foo.service",
		}},
		{"force", baseTree(
			file(lib+"foo.service", svc("WantedBy=multi-user.target\nAlias=shared.service\n")),
			file(lib+"bar.service", svc("WantedBy=multi-user.target\nAlias=shared.service\n")),
		), []string{
			"enable foo.service",
			"enable bar.service",
			"enable --force bar.service",
			"is-enabled foo.service bar.service shared.service",
		}},
		{"default-target", baseTree(
			file(lib+"rescue.target", "[Unit]\nDescription=Rescue\n"),
			link(lib+"runlevel3.target", "multi-user.target"),
			link(lib+"runlevel5.target", "runlevel3.target"),
			file(lib+"foo.service", svc("WantedBy=default.target\n")),
		), []string{
			"get-default",
			"set-default rescue.target",
			"get-default",
			"set-default multi-user",
			"set-default runlevel5.target",
			"get-default",
			"set-default foo.service",
			"set-default default.target",
			"set-default nothere.target",
			"is-enabled default.target runlevel5.target",
			"enable foo.service",
			"set-default -q graphical.target",
			"mask rescue.target",
			"set-default rescue.target",
		}},
		{"default-target-alias-chain", []entry{
			file(lib+"multi-user.target", "[Unit]\nDescription=Multi-User\n"),
			link(lib+"runlevel3.target", "multi-user.target"),
			link(lib+"runlevel5.target", "/lib/systemd/system/runlevel3.target"),
			link(etc+"default.target", "/lib/systemd/system/runlevel5.target"),
		}, []string{
			"get-default",
			"is-enabled default.target",
			"list-unit-files",
		}},
		{"default-target-masked", []entry{
			file(lib+"multi-user.target", "[Unit]\nDescription=Multi-User\n"),
			link(etc+"default.target", "/dev/null"),
		}, []string{
			"get-default",
			"set-default multi-user.target",
			"get-default",
		}},
		{"is-enabled-states", baseTree(
			file(lib+"enabled.service", svc("WantedBy=multi-user.target\n")),
			link(etc+"multi-user.target.wants/enabled.service", "/lib/systemd/system/enabled.service"),
			file(lib+"enabledrt.service", svc("WantedBy=multi-user.target\n")),
			link(rtm+"multi-user.target.wants/enabledrt.service", "/lib/systemd/system/enabledrt.service"),
			file("opt/linked.service", svc("WantedBy=multi-user.target\n")),
			link(etc+"linked.service", "/opt/linked.service"),
			file("opt/linkedrt.service", svc("WantedBy=multi-user.target\n")),
			link(rtm+"linkedrt.service", "/opt/linkedrt.service"),
			file(lib+"aliased.service", svc("WantedBy=multi-user.target\nAlias=thealias.service\n")),
			link(etc+"thealias.service", "/lib/systemd/system/aliased.service"),
			link(lib+"vendoralias.service", "aliased.service"),
			file(lib+"masked.service", svc("WantedBy=multi-user.target\n")),
			link(etc+"masked.service", "/dev/null"),
			file(lib+"maskedrt.service", svc("WantedBy=multi-user.target\n")),
			link(rtm+"maskedrt.service", "/dev/null"),
			file(lib+"emptymask.service", ""),
			file(lib+"static.service", "[Service]\nExecStart=/bin/true\n"),
			file(lib+"indirect.service", svc("Also=enabled.service\n")),
			file(lib+"indirect2.service", svc("WantedBy=multi-user.target\n")),
			link(etc+"multi-user.target.wants/other-name.service", "/lib/systemd/system/indirect2.service"),
			file(lib+"disabled.service", svc("WantedBy=multi-user.target\n")),
			file("run/systemd/generator/generated.service", "[Service]\nExecStart=/bin/true\n"),
			file("run/systemd/generator.late/late.service", "[Service]\nExecStart=/bin/true\n"),
			file("run/systemd/transient/transient.service", "[Service]\nExecStart=/bin/true\n"),
			file(lib+"bad@.mount", "[Mount]\nWhat=/x\n"),
			file(lib+"tmpl@.service", svc("WantedBy=multi-user.target\n")),
			link(etc+"multi-user.target.wants/tmpl@a.service", "/lib/systemd/system/tmpl@.service"),
			link(lib+"multi-user.target.wants/tmpl@b.service", "../tmpl@.service"),
			link(etc+"dangling.service", "/lib/systemd/system/gone.service"),
			link(etc+"badalias.service", "/lib/systemd/system/multi-user.target"),
		), []string{
			"is-enabled enabled.service",
			"is-enabled enabledrt.service",
			"is-enabled linked.service",
			"is-enabled linkedrt.service",
			"is-enabled aliased.service",
			"is-enabled thealias.service",
			"is-enabled vendoralias.service",
			"is-enabled masked.service",
			"is-enabled maskedrt.service",
			"is-enabled emptymask.service",
			"is-enabled static.service",
			"is-enabled indirect.service",
			"is-enabled indirect2.service",
			"is-enabled disabled.service",
			"is-enabled generated.service",
			"is-enabled late.service",
			"is-enabled transient.service",
			"is-enabled bad@x.mount",
			"is-enabled tmpl@a.service",
			"is-enabled tmpl@b.service",
			"is-enabled tmpl@c.service",
			"is-enabled tmpl@.service",
			"is-enabled dangling.service",
			"is-enabled badalias.service",
			"is-enabled nothere.service",
			"is-enabled nothere",
			"is-enabled -q enabled.service",
			"is-enabled -q disabled.service",
			"is-enabled disabled.service enabled.service",
			"is-enabled enabled.service nothere.service disabled.service",
			"is-enabled --full enabled.service aliased.service",
			"list-unit-files",
			"list-unit-files --state=enabled,linked",
			"list-unit-files --type=target",
			"list-unit-files --no-legend *alias*",
			"list-unit-files nothing-matches*",
			"enable generated.service",
			"enable transient.service",
			"enable masked.service",
			"enable linked.service",
			"disable linked.service",
			"enable dangling.service",
			"disable dangling.service",
		}},
		{"install-section-errors", baseTree(
			file(lib+"bad.service", "Foo=bar\n[Unit]\nDescription=x\n[Foo]\nA=b\nnoequals\n[X-Bar]\nC=d\n[Install]\nnoequals\n=value\nWantedBy=\"multi-user.target\nAlias=a.service\\\n b.service\nX-Thing=1\nUnknownThing=2\nUpheldBy=multi-user.target\n[Service]\nExecStart=/bin/true\n"),
			file(lib+"badinst@.service", svc("DefaultInstance=a/b\nWantedBy=multi-user.target\n")),
			file(lib+"noinst.service", svc("DefaultInstance=x\nWantedBy=multi-user.target\n")),
			file(lib+"badalias.service", svc("Alias=other.socket\n")),
			file(lib+"badalias2.service", svc("Alias=multi-user.target.wants/badalias2.service foo.target.wants/nope.service\n")),
			file(lib+"mnt.mount", "[Mount]\nWhat=/a\nWhere=/mnt\n[Install]\nAlias=other.mount\nWantedBy=multi-user.target\n"),
			file(lib+"badspec.service", svc("WantedBy=%Z.target\n")),
			file(lib+"badwanted.service", svc("WantedBy=foo@.target\n")),
			file(lib+"good.service", svc("WantedBy=multi-user.target\n")),
			file(lib+"badhdr.service", "[Service\nExecStart=/bin/true\n[Install]\nWantedBy=multi-user.target\n"),
			file(lib+"dropin.service", svc("WantedBy=multi-user.target\n")),
			file(etc+"dropin.service.d/extra.conf", "[Install]\nWantedBy=graphical.target\nAlias=dropin-alias.service\n"),
		), []string{
			"enable bad.service",
			"enable badinst@.service",
			"enable noinst.service",
			"enable badalias.service",
			"enable badalias2.service",
			"enable mnt.mount",
			"enable badspec.service good.service",
			"enable badwanted.service",
			"enable good.service badhdr.service",
			"enable dropin.service",
			"is-enabled dropin.service bad.service badhdr.service",
			"list-unit-files",
			"disable dropin.service bad.service",
		}},
		{"disable-missing-and-paths", baseTree(
			file(lib+"foo.service", svc("WantedBy=multi-user.target\n")),
			link(etc+"multi-user.target.wants/gone.service", "/lib/systemd/system/gone.service"),
		), []string{
			"enable foo.service",
			"disable nothere.service foo.service",
			"disable gone.service",
			"enable foo.service",
			"disable /lib/systemd/system/foo.service",
			"enable nothere.service foo.service",
			"enable foo.service nothere.service",
		}},
		{"presets", presetTree(), []string{
			"list-unit-files",
			"preset a.service",
			"preset b.service c.service",
			"preset inst@.service",
			"preset inst@two.service inst@nine.service",
			"preset noinst@.service",
			"preset masked.service",
			"preset nothere.service",
			"list-unit-files",
			"preset --preset-mode=disable-only a.service b.service",
			"preset --preset-mode=enable-only a.service b.service",
			"preset --preset-mode=bogus a.service",
			"preset --runtime b.service",
			"is-enabled a.service b.service c.service d.service",
		}},
		{"preset-all-full", presetTree(), []string{
			"preset-all",
			"list-unit-files",
			"preset-all",
		}},
		{"preset-all-enable-only", presetTree(), []string{
			"preset-all --preset-mode=enable-only",
			"list-unit-files",
		}},
		{"preset-all-disable-only", presetTree(), []string{
			"preset-all --preset-mode=disable-only",
			"list-unit-files",
		}},
		{"preset-all-runtime", presetTree(), []string{
			"preset-all --runtime",
			"is-enabled a.service b.service",
		}},
		{"no-preset-files", baseTree(
			file(lib+"a.service", svc("WantedBy=multi-user.target\n")),
			file(lib+"b@.service", svc("WantedBy=multi-user.target\n")),
		), []string{
			"list-unit-files",
			"preset-all",
			"list-unit-files",
		}},
		{"aliases-advanced", baseTree(
			file(lib+"x.service", svc("WantedBy=multi-user.target\nAlias=x-alias.service\n")),
			file(lib+"tp@.service", svc("WantedBy=multi-user.target\nAlias=tpa@.service\nDefaultInstance=d\n")),
			file(lib+"legacy.service", svc("Alias=multi-user.target.wants/legacy.service\n")),
			file(lib+"selfalias.service", svc("Alias=selfalias.service\nWantedBy=multi-user.target\n")),
			file(lib+"masked-def@.service", svc("WantedBy=multi-user.target\nDefaultInstance=m\n")),
			link(etc+"masked-def@m.service", "/dev/null"),
			file(lib+"chain.service", svc("WantedBy=multi-user.target\n")),
			link(lib+"chain-a.service", "chain.service"),
			link(lib+"chain-b.service", "chain-a.service"),
			link(etc+"multi-user.target.wants/chain-b.service", "/lib/systemd/system/chain-b.service"),
		), []string{
			"enable x-alias.service",
			"enable x.service",
			"enable x-alias.service",
			"is-enabled x.service x-alias.service",
			"mask x.service",
			"is-enabled x-alias.service",
			"unmask x.service",
			"disable x-alias.service",
			"enable tp@.service",
			"enable tp@i.service",
			"is-enabled tp@.service tp@d.service tp@i.service tpa@i.service tpa@.service",
			"disable tp@.service",
			"enable legacy.service selfalias.service",
			"is-enabled legacy.service selfalias.service",
			"enable masked-def@.service",
			"is-enabled chain.service chain-a.service chain-b.service",
			"enable chain-b.service",
			"disable chain-a.service",
			"list-unit-files",
		}},
		{"unmask-cascade", baseTree(
			file(lib+"m.service", svc("WantedBy=multi-user.target\n")),
			link(etc+"m.service", "/dev/null"),
			link(etc+"m-alias.service", "/etc/systemd/system/m.service"),
			link(etc+"multi-user.target.wants/m.service", "/etc/systemd/system/m.service"),
			file(etc+"empty.service", ""),
			file(etc+"real.service", "[Service]\nExecStart=/bin/true\n"),
		), []string{
			"is-enabled m.service m-alias.service empty.service",
			"unmask m.service empty.service real.service",
			"is-enabled m.service",
		}},
		{"system-specifiers", baseTree(
			file("etc/os-release", "ID=debian\nVERSION_ID=\"12\"\nIMAGE_ID='img'\n"),
			file("etc/machine-id", "0123456789abcdef0123456789abcdef\n"),
			file(lib+"sys.service", svc("WantedBy=%o-%w.target m-%m.target a-%a.target v-%v.target l-%l.target H-%H.target b-%b.target\nAlias=%M-alias.service\nRequiredBy=x%%y.target W%W.target B%B.target A%A.target\n")),
			file(lib+"odd.service", svc("WantedBy=odd%!.target trailing%\n")),
		), []string{
			"enable sys.service",
			"enable odd.service",
			"disable sys.service odd.service",
		}},
		{"specifiers-without-os-release", baseTree(
			file(lib+"sys.service", svc("WantedBy=%o.target\n")),
			file(lib+"mid.service", svc("WantedBy=%m.target\n")),
		), []string{
			"enable sys.service",
			"enable mid.service",
		}},
		{"mangling", baseTree(
			file(lib+"foo.service", svc("WantedBy=multi-user.target\n")),
		), []string{
			"enable foo",
			"disable foo",
			"is-enabled foo",
			"enable foo:bar",
			"is-enabled foo.bar",
			"list-unit-files -q",
			"list-unit-files --no-legend nomatch*",
			"enable -q foo.service",
			"disable -q foo.service",
			"mask -q foo.service",
			"enable -q foo.service",
			"unmask -q foo.service",
			"preset-all -q",
			"set-default -q nothere.target",
			"enable",
			"is-enabled",
			"set-default",
			"set-default a b",
			"get-default x",
			"preset-all x",
		}},
	}
}

// debianRoot is a Debian bookworm root file system with nginx, redis,
// memcached, openssh, postgresql, cron and dbus installed, when present.
const debianRoot = "/var/cache/gosd/rootfs-bookworm"

// copyTree copies src to dst keeping symlinks as they are.
func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		out := filepath.Join(dst, rel)
		switch {
		case d.Type()&fs.ModeSymlink != 0:
			tgt, err := os.Readlink(p)
			if err != nil {
				return err
			}
			return os.Symlink(tgt, out)
		case d.IsDir():
			return os.MkdirAll(out, 0o755)
		case d.Type().IsRegular():
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			return os.WriteFile(out, data, 0o644)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// unitNames lists the unit files and symlinks directly in the given
// directories of root.
func unitNames(t *testing.T, root string, dirs ...string) []string {
	t.Helper()
	seen := map[string]bool{}
	var out []string
	for _, d := range dirs {
		ents, err := os.ReadDir(filepath.Join(root, d))
		if err != nil {
			continue
		}
		for _, e := range ents {
			n := e.Name()
			if e.IsDir() || seen[n] || !strings.Contains(n, ".") {
				continue
			}
			seen[n] = true
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return out
}

func TestParityDebianTree(t *testing.T) {
	if _, err := os.Stat(filepath.Join(debianRoot, ".nsboot-complete")); err != nil {
		t.Skipf("no Debian root file system at %s: skipping the real-tree parity test", debianRoot)
	}
	hostSystemctl(t)
	g := buildGosd(t)
	t.Run("split", func(t *testing.T) { debianParity(t, g, false) })
	// As installed, bookworm has merged /usr: /lib is a symlink to usr/lib,
	// so /lib/systemd/system and /usr/lib/systemd/system are one directory.
	t.Run("merged-usr", func(t *testing.T) { debianParity(t, g, true) })
}

func debianParity(t *testing.T, g string, mergedUsr bool) {
	sys := hostSystemctl(t)
	a, b := t.TempDir(), t.TempDir()
	for _, r := range []string{a, b} {
		copyTree(t, filepath.Join(debianRoot, "etc/systemd"), filepath.Join(r, "etc/systemd"))
		if mergedUsr {
			copyTree(t, filepath.Join(debianRoot, "usr/lib/systemd"), filepath.Join(r, "usr/lib/systemd"))
			if err := os.Symlink("usr/lib", filepath.Join(r, "lib")); err != nil {
				t.Fatal(err)
			}
		} else {
			copyTree(t, filepath.Join(debianRoot, "lib/systemd"), filepath.Join(r, "lib/systemd"))
		}
	}
	names := unitNames(t, a, "etc/systemd/system", "lib/systemd/system")
	if len(names) < 50 {
		t.Fatalf("only %d unit files in the Debian tree", len(names))
	}
	isEnabledAll := func() []string {
		var ops []string
		for _, n := range names {
			ops = append(ops, "is-enabled "+n)
		}
		return ops
	}
	var ops []string
	ops = append(ops, "list-unit-files", "get-default")
	ops = append(ops, isEnabledAll()...)
	ops = append(ops, "preset-all", "list-unit-files")
	ops = append(ops, isEnabledAll()...)
	for _, u := range []string{"ssh.service", "nginx.service", "cron.service", "getty@tty1.service"} {
		ops = append(ops, "disable "+u, "is-enabled "+u, "enable "+u, "is-enabled "+u)
	}
	ops = append(ops, "reenable ssh.service", "preset-all --preset-mode=disable-only", "list-unit-files",
		"preset-all --preset-mode=enable-only", "list-unit-files", "set-default multi-user.target", "get-default")
	compareOps(t, []string{sys}, []string{g, "systemctl"}, a, b, ops)
}
