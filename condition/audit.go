package condition

import (
	"encoding/binary"

	"golang.org/x/sys/unix"
)

// auditGetFeature is AUDIT_GET_FEATURE of linux/audit.h.
const auditGetFeature = 1019

// auditUsable is systemd 252's use_audit(): the audit netlink socket can
// be opened, and a request on it is not refused with ECONNREFUSED (which
// the kernel answers outside the initial user namespace). Any other
// failure of the request still counts as usable (observed: "Failed to
// make request on audit fd, ignoring: Operation not permitted", then
// ConditionSecurity=audit succeeds).
func auditUsable() bool {
	fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_RAW|unix.SOCK_CLOEXEC|unix.SOCK_NONBLOCK, unix.NETLINK_AUDIT)
	if err != nil {
		return err != unix.EAFNOSUPPORT && err != unix.EPROTONOSUPPORT && err != unix.EPERM
	}
	defer unix.Close(fd)
	return auditRequest(fd) != unix.ECONNREFUSED
}

// auditRequest sends one AUDIT_GET_FEATURE request without payload and
// returns the error the kernel acknowledges it with.
func auditRequest(fd int) error {
	req := make([]byte, unix.NLMSG_HDRLEN)
	binary.NativeEndian.PutUint32(req[0:], unix.NLMSG_HDRLEN)
	binary.NativeEndian.PutUint16(req[4:], auditGetFeature)
	binary.NativeEndian.PutUint16(req[6:], unix.NLM_F_REQUEST)
	if err := unix.Sendto(fd, req, unix.MSG_NOSIGNAL, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		return err
	}
	resp := make([]byte, 64)
	n, _, err := unix.Recvfrom(fd, resp, 0)
	if err != nil {
		return err
	}
	// An nlmsghdr of type NLMSG_ERROR followed by struct nlmsgerr.
	if n < unix.NLMSG_HDRLEN+4 || binary.NativeEndian.Uint16(resp[4:]) != unix.NLMSG_ERROR {
		return unix.EINVAL
	}
	if e := int32(binary.NativeEndian.Uint32(resp[unix.NLMSG_HDRLEN:])); e < 0 {
		return unix.Errno(-e)
	}
	return nil
}
