// Command notifyd is the service every unit of the benchmark's notifyd
// graph runs: a Type=notify daemon that reports READY=1 itself, from its
// own (the main) process, as a daemon calling sd_notify(3) does, and then
// idles until it is killed. It sends the datagram with syscall alone, so
// that the binary stays small and starts fast: the graph measures the
// managers, not the notify client (systemd 252's systemd-notify spends
// about 4 ms of CPU per call here, most of it linking libsystemd-shared).
package main

import "syscall"

func main() {
	addr, ok := syscall.Getenv("NOTIFY_SOCKET")
	if !ok || addr == "" {
		fail("NOTIFY_SOCKET is not set")
	}
	fd, err := syscall.Socket(syscall.AF_UNIX, syscall.SOCK_DGRAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		fail("socket: " + err.Error())
	}
	// A leading '@' names an abstract socket: syscall turns it into the
	// leading NUL byte.
	if err := syscall.Sendto(fd, []byte("READY=1"), 0, &syscall.SockaddrUnix{Name: addr}); err != nil {
		fail("sending READY=1 to " + addr + ": " + err.Error())
	}
	syscall.Close(fd)
	// SIGTERM, the managers' stop signal, ends the process (no handler is
	// installed, so the runtime lets it terminate the program).
	for {
		syscall.Pause()
	}
}

func fail(msg string) {
	syscall.Write(2, []byte("gosd-bench-notifyd: "+msg+"\n"))
	syscall.Exit(1)
}
