package loader

import (
	"os"

	"golang.org/x/sys/unix"
)

// ifIndex and ifName look a network interface up by name or by index
// with the SIOCGIFINDEX and SIOCGIFNAME ioctls: package net, which does
// the same over netlink, adds 350 KB to the binary, all of it mapped into
// the manager's resident set.
func ifIndex(name string) (int, error) {
	ifr, err := unix.NewIfreq(name)
	if err != nil {
		return 0, err
	}
	if err := ifIoctl(unix.SIOCGIFINDEX, ifr); err != nil {
		return 0, err
	}
	return int(ifr.Uint32()), nil
}

func ifName(index int) (string, error) {
	ifr, err := unix.NewIfreq("")
	if err != nil {
		return "", err
	}
	ifr.SetUint32(uint32(index))
	if err := ifIoctl(unix.SIOCGIFNAME, ifr); err != nil {
		return "", err
	}
	return ifr.Name(), nil
}

// ifIoctl runs an interface ioctl on a throwaway datagram socket.
func ifIoctl(req uint, ifr *unix.Ifreq) error {
	fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return os.NewSyscallError("socket", err)
	}
	defer unix.Close(fd)
	return os.NewSyscallError("ioctl", unix.IoctlIfreq(fd, req, ifr))
}
