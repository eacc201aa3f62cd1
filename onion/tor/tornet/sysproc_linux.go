package tornet

import (
	"os"
	"syscall"
)

// sysProcAttr puts tor in its own process group, so that a Ctrl-C in the
// terminal reaches only us and we stop tor in order, and has the kernel
// SIGKILL tor if the thread that started it dies (e.g. go test killed on a
// timeout). Caveat: if Start runs on a goroutine locked to its OS thread
// (runtime.LockOSThread) that later exits, the tors die with it.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}

func terminate(p *os.Process) error { return p.Signal(syscall.SIGTERM) }
