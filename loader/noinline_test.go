package loader

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"strings"
	"testing"
)

// TestClosureHelpersNotInlined checks that every helper of loader that
// returns a closure (alone or in a directive) and is called
// more than once is marked go:noinline: inlined, each call would compile
// its own copy of the closure's code (see directive).
func TestClosureHelpersNotInlined(t *testing.T) {
	for _, dir := range []string{"."} { // props has no such helpers: its tables are static (props.TestTablesStatic)
		fset := token.NewFileSet()
		pkgs, err := parser.ParseDir(fset, dir, func(fi fs.FileInfo) bool {
			return !strings.HasSuffix(fi.Name(), "_test.go")
		}, parser.ParseComments)
		if err != nil {
			t.Fatal(err)
		}
		for _, pkg := range pkgs {
			calls := map[string]int{}
			var helpers []*ast.FuncDecl
			for _, f := range pkg.Files {
				ast.Inspect(f, func(n ast.Node) bool {
					if c, ok := n.(*ast.CallExpr); ok {
						if id, ok := c.Fun.(*ast.Ident); ok {
							calls[id.Name]++
						}
					}
					return true
				})
				for _, d := range f.Decls {
					if fd, ok := d.(*ast.FuncDecl); ok && fd.Recv == nil && fd.Body != nil && returnsClosure(fd) {
						helpers = append(helpers, fd)
					}
				}
			}
			if len(helpers) < 20 {
				t.Errorf("%s: %d closure helpers found; the check finds none of them", dir, len(helpers))
			}
			for _, fd := range helpers {
				if calls[fd.Name.Name] < 2 {
					continue
				}
				if fd.Doc == nil || !strings.Contains(rawDoc(fd.Doc), "//go:noinline") {
					t.Errorf("%s: %s returns a closure, is called %d times and is not marked go:noinline", fset.Position(fd.Pos()), fd.Name.Name, calls[fd.Name.Name])
				}
			}
		}
	}
}

// returnsClosure reports whether a return statement of fd (outside its
// nested function literals) holds a function literal.
func returnsClosure(fd *ast.FuncDecl) bool {
	found := false
	ast.Inspect(fd.Body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.FuncLit:
			return false
		case *ast.ReturnStmt:
			for _, r := range n.Results {
				ast.Inspect(r, func(m ast.Node) bool {
					if _, ok := m.(*ast.FuncLit); ok {
						found = true
					}
					return !found
				})
			}
		}
		return !found
	})
	return found
}

func rawDoc(g *ast.CommentGroup) string {
	var b strings.Builder
	for _, c := range g.List {
		b.WriteString(c.Text)
		b.WriteByte('\n')
	}
	return b.String()
}
