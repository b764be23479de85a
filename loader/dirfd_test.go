package loader

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestReadlinkAt checks readlinkAt and dirFDs against os.Readlink, for
// targets around the size of its first buffer.
func TestReadlinkAt(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "etc/systemd/system/x.target.wants")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	fds := openDirFDs(Paths{Root: root}, []string{"/etc/systemd/system/x.target.wants", "/nonexistent"})
	defer fds.close()
	if len(fds) != 1 {
		t.Fatalf("opened %d directories, want the one that exists", len(fds))
	}
	for _, n := range []int{1, 255, 256, 257, 1000} {
		target := "/" + strings.Repeat("a", n-1)
		name := "l" + strings.Repeat("0", 1) + string(rune('a'+n%26)) + ".service"
		if err := os.Symlink(target, filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
		dirfd, base, ok := fds.at("/etc/systemd/system/x.target.wants/" + name)
		if !ok || base != name {
			t.Fatalf("at: %d %q %v", dirfd, base, ok)
		}
		got, err := readlinkAt(dirfd, base)
		if err != nil || got != target {
			t.Errorf("readlinkAt of a %d-byte target = %d bytes, %v", n, len(got), err)
		}
	}
	if _, _, ok := fds.at("/etc/systemd/system/a.service"); ok {
		t.Errorf("at: a directory that is not open")
	}
	if _, err := readlinkAt(-1, filepath.Join(dir, "missing")); err == nil {
		t.Errorf("readlinkAt of a missing link: no error")
	}
}

// TestReadFile checks readFile against os.ReadFile, through a directory
// descriptor and by path, for sizes around its first buffer, and its
// errors.
func TestReadFile(t *testing.T) {
	root := t.TempDir()
	fds := openDirFDs(Paths{Root: root}, []string{"/"})
	defer fds.close()
	var buf []byte
	for _, n := range []int{0, 1, 16<<10 - 1, 16 << 10, 16<<10 + 1, 100 << 10} {
		data := []byte(strings.Repeat("x", n))
		name := "f" + strings.Repeat("1", n%7+1)
		if err := os.WriteFile(filepath.Join(root, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
		dirfd := fds["/"]
		for _, tc := range []struct {
			how   string
			dirfd int
			base  string
		}{{"by path", -1, ""}, {"in its directory", dirfd, name}} {
			got, _, err := readFile(tc.dirfd, tc.base, filepath.Join(root, name), &buf)
			if err != nil || string(got) != string(data) {
				t.Errorf("%s: %d bytes: got %d, %v", tc.how, n, len(got), err)
			}
		}
	}
	for _, tc := range []struct {
		name, path, op string
	}{{"a directory", root, "read"}, {"a missing file", filepath.Join(root, "missing"), "open"}} {
		_, _, err := readFile(-1, "", tc.path, &buf)
		var pe *os.PathError
		if !errors.As(err, &pe) || pe.Op != tc.op {
			t.Errorf("%s: error %v, want a PathError from %s", tc.name, err, tc.op)
		}
	}
}
