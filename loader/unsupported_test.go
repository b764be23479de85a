package loader

import (
	"flag"
	"os"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite ../UNSUPPORTED.md from the directive tables")

const unsupportedHeader = `# Directives gosd parses but does not honour

gosd reads every directive systemd 252 knows. Those below are parsed, shown
by ` + "`systemctl show`" + `, reported once per unit by ` + "`gosd verify`" + ` and at
load time, and otherwise ignored; they never make a unit fail. The table is
generated from gosd's directive tables (` + "`go test ./loader -run Unsupported -update`" + `)
and printed by ` + "`gosd verify --unsupported`" + `.

`

// TestUnsupportedTableDocumented keeps UNSUPPORTED.md equal to the tables.
func TestUnsupportedTableDocumented(t *testing.T) {
	want := unsupportedHeader + UnsupportedTable()
	if *update {
		if err := os.WriteFile("../UNSUPPORTED.md", []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile("../UNSUPPORTED.md")
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != want {
		t.Errorf("UNSUPPORTED.md is out of date: run go test ./loader -run Unsupported -update")
	}
	// The header and separator, then one row per unsupported directive:
	// PrivateNetwork= is one gosd is known not to honour.
	if !strings.Contains(want, "| PrivateNetwork= |") {
		t.Error("the table does not list PrivateNetwork=, which gosd does not honour")
	}
}
