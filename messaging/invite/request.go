package invite

import (
	"io"

	"github.com/warrennet/warren/messaging/envelope"
	"github.com/warrennet/warren/messaging/ratchet"
)

// RequestSize is the envelope size of a contact request whose first
// message is the smallest envelope (a padded Hello always is).
const RequestSize = 3856

// SealRequest seals the acceptor's contact request under a key derived
// from key (the Invitation's Key, with a label apart from the blob's):
//
//	nonce 24 | XChaCha20-Poly1305(u16 len | version | InitMsg 1120 | first | zeros)
//
// first is the acceptor's first ratchet message (an encrypted, padded
// Hello) and must itself be one of envelope.Sizes. The output is the
// smallest envelope size that holds it: RequestSize for a 940-byte first.
func SealRequest(key [32]byte, init ratchet.InitMsg, first []byte, r io.Reader) ([]byte, error) {
	if !envelope.ValidSize(len(first)) {
		return nil, ErrMalformed
	}
	content := make([]byte, 0, 1+ratchet.InitMsgSize+len(first))
	content = append(content, Version)
	content = append(content, init.Bytes()...)
	content = append(content, first...)
	return seal(&key, labelRequest, content, r)
}

// OpenRequest opens an envelope made by SealRequest with the same key and
// returns the InitMsg and the first ratchet message (a fresh buffer).
func OpenRequest(key [32]byte, env []byte) (ratchet.InitMsg, []byte, error) {
	content, err := open(&key, labelRequest, env)
	if err != nil {
		return ratchet.InitMsg{}, nil, err
	}
	if len(content) < 1+ratchet.InitMsgSize {
		return ratchet.InitMsg{}, nil, ErrMalformed
	}
	if content[0] != Version {
		return ratchet.InitMsg{}, nil, ErrVersion
	}
	first := content[1+ratchet.InitMsgSize:]
	if !envelope.ValidSize(len(first)) {
		return ratchet.InitMsg{}, nil, ErrMalformed
	}
	init, err := ratchet.ParseInitMsg(content[1 : 1+ratchet.InitMsgSize])
	if err != nil {
		return ratchet.InitMsg{}, nil, ErrMalformed
	}
	return init, first, nil
}
