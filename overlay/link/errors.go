package link

import "errors"

// Sentinel errors. Handshake failures wrap ErrHandshake together with a
// more specific sentinel (or a wire decoding error) so callers can branch on
// either; none of the messages holds a key, an address or an ID.
var (
	// ErrConfig reports an unusable Config, Remote or ListenerConfig.
	ErrConfig = errors.New("link: invalid configuration")
	// ErrHandshake wraps every handshake failure.
	ErrHandshake = errors.New("link: handshake failed")
	// ErrDecrypt reports a handshake message or frame that failed
	// authentication (wrong key, tampering, wrong prologue).
	ErrDecrypt = errors.New("link: authentication failed")
	// ErrBadCert reports a link certificate with an invalid signature or a
	// link key that is not the peer's Noise static key.
	ErrBadCert = errors.New("link: invalid link certificate")
	// ErrPeerIdentity reports a responder whose certificate names another
	// node than the dialer expected, or an initiator claiming our own ID.
	ErrPeerIdentity = errors.New("link: unexpected peer identity")
	// ErrReplay reports an IK message 1 whose timestamp is not newer than
	// the last one accepted from that node (or than the guard's floor).
	ErrReplay = errors.New("link: replayed handshake")
	// ErrStale reports an IK message 1 whose timestamp is outside the
	// freshness window around the responder's clock (Window behind it,
	// Future ahead of it).
	ErrStale = errors.New("link: handshake timestamp outside window")
	// ErrRateLimited reports an initiator handshaking faster than allowed,
	// or a new initiator while the replay table holds only fresh entries.
	ErrRateLimited = errors.New("link: handshake rate limit exceeded")
	// ErrProtocol reports a frame that breaks the framing rules. Frame
	// headers are masked, not sealed, and checked before the AEAD, so
	// bytes tampered with on the path may also end here (as an invalid
	// header) rather than in ErrDecrypt.
	ErrProtocol = errors.New("link: protocol violation")
	// ErrTooLarge reports a payload larger than MaxPayload passed to Send.
	ErrTooLarge = errors.New("link: payload too large")
	// ErrClosed reports use of a closed Link or Listener.
	ErrClosed = errors.New("link: closed")
)
