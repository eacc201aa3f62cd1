package identity

import (
	"crypto/sha3"
	"encoding/base32"
	"errors"
	"strings"
)

// NodeID is a node's ed25519 public key. Because the node key is also the
// node's Tor v3 onion-service key, the NodeID and the node's .onion address
// are two spellings of the same 32 bytes.
//
// The zero NodeID, and every other small-order or non-canonical key, is
// invalid and never names a node (see ValidNodeKey).
type NodeID [32]byte

// Onion address constants from Tor's rend-spec-v3, section 6.
const (
	onionVersion     = 0x03
	onionChecksumLen = 2
	onionSuffix      = ".onion"
	// OnionAddrLen is the length of a v3 onion address without ".onion".
	OnionAddrLen = 56
)

var onionEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// Errors returned by ParseNodeID.
var (
	ErrOnionLength   = errors.New("identity: onion address must be 56 base32 characters followed by .onion")
	ErrOnionEncoding = errors.New("identity: onion address is not valid base32")
	ErrOnionVersion  = errors.New("identity: onion address is not version 3")
	ErrOnionChecksum = errors.New("identity: onion address checksum mismatch")
	ErrOnionKey      = errors.New("identity: onion address names an invalid key")
)

func onionChecksum(pub []byte) [onionChecksumLen]byte {
	h := sha3.New256()
	h.Write([]byte(".onion checksum"))
	h.Write(pub)
	h.Write([]byte{onionVersion})
	var c [onionChecksumLen]byte
	copy(c[:], h.Sum(nil))
	return c
}

// Onion returns the node's v3 onion address, lower case, with ".onion".
func (id NodeID) Onion() string {
	var raw [32 + onionChecksumLen + 1]byte
	copy(raw[:], id[:])
	c := onionChecksum(id[:])
	copy(raw[32:], c[:])
	raw[34] = onionVersion
	return strings.ToLower(onionEncoding.EncodeToString(raw[:])) + onionSuffix
}

// String returns the onion address. NodeIDs are public, so printing one is
// not a leak of a secret; printing one next to an IP address is.
func (id NodeID) String() string { return id.Onion() }

// Short returns the first 8 characters of the onion address, for display.
func (id NodeID) Short() string { return id.Onion()[:8] }

// IsZero reports whether id is the zero value.
func (id NodeID) IsZero() bool { return id == NodeID{} }

// ParseNodeID parses a v3 onion address, with or without the ".onion"
// suffix, in either case, and checks its version and checksum. Only ASCII
// is accepted (so no Unicode case folding can turn another string into an
// address), and a key ValidNodeKey refuses (the zero key, small-order and
// non-canonical keys) is refused with ErrOnionKey.
func ParseNodeID(s string) (NodeID, error) {
	if !isASCII(s) {
		return NodeID{}, ErrOnionEncoding
	}
	s = strings.TrimSuffix(strings.ToLower(s), onionSuffix)
	if len(s) != OnionAddrLen {
		return NodeID{}, ErrOnionLength
	}
	raw, err := onionEncoding.DecodeString(strings.ToUpper(s))
	if err != nil || len(raw) != 35 {
		return NodeID{}, ErrOnionEncoding
	}
	if raw[34] != onionVersion {
		return NodeID{}, ErrOnionVersion
	}
	if c := onionChecksum(raw[:32]); c[0] != raw[32] || c[1] != raw[33] {
		return NodeID{}, ErrOnionChecksum
	}
	var id NodeID
	copy(id[:], raw[:32])
	if !id.Valid() {
		return NodeID{}, ErrOnionKey
	}
	return id, nil
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}
