package loader

import (
	"fmt"
	"sort"
	"strings"
)

// UnsupportedTable renders, as a Markdown table, every directive gosd
// parses and shows but does not honour, with the reason. It is what
// `gosd verify --unsupported` prints and what UNSUPPORTED.md holds.
func UnsupportedTable() string {
	type row struct{ sections, name, why string }
	var rows []row
	for _, d := range Directives() {
		if d.Unsupported != "" {
			rows = append(rows, row{strings.Join(d.Sections, ", "), d.Name, d.Unsupported})
		}
	}
	sort.SliceStable(rows, func(i, j int) bool {
		if rows[i].sections != rows[j].sections {
			return rows[i].sections < rows[j].sections
		}
		return rows[i].name < rows[j].name
	})
	var b strings.Builder
	b.WriteString("| sections | directive | why gosd does not honour it |\n|---|---|---|\n")
	for _, r := range rows {
		fmt.Fprintf(&b, "| %s | %s= | %s |\n", r.sections, r.name, strings.ReplaceAll(r.why, "|", "\\|"))
	}
	return b.String()
}
