package torbench

import "errors"

// Sentinel errors. Measure's errors wrap one of them, or an error of
// package tornet or onion/tor (which have their own sentinels), or the
// context's error.
var (
	// ErrConfig: a Config field is invalid.
	ErrConfig = errors.New("torbench: invalid config")
	// ErrControl: the client tor's control port failed or refused a
	// command the measurement needs.
	ErrControl = errors.New("torbench: control port error")
	// ErrRelays: the client never learned every relay of the network.
	ErrRelays = errors.New("torbench: relays not known to the client")
	// ErrBuild: circuit builds failed more often than allowed.
	ErrBuild = errors.New("torbench: circuit builds failed")
	// ErrStream: the bulk stream could not be opened or attached to the
	// measured circuit.
	ErrStream = errors.New("torbench: bulk stream failed")
	// ErrTransfer: the sink did not receive exactly the bytes sent.
	ErrTransfer = errors.New("torbench: bulk transfer failed")
	// ErrStop: a tor process or the sink could not be stopped cleanly.
	ErrStop = errors.New("torbench: stopping failed")
)
