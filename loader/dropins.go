package loader

import (
	"os"
	"path"
	"sort"
	"strings"

	"github.com/gosd/gosd/unit"
)

// dropinDirs returns every directory "<name><suffix>" (suffix ".d",
// ".wants", ...) that applies to a unit with the given names, in systemd's
// order: for each name and each search directory, the name's own, its
// template's and its dash prefixes' ("foo-.service.d"), then for ".d" the
// unit-type directory ("service.d") of each search directory. Paths are
// canonical (symlinks chased), as systemd reports them.
func (ix *Index) dropinDirs(names []string, suffix string) []string {
	var dirs []string
	add := func(p string) {
		if !ix.present[p] {
			return
		}
		if c, ok, err := ix.Paths.Chase(p, true); err == nil && ok {
			dirs = append(dirs, c)
		}
	}
	typ := ""
	for _, name := range names {
		pre := unit.DropInPrefixes(name)
		if len(pre) == 0 {
			continue
		}
		typ = pre[len(pre)-1]
		// Most names have no such directory anywhere: ask the scan first.
		var found []string
		for _, n := range pre[:len(pre)-1] {
			if len(ix.dirsNamed[n+suffix]) > 0 {
				found = append(found, n+suffix)
			}
		}
		if len(found) == 0 {
			continue
		}
		for _, d := range ix.Paths.Dirs {
			for _, n := range found {
				add(d + "/" + n)
			}
		}
	}
	if typ != "" && suffix == ".d" {
		for _, d := range ix.dirsNamed[typ+suffix] {
			add(d + "/" + typ + suffix)
		}
	}
	return dedupe(dirs)
}

func dedupe(s []string) []string {
	seen := make(map[string]bool, len(s))
	out := s[:0]
	for _, x := range s {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}

// DropIns returns the drop-in files (*.conf) of a unit with the given
// names in the order they apply: a file name found in several directories
// is taken from the first of them, and the result is sorted by file name.
func (ix *Index) DropIns(names []string) []string {
	byBase := map[string]string{}
	for _, d := range ix.dropinDirs(names, ".d") {
		ents, err := os.ReadDir(ix.Paths.Host(d))
		if err != nil {
			continue
		}
		for _, e := range ents {
			b := e.Name()
			if !strings.HasSuffix(b, ".conf") || e.IsDir() {
				continue
			}
			if _, ok := byBase[b]; !ok {
				byBase[b] = d + "/" + b
			}
		}
	}
	bases := make([]string, 0, len(byBase))
	for b := range byBase {
		bases = append(bases, b)
	}
	sort.Strings(bases)
	out := make([]string, len(bases))
	for i, b := range bases {
		out[i] = byBase[b]
	}
	return out
}

// DepDirEntries returns the unit names listed in the suffix directories
// (".wants", ".requires", ".upholds") of a unit with the given names. For
// an instance, template entries in the template's directory are
// instantiated with the unit's instance; template entries elsewhere are
// reported as problems.
func (ix *Index) DepDirEntries(id string, names []string, suffix string) (deps []string, diags []error) {
	_, inst, _, _ := unit.SplitName(id)
	for _, d := range ix.dropinDirs(names, suffix) {
		ents, err := os.ReadDir(ix.Paths.Host(d))
		if err != nil {
			continue
		}
		for _, e := range ents {
			dn := e.Name()
			if !unit.IsValidName(dn) {
				continue
			}
			if unit.IsTemplate(dn) {
				if inst == "" {
					diags = append(diags, &unit.Diag{File: path.Join(d, e.Name()), Msg: "Cannot add dependency " + e.Name() + " to non-instance unit " + id + ", ignoring."})
					continue
				}
				if x, err := unit.Instantiate(dn, inst); err == nil {
					deps = append(deps, x)
				}
				continue
			}
			deps = append(deps, e.Name())
		}
	}
	return deps, diags
}
