package main

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"math/rand"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/gosd/gosd/install"
)

// busFilesRoot is a root directory holding the unit files the oracle
// session of systemd 252 was given (on its Debian root, under
// shared/oracle/nsboot), for the same calls.
func busFilesRoot(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	svc := "[Service]\nExecStart=/bin/true\n"
	files := map[string]string{
		"/lib/systemd/system/multi-user.target":  "[Unit]\nDescription=Multi-User\n",
		"/lib/systemd/system/graphical.target":   "[Unit]\nDescription=Graphical\n",
		"/lib/systemd/system/cron.service":       svc + "[Install]\nWantedBy=multi-user.target\n",
		"/etc/systemd/system/a.service":          svc + "[Install]\nWantedBy=multi-user.target\nAlias=aa.service\nAlso=b.service\n",
		"/etc/systemd/system/b.service":          svc + "[Install]\nWantedBy=multi-user.target\n",
		"/etc/systemd/system/noinst.service":     svc,
		"/etc/systemd/system/existing.service":   svc,
		"/etc/systemd/system/dnp.service":        svc + "[Install]\nWantedBy=nosuch.target\n",
		"/etc/systemd/system/t@.service":         svc + "[Install]\nWantedBy=multi-user.target\nDefaultInstance=x\n",
		"/etc/systemd/system/nodef@.service":     svc + "[Install]\nWantedBy=multi-user.target\n",
		"/etc/systemd/system/badalias.service":   svc + "[Install]\nAlias=other.socket\n",
		"/etc/systemd/system/badspec.service":    svc + "[Install]\nWantedBy=%Z.target\n",
		"/etc/systemd/system/badwant.service":    svc + "[Install]\nWantedBy=bad\n",
		"/etc/systemd/system/auxf.service":       svc + "[Install]\nWantedBy=multi-user.target\nAlso=nosuch.service\n",
		"/etc/systemd/system/badinst@.service":   svc + "[Install]\nDefaultInstance=a/b\nWantedBy=multi-user.target\n",
		"/run/systemd/generator/gen.service":     svc + "[Install]\nWantedBy=multi-user.target\n",
		"/opt/linked.service":                    svc + "[Install]\nWantedBy=multi-user.target\n",
		"/opt/l2.service":                        svc + "[Install]\nWantedBy=multi-user.target\n",
		"/etc/systemd/system-preset/10-t.preset": "disable b.service\nenable a.service\n",
	}
	for p, text := range files {
		if err := os.MkdirAll(filepath.Dir(root+p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(root+p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for p, target := range map[string]string{
		"/lib/systemd/system/default.target": "graphical.target",
		"/etc/systemd/system/dang.service":   "/lib/systemd/system/nosuch.service",
	} {
		if err := os.Symlink(target, root+p); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(root+"/opt/dir.service", 0o755); err != nil {
		t.Fatal(err)
	}
	return root
}

// busArgsBody is a little-endian body of strings, string arrays and
// booleans.
func busArgsBody(args ...any) []byte {
	var b []byte
	for _, a := range args {
		b = busValue(b, a)
	}
	return b
}

// busFilesCall calls member with args (the signature taken from them)
// and renders the answer with the root directory taken out of paths.
func busFilesCall(t *testing.T, in *install.Installer, root, member string, args ...any) string {
	t.Helper()
	sig := ""
	for _, a := range args {
		sig += busSig(a)
	}
	m := &busMsg{typ: busCall, member: member, sig: sig, body: busArgsBody(args...), order: binary.LittleEndian}
	typ, rsig, body, ok := busUnitFileCall(m, in)
	if !ok {
		t.Fatalf("%s not answered", member)
	}
	return busRender(t, typ, rsig, body, root)
}

// busRender is a reply as the tests state it: "error NAME: TEXT", "s
// VALUE", or the signature followed by the boolean, if any, and one line
// per struct with its strings separated by '|'.
func busRender(t *testing.T, typ byte, sig string, body []byte, root string) string {
	t.Helper()
	strip := func(s string) string {
		if root == "" {
			return s
		}
		return strings.ReplaceAll(s, root, "")
	}
	if typ == busError {
		return fmt.Sprintf("error %s: %s", sig, strip(string(body)))
	}
	d := &busDecoder{b: body, order: binary.LittleEndian}
	var out strings.Builder
	out.WriteString(sig)
	fields := 0
	switch sig {
	case "s":
		return "s " + d.string()
	case "ba(sss)":
		fmt.Fprintf(&out, " %v", d.uint32() != 0)
		fields = 3
	case "a(sss)":
		fields = 3
	case "a(ss)":
		fields = 2
	default:
		t.Fatalf("reply of signature %q", sig)
	}
	n := d.uint32()
	d.take(8, 0)
	end := d.off + int(n)
	for d.err == nil && d.off < end {
		d.take(8, 0)
		row := make([]string, fields)
		for i := range row {
			row[i] = strip(d.string())
		}
		out.WriteString("\n" + strings.Join(row, "|"))
	}
	if d.err != nil || d.off != end || d.off != len(body) {
		t.Fatalf("reply %q of signature %s does not decode: %v, at %d of %d (array ends at %d)", body, sig, d.err, d.off, len(body), end)
	}
	return out.String()
}

// TestBusUnitFiles runs, on a root holding the same unit files, the calls
// made of systemd 252's private bus in an oracle session; every expected
// answer is the one systemd 252 gave (root directory taken out), but
// those of the lists, which follow from the steps before. Paths in disk
// are the symlinks a step leaves ("-": none).
func TestBusUnitFiles(t *testing.T) {
	root := busFilesRoot(t)
	in := install.New(root, io.Discard)
	const etc = "/etc/systemd/system/"
	const lib = "/lib/systemd/system/"
	wants := etc + "multi-user.target.wants/"
	ss := func(s ...string) []string { return s }
	steps := []struct {
		member string
		args   []any
		want   string
		disk   map[string]string
	}{
		{"EnableUnitFiles", []any{ss("a.service"), false, false}, "ba(sss) true" +
			"\nsymlink|" + etc + "aa.service|" + etc + "a.service" +
			"\nsymlink|" + wants + "a.service|" + etc + "a.service" +
			"\nsymlink|" + wants + "b.service|" + etc + "b.service",
			map[string]string{etc + "aa.service": etc + "a.service", wants + "b.service": etc + "b.service"}},
		{"EnableUnitFiles", []any{ss("a.service"), false, false}, "ba(sss) true", nil},
		{"GetUnitFileState", []any{"a.service"}, "s enabled", nil},
		{"GetUnitFileState", []any{"aa.service"}, "s alias", nil},
		{"EnableUnitFiles", []any{ss("noinst.service"), false, false}, "ba(sss) false", nil},
		{"GetUnitFileState", []any{"noinst.service"}, "s static", nil},
		{"EnableUnitFiles", []any{ss("dnp.service"), false, false}, "ba(sss) true" +
			"\nsymlink|" + etc + "nosuch.target.wants/dnp.service|" + etc + "dnp.service" +
			"\ndestination not present|nosuch.target|" + etc + "dnp.service", nil},
		{"GetUnitFileState", []any{"dnp.service"}, "s enabled", nil},
		{"EnableUnitFiles", []any{ss("t@.service"), false, false}, "ba(sss) true" +
			"\nsymlink|" + wants + "t@x.service|" + etc + "t@.service",
			map[string]string{wants + "t@x.service": etc + "t@.service"}},
		{"GetUnitFileState", []any{"t@x.service"}, "s enabled", nil},
		{"GetUnitFileState", []any{"t@y.service"}, "s disabled", nil},
		{"EnableUnitFiles", []any{ss("/opt/linked.service"), false, false}, "ba(sss) true" +
			"\nsymlink|" + etc + "linked.service|/opt/linked.service" +
			"\nsymlink|" + wants + "linked.service|/opt/linked.service",
			map[string]string{etc + "linked.service": "/opt/linked.service"}},
		{"GetUnitFileState", []any{"linked.service"}, "s enabled", nil},
		{"DisableUnitFiles", []any{ss("a.service"), false}, "a(sss)" +
			"\nunlink|" + wants + "b.service|" +
			"\nunlink|" + wants + "a.service|" +
			"\nunlink|" + etc + "aa.service|",
			map[string]string{etc + "aa.service": "-", wants + "a.service": "-", wants + "b.service": "-"}},
		{"DisableUnitFiles", []any{ss("noinst.service"), false}, "a(sss)", nil},

		// masks
		{"MaskUnitFiles", []any{ss("cron.service"), false, false}, "a(sss)\nsymlink|" + etc + "cron.service|/dev/null",
			map[string]string{etc + "cron.service": "/dev/null"}},
		{"MaskUnitFiles", []any{ss("cron.service"), false, false}, "a(sss)", nil},
		{"GetUnitFileState", []any{"cron.service"}, "s masked", nil},
		{"EnableUnitFiles", []any{ss("cron.service"), false, false}, "error org.freedesktop.systemd1.UnitMasked: Unit file " + etc + "cron.service is masked.", nil},
		{"ReenableUnitFiles", []any{ss("cron.service"), false, false}, "error org.freedesktop.systemd1.UnitMasked: Unit file " + etc + "cron.service is masked.", nil},
		{"PresetUnitFiles", []any{ss("cron.service"), false, false}, "error org.freedesktop.systemd1.UnitMasked: Unit file " + etc + "cron.service is masked.", nil},
		{"DisableUnitFiles", []any{ss("cron.service"), false}, "a(sss)\nmasked|" + etc + "cron.service|", nil},
		{"UnmaskUnitFiles", []any{ss("cron.service"), false}, "a(sss)\nunlink|" + etc + "cron.service|",
			map[string]string{etc + "cron.service": "-"}},
		{"UnmaskUnitFiles", []any{ss("cron.service"), false}, "a(sss)", nil},
		{"MaskUnitFiles", []any{ss("cron.service"), true, false}, "a(sss)\nsymlink|/run/systemd/system/cron.service|/dev/null",
			map[string]string{"/run/systemd/system/cron.service": "/dev/null"}},
		{"GetUnitFileState", []any{"cron.service"}, "s masked-runtime", nil},
		{"UnmaskUnitFiles", []any{ss("cron.service"), true}, "a(sss)\nunlink|/run/systemd/system/cron.service|",
			map[string]string{"/run/systemd/system/cron.service": "-"}},
		{"MaskUnitFiles", []any{ss("existing.service"), false, true}, "error org.freedesktop.systemd1.UnitExists: File " + etc + "existing.service already exists.", nil},
		// the mask that could be made is made, and the call fails
		{"MaskUnitFiles", []any{ss("existing.service", "cron.service"), false, false}, "error org.freedesktop.systemd1.UnitExists: File " + etc + "existing.service already exists.",
			map[string]string{etc + "cron.service": "/dev/null"}},
		{"UnmaskUnitFiles", []any{ss("cron.service"), false}, "a(sss)\nunlink|" + etc + "cron.service|", nil},
		{"MaskUnitFiles", []any{ss("bad/name"), false, false}, "error org.freedesktop.DBus.Error.InvalidArgs: Invalid argument", nil},
		{"MaskUnitFiles", []any{ss("badname"), false, false}, "error org.freedesktop.DBus.Error.InvalidArgs: Invalid argument", nil},
		{"UnmaskUnitFiles", []any{ss("badname"), false}, "error org.freedesktop.DBus.Error.InvalidArgs: Invalid argument", nil},

		// links
		{"LinkUnitFiles", []any{ss("/opt/l2.service"), false, false}, "a(sss)\nsymlink|" + etc + "l2.service|/opt/l2.service",
			map[string]string{etc + "l2.service": "/opt/l2.service"}},
		{"LinkUnitFiles", []any{ss("/opt/l2.service"), false, false}, "a(sss)", nil},
		{"LinkUnitFiles", []any{ss("l2.service"), false, false}, "error org.freedesktop.DBus.Error.InvalidArgs: File l2.service: Invalid argument", nil},
		{"LinkUnitFiles", []any{ss("/opt/nosuch.service"), false, false}, "error org.freedesktop.systemd1.NoSuchUnit: Unit file /opt/nosuch.service does not exist.", nil},
		{"LinkUnitFiles", []any{ss("/opt"), false, false}, `error org.freedesktop.systemd1.BadUnitSetting: "/opt" is not a valid unit name.`, nil},
		{"LinkUnitFiles", []any{ss("/opt/dir.service"), false, false}, "error System.Error.EISDIR: File /opt/dir.service: Is a directory", nil},

		// an alias whose unit is missing
		{"EnableUnitFiles", []any{ss("dang.service"), false, false}, "error System.Error.ENOLINK: File dang.service: Link has been severed", nil},
		{"DisableUnitFiles", []any{ss("dang.service"), false}, "a(sss)" +
			"\ndangling|" + etc + "dang.service|" +
			"\nunlink|" + etc + "dang.service|",
			map[string]string{etc + "dang.service": "-"}},
		{"DisableUnitFiles", []any{ss("dang.service"), false}, "error org.freedesktop.systemd1.NoSuchUnit: Unit file dang.service does not exist.", nil},

		// reenable
		{"EnableUnitFiles", []any{ss("a.service"), false, false}, "ba(sss) true" +
			"\nsymlink|" + etc + "aa.service|" + etc + "a.service" +
			"\nsymlink|" + wants + "a.service|" + etc + "a.service" +
			"\nsymlink|" + wants + "b.service|" + etc + "b.service", nil},
		{"ReenableUnitFiles", []any{ss("a.service"), false, false}, "ba(sss) true" +
			"\nunlink|" + wants + "b.service|" +
			"\nunlink|" + wants + "a.service|" +
			"\nunlink|" + etc + "aa.service|" +
			"\nsymlink|" + etc + "aa.service|" + etc + "a.service" +
			"\nsymlink|" + wants + "a.service|" + etc + "a.service" +
			"\nsymlink|" + wants + "b.service|" + etc + "b.service",
			map[string]string{etc + "aa.service": etc + "a.service", wants + "b.service": etc + "b.service"}},
		{"ReenableUnitFiles", []any{ss("noinst.service"), false, false}, "ba(sss) false", nil},
		{"ReenableUnitFiles", []any{ss("nosuch.service"), false, false}, "error org.freedesktop.systemd1.NoSuchUnit: Unit file nosuch.service does not exist.", nil},

		// presets: 10-t.preset says disable b.service, enable a.service
		{"DisableUnitFiles", []any{ss("a.service", "b.service"), false}, "a(sss)" +
			"\nunlink|" + wants + "b.service|" +
			"\nunlink|" + wants + "a.service|" +
			"\nunlink|" + etc + "aa.service|", nil},
		{"PresetUnitFiles", []any{ss("a.service"), false, false}, "ba(sss) true" +
			"\nsymlink|" + etc + "aa.service|" + etc + "a.service" +
			"\nsymlink|" + wants + "a.service|" + etc + "a.service" +
			"\nsymlink|" + wants + "b.service|" + etc + "b.service", nil},
		{"PresetUnitFiles", []any{ss("b.service"), false, false}, "ba(sss) false\nunlink|" + wants + "b.service|",
			map[string]string{wants + "b.service": "-"}},
		{"PresetUnitFiles", []any{ss("noinst.service"), false, false}, "ba(sss) false", nil},
		{"PresetUnitFilesWithMode", []any{ss("a.service"), "disable-only", false, false}, "ba(sss) false", nil},
		{"PresetUnitFilesWithMode", []any{ss("a.service"), "bogus", false, false}, "error org.freedesktop.DBus.Error.InvalidArgs: Invalid argument", nil},
		{"PresetUnitFiles", []any{ss("nosuch.service"), false, false}, "error org.freedesktop.systemd1.NoSuchUnit: Unit file nosuch.service does not exist.", nil},
		{"PresetUnitFiles", []any{ss("bad/x"), false, false}, "error org.freedesktop.DBus.Error.InvalidArgs: File bad/x: Invalid argument", nil},
		{"PresetAllUnitFiles", []any{"bogus", false, false}, "error org.freedesktop.DBus.Error.InvalidArgs: Invalid argument", nil},

		// the default target
		{"GetDefaultTarget", nil, "s graphical.target", nil},
		{"SetDefaultTarget", []any{"multi-user.target", false}, "a(sss)\nsymlink|" + etc + "default.target|" + lib + "multi-user.target",
			map[string]string{etc + "default.target": lib + "multi-user.target"}},
		{"SetDefaultTarget", []any{"multi-user.target", false}, "a(sss)", nil},
		{"SetDefaultTarget", []any{"graphical.target", true}, "a(sss)" +
			"\nunlink|" + etc + "default.target|" +
			"\nsymlink|" + etc + "default.target|" + lib + "graphical.target",
			map[string]string{etc + "default.target": lib + "graphical.target"}},
		{"GetDefaultTarget", nil, "s graphical.target", nil},
		{"SetDefaultTarget", []any{"multi-user.target", false}, "error org.freedesktop.systemd1.UnitExists: File " + etc + "default.target already exists and is a symlink to " + lib + "graphical.target.", nil},
		{"SetDefaultTarget", []any{"cron.service", true}, "error org.freedesktop.DBus.Error.InvalidArgs: Invalid argument", nil},
		{"SetDefaultTarget", []any{"nosuch.target", true}, "error org.freedesktop.systemd1.NoSuchUnit: Unit file nosuch.target does not exist.", nil},
		{"SetDefaultTarget", []any{"default.target", true}, "error org.freedesktop.DBus.Error.InvalidArgs: Invalid argument", nil},
		{"SetDefaultTarget", []any{"", true}, "error org.freedesktop.DBus.Error.InvalidArgs: Invalid argument", nil},

		// what [Install] sections can get wrong
		{"EnableUnitFiles", []any{ss("nodef@.service"), false, false}, "error org.freedesktop.systemd1.BadUnitSetting: Destination unit multi-user.target is a non-template unit.", nil},
		{"EnableUnitFiles", []any{ss("badalias.service"), false, false}, "error org.freedesktop.systemd1.BadUnitSetting: Cannot alias badalias.service as other.socket.", nil},
		{"EnableUnitFiles", []any{ss("badspec.service"), false, false}, "error org.freedesktop.systemd1.BadUnitSetting: Invalid specifier in %Z.target.", nil},
		{"EnableUnitFiles", []any{ss("badwant.service"), false, false}, `error org.freedesktop.systemd1.BadUnitSetting: "bad" is not a valid unit name.`, nil},
		{"EnableUnitFiles", []any{ss("badinst@.service"), false, false}, "error org.freedesktop.DBus.Error.InvalidArgs: File badinst@.service: Invalid argument", nil},
		{"EnableUnitFiles", []any{ss("auxf.service"), false, false}, "ba(sss) true" +
			"\nsymlink|" + wants + "auxf.service|" + etc + "auxf.service" +
			"\nauxiliary unit failed|nosuch.service|", nil},
		{"EnableUnitFiles", []any{ss("aa.service"), false, false}, "error org.freedesktop.systemd1.UnitLinked: Refusing to operate on alias name or linked unit file: aa.service", nil},
		{"EnableUnitFiles", []any{ss("gen.service"), false, false}, "error org.freedesktop.systemd1.UnitGenerated: Unit /run/systemd/generator/gen.service is transient or generated.", nil},
		{"EnableUnitFiles", []any{ss("nosuch.service"), false, false}, "error org.freedesktop.systemd1.NoSuchUnit: Unit file nosuch.service does not exist.", nil},
		{"EnableUnitFiles", []any{ss("nosuch.service", "b.service"), false, false}, "error org.freedesktop.systemd1.NoSuchUnit: Unit file nosuch.service does not exist.", nil},

		// disable: a missing unit fails the call only when nothing else
		// changed
		{"DisableUnitFiles", []any{ss("nosuch.service"), false}, "error org.freedesktop.systemd1.NoSuchUnit: Unit file nosuch.service does not exist.", nil},
		{"EnableUnitFiles", []any{ss("b.service"), false, false}, "ba(sss) true\nsymlink|" + wants + "b.service|" + etc + "b.service", nil},
		{"DisableUnitFiles", []any{ss("nosuch.service", "b.service"), false}, "a(sss)\nunlink|" + wants + "b.service|",
			map[string]string{wants + "b.service": "-"}},

		// states and lists
		{"GetUnitFileState", []any{"nosuch.service"}, "error org.freedesktop.DBus.Error.FileNotFound: No such file or directory", nil},
		{"GetUnitFileState", []any{"badname"}, "error org.freedesktop.DBus.Error.InvalidArgs: Invalid argument", nil},
		{"GetUnitFileState", []any{"bad/name"}, "error org.freedesktop.DBus.Error.InvalidArgs: Invalid argument", nil},
		{"GetUnitFileState", []any{"/opt/l2.service"}, "error org.freedesktop.DBus.Error.InvalidArgs: Invalid argument", nil},
		{"GetUnitFileState", []any{""}, "error org.freedesktop.DBus.Error.InvalidArgs: Invalid argument", nil},
		// systemd sends these in its hash table's order; gosd sorts them
		// as list-unit-files prints them
		{"ListUnitFilesByPatterns", []any{ss(), ss("a.service", "cron*")}, "a(ss)" +
			"\n" + etc + "a.service|enabled" +
			"\n" + lib + "cron.service|disabled", nil},
		{"ListUnitFilesByPatterns", []any{ss("bogus"), ss()}, "a(ss)", nil},
		{"ListUnitFilesByPatterns", []any{ss(), ss("nomatch*")}, "a(ss)", nil},
		{"ListUnitFilesByPatterns", []any{ss("alias", "linked"), ss("*.service")}, "a(ss)" +
			"\n" + etc + "aa.service|alias" +
			"\n" + etc + "l2.service|linked", nil},
	}
	for i, s := range steps {
		got := busFilesCall(t, in, root, s.member, s.args...)
		if busUnlinksSorted(got) != busUnlinksSorted(s.want) {
			t.Errorf("step %d: %s%v:\n%s\nwant\n%s", i, s.member, s.args, got, s.want)
		}
		for p, target := range s.disk {
			link, err := os.Readlink(root + p)
			if target == "-" {
				if _, serr := os.Lstat(root + p); serr == nil {
					t.Errorf("step %d: %s%v: %s is still there (%s)", i, s.member, s.args, p, link)
				}
			} else if err != nil || link != target {
				t.Errorf("step %d: %s%v: %s -> %q (%v), want -> %s", i, s.member, s.args, p, link, err, target)
			}
		}
	}
	// the whole list holds every unit file once
	all := busFilesCall(t, in, root, "ListUnitFiles")
	for _, line := range []string{lib + "multi-user.target|static", etc + "t@.service|enabled", etc + "noinst.service|static", "/run/systemd/generator/gen.service|generated"} {
		if !slices.Contains(strings.Split(all, "\n"), line) {
			t.Errorf("ListUnitFiles has no %s:\n%s", line, all)
		}
	}
}

// busUnlinksSorted sorts every run of unlink lines of a rendered reply:
// systemd removes symlinks in the order it reads their directories,
// which is the file system's (a hash order on ext4).
func busUnlinksSorted(reply string) string {
	lines := strings.Split(reply, "\n")
	for i := 0; i < len(lines); {
		j := i
		for j < len(lines) && strings.HasPrefix(lines[j], "unlink|") {
			j++
		}
		slices.Sort(lines[i:j])
		i = max(j, i+1)
	}
	return strings.Join(lines, "\n")
}

// TestBusDefaultTarget: GetDefaultTarget's answers when default.target
// is missing, masked or dangling, as systemd 252 gave them.
func TestBusDefaultTarget(t *testing.T) {
	for _, c := range []struct{ name, link, want string }{
		{"missing", "", "error org.freedesktop.DBus.Error.FileNotFound: No such file or directory"},
		{"masked", "/dev/null", "s default.target"},
		{"dangling", "/lib/systemd/system/nosuch.target", "error System.Error.ENOLINK: Link has been severed"},
		{"a target", "/lib/systemd/system/multi-user.target", "s multi-user.target"},
	} {
		t.Run(c.name, func(t *testing.T) {
			root := t.TempDir()
			os.MkdirAll(root+"/etc/systemd/system", 0o755)
			os.MkdirAll(root+"/lib/systemd/system", 0o755)
			os.WriteFile(root+"/lib/systemd/system/multi-user.target", []byte("[Unit]\n"), 0o644)
			if c.link != "" {
				if err := os.Symlink(c.link, root+"/etc/systemd/system/default.target"); err != nil {
					t.Fatal(err)
				}
			}
			if got := busFilesCall(t, install.New(root, io.Discard), root, "GetDefaultTarget"); got != c.want {
				t.Errorf("GetDefaultTarget = %q, want %q", got, c.want)
			}
		})
	}
}

// TestBusPresetAll: PresetAllUnitFiles answers a(sss) (no boolean) and
// applies the preset files to every unit file; an empty mode is "full".
// As systemd 252's did (observed), it stops at an alias whose unit is
// missing and at a bad DefaultInstance=.
func TestBusPresetAll(t *testing.T) {
	for _, c := range []struct {
		name string
		keep []string // of the units busFilesRoot's [Install] errors
		want string   // the error, if any
	}{
		{"good units", nil, ""},
		{"a dangling alias", []string{"dang.service"}, "error System.Error.ENOLINK: File dang.service: Link has been severed"},
		{"a bad DefaultInstance=", []string{"badinst@.service"}, "error org.freedesktop.DBus.Error.InvalidArgs: File badinst@.service: Invalid argument"},
	} {
		t.Run(c.name, func(t *testing.T) {
			root := busFilesRoot(t)
			for _, p := range []string{"badalias.service", "badspec.service", "badwant.service", "badinst@.service", "nodef@.service", "dang.service"} {
				if !slices.Contains(c.keep, p) {
					os.Remove(root + "/etc/systemd/system/" + p)
				}
			}
			got := busFilesCall(t, install.New(root, io.Discard), root, "PresetAllUnitFiles", "", false, false)
			if c.want != "" {
				if got != c.want {
					t.Errorf("PresetAllUnitFiles = %q, want %q", got, c.want)
				}
				return
			}
			if !strings.HasPrefix(got, "a(sss)\n") {
				t.Fatalf("PresetAllUnitFiles = %q", got)
			}
			for _, line := range []string{
				"symlink|/etc/systemd/system/multi-user.target.wants/a.service|/etc/systemd/system/a.service",
				"symlink|/etc/systemd/system/multi-user.target.wants/cron.service|/lib/systemd/system/cron.service",
			} {
				if !slices.Contains(strings.Split(got, "\n"), line) {
					t.Errorf("PresetAllUnitFiles has no %s:\n%s", line, got)
				}
			}
			if _, err := os.Readlink(root + "/etc/systemd/system/multi-user.target.wants/cron.service"); err != nil {
				t.Error(err)
			}
		})
	}
}

// TestBusChangeErrors: the error of each kind of failed change, with
// systemd 252's names and texts. Observed on systemd 252 (nsboot): all
// but EUNATCH and EXDEV without a source, which no unit file of the
// session produced.
func TestBusChangeErrors(t *testing.T) {
	for _, c := range []struct {
		change     install.Change
		name, text string
	}{
		{install.Change{Err: syscall.EEXIST, Path: "/etc/systemd/system/x.service"}, "org.freedesktop.systemd1.UnitExists", "File /etc/systemd/system/x.service already exists."},
		{install.Change{Err: syscall.EEXIST, Path: "/etc/systemd/system/default.target", Source: "/lib/systemd/system/graphical.target"}, "org.freedesktop.systemd1.UnitExists", "File /etc/systemd/system/default.target already exists and is a symlink to /lib/systemd/system/graphical.target."},
		{install.Change{Err: syscall.ERFKILL, Path: "/etc/systemd/system/cron.service"}, "org.freedesktop.systemd1.UnitMasked", "Unit file /etc/systemd/system/cron.service is masked."},
		{install.Change{Err: syscall.EADDRNOTAVAIL, Path: "/run/systemd/generator/gen.service"}, "org.freedesktop.systemd1.UnitGenerated", "Unit /run/systemd/generator/gen.service is transient or generated."},
		{install.Change{Err: syscall.ETXTBSY, Path: "/lib/systemd/system/sub/l3.service"}, "org.freedesktop.systemd1.UnitBadPath", "File /lib/systemd/system/sub/l3.service is under the systemd unit hierarchy already."},
		{install.Change{Err: syscall.EBADSLT, Path: "%Z.target"}, "org.freedesktop.systemd1.BadUnitSetting", "Invalid specifier in %Z.target."},
		{install.Change{Err: syscall.EIDRM, Path: "multi-user.target", Source: "nodef@.service"}, "org.freedesktop.systemd1.BadUnitSetting", "Destination unit multi-user.target is a non-template unit."},
		{install.Change{Err: syscall.EUCLEAN, Path: "/opt"}, "org.freedesktop.systemd1.BadUnitSetting", `"/opt" is not a valid unit name.`},
		{install.Change{Err: syscall.ELOOP, Path: "al2.service"}, "org.freedesktop.systemd1.UnitLinked", "Refusing to operate on alias name or linked unit file: al2.service"},
		{install.Change{Err: syscall.EXDEV, Path: "foo@.service", Source: "badref.service"}, "org.freedesktop.systemd1.BadUnitSetting", "Cannot alias badref.service as foo@.service."},
		{install.Change{Err: syscall.EXDEV, Path: "x.service"}, "org.freedesktop.systemd1.BadUnitSetting", "Invalid unit reference x.service."},
		{install.Change{Err: syscall.ENOENT, Path: "nosuch.service"}, "org.freedesktop.systemd1.NoSuchUnit", "Unit file nosuch.service does not exist."},
		{install.Change{Err: syscall.EUNATCH, Path: "%m.target"}, "org.freedesktop.systemd1.BadUnitSetting", "Cannot resolve specifiers in %m.target."},
		{install.Change{Err: syscall.EINVAL, Path: "l2.service"}, "org.freedesktop.DBus.Error.InvalidArgs", "File l2.service: Invalid argument"},
		{install.Change{Err: syscall.EISDIR, Path: "/opt/dir.service"}, "System.Error.EISDIR", "File /opt/dir.service: Is a directory"},
		{install.Change{Err: syscall.EBADFD, Path: "/opt/fifo.service"}, "System.Error.EBADFD", "File /opt/fifo.service: File descriptor in bad state"},
		{install.Change{Err: syscall.ENOLINK, Path: "dang.service"}, "System.Error.ENOLINK", "File dang.service: Link has been severed"},
		{install.Change{Err: syscall.EROFS, Path: "/etc/systemd/system/cron.service"}, "System.Error.EROFS", "File /etc/systemd/system/cron.service: Read-only file system"},
	} {
		c.change.Type = install.Failed
		name, text, failed := busInstallFailure([]install.Change{c.change}, nil)
		if !failed || name != c.name || text != c.text {
			t.Errorf("%v: %v %q: %q, want %q: %q", c.change.Err, failed, name, text, c.name, c.text)
		}
	}
	// a call that failed without a failed change: the errno's error
	// (EINVAL and ENOENT observed, the others as sd-bus names them)
	for e, want := range map[syscall.Errno]string{
		syscall.EINVAL: "org.freedesktop.DBus.Error.InvalidArgs: Invalid argument",
		syscall.ENOENT: "org.freedesktop.DBus.Error.FileNotFound: No such file or directory",
		syscall.EEXIST: "org.freedesktop.DBus.Error.FileExists: File exists",
		syscall.EACCES: "org.freedesktop.DBus.Error.AccessDenied: Permission denied",
		syscall.EIO:    "org.freedesktop.DBus.Error.IOError: Input/output error",
		syscall.EROFS:  "System.Error.EROFS: Read-only file system",
	} {
		name, text, failed := busInstallFailure(nil, &install.OpError{Op: "enable", Err: e})
		if got := name + ": " + text; !failed || got != want {
			t.Errorf("%v: %v %q, want %q", e, failed, got, want)
		}
	}
	// a failure beside a change made is left out of a successful reply
	changes := []install.Change{{Type: install.Failed, Err: syscall.ENOENT, Path: "nosuch.service"}, {Type: install.Unlink, Path: "/etc/x"}}
	if _, _, failed := busInstallFailure(changes, nil); failed {
		t.Error("a failure beside an unlink failed the call")
	}
	if got := busChanges(nil, changes); !bytes.Equal(got, busChanges(nil, changes[1:])) {
		t.Errorf("the failed change is in the reply: %q", got)
	}
}

// TestBusChangesEncoding: the bytes of a (ba(sss)) reply are the ones
// systemd 252 sent for a runtime enable of cron.service; the change types
// are its names.
func TestBusChangesEncoding(t *testing.T) {
	got := busChanges(busValue(nil, true), []install.Change{{Type: install.Symlink,
		Path: "/run/systemd/system/multi-user.target.wants/cron.service", Source: "/lib/systemd/system/cron.service"}})
	want := "\x01\x00\x00\x00q\x00\x00\x00\a\x00\x00\x00symlink\x008\x00\x00\x00/run/systemd/system/multi-user.target.wants/cron.service\x00\x00\x00\x00 \x00\x00\x00/lib/systemd/system/cron.service\x00"
	if string(got) != want {
		t.Errorf("ba(sss) = %q\nwant %q", got, want)
	}
	// empty arrays keep the padding to their first element
	if got := busChanges(nil, nil); string(got) != "\x00\x00\x00\x00\x00\x00\x00\x00" {
		t.Errorf("empty a(sss) = %q", got)
	}
	if got := busChanges(busValue(nil, false), nil); string(got) != "\x00\x00\x00\x00\x00\x00\x00\x00" {
		t.Errorf("empty ba(sss) = %q", got)
	}
	// as systemd 252 named them (observed, but "masked by generator":
	// only the real root's generator directory gives one)
	for typ, name := range map[install.ChangeType]string{
		install.Symlink: "symlink", install.Unlink: "unlink", install.IsMasked: "masked",
		install.IsMaskedGenerator: "masked by generator", install.IsDangling: "dangling",
		install.DestinationNotPresent: "destination not present", install.AuxiliaryFailed: "auxiliary unit failed",
	} {
		if got := busChangeType(typ); got != name {
			t.Errorf("busChangeType(%d) = %q, want %q", typ, got, name)
		}
	}
	body := busChanges(nil, []install.Change{{Type: install.IsMaskedGenerator, Path: "gm.service", Source: "/run/systemd/generator/gm.service"}, {Type: install.Unlink, Path: "/etc/x"}})
	if got := busRender(t, busReturn, "a(sss)", body, ""); got != "a(sss)\nmasked by generator|gm.service|/run/systemd/generator/gm.service\nunlink|/etc/x|" {
		t.Errorf("a(sss) decodes to %q", got)
	}
}

// TestBusUnitFileArgs: a call whose signature is not the method's, or
// whose body does not hold it, is refused as systemd 252 refused it
// (observed through its private socket), and changes nothing.
func TestBusUnitFileArgs(t *testing.T) {
	root := busFilesRoot(t)
	in := install.New(root, io.Discard)
	call := func(member, sig string, body []byte, order binary.ByteOrder) string {
		m := &busMsg{typ: busCall, member: member, sig: sig, body: body, order: order}
		typ, rsig, rbody, ok := busUnitFileCall(m, in)
		if !ok {
			return "not answered"
		}
		return busRender(t, typ, rsig, rbody, root)
	}
	le := binary.LittleEndian
	as := func(s ...string) []byte { return busValue(nil, s) }
	u32 := func(b []byte, v uint32) []byte { return binary.LittleEndian.AppendUint32(busPad(b, 4), v) }
	bad := "error org.freedesktop.DBus.Error.InconsistentMessage: Bad message"
	for _, c := range []struct {
		name, member, sig string
		body              []byte
		want              string
	}{
		{"no arguments", "GetUnitFileState", "", nil, "error org.freedesktop.DBus.Error.InvalidArgs: Invalid arguments '' to call org.freedesktop.systemd1.Manager.GetUnitFileState(), expecting 's'."},
		{"an int", "GetUnitFileState", "i", u32(nil, 3), "error org.freedesktop.DBus.Error.InvalidArgs: Invalid arguments 'i' to call org.freedesktop.systemd1.Manager.GetUnitFileState(), expecting 's'."},
		{"one boolean short", "EnableUnitFiles", "asb", u32(as("cron.service"), 0), "error org.freedesktop.DBus.Error.InvalidArgs: Invalid arguments 'asb' to call org.freedesktop.systemd1.Manager.EnableUnitFiles(), expecting 'asbb'."},
		{"one boolean more", "EnableUnitFiles", "asbbb", u32(u32(u32(as("cron.service"), 0), 0), 0), "error org.freedesktop.DBus.Error.InvalidArgs: Invalid arguments 'asbbb' to call org.freedesktop.systemd1.Manager.EnableUnitFiles(), expecting 'asbb'."},
		{"arguments to ListUnitFiles", "ListUnitFiles", "s", busString(nil, "x"), "error org.freedesktop.DBus.Error.InvalidArgs: Invalid arguments 's' to call org.freedesktop.systemd1.Manager.ListUnitFiles(), expecting ''."},
		{"short string", "GetUnitFileState", "s", []byte{5, 0}, bad},
		{"string past the end", "GetUnitFileState", "s", busString(nil, "cron.service")[:10], bad},
		{"string without its NUL", "GetUnitFileState", "s", append(u32(nil, 4), 'c', 'r', 'o', 'n', 'x'), bad},
		{"string with a NUL", "GetUnitFileState", "s", busString(nil, "cr\x00n.service"), bad},
		{"string not UTF-8", "GetUnitFileState", "s", busString(nil, "cr\xffon.service"), bad},
		{"array past the end", "EnableUnitFiles", "asbb", u32(u32(append([]byte{200, 0, 0, 0}, as("cron.service")[4:]...), 0), 0), bad},
		{"array shorter than its string", "EnableUnitFiles", "asbb", u32(u32(append([]byte{6, 0, 0, 0}, as("cron.service")[4:]...), 0), 0), bad},
		{"booleans missing", "EnableUnitFiles", "asbb", as("cron.service"), bad},
		{"empty body", "SetDefaultTarget", "sb", nil, bad},
		// observed: systemd 252 takes 2 for true, and ignores what
		// follows the arguments
		{"boolean 2", "MaskUnitFiles", "asbb", u32(u32(as("cron.service"), 2), 0), "a(sss)\nsymlink|/run/systemd/system/cron.service|/dev/null"},
		{"bytes after the arguments", "GetUnitFileState", "s", append(busString(nil, "cron.service"), 1, 2, 3, 4, 5, 6, 7, 8), "s masked-runtime"},
		{"empty list", "EnableUnitFiles", "asbb", u32(u32(as(), 0), 0), "ba(sss) false"},
		{"empty list to disable", "DisableUnitFiles", "asb", u32(as(), 0), "a(sss)"},
		{"empty list to preset", "PresetUnitFiles", "asbb", u32(u32(as(), 0), 0), "ba(sss) false"},
		{"empty list to link", "LinkUnitFiles", "asbb", u32(u32(as(), 0), 0), "a(sss)"},
		{"big-endian", "GetUnitFileState", "s", append(binary.BigEndian.AppendUint32(nil, 12), "cron.service\x00"...), "s masked-runtime"},
		{"another method", "StartUnit", "ss", busString(busString(nil, "cron.service"), "replace"), "not answered"},
	} {
		order := binary.ByteOrder(le)
		if c.name == "big-endian" {
			order = binary.BigEndian
		}
		if got := call(c.member, c.sig, c.body, order); got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
	if _, err := os.Lstat(root + "/etc/systemd/system/multi-user.target.wants/cron.service"); err == nil {
		t.Error("a refused call enabled cron.service")
	}
	// no body, cut short or with bytes changed, makes the call panic
	rng := rand.New(rand.NewSource(1))
	valid := map[string][]byte{
		"EnableUnitFiles":         u32(u32(as("a.service", "t@.service"), 0), 1),
		"PresetUnitFilesWithMode": u32(u32(busString(as("a.service"), "enable-only"), 0), 0),
		"ListUnitFilesByPatterns": busValue(as("enabled"), []string{"*.service", "a*"}),
		"SetDefaultTarget":        u32(busString(nil, "multi-user.target"), 1),
	}
	for member, body := range valid {
		sig, _ := busUnitFileSig(member)
		for n := 0; n < len(body); n++ {
			call(member, sig, body[:n], le)
		}
		for i := 0; i < 200; i++ {
			b := bytes.Clone(body)
			b[rng.Intn(len(b))] = byte(rng.Intn(256))
			call(member, sig, b, le)
		}
	}
}

// TestBusUnitFileSession: the unit-file methods are reached through the
// private bus's dispatch (on the real root: only calls that change
// nothing).
func TestBusUnitFileSession(t *testing.T) {
	client, _ := busPair(t, &fakeBus{}, 77)
	r := bufio.NewReader(client)
	io.WriteString(client, sdBusHandshake(os.Geteuid()))
	r.ReadString('\n')
	r.ReadString('\n')
	bc := &busConn{c: client, r: r}
	client.Write(busCallMsg(1, 0, busManagerPath, busManagerIface, "GetUnitFileState", "s", busString(nil, "bad/name")))
	client.Write(busCallMsg(2, 0, busManagerPath, "", "EnableUnitFiles", "as", busValue(nil, []string{"x.service"})))
	for serial, want := range []string{1: "Invalid argument", 2: "expecting 'asbb'"} {
		if want == "" {
			continue
		}
		m, err := bc.read()
		if err != nil {
			t.Fatal(err)
		}
		d := busDecoder{b: m.body, order: m.order}
		if text := d.string(); m.replySerial != uint32(serial) || m.typ != busError || !strings.Contains(text, want) {
			t.Errorf("call %d: reply to %d, type %d, %q; want an error saying %q", serial, m.replySerial, m.typ, text, want)
		}
	}
}
