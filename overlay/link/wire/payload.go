package wire

import (
	"encoding/binary"

	"github.com/warrennet/warren/overlay/identity"
)

// LinkCert binds a link's static X25519 key to a node's ed25519 key: Sig is
// the node key's signature over CertMessage(networkID, linkKey). The cert
// does not carry the link key itself; the verifier takes it from the Noise
// handshake (the peer's static key), so the two cannot disagree silently.
type LinkCert struct {
	Node [32]byte // ed25519 public key (the NodeID)
	Sig  [64]byte // ed25519 signature
}

// CertDomain prefixes every signed link-certificate message.
const CertDomain = "warren/link-cert/v1"

// CertMessageLen is the size of the signed message.
const CertMessageLen = len(CertDomain) + 32 + 32

// CertMessage returns the bytes a node signs to certify linkKey on network
// networkID: CertDomain || networkID || linkKey.
func CertMessage(networkID, linkKey [32]byte) [CertMessageLen]byte {
	var m [CertMessageLen]byte
	n := copy(m[:], CertDomain)
	n += copy(m[n:], networkID[:])
	copy(m[n:], linkKey[:])
	return m
}

// Append appends the 96-byte encoding of c to dst.
func (c *LinkCert) Append(dst []byte) []byte {
	dst = append(dst, c.Node[:]...)
	return append(dst, c.Sig[:]...)
}

// ParseLinkCert decodes exactly CertLen bytes. A node key that
// identity.ValidNodeKey refuses (zero, small-order or non-canonical: under
// a small-order key anyone can make a signature that verifies) is refused
// with ErrNodeKey.
func ParseLinkCert(b []byte) (LinkCert, error) {
	if len(b) < CertLen {
		return LinkCert{}, ErrTruncated
	}
	if len(b) > CertLen {
		return LinkCert{}, ErrTrailing
	}
	var c LinkCert
	copy(c.Node[:], b[:32])
	if !identity.ValidNodeKey(c.Node) {
		return LinkCert{}, ErrNodeKey
	}
	copy(c.Sig[:], b[32:])
	return c, nil
}

// InitPayload is the plaintext payload of IK message 1: the initiator's
// timestamp (unix nanoseconds, big-endian, never zero) and its link cert.
type InitPayload struct {
	Timestamp uint64
	Cert      LinkCert
}

// Append appends the InitPayloadLen-byte encoding of p to dst.
func (p *InitPayload) Append(dst []byte) []byte {
	dst = binary.BigEndian.AppendUint64(dst, p.Timestamp)
	return p.Cert.Append(dst)
}

// ParseInitPayload decodes exactly InitPayloadLen bytes.
func ParseInitPayload(b []byte) (InitPayload, error) {
	if len(b) < InitPayloadLen {
		return InitPayload{}, ErrTruncated
	}
	if len(b) > InitPayloadLen {
		return InitPayload{}, ErrTrailing
	}
	ts := binary.BigEndian.Uint64(b)
	if ts == 0 {
		return InitPayload{}, ErrTimestamp
	}
	c, err := ParseLinkCert(b[8:])
	if err != nil {
		return InitPayload{}, err
	}
	return InitPayload{Timestamp: ts, Cert: c}, nil
}

// RespPayload is the plaintext payload of message 2 (IK and NK): the
// responder's link cert.
type RespPayload struct {
	Cert LinkCert
}

// Append appends the RespPayloadLen-byte encoding of p to dst.
func (p *RespPayload) Append(dst []byte) []byte { return p.Cert.Append(dst) }

// ParseRespPayload decodes exactly RespPayloadLen bytes.
func ParseRespPayload(b []byte) (RespPayload, error) {
	c, err := ParseLinkCert(b)
	if err != nil {
		return RespPayload{}, err
	}
	return RespPayload{Cert: c}, nil
}
