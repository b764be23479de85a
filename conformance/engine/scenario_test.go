package engine

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// scenario is one parsed scenarios/NNN-name.txt (the format is in README.md).
type scenario struct {
	Name  string // file name without .txt, e.g. "010-requires-fail"
	File  string // path of the scenario file, for error messages
	Files []scenarioFile
	Show  []string // units shown after every step, in this order
	// Collect lists the units the keep target leaves out, so that the
	// manager may unload them ("== collect"; see keepTarget).
	Collect []string
	Steps   []step
}

// scenarioFile is a file the scenario installs into the root before boot.
type scenarioFile struct {
	Path    string // absolute path inside the root
	Mode    os.FileMode
	Content []byte
	Line    int // line of its "== unit" or "== file" header
}

type step struct {
	Cmd string // a sh -c command line
	// NoShow is set by a "~ " prefix: the units are not shown after this
	// step, because their state right after it is a race by design (a
	// service that is still restarting); the next step shows them settled.
	NoShow bool
	Line   int
}

// unitDir is where "== unit NAME" puts NAME.
const unitDir = "/etc/systemd/system"

// bootTarget is the unit every scenario boots into. The harness writes an
// empty one unless the scenario declares its own.
const bootTarget = "diff-boot.target"

// keepTarget is started by the harness after boot. It is After= every unit
// the scenario declares, which keeps them loaded: systemd unloads an
// inactive unit that nothing references, and `systemctl show` of it then
// loads it afresh with ExecMainStatus=0, NRestarts=0 and Result=success;
// whether show comes before or after that unload is a race.
const keepTarget = "diff-keep.target"

// parseScenario parses a scenario file. Errors name the file and line.
func parseScenario(file string, data []byte) (*scenario, error) {
	sc := &scenario{
		Name: strings.TrimSuffix(filepath.Base(file), ".txt"),
		File: file,
	}
	errf := func(line int, format string, a ...any) error {
		return fmt.Errorf("%s:%d: %s", file, line, fmt.Sprintf(format, a...))
	}
	var (
		cur      *scenarioFile // file whose content is being read
		inSteps  bool
		sawShow  bool
		lineNo   int
		declared = map[string]int{} // unit name -> line
	)
	flush := func() {
		if cur != nil {
			sc.Files = append(sc.Files, *cur)
			cur = nil
		}
	}
	s := bufio.NewScanner(bytes.NewReader(data))
	s.Buffer(make([]byte, 64*1024), 1024*1024)
	for s.Scan() {
		lineNo++
		line := s.Text()
		if rest, ok := strings.CutPrefix(line, "== "); ok {
			flush()
			f := strings.Fields(rest)
			if len(f) == 0 {
				return nil, errf(lineNo, "empty section header")
			}
			if inSteps {
				return nil, errf(lineNo, "%q after \"== steps\": steps must come last", line)
			}
			switch f[0] {
			case "unit":
				if len(f) != 2 {
					return nil, errf(lineNo, "want \"== unit NAME\"")
				}
				name := f[1]
				if name == keepTarget {
					return nil, errf(lineNo, "%s is the harness's", keepTarget)
				}
				if strings.Contains(name, "/") || !strings.Contains(name, ".") {
					return nil, errf(lineNo, "bad unit name %q", name)
				}
				if prev, dup := declared[name]; dup {
					return nil, errf(lineNo, "unit %s already declared on line %d", name, prev)
				}
				declared[name] = lineNo
				cur = &scenarioFile{Path: path.Join(unitDir, name), Mode: 0o644, Line: lineNo}
			case "file":
				if len(f) != 3 {
					return nil, errf(lineNo, "want \"== file /ABS/PATH MODE\"")
				}
				p := path.Clean(f[1])
				if !path.IsAbs(p) || p == "/" {
					return nil, errf(lineNo, "file path %q is not an absolute file path", f[1])
				}
				mode, err := strconv.ParseUint(f[2], 8, 32)
				if err != nil || mode > 0o7777 {
					return nil, errf(lineNo, "bad octal mode %q", f[2])
				}
				cur = &scenarioFile{Path: p, Mode: os.FileMode(mode), Line: lineNo}
			case "show":
				if sawShow {
					return nil, errf(lineNo, "second \"== show\"")
				}
				sawShow = true
				if len(f) < 2 {
					return nil, errf(lineNo, "\"== show\" without units")
				}
				sc.Show = append(sc.Show, f[1:]...)
			case "collect":
				if len(sc.Collect) > 0 {
					return nil, errf(lineNo, "second \"== collect\"")
				}
				if len(f) < 2 {
					return nil, errf(lineNo, "\"== collect\" without units")
				}
				sc.Collect = f[1:]
			case "steps":
				if len(f) != 1 {
					return nil, errf(lineNo, "\"== steps\" takes no arguments")
				}
				inSteps = true
			default:
				return nil, errf(lineNo, "unknown section %q", f[0])
			}
			continue
		}
		switch {
		case cur != nil:
			cur.Content = append(cur.Content, line...)
			cur.Content = append(cur.Content, '\n')
		case inSteps:
			t := strings.TrimSpace(line)
			if t == "" || strings.HasPrefix(t, "#") {
				continue
			}
			st := step{Cmd: t, Line: lineNo}
			if t == "~" || strings.HasPrefix(t, "~ ") {
				st.Cmd, st.NoShow = strings.TrimSpace(t[1:]), true
			}
			if st.Cmd == "" {
				return nil, errf(lineNo, "empty step")
			}
			sc.Steps = append(sc.Steps, st)
		case line == "" || strings.HasPrefix(line, "#"):
			// description before the first section
		default:
			return nil, errf(lineNo, "text outside any section: %q", line)
		}
	}
	if err := s.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	flush()
	if !inSteps || len(sc.Steps) == 0 {
		return nil, errf(lineNo, "no steps (\"== steps\" must be the last section)")
	}
	if !sawShow {
		for _, f := range sc.Files {
			if path.Dir(f.Path) == unitDir && path.Base(f.Path) != bootTarget {
				sc.Show = append(sc.Show, path.Base(f.Path))
			}
		}
	}
	if len(sc.Show) == 0 {
		return nil, errf(1, "no units to show: declare units or a \"== show\" line")
	}
	for i, u := range sc.Show {
		if slices.Contains(sc.Show[:i], u) {
			return nil, errf(1, "unit %s shown twice", u)
		}
	}
	for _, u := range sc.Collect {
		if _, ok := declared[u]; !ok {
			return nil, errf(1, "\"== collect\" names %s, which the scenario does not declare", u)
		}
	}
	return sc, nil
}

// Hash identifies what the scenario does (files, shown units, steps), not
// its comments, so that a transcript can say which version it was made from.
func (sc *scenario) Hash() string {
	h := sha256.New()
	for _, f := range sc.Files {
		fmt.Fprintf(h, "file %s %o %d\n", f.Path, f.Mode, len(f.Content))
		h.Write(f.Content)
	}
	fmt.Fprintf(h, "show %s\n", strings.Join(sc.Show, " "))
	if len(sc.Collect) > 0 { // absent from the older scenarios' hashes
		fmt.Fprintf(h, "collect %s\n", strings.Join(sc.Collect, " "))
	}
	for _, st := range sc.Steps {
		fmt.Fprintf(h, "step %t %s\n", st.NoShow, st.Cmd)
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// hasFile reports whether the scenario installs a file at p.
func (sc *scenario) hasFile(p string) bool {
	return slices.ContainsFunc(sc.Files, func(f scenarioFile) bool { return f.Path == p })
}

// helperDir is where every file of the helpers directory is installed
// (mode 0755) in every scenario's root.
const helperDir = "/usr/local/bin"

// loadScenarios parses every dir/*.txt in name order and adds the files of
// helpers to each.
func loadScenarios(dir, helpers string) ([]*scenario, error) {
	hs, err := os.ReadDir(helpers)
	if err != nil {
		return nil, err
	}
	var hfiles []scenarioFile
	for _, h := range hs {
		data, err := os.ReadFile(filepath.Join(helpers, h.Name()))
		if err != nil {
			return nil, err
		}
		hfiles = append(hfiles, scenarioFile{Path: path.Join(helperDir, h.Name()), Mode: 0o755, Content: data})
	}
	names, err := filepath.Glob(filepath.Join(dir, "*.txt"))
	if err != nil {
		return nil, err
	}
	slices.Sort(names)
	var out []*scenario
	for _, n := range names {
		data, err := os.ReadFile(n)
		if err != nil {
			return nil, err
		}
		sc, err := parseScenario(n, data)
		if err != nil {
			return nil, err
		}
		for _, h := range hfiles {
			if sc.hasFile(h.Path) {
				return nil, fmt.Errorf("%s: installs %s, which is a helper", n, h.Path)
			}
		}
		sc.Files = append(sc.Files, hfiles...)
		out = append(out, sc)
	}
	return out, nil
}
