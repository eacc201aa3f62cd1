package handshake

import "errors"

// Sentinel errors. Respond and Finish return exactly one of them for every
// refusal (unwrapped, so refusing a flood allocates nothing); none of the
// messages holds a key, an epoch or a timestamp.
var (
	// ErrConfig reports an unusable ServerConfig or argument: a keyLen
	// outside [1, MaxKeyLen], a zero or low-order onion key, a time before
	// 1970, a missing Keys function.
	ErrConfig = errors.New("handshake: invalid configuration or argument")
	// ErrMalformed reports a message of the wrong length.
	ErrMalformed = errors.New("handshake: malformed message")
	// ErrUnknownKey reports a client message naming an onion-key epoch the
	// relay does not hold (never had, or already retired).
	ErrUnknownKey = errors.New("handshake: unknown onion key epoch")
	// ErrDecrypt reports a message that failed authentication: a wrong
	// onion key, network ID or epoch, tampering, another client's reply, or
	// a low-order ephemeral key.
	ErrDecrypt = errors.New("handshake: authentication failed")
	// ErrStale reports a client timestamp outside the freshness window or
	// not after the server's floor (for instance, recorded before a
	// restart).
	ErrStale = errors.New("handshake: timestamp outside window")
	// ErrReplay reports a client message already answered within its
	// window.
	ErrReplay = errors.New("handshake: replayed message")
	// ErrBusy reports a full replay cache: the server refuses new
	// handshakes rather than forget a message that could still be replayed.
	ErrBusy = errors.New("handshake: replay cache full")
	// ErrUsed reports a second call to Client.Finish.
	ErrUsed = errors.New("handshake: client state already used")
)
