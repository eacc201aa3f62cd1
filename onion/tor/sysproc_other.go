//go:build !linux

package tor

import "syscall"

// sysProcAttr: outside Linux only __OwningControllerProcess (in the torrc)
// makes tor exit when our process is gone.
func sysProcAttr() *syscall.SysProcAttr { return nil }
