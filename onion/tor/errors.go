package tor

import (
	"errors"
	"fmt"
)

// Sentinel errors callers may branch on with errors.Is. None of them, nor
// any error this package returns, holds an address, a key or a path.
var (
	// ErrClosed: the Tor (or Listener) was closed.
	ErrClosed = errors.New("tor: closed")
	// ErrConfig: a Config field is invalid.
	ErrConfig = errors.New("tor: invalid configuration")
	// ErrTooOld: the tor binary is older than MinVersion (see VersionError).
	ErrTooOld = errors.New("tor: version too old")
	// ErrVersion: tor reported a version string that does not parse.
	ErrVersion = errors.New("tor: unparseable version")
	// ErrExited: the tor process we launched exited.
	ErrExited = errors.New("tor: tor process exited")
	// ErrControl: the control connection failed or tor refused a command.
	ErrControl = errors.New("tor: control port error")
	// ErrAuth: tor refused our control-port authentication.
	ErrAuth = errors.New("tor: control port authentication failed")
	// ErrStart: tor did not come up (no control port, bad torrc, ...).
	ErrStart = errors.New("tor: tor did not start")
	// ErrAddress: a .onion address is malformed (checked before any I/O;
	// wraps the identity package's error saying what is wrong).
	ErrAddress = errors.New("tor: invalid onion address")
	// ErrUnreachable: the onion service could not be reached (descriptor
	// not found, introduction or rendezvous failed, timed out).
	ErrUnreachable = errors.New("tor: onion service unreachable")
	// ErrRefused: the onion service is up but refused the stream (nothing
	// listens on that port behind it).
	ErrRefused = errors.New("tor: connection refused by onion service")
	// ErrSOCKS: tor's SOCKS port failed the request or spoke bad SOCKS.
	ErrSOCKS = errors.New("tor: SOCKS error")
	// ErrPoW: tor cannot run the onion-service proof-of-work defence.
	ErrPoW = errors.New("tor: proof-of-work defence unavailable")
	// ErrNotLaunched: the action needs a tor this package launched.
	ErrNotLaunched = errors.New("tor: not available in attach mode")
)

// VersionError says a tor is older than Warren accepts, and why.
type VersionError struct {
	Have, Need Version
}

func (e *VersionError) Error() string {
	return fmt.Sprintf("tor: tor %s is too old: Warren needs tor >= %s "+
		"(ADD_ONION's proof-of-work keywords PoWDefensesEnabled/PoWQueueRate/PoWQueueBurst "+
		"appeared in 0.4.9.2-alpha; 0.4.9 also brings Counter Galois Onion relay "+
		"encryption and is the series Warren supports and tests); upgrade tor", e.Have, e.Need)
}

// Unwrap makes errors.Is(err, ErrTooOld) hold.
func (e *VersionError) Unwrap() error { return ErrTooOld }

// SOCKSError is a failure reply from tor's SOCKS port. Code is the SOCKS5
// reply code, including tor's extended onion-service codes 0xF0-0xF7
// (proposal 304; they need the ExtendedErrors SocksPort flag, which Launch
// sets).
type SOCKSError struct {
	Code byte
}

func (e *SOCKSError) Error() string {
	return fmt.Sprintf("tor: %s (SOCKS 0x%02X)", socksReplyText(e.Code), e.Code)
}

// Unwrap classifies the code as ErrUnreachable, ErrRefused, ErrAddress or
// ErrSOCKS.
func (e *SOCKSError) Unwrap() error { return socksReplyClass(e.Code) }
