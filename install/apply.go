package install

import (
	"path"
	"strings"
	"syscall"
)

// verifyAlias is unit_file_verify_alias(): check that dst is a valid alias
// (or legacy "x.wants/name" entry) of info. It returns the name to use
// when the instance was propagated into dst, else "".
func (c *ctx) verifyAlias(info *installInfo, dst string) (string, error) {
	if i := strings.LastIndexByte(dst, '/'); i >= 0 {
		alias := dst[i+1:]
		dir := path.Dir(dst)
		var u string
		switch {
		case strings.HasSuffix(dir, ".wants"):
			u = strings.TrimSuffix(dir, ".wants")
		case strings.HasSuffix(dir, ".requires"):
			u = strings.TrimSuffix(dir, ".requires")
		default:
			return "", c.fail(syscall.EXDEV, dst, "")
		}
		k := classify(u)
		if k == 0 {
			return "", c.fail(syscall.EXDEV, dst, "")
		}
		if !nameCompatible(alias, info.name, k == nameTemplate) {
			return "", c.fail(syscall.EXDEV, dst, info.name)
		}
		return "", nil
	}
	updated := ""
	if isValid(dst, nameTemplate) {
		inst, k := instanceOf(info.name)
		if k == 0 {
			return "", c.fail(syscall.EUCLEAN, info.name, "")
		}
		if k == nameInstance {
			s, ok := replaceInstance(dst, inst)
			if !ok {
				return "", syscall.EINVAL
			}
			updated = s
		}
	}
	check := dst
	if updated != "" {
		check = updated
	}
	err := c.validateAliasSymlink(check, info.name, false)
	if err == syscall.ELOOP {
		return "", err
	}
	if err != nil {
		if err == syscall.EINVAL {
			err = syscall.EXDEV
		}
		return "", c.fail(err, check, info.name)
	}
	return updated, nil
}

// nameCompatible is unit_symlink_name_compatible().
func nameCompatible(symlink, target string, instancePropagation bool) bool {
	k1 := classify(symlink)
	if symlink == target && k1&(namePlain|nameInstance) != 0 {
		return true
	}
	t, ok := templateOf(symlink)
	if !ok {
		return false
	}
	k2 := classify(target)
	if k1 == nameInstance && k2 == nameTemplate && t == target {
		return true
	}
	return instancePropagation && k1 == nameTemplate && k2 == nameTemplate && t == target
}

func (c *ctx) symlinkAliases(info *installInfo, configPath string, force bool) (int, error) {
	r, rerr := 0, error(nil)
	for _, s := range info.aliases {
		dst, err := c.expandSpecifiers(info, s)
		if err != nil {
			c.fail(err, s, "")
			if rerr == nil {
				rerr = Errno(err)
			}
			continue
		}
		updated, err := c.verifyAlias(info, dst)
		if err == syscall.ELOOP {
			continue
		}
		if err != nil {
			if rerr == nil {
				rerr = err
			}
			continue
		}
		if updated != "" {
			dst = updated
		}
		aliasPath := dst
		if !strings.HasPrefix(dst, "/") {
			aliasPath = configPath + "/" + dst
		}
		q, err := c.createSymlink(info.path, aliasPath, force)
		if rerr == nil {
			if err != nil {
				rerr = err
			} else {
				r = q
			}
		}
	}
	return r, rerr
}

// symlinkWants is install_info_symlink_wants() for one of WantedBy= or
// RequiredBy= (suffix ".wants/" or ".requires/").
func (c *ctx) symlinkWants(info *installInfo, configPath string, list []string, suffix string, ignoreAuxFailure bool) (int, error) {
	if len(list) == 0 {
		return 0, nil
	}
	validDst := nameAny
	var n string
	switch {
	case isValid(info.name, namePlain|nameInstance):
		n = info.name
	case info.defaultInstance != "":
		name, ok := replaceInstance(info.name, info.defaultInstance)
		if !ok {
			return 0, syscall.EINVAL
		}
		inst := &installInfo{name: name}
		if _, err := c.search(nil, inst, searchFollowConfigSymlinks); err != nil {
			return 0, err
		}
		if inst.mode == modeMasked {
			return 0, c.fail(syscall.ERFKILL, c.host(inst.path), "")
		}
		n = inst.name
	default:
		validDst = nameInstance | nameTemplate
		n = info.name
	}
	r, rerr := 0, error(nil)
	for _, s := range list {
		dst, err := c.expandSpecifiers(info, s)
		if err != nil {
			c.fail(err, s, "")
			if rerr == nil {
				rerr = Errno(err)
			}
			continue
		}
		if !isValid(dst, validDst) {
			if ignoreAuxFailure {
				continue
			}
			var q error
			if isValid(dst, nameAny) {
				q = c.fail(syscall.EIDRM, dst, n)
			} else {
				q = c.fail(syscall.EUCLEAN, dst, "")
			}
			if rerr == nil {
				rerr = q
			}
			continue
		}
		p := configPath + "/" + dst + suffix + n
		q, err := c.createSymlink(info.path, p, true)
		if rerr == nil {
			if err != nil {
				rerr = err
			} else if r == 0 {
				r = q
			}
		}
		if ok, err := c.exists(dst); err == nil && !ok {
			c.add(DestinationNotPresent, dst, c.host(info.path))
		}
	}
	return r, rerr
}

// symlinkLink links a unit file that lies outside the search path into
// configPath under its own name.
func (c *ctx) symlinkLink(info *installInfo, configPath string, force bool) error {
	if c.inSearchDir(info.path) {
		return nil
	}
	_, err := c.createSymlink(info.path, configPath+"/"+info.name, force)
	return err
}

// applyOne is install_info_apply().
func (c *ctx) applyOne(info *installInfo, configPath string, force, ignoreAuxFailure bool) (int, error) {
	if info.mode != modeRegular {
		return 0, nil
	}
	if err := c.symlinkLink(info, configPath, force); err != nil {
		return 0, err
	}
	r, rerr := c.symlinkAliases(info, configPath, force)
	q, qerr := c.symlinkWants(info, configPath, info.wantedBy, ".wants/", ignoreAuxFailure)
	if rerr == nil && r == 0 {
		r, rerr = q, qerr
	}
	q, qerr = c.symlinkWants(info, configPath, info.requiredBy, ".requires/", ignoreAuxFailure)
	if rerr == nil && r == 0 {
		r, rerr = q, qerr
	}
	return r, rerr
}

// apply is install_context_apply(): create the symlinks of every entry of
// set. It returns how many entries had something to install.
func (c *ctx) apply(set *infoSet, configPath string, force, ignoreAuxFailure bool, flags searchFlags) (int, error) {
	r, rerr := 0, error(nil)
	for i := set.next(); i != nil; i = set.next() {
		if _, err := c.traverse(set, i, flags); err != nil {
			if i.auxiliary {
				c.add(AuxiliaryFailed, i.name, "")
				continue
			}
			return r, c.fail(err, i.name, "")
		}
		if i.mode == modeMasked {
			c.add(IsMasked, c.host(i.path), "")
			if rerr == nil {
				r++
			}
			continue
		}
		if i.mode != modeRegular {
			continue
		}
		q, err := c.applyOne(i, configPath, force, ignoreAuxFailure)
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

// markForRemoval is install_context_mark_for_removal(): queue every entry
// of set (and its aliases, via the symlinks removed later) for removal.
func (c *ctx) markForRemoval(set *infoSet, rm removalSet) error {
	for i := set.next(); i != nil; i = set.next() {
		_, err := c.traverse(set, i, searchLoad|searchFollowConfigSymlinks)
		display := i.name
		if i.path != "" {
			display = c.host(i.path)
		}
		switch {
		case err == syscall.ENOLINK:
			c.add(IsDangling, display, "")
		case err == syscall.ENOENT:
			if !i.auxiliary {
				// Debian's 252 reports the missing unit but still removes
				// leftover symlinks to its name.
				c.fail(err, display, "")
			}
		case err != nil:
			c.fail(err, display, "")
		case i.mode == modeMasked:
			c.add(IsMasked, display, "")
			continue
		case i.mode != modeRegular:
			continue
		}
		rm.mark(i.name)
	}
	return nil
}
