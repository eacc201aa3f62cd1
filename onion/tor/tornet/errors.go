package tornet

import (
	"errors"
	"strings"
)

// Sentinel errors. Start's errors wrap one of them; errors about a single
// tor are a *StartError.
var (
	ErrConfig      = errors.New("tornet: invalid config")
	ErrTorNotFound = errors.New("tornet: tor or tor-gencert not found")
	ErrDirNotEmpty = errors.New("tornet: work directory is not empty")
	ErrExited      = errors.New("tornet: tor exited during start")
	ErrNotReady    = errors.New("tornet: network not ready before the start timeout")
	ErrClosed      = errors.New("tornet: network closed")
)

// StartError says which tor made Start fail and why. Its Error() includes
// the tail of that tor's log: this is a private loopback network, so the
// 127.0.0.1 addresses and throwaway fingerprints there reveal nothing.
type StartError struct {
	Tor     string   // name of the tor, e.g. "relay1"
	Err     error    // ErrExited, ErrNotReady, or the underlying error
	Detail  string   // e.g. "exit status 1" or "consensus lists 3 of 5 relays Running"
	LogPath string   // the tor's log file (removed by Start on failure if Start created Dir)
	LogTail []string // last lines of the tor's log
}

func (e *StartError) Error() string {
	var b strings.Builder
	b.WriteString(e.Err.Error())
	b.WriteString(": tor ")
	b.WriteString(e.Tor)
	if e.Detail != "" {
		b.WriteString(": ")
		b.WriteString(e.Detail)
	}
	if len(e.LogTail) > 0 {
		b.WriteString("; last lines of its log:")
		for _, l := range e.LogTail {
			b.WriteString("\n\t")
			b.WriteString(l)
		}
	}
	return b.String()
}

func (e *StartError) Unwrap() error { return e.Err }

// portInUse reports whether the tor failed because a port we picked was
// taken in the meantime, so that a start with fresh ports may succeed.
func (e *StartError) portInUse() bool {
	for _, l := range e.LogTail {
		if strings.Contains(l, "Address already in use") {
			return true
		}
	}
	return false
}
