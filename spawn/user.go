package spawn

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"hash/fnv"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// ErrNoSuchUser and ErrNoSuchGroup are wrapped by the errors of user and
// group lookups (systemd says "No such process" for both, ESRCH).
var (
	ErrNoSuchUser  = errors.New("no such user")
	ErrNoSuchGroup = errors.New("no such group")
)

// account is one user as systemd resolves User=: from the root's
// /etc/passwd, with root and nobody synthesized when the file lacks them.
type account struct {
	Name  string
	UID   int
	GID   int
	Home  string
	Shell string
}

// Dynamic users get an ID in systemd's range for them.
const (
	dynamicUIDMin = 61184
	dynamicUIDMax = 65519
	nobodyID      = 65534
)

// passwdLine parses one line of /etc/passwd.
func passwdLine(line string) (account, bool) {
	f := strings.Split(line, ":")
	if len(f) < 7 || f[0] == "" || strings.HasPrefix(f[0], "#") {
		return account{}, false
	}
	uid, err1 := strconv.Atoi(f[2])
	gid, err2 := strconv.Atoi(f[3])
	if err1 != nil || err2 != nil || uid < 0 || gid < 0 {
		return account{}, false
	}
	return account{Name: f[0], UID: uid, GID: gid, Home: f[5], Shell: f[6]}, true
}

// scanLines calls fn for each line of root's file path until fn returns
// true; a missing file has no lines.
func scanLines(root, path string, fn func(line string) bool) error {
	f, err := os.Open(filepath.Join(root, path))
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil
		}
		return err
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	s.Buffer(make([]byte, 0, 4096), 1<<20)
	for s.Scan() {
		if fn(s.Text()) {
			return nil
		}
	}
	return s.Err()
}

// lookupUser resolves a User= value (name or numeric ID) in root's
// /etc/passwd, as systemd 252 does for the system manager: "root"/0 and
// "nobody"/65534 exist even when the file lacks them; nobody is always
// the synthesized one (home "/", no login shell), which is why systemd
// sets neither HOME nor SHELL for it; a numeric ID without an entry is
// an error.
func lookupUser(root, name string) (account, error) {
	uid, numErr := strconv.Atoi(name)
	isNum := numErr == nil && uid >= 0
	if name == "nobody" || isNum && uid == nobodyID {
		return account{Name: "nobody", UID: nobodyID, GID: nobodyID, Home: "/", Shell: "/usr/sbin/nologin"}, nil
	}
	var found account
	ok := false
	err := scanLines(root, "/etc/passwd", func(line string) bool {
		a, good := passwdLine(line)
		if good && (a.Name == name || isNum && a.UID == uid) {
			found, ok = a, true
		}
		return ok
	})
	if err != nil {
		return account{}, fmt.Errorf("User=%s: %w", name, err)
	}
	if ok {
		return found, nil
	}
	if name == "root" || isNum && uid == 0 {
		return account{Name: "root", UID: 0, GID: 0, Home: "/root", Shell: "/bin/sh"}, nil
	}
	return account{}, fmt.Errorf("User=%s: %w", name, ErrNoSuchUser)
}

// dynamicUser is gosd's stand-in for DynamicUser=: systemd allocates a
// free ID from 61184..65519 and registers it with NSS for the unit's
// lifetime; gosd, which has no NSS module, derives the ID from the user
// name (a hash into the same range, the group ID equal to it), so a unit
// keeps its ID across restarts but two units may collide.
func dynamicUser(name string) account {
	h := fnv.New32a()
	h.Write([]byte(name))
	id := dynamicUIDMin + int(h.Sum32()%uint32(dynamicUIDMax-dynamicUIDMin+1))
	return account{Name: name, UID: id, GID: id, Home: "/", Shell: "/usr/sbin/nologin"}
}

// lookupGroup resolves a group name or numeric ID in root's /etc/group.
func lookupGroup(root, name string) (int, error) {
	gid, numErr := strconv.Atoi(name)
	isNum := numErr == nil && gid >= 0
	found := -1
	err := scanLines(root, "/etc/group", func(line string) bool {
		f := strings.Split(line, ":")
		if len(f) < 3 {
			return false
		}
		g, err := strconv.Atoi(f[2])
		if err == nil && (f[0] == name || isNum && g == gid) {
			found = g
			return true
		}
		return false
	})
	if err != nil {
		return 0, fmt.Errorf("Group %s: %w", name, err)
	}
	if found >= 0 {
		return found, nil
	}
	switch {
	case name == "root" || isNum && gid == 0:
		return 0, nil
	case name == "nogroup" || name == "nobody" || isNum && gid == nobodyID:
		return nobodyID, nil
	}
	return 0, fmt.Errorf("group %s: %w", name, ErrNoSuchGroup)
}

// memberGroups returns gid followed by every group of root's /etc/group
// that lists user as a member: getgrouplist(user, gid), the supplementary
// groups systemd gives a service with User=.
func memberGroups(root, user string, gid int) ([]int, error) {
	groups := []int{gid}
	ub := []byte(user)
	err := scanLines(root, "/etc/group", func(line string) bool {
		f := strings.Split(line, ":")
		if len(f) < 4 || f[3] == "" {
			return false
		}
		for _, m := range bytes.Split([]byte(f[3]), []byte(",")) {
			if bytes.Equal(m, ub) {
				if g, err := strconv.Atoi(f[2]); err == nil && !containsInt(groups, g) {
					groups = append(groups, g)
				}
				break
			}
		}
		return false
	})
	return groups, err
}

func containsInt(s []int, v int) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// placeholderShell reports whether shell is one systemd does not export as
// $SHELL (observed with systemd 252: the nologin and false/true programs).
func placeholderShell(shell string) bool {
	switch shell {
	case "", "/bin/nologin", "/sbin/nologin", "/usr/bin/nologin", "/usr/sbin/nologin",
		"/bin/false", "/usr/bin/false", "/bin/true", "/usr/bin/true":
		return true
	}
	return false
}

// noHome reports whether home counts as none: systemd 252 exports no
// $HOME for "" and "/" and refuses WorkingDirectory=~ for them (EACCES).
func noHome(home string) bool { return home == "" || home == "/" }
