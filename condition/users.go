package condition

import (
	"bufio"
	"bytes"
	"strconv"
	"strings"
)

// systemUIDMax is the highest system user ID of Debian's systemd build.
const systemUIDMax = 999

// parseID is parse_uid()/parse_gid(): decimal only, no sign, blanks or
// leading zeros; 65535 and 4294967295 are not IDs.
func parseID(s string) (uint32, bool) {
	if s == "" || len(s) > 1 && s[0] == '0' {
		return 0, false
	}
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return 0, false
		}
	}
	v, err := strconv.ParseUint(s, 10, 32)
	if err != nil || v == 65535 || v == 4294967295 {
		return 0, false
	}
	return uint32(v), true
}

// lookupID finds name in a passwd(5)/group(5) style file under Root and
// returns its numeric ID. root and nobody/nogroup are known without the
// file, as systemd synthesizes them.
func (h *Host) lookupID(file, name string) (uint32, bool) {
	switch name {
	case "root":
		return 0, true
	case "nobody", "nogroup":
		return 65534, true
	}
	b, err := h.readFile(file)
	if err != nil {
		return 0, false
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		f := strings.Split(sc.Text(), ":")
		if len(f) >= 3 && f[0] == name {
			if id, err := strconv.ParseUint(f[2], 10, 32); err == nil {
				return uint32(id), true
			}
		}
	}
	return 0, false
}

// testUser: "root", "nobody" and "@system" (a UID up to 999) are checked
// against the real and effective UID first, then a numeric UID; PID 1
// stops there (no user database lookups in the manager). Otherwise the
// user's name (or $USER) and then the database decide.
func (h *Host) testUser(param string) (bool, error) {
	uid, euid := h.Creds.UID, h.Creds.EUID
	switch param {
	case "root":
		return uid == 0 || euid == 0, nil
	case "nobody":
		return uid == 65534 || euid == 65534, nil
	case "@system":
		return uid <= systemUIDMax || euid <= systemUIDMax, nil
	}
	if id, ok := parseID(param); ok {
		return id == uid || id == euid, nil
	}
	if h.PID1 {
		return false, nil
	}
	if u, ok := h.getenv("USER"); ok && u == param {
		return true, nil
	}
	id, ok := h.lookupID("/etc/passwd", param)
	return ok && (id == uid || id == euid), nil
}

// inGID: the real, effective or a supplementary group.
func (h *Host) inGID(gid uint32) bool {
	if gid == h.Creds.GID || gid == h.Creds.EGID {
		return true
	}
	for _, g := range h.Creds.Groups {
		if g == gid {
			return true
		}
	}
	return false
}

// testGroup: a numeric GID, or as PID 1 only "root", or a group of the
// database.
func (h *Host) testGroup(param string) (bool, error) {
	if id, ok := parseID(param); ok {
		return h.inGID(id), nil
	}
	if h.PID1 {
		return param == "root", nil
	}
	id, ok := h.lookupID("/etc/group", param)
	return ok && h.inGID(id), nil
}
