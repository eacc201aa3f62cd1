//go:build unix && !linux

package tornet

import (
	"os"
	"syscall"
)

// sysProcAttr puts tor in its own process group, so that a Ctrl-C in the
// terminal reaches only us and we stop tor in order.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}

func terminate(p *os.Process) error { return p.Signal(syscall.SIGTERM) }
