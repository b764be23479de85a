package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"slices"
	"strings"

	"github.com/gosd/gosd/graph"
	"github.com/gosd/gosd/loader"
	"github.com/gosd/gosd/unit"
)

// verify checks unit files the way `systemd-analyze verify` does: it loads
// each one (the directories of the files given come first in the search
// path), prints every problem found as "path:line: Directive: message"
// (systemd omits the directive; gosd names it), the settings gosd parses
// but does not honour, and what building a start job's transaction logs
// (ordering cycles) or why it fails (a required unit that cannot be
// loaded). It exits 1 when a unit or a unit it requires fails to
// load. With --unsupported it prints gosd's table of unsupported
// directives instead.
func verify(argv []string, stdout, stderr io.Writer) int {
	root := ""
	var files []string
	for i := 0; i < len(argv); i++ {
		a := argv[i]
		switch {
		case a == "--unsupported":
			printUnsupported(stdout)
			return 0
		case strings.HasPrefix(a, "--root="):
			root = strings.TrimPrefix(a, "--root=")
		case a == "--root" && i+1 < len(argv):
			i++
			root = argv[i]
		case strings.HasPrefix(a, "-"):
			// systemd-analyze's other options do not change what is checked offline.
		default:
			files = append(files, a)
		}
	}
	if len(files) == 0 {
		fmt.Fprintln(stderr, "verify: no unit files given")
		return 1
	}
	p := loader.SystemPaths(root)
	var extra []string
	for _, f := range files {
		if strings.Contains(f, "/") {
			d := path.Dir(path.Clean(f))
			if p.InSearchPath(d) == "" && !slices.Contains(extra, d) {
				extra = append(extra, d)
			}
		}
	}
	p.Dirs = append(extra, p.Dirs...)
	set := loader.NewSet(p, &unit.Host{Root: root})
	code := 0
	for _, f := range files {
		name := path.Base(f)
		u, err := set.Load(name)
		if err != nil {
			fmt.Fprintf(stderr, "%v\n", err)
			code = 1
			continue
		}
		if verifyUnit(set, u, stderr) {
			code = 1
		}
	}
	return code
}

// verifyUnit prints what is wrong with u and reports whether it is fatal.
func verifyUnit(set *loader.Set, u *loader.Unit, w io.Writer) bool {
	// The loader keeps problems in the order systemd reports them.
	for _, d := range u.Diags {
		fmt.Fprintln(w, d.Error())
	}
	for _, d := range u.Unsupported() {
		fmt.Fprintf(w, "%s: %s= is not supported by gosd and is ignored: %s\n", u.ID, d[strings.IndexByte(d, '.')+1:], unsupportedReason(d))
	}
	switch u.LoadState {
	case loader.StateLoaded:
	case loader.StateBadSetting:
		if u.LoadError != nil && !isDiag(u.LoadError) {
			fmt.Fprintf(w, "%s: %v\n", u.ID, u.LoadError)
		}
		fmt.Fprintf(w, "Unit %s has a bad unit file setting.\n", u.ID)
		return true
	default:
		fmt.Fprintf(w, "Unit %s failed to load properly, please adjust/correct and reload service manager: %v\n", u.ID, u.LoadError)
		return true
	}
	// As systemd-analyze verify, queue a start job (offline: every unit
	// inactive, no job installed) and print what building its transaction
	// logs, then check the executables.
	fatal := false
	tr, err := graph.Build(offlineState{set}, u.ID, graph.Start, graph.Replace)
	var ge *graph.Error
	switch {
	case err == nil:
		for _, l := range tr.Log {
			fmt.Fprintln(w, l)
		}
	case errors.As(err, &ge):
		for _, l := range ge.Log {
			fmt.Fprintln(w, l)
		}
		fallthrough
	default:
		fmt.Fprintf(w, "%s: Failed to create %s/start: %v\n", u.ID, u.ID, err)
		fatal = true
	}
	if err := checkExecutables(set.Paths, u); err != "" {
		fmt.Fprintf(w, "%s: %s\n", u.ID, err)
		fatal = true
	}
	return fatal
}

func isDiag(err error) bool {
	_, ok := err.(*unit.Diag)
	return ok
}

// offlineState is the manager's state as an offline verify sees it: the
// units of set, all inactive, no job installed.
type offlineState struct{ set *loader.Set }

func (s offlineState) Unit(id string) *loader.Unit      { return s.set.Get(id) }
func (s offlineState) ActiveState(string) string        { return graph.StateInactive }
func (s offlineState) Job(string) (graph.JobType, bool) { return 0, false }
func (s offlineState) Units() []string {
	var ids []string
	for _, u := range s.set.Units() {
		ids = append(ids, u.ID)
	}
	return ids
}

func unsupportedReason(sectionDirective string) string {
	sec, name, _ := strings.Cut(sectionDirective, ".")
	for _, d := range loader.Directives() {
		if d.Name == name && slices.Contains(d.Sections, sec) {
			return d.Unsupported
		}
	}
	return ""
}

// printUnsupported prints gosd's table of directives that are parsed (and
// shown) but not honoured.
func printUnsupported(w io.Writer) {
	fmt.Fprint(w, loader.UnsupportedTable())
}

// checkExecutables does what systemd-analyze verify does with commands:
// the first command of each list must be an executable file inside the
// root, unless its failure is ignored ("-"). A bare name is looked up in
// the default search path, as the manager would at run time.
func checkExecutables(p loader.Paths, u *loader.Unit) string {
	var lists [][]unit.ExecCommand
	switch {
	case u.Service != nil:
		s := u.Service
		lists = [][]unit.ExecCommand{s.ExecCondition, s.ExecStartPre, s.ExecStart, s.ExecStartPost, s.ExecReload, s.ExecStop, s.ExecStopPost}
	case u.Socket != nil:
		s := u.Socket
		lists = [][]unit.ExecCommand{s.ExecStartPre, s.ExecStartPost, s.ExecStopPre, s.ExecStopPost}
	}
	for _, l := range lists {
		if len(l) == 0 || l[0].IgnoreFailure {
			continue
		}
		if msg := executable(p, l[0].Path); msg != "" {
			return msg
		}
	}
	return ""
}

// defaultExecPath is where the system manager looks up bare command names.
var defaultExecPath = []string{"/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"}

func executable(p loader.Paths, name string) string {
	candidates := []string{name}
	if !strings.HasPrefix(name, "/") {
		candidates = candidates[:0]
		for _, d := range defaultExecPath {
			candidates = append(candidates, d+"/"+name)
		}
	}
	for _, c := range candidates {
		r, ok, err := p.Chase(c, true)
		if err != nil || !ok {
			continue
		}
		fi, err := os.Stat(p.Host(r))
		if err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0 {
			return ""
		}
		if err == nil {
			return "Command " + name + " is not executable: Permission denied"
		}
	}
	return "Command " + name + " is not executable: No such file or directory"
}
