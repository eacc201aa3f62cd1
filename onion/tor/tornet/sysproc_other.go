//go:build !unix

package tornet

import (
	"os"
	"syscall"
)

func sysProcAttr() *syscall.SysProcAttr { return nil }

// terminate kills p: there is no SIGTERM here.
func terminate(p *os.Process) error { return p.Kill() }
