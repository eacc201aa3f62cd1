package tornet

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// RSS returns the sum of the resident set sizes (VmRSS) of the network's
// tor processes, read from /proc (Linux only). It fails with ErrClosed
// after Close.
func (n *Network) RSS() (bytes uint64, err error) {
	n.closedMu.Lock()
	defer n.closedMu.Unlock()
	if n.closed {
		return 0, ErrClosed
	}
	for _, t := range n.tors {
		kb, err := vmRSS(t.cmd.Process.Pid)
		if err != nil {
			return 0, fmt.Errorf("tornet: reading RSS of tor %s: %w", t.name, err)
		}
		bytes += kb << 10
	}
	return bytes, nil
}

// vmRSS returns the VmRSS line of /proc/PID/status, in KiB.
func vmRSS(pid int) (uint64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		v, ok := strings.CutPrefix(sc.Text(), "VmRSS:")
		if !ok {
			continue
		}
		fields := strings.Fields(v)
		if len(fields) != 2 || fields[1] != "kB" {
			break
		}
		return strconv.ParseUint(fields[0], 10, 64)
	}
	if err := sc.Err(); err != nil {
		return 0, err
	}
	return 0, fmt.Errorf("no VmRSS in /proc/%d/status", pid)
}
