package condition

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/gosd/gosd/loader"
	"github.com/gosd/gosd/unit"
)

// The oracle test boots gosd's condition checks the way
// testdata/oracle/record.sh boots systemd 252 with nsboot, and compares
// the outcome with what systemd recorded (testdata/oracle/systemd.txt).
//
// The test binary re-executes itself as PID 1 of fresh pid, mount, net,
// uts and ipc namespaces, with nsboot's environment (container=other,
// TERM, PATH) and argv ("/lib/systemd/systemd", which is what
// ConditionKernelCommandLine= sees in a container), mounts an overlay of
// the cached rootfs with the same upper layer as record.sh, mounts /proc,
// /sys, /dev, /run and /tmp as nsboot does, chroots into it, sets the
// hostname from /etc/hostname as systemd's PID 1 does at boot, and then
// evaluates every unit with NewHost("/"). So the PID 1 facts (container=
// from its own environment, its command line, its cgroup) are gosd's own,
// not borrowed from the host.

const (
	oracleEnv   = "GOSD_CONDITION_ORACLE" // DIR:ROOTFS, set for the re-executed PID 1
	oracleCache = "/var/cache/gosd/rootfs-bookworm"
)

func TestMain(m *testing.M) {
	if spec := os.Getenv(oracleEnv); spec != "" {
		os.Exit(oraclePID1(spec))
	}
	os.Exit(m.Run())
}

// oracleUnit is a unit as the test gives it to the PID 1 child.
type oracleUnit struct {
	Name, Label        string
	Conditions, Assert []loader.Condition
}

// oracleOutcome is what the child reports for a unit, in the terms of
// systemd.txt.
type oracleOutcome struct {
	Name                string
	ConditionResult     string
	AssertResult        string
	ActiveState         string
	Conditions, Asserts string
	Journal             []string
}

type oracleReport struct {
	Facts []string
	Units []oracleOutcome
}

func states(s []int32) string {
	var parts []string
	for _, v := range s {
		parts = append(parts, fmt.Sprint(v))
	}
	return strings.Join(parts, ",")
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// evaluate does what systemd does when it starts a unit: conditions,
// then, if they hold, asserts; and it says what systemd logs meanwhile.
func evaluate(u oracleUnit, h *Host) oracleOutcome {
	o := oracleOutcome{Name: u.Name, AssertResult: "no", ActiveState: "inactive"}
	condOK, condResults := Check(u.Conditions, h)
	o.ConditionResult = yesNo(condOK)
	o.Conditions = states(States(u.Conditions, condResults))
	o.Asserts = states(States(u.Assert, nil))
	for _, r := range condResults {
		if r.Err != nil {
			o.Journal = append(o.Journal, u.Name+".service: "+LogLine(r, false))
		}
	}
	if !condOK {
		o.Journal = append(o.Journal, SkipMessage(u.Label, condResults))
		return o
	}
	assertOK, assertResults := Check(u.Assert, h)
	o.AssertResult = yesNo(assertOK)
	o.Asserts = states(States(u.Assert, assertResults))
	for _, r := range assertResults {
		if r.Err != nil {
			o.Journal = append(o.Journal, u.Name+".service: "+LogLine(r, true))
		}
	}
	if !assertOK {
		o.Journal = append(o.Journal, u.Name+".service: "+AssertStartMessage, AssertFailedMessage(u.Label))
		return o
	}
	o.ActiveState = "active"
	return o
}

// oraclePID1 runs as PID 1 of the new namespaces: it sets up the root the
// way nsboot does, evaluates the units read from stdin and writes an
// oracleReport to stdout.
func oraclePID1(spec string) int {
	fail := func(format string, args ...any) int {
		fmt.Fprintf(os.Stderr, "oracle PID 1: "+format+"\n", args...)
		return 1
	}
	dir, rootfs, _ := strings.Cut(spec, ":")
	var units []oracleUnit
	if err := json.NewDecoder(os.Stdin).Decode(&units); err != nil {
		return fail("reading units: %v", err)
	}
	root := dir + "/root"
	mounts := []struct {
		src, dst, fstype string
		flags            uintptr
		data             string
	}{
		{"", "/", "", unix.MS_REC | unix.MS_PRIVATE, ""},
		{"overlay", root, "overlay", 0, "lowerdir=" + rootfs + ",upperdir=" + dir + "/up,workdir=" + dir + "/work"},
		{root, root, "", unix.MS_BIND, ""},
		{"proc", root + "/proc", "proc", 0, ""},
		{"/sys", root + "/sys", "", unix.MS_BIND | unix.MS_REC, ""},
		{"tmpfs", root + "/run", "tmpfs", 0, ""},
		{"tmpfs", root + "/tmp", "tmpfs", 0, ""},
		{"/dev", root + "/dev", "", unix.MS_BIND | unix.MS_REC, ""},
	}
	for _, m := range mounts {
		if err := unix.Mount(m.src, m.dst, m.fstype, m.flags, m.data); err != nil {
			return fail("mount %s on %s: %v", m.src, m.dst, err)
		}
	}
	if err := unix.Chdir(root); err != nil {
		return fail("chdir: %v", err)
	}
	if err := unix.Chroot("."); err != nil {
		return fail("chroot: %v", err)
	}
	if err := unix.Chdir("/"); err != nil {
		return fail("chdir: %v", err)
	}
	// systemd's PID 1 sets the hostname from /etc/hostname while booting.
	if b, err := os.ReadFile("/etc/hostname"); err == nil {
		if name := strings.TrimSpace(string(b)); name != "" {
			if err := unix.Sethostname([]byte(name)); err != nil {
				return fail("sethostname: %v", err)
			}
		}
	}
	facts, err := exec.Command("/bin/sh", "/gosd-facts.sh").Output()
	if err != nil {
		return fail("facts.sh: %v", err)
	}
	rep := oracleReport{Facts: strings.Split(strings.TrimSuffix(string(facts), "\n"), "\n")}
	h := NewHost("/")
	for _, u := range units {
		rep.Units = append(rep.Units, evaluate(u, h))
	}
	if err := json.NewEncoder(os.Stdout).Encode(rep); err != nil {
		return fail("writing the report: %v", err)
	}
	return 0
}

// readUnitsSpec reads testdata/oracle/units.txt: name and settings.
func readUnitsSpec(t *testing.T) [][2]string {
	t.Helper()
	b, err := os.ReadFile("testdata/oracle/units.txt")
	if err != nil {
		t.Fatal(err)
	}
	var out [][2]string
	for _, l := range strings.Split(string(b), "\n") {
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		name, settings, _ := strings.Cut(l, " ")
		out = append(out, [2]string{name, settings})
	}
	return out
}

// readRecording parses systemd.txt.
func readRecording(t *testing.T) (facts []string, units map[string]oracleOutcome, order []string) {
	t.Helper()
	f, err := os.Open("testdata/oracle/systemd.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	units = map[string]oracleOutcome{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		kind, rest, _ := strings.Cut(sc.Text(), " ")
		switch kind {
		case "fact":
			facts = append(facts, rest)
		case "unit":
			name, props, _ := strings.Cut(rest, " ")
			o := oracleOutcome{Name: name}
			for _, p := range strings.Fields(props) {
				k, v, _ := strings.Cut(p, "=")
				switch k {
				case "ConditionResult":
					o.ConditionResult = v
				case "AssertResult":
					o.AssertResult = v
				case "ActiveState":
					o.ActiveState = v
				case "Conditions":
					o.Conditions = v
				case "Asserts":
					o.Asserts = v
				}
			}
			units[name] = o
			order = append(order, name)
		case "journal":
			name, msg, _ := strings.Cut(rest, " ")
			o := units[name]
			o.Journal = append(o.Journal, msg)
			units[name] = o
		}
	}
	return facts, units, order
}

func TestOracle(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: boots a namespace the way nsboot does")
	}
	if _, err := os.Stat(oracleCache + "/.nsboot-complete"); err != nil {
		t.Skipf("no cached rootfs at %s (build it with nsboot rootfs)", oracleCache)
	}
	facts, recorded, order := readRecording(t)

	dir := t.TempDir()
	up := dir + "/up"
	sysdir := up + "/etc/systemd/system"
	for _, d := range []string{sysdir, dir + "/work", dir + "/root"} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	spec := readUnitsSpec(t)
	for _, u := range spec {
		content := "[Unit]\n" + strings.ReplaceAll(u[1], " ; ", "\n") + "\n[Service]\nType=oneshot\nRemainAfterExit=yes\nExecStart=/bin/true\n"
		if err := os.WriteFile(filepath.Join(sysdir, u[0]+".service"), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if out, err := exec.Command("sh", "testdata/oracle/fixture.sh", up).CombinedOutput(); err != nil {
		t.Fatalf("fixture.sh: %v\n%s", err, out)
	}
	factsScript, err := os.ReadFile("testdata/oracle/facts.sh")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(up+"/gosd-facts.sh", factsScript, 0o755); err != nil {
		t.Fatal(err)
	}

	// The units go through gosd's loader, as they will in the manager.
	set := loader.NewSet(loader.SystemPaths(up), &unit.Host{Root: up})
	var units []oracleUnit
	for _, u := range spec {
		lu, err := set.Load(u[0] + ".service")
		if err != nil || lu.LoadState != "loaded" {
			t.Fatalf("loading %s: %v", u[0], err)
		}
		label := lu.ID
		if d := lu.Unit.Description; d != "" && d != lu.ID {
			label += " - " + d
		}
		units = append(units, oracleUnit{Name: u[0], Label: label, Conditions: lu.Unit.Conditions, Assert: lu.Unit.Asserts})
	}
	input, err := json.Marshal(units)
	if err != nil {
		t.Fatal(err)
	}

	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	cmd := &exec.Cmd{
		Path:   exe,
		Args:   []string{"/lib/systemd/systemd"},
		Env:    []string{"container=other", "TERM=dumb", "PATH=/usr/sbin:/usr/bin:/sbin:/bin", oracleEnv + "=" + dir + ":" + oracleCache},
		Stdin:  bytes.NewReader(input),
		Stdout: &stdout,
		Stderr: &stderr,
		SysProcAttr: &syscall.SysProcAttr{
			Cloneflags: syscall.CLONE_NEWPID | syscall.CLONE_NEWNS | syscall.CLONE_NEWNET | syscall.CLONE_NEWUTS | syscall.CLONE_NEWIPC,
			Setsid:     true,
		},
	}
	if err := cmd.Run(); err != nil {
		if stderr.Len() == 0 && (os.IsPermission(err) || strings.Contains(err.Error(), "operation not permitted")) {
			t.Skipf("cannot create namespaces here: %v", err)
		}
		t.Fatalf("PID 1 child: %v\n%s", err, stderr.String())
	}
	var rep oracleReport
	if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil {
		t.Fatalf("PID 1 child report: %v\n%s", err, stdout.String())
	}
	if !slices.Equal(rep.Facts, facts) {
		t.Skipf("systemd.txt was recorded on a machine with other facts; rerun record.sh here.\nrecorded: %q\nhere:     %q", facts, rep.Facts)
	}

	got := map[string]oracleOutcome{}
	for _, o := range rep.Units {
		got[o.Name] = o
	}
	if len(order) != len(spec) {
		t.Errorf("systemd.txt has %d units, units.txt %d: rerun record.sh", len(order), len(spec))
	}
	for _, name := range order {
		want, have := recorded[name], got[name]
		if want.ConditionResult != have.ConditionResult || want.AssertResult != have.AssertResult || want.ActiveState != have.ActiveState ||
			want.Conditions != have.Conditions || want.Asserts != have.Asserts || !slices.Equal(want.Journal, have.Journal) {
			t.Errorf("%s:\nsystemd: %+v\ngosd:    %+v", name, want, have)
		}
	}
}
