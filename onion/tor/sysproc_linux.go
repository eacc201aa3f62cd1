package tor

import "syscall"

// sysProcAttr puts tor in its own process group (a Ctrl-C in the terminal
// reaches only us, and we stop tor in order) and has the kernel SIGKILL tor
// if the OS thread that started it exits (the Go runtime keeps its threads
// unless a goroutine locked with runtime.LockOSThread exits; do not Launch
// from such a goroutine). __OwningControllerProcess in the torrc is the
// second safety net: tor exits by itself when our process is gone.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
