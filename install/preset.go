package install

import (
	"bytes"
	"fmt"
	"os"
	"slices"
	"strings"
	"syscall"

	"github.com/gosd/gosd/unit"
)

// PresetMode limits what Preset and PresetAll change.
type PresetMode int

// The preset modes of --preset-mode.
const (
	PresetFull        PresetMode = iota // enable and disable
	PresetEnableOnly                    // only enable
	PresetDisableOnly                   // only disable
)

// ParsePresetMode parses "full", "enable-only" or "disable-only".
func ParsePresetMode(s string) (PresetMode, error) {
	switch s {
	case "full", "":
		return PresetFull, nil
	case "enable-only":
		return PresetEnableOnly, nil
	case "disable-only":
		return PresetDisableOnly, nil
	}
	return 0, fmt.Errorf("unknown preset mode %q: %w", s, syscall.EINVAL)
}

// PresetAction is what a preset rule says.
type PresetAction int

// The actions of preset rules.
const (
	PresetEnable PresetAction = iota + 1
	PresetDisable
)

// PresetRule is one "enable"/"disable" line of a preset file.
type PresetRule struct {
	Pattern   string       // glob (fnmatch without escapes) or unit name
	Action    PresetAction // enable or disable
	Instances []string     // for "enable foo@.service a b": the instances
	File      string       // the preset file, as shown to the user
	Line      int
}

// Presets are the rules of all preset files in the order they apply.
type Presets struct {
	Rules []PresetRule
}

// presetDirs are systemd 252's system preset directories, highest
// precedence first (CONF_PATHS with Debian's split /lib).
func presetDirs() []string {
	return []string{
		"/etc/systemd/system-preset",
		"/run/systemd/system-preset",
		"/usr/local/lib/systemd/system-preset",
		"/usr/lib/systemd/system-preset",
		"/lib/systemd/system-preset",
	}
}

// ReadPresets reads the *.preset files of the root: one file per name
// (the earliest directory wins), in lexical order of the names.
// Unparsable lines are logged and skipped.
func (in *Installer) ReadPresets() (*Presets, error) {
	return in.newCtx().readPresets()
}

func (c *ctx) readPresets() (*Presets, error) {
	ps := &Presets{}
	for _, p := range c.confFiles(presetDirs(), ".preset") {
		file := c.host(p)
		data, err := os.ReadFile(file)
		if err != nil {
			if os.IsNotExist(err) {
				continue
			}
			return nil, &ConfigError{File: file, Msg: "cannot read preset file", Err: Errno(err)}
		}
		for n, raw := range splitLines(data) {
			rule, ok, err := parsePresetLine(raw)
			if !ok {
				continue
			}
			if err != nil {
				c.logf("%s:%d: Couldn't parse line '%s'. Ignoring.", file, n+1, strings.TrimRight(raw, " \t\n\r"))
				continue
			}
			rule.File, rule.Line = file, n+1
			ps.Rules = append(ps.Rules, rule)
		}
	}
	return ps, nil
}

// splitLines splits like read_line(): "\n", "\r", "\r\n" and NUL end lines.
func splitLines(data []byte) []string {
	var out []string
	for len(data) > 0 {
		i := bytes.IndexAny(data, "\n\r\x00")
		if i < 0 {
			out = append(out, string(data))
			break
		}
		out = append(out, string(data[:i]))
		if data[i] == '\r' && i+1 < len(data) && data[i+1] == '\n' {
			i++
		}
		data = data[i+1:]
	}
	return out
}

// firstWord is systemd's first_word(): the rest of s after word and the
// whitespace following it, if s starts with word as a whole word.
func firstWord(s, word string) (string, bool) {
	if !strings.HasPrefix(s, word) {
		return "", false
	}
	p := s[len(word):]
	if p == "" {
		return p, true
	}
	if !strings.ContainsRune(" \t\n\r", rune(p[0])) {
		return "", false
	}
	return strings.TrimLeft(p, " \t\n\r"), true
}

// parsePresetLine parses one line; ok is false for blank and comment
// lines, err set for lines that are neither a rule nor ignorable.
func parsePresetLine(raw string) (rule PresetRule, ok bool, err error) {
	l := strings.Trim(raw, " \t\n\r")
	if l == "" || l[0] == '#' || l[0] == ';' {
		return rule, false, nil
	}
	if param, is := firstWord(l, "enable"); is {
		w := unit.NewWords(param)
		name, got, werr := w.Next("", unit.ExtractRetainEscape)
		if werr != nil || !got {
			return rule, true, syscall.EINVAL
		}
		rule = PresetRule{Pattern: name, Action: PresetEnable}
		if !w.Done() {
			rest := w.Rest()
			if !isValid(name, nameTemplate) {
				return rule, true, syscall.EINVAL
			}
			rule.Instances = strings.Fields(rest)
		}
		return rule, true, nil
	}
	if param, is := firstWord(l, "disable"); is {
		return PresetRule{Pattern: param, Action: PresetDisable}, true, nil
	}
	return rule, true, syscall.EINVAL
}

// matchInstances is pattern_match_multiple_instances(): for a rule with
// instances and a template name, the instances to enable; for an instance
// name, whether the rule lists its instance.
func (r *PresetRule) matchInstances(name string) ([]string, bool) {
	if len(r.Instances) == 0 {
		return nil, false
	}
	t, ok := templateOf(name)
	if !ok || t != r.Pattern {
		return nil, false
	}
	if isValid(name, nameTemplate) {
		out := make([]string, 0, len(r.Instances))
		for _, i := range r.Instances {
			s, ok := replaceInstance(name, i)
			if !ok {
				return nil, false
			}
			out = append(out, s)
		}
		return out, true
	}
	inst, _ := instanceOf(name)
	return nil, slices.Contains(r.Instances, inst)
}

// Query returns whether the presets enable name (the first matching rule
// wins; no match means enable) and, for a template matched by an
// "enable foo@.service a b" rule, the instances to enable instead.
func (ps *Presets) Query(name string) (enable bool, instances []string) {
	return ps.query(name, true)
}

func (ps *Presets) query(name string, wantInstances bool) (bool, []string) {
	for i := range ps.Rules {
		r := &ps.Rules[i]
		if wantInstances {
			if inst, ok := r.matchInstances(name); ok {
				return r.Action == PresetEnable, inst
			}
		}
		if fnmatch(r.Pattern, name) {
			return r.Action == PresetEnable, nil
		}
	}
	return true, nil
}

// QueryPreset is what list-unit-files shows as a unit's preset: whether
// the presets enable it (instance rules are not consulted there).
func (ps *Presets) QueryPreset(name string) bool {
	e, _ := ps.query(name, false)
	return e
}

// Preset enables or disables the named units as the presets say.
func (in *Installer) Preset(names []string, mode PresetMode, o Options) (Result, error) {
	c := in.newCtx()
	ps, err := c.readPresets()
	if err != nil {
		return done(c, "preset", 0, err)
	}
	plus, minus := newInfoSet(), newInfoSet()
	for _, n := range names {
		if err := c.presetPrepare(plus, minus, n, ps); err != nil {
			return done(c, "preset", 0, err)
		}
	}
	n, err := c.executePreset(plus, minus, mode, o)
	return done(c, "preset", n, err)
}

// PresetAll applies the presets to every unit file on the search path.
func (in *Installer) PresetAll(mode PresetMode, o Options) (Result, error) {
	c := in.newCtx()
	ps, err := c.readPresets()
	if err != nil {
		return done(c, "preset", 0, err)
	}
	plus, minus := newInfoSet(), newInfoSet()
	for _, d := range c.paths.Dirs {
		ents, err := readDirOrdered(c.host(d))
		if err != nil && len(ents) == 0 {
			if Errno(err) == syscall.ENOENT {
				continue
			}
			return done(c, "preset", 0, Errno(err))
		}
		for _, e := range ents {
			n := e.Name()
			if !isValid(n, nameAny) {
				continue
			}
			if !(e.Type().IsRegular() || e.Type()&os.ModeSymlink != 0) {
				continue
			}
			if err := c.presetPrepare(plus, minus, n, ps); err != nil {
				switch Errno(err) {
				case syscall.EEXIST, syscall.ERFKILL, syscall.EADDRNOTAVAIL, syscall.EBADSLT, syscall.EIDRM,
					syscall.EUCLEAN, syscall.ELOOP, syscall.ENOENT, syscall.EUNATCH, syscall.EXDEV:
				default:
					return done(c, "preset", 0, err)
				}
			}
		}
	}
	n, err := c.executePreset(plus, minus, mode, o)
	return done(c, "preset", n, err)
}

func (c *ctx) presetPrepare(plus, minus *infoSet, name string, ps *Presets) error {
	if plus.find(name) != nil || minus.find(name) != nil {
		return nil
	}
	i, err := c.discover(newInfoSet(), name, searchFollowConfigSymlinks, true)
	if err != nil {
		return err
	}
	if name != i.name {
		return nil // an alias
	}
	if !isValid(name, nameAny) {
		return syscall.EINVAL
	}
	enable, instances := ps.Query(name)
	if !enable {
		_, err := c.discover(minus, name, searchFollowConfigSymlinks, true)
		return err
	}
	if instances != nil {
		for _, s := range instances {
			if _, err := c.discoverAndCheck(plus, s, searchLoad|searchFollowConfigSymlinks); err != nil {
				return err
			}
		}
		return nil
	}
	_, err = c.discoverAndCheck(plus, name, searchLoad|searchFollowConfigSymlinks)
	return err
}

func (c *ctx) executePreset(plus, minus *infoSet, mode PresetMode, o Options) (int, error) {
	cp := configPath(o)
	var rerr error
	if mode != PresetEnableOnly {
		rm := removalSet{}
		if err := c.markForRemoval(minus, rm); err != nil {
			return 0, err
		}
		rerr = c.removeMarked(rm, cp, false)
	}
	r := 0
	if mode != PresetDisableOnly {
		q, err := c.apply(plus, cp, o.Force, true, searchLoad)
		if rerr == nil {
			if err != nil {
				rerr = err
			} else {
				r += q
			}
		}
	}
	return r, rerr
}

// fnmatch is fnmatch(3) with FNM_NOESCAPE and no other flags: '*', '?'
// and bracket expressions ("[a-z]", "[!x]", "[^x]"); backslash is an
// ordinary character.
func fnmatch(pattern, name string) bool {
	p, n := 0, 0
	starP, starN := -1, -1
	for n < len(name) {
		if p < len(pattern) {
			switch pattern[p] {
			case '*':
				starP, starN = p, n
				p++
				continue
			case '?':
				p++
				n++
				continue
			case '[':
				if end, ok := matchBracket(pattern, p, name[n]); end > 0 {
					if ok {
						p = end
						n++
						continue
					}
				} else if name[n] == '[' {
					p++
					n++
					continue
				}
			default:
				if pattern[p] == name[n] {
					p++
					n++
					continue
				}
			}
		}
		if starP < 0 {
			return false
		}
		starN++
		p, n = starP+1, starN
	}
	for p < len(pattern) && pattern[p] == '*' {
		p++
	}
	return p == len(pattern)
}

// matchBracket matches c against the bracket expression at pattern[p]; it
// returns the index after the expression (0 if it is not closed).
func matchBracket(pattern string, p int, c byte) (int, bool) {
	i := p + 1
	neg := false
	if i < len(pattern) && (pattern[i] == '!' || pattern[i] == '^') {
		neg = true
		i++
	}
	matched := false
	first := true
	for i < len(pattern) {
		if pattern[i] == ']' && !first {
			return i + 1, matched != neg
		}
		first = false
		lo := pattern[i]
		hi := lo
		if i+2 < len(pattern) && pattern[i+1] == '-' && pattern[i+2] != ']' {
			hi = pattern[i+2]
			i += 3
		} else {
			i++
		}
		if lo <= c && c <= hi {
			matched = true
		}
	}
	return 0, false
}
