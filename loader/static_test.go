package loader

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// maxInitHeap bounds the heap loader's package initialization may
// allocate in the test binary: 0 bytes in gosd, 984 here for the test
// files' own variables (flag.Bool). The closures helpers built for the
// directive tables and the maps built at start took 71464 bytes in 494
// allocations.
const maxInitHeap = 2048

// TestInitHeap runs the test binary again, running no test, with
// GODEBUG=inittrace=1, and checks the heap loader's initialization
// allocates: every byte of it is in the manager's RSS from its start.
func TestInitHeap(t *testing.T) {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "GODEBUG=inittrace=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	m := regexp.MustCompile(`(?m)^init github\.com/gosd/gosd/loader @\S+ ms, \S+ ms clock, (\d+) bytes, (\d+) allocs$`).FindSubmatch(out)
	if m == nil {
		t.Fatalf("no init trace of loader in:\n%s", out)
	}
	bytes, _ := strconv.Atoi(string(m[1]))
	if bytes > maxInitHeap {
		t.Errorf("loader's package initialization allocates %d bytes (%s allocations), more than %d: is a table built at start (a helper's closure, a map)?", bytes, m[2], maxInitHeap)
	}
}

// TestStaticInit checks that every package-level variable of loader
// (the directive tables above all) is a value the compiler lays out at
// compile time: its initializer holds no map and calls no function, but
// for conversions to the package's types (parseFunc(f)) and errors.New. A call in a
// table compiles to code run at start, and its closures to heap; a call
// in any initializer also makes the compiler copy the variables that
// follow it in initialization order at start (cmd/compile's
// staticinit gives up static copies after an initializer that may
// modify package variables). directivesByName alone is computed: it
// needs every table, so it is initialized after all of them.
func TestStaticInit(t *testing.T) {
	fset := token.NewFileSet()
	pkgs, err := parser.ParseDir(fset, ".", func(fi fs.FileInfo) bool {
		return !strings.HasSuffix(fi.Name(), "_test.go")
	}, 0)
	if err != nil {
		t.Fatal(err)
	}
	pkg := pkgs["loader"]
	types := map[string]bool{}
	for _, f := range pkg.Files {
		for _, d := range f.Decls {
			if g, ok := d.(*ast.GenDecl); ok && g.Tok == token.TYPE {
				for _, s := range g.Specs {
					types[s.(*ast.TypeSpec).Name.Name] = true
				}
			}
		}
	}
	vars := 0
	for _, f := range pkg.Files {
		for _, d := range f.Decls {
			g, ok := d.(*ast.GenDecl)
			if !ok || g.Tok != token.VAR {
				continue
			}
			for _, s := range g.Specs {
				vs := s.(*ast.ValueSpec)
				if len(vs.Names) == 1 && vs.Names[0].Name == "directivesByName" {
					continue
				}
				for _, v := range vs.Values {
					vars++
					ast.Inspect(v, func(n ast.Node) bool {
						switch n := n.(type) {
						case *ast.FuncLit:
							return false // a body runs when called, not at start
						case *ast.CompositeLit:
							if _, ok := n.Type.(*ast.MapType); ok {
								t.Errorf("%s: a package-level map, built at start", fset.Position(n.Pos()))
							}
						case *ast.CallExpr:
							if id, ok := n.Fun.(*ast.Ident); ok && types[id.Name] {
								return true
							}
							if sel, ok := n.Fun.(*ast.SelectorExpr); ok {
								if x, ok := sel.X.(*ast.Ident); ok && x.Name == "errors" && sel.Sel.Name == "New" {
									return true
								}
							}
							t.Errorf("%s: a package-level initializer calls a function", fset.Position(n.Pos()))
						}
						return true
					})
				}
			}
		}
	}
	if vars < 20 {
		t.Errorf("%d package-level initializers found; the check finds none of them", vars)
	}
}
