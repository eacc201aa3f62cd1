package identity

import (
	"crypto/ecdh"
	"crypto/ed25519"
	"crypto/subtle"
	"encoding/binary"
	"errors"
	"fmt"
)

// Key blob format, version 1 (all integers big-endian). These are the
// plaintexts handed to a SecretStore; the store encrypts them at rest.
//
//	node:  version(1)=1 | ed25519 seed(32) | ed25519 public(32)
//	link:  version(1)=1 | owner NodeID(32) | X25519 private(32) | X25519 public(32)
//	onion: version(1)=1 | owner NodeID(32) | count(1) in 1..MaxOnionKeys |
//	       count × ( epoch(4) | X25519 private(32) | X25519 public(32) )
//
// Each public key is redundant and checked against the one derived from the
// private key, which catches corruption the store did not. The owner field
// binds the link and onion blobs to the node key, so blobs of two different
// keyrings never load as one. Onion entries are in ascending, consecutive
// epochs. X25519 private keys are stored clamped (RFC 7748), their one
// canonical spelling. Anything else (length, version, a zero seed or owner,
// an unclamped scalar, order, an owner that is not a valid node key) is
// refused.
const (
	blobVersion = 1
	// MaxOnionKeys is the most onion keys a keyring holds (current and
	// previous epoch).
	MaxOnionKeys = 2

	nodeBlobLen   = 1 + 2*KeySize
	linkBlobLen   = 1 + 3*KeySize
	onionHdrLen   = 1 + KeySize + 1
	onionEntryLen = 4 + 2*KeySize
)

// ErrCorrupt is wrapped by every error about a stored key blob that cannot
// be used. The detail names the problem, never a key.
var ErrCorrupt = errors.New("identity: corrupt key blob")

var (
	errBlobLength  = fmt.Errorf("%w: wrong length", ErrCorrupt)
	errBlobVersion = fmt.Errorf("%w: unknown version", ErrCorrupt)
	errZeroKey     = fmt.Errorf("%w: all-zero key", ErrCorrupt)
	errOwnerKey    = fmt.Errorf("%w: owner is not a valid node key", ErrCorrupt)
	errNotClamped  = fmt.Errorf("%w: X25519 private key not clamped", ErrCorrupt)
	errPubMismatch = fmt.Errorf("%w: public key does not match private key", ErrCorrupt)
	errOnionCount  = fmt.Errorf("%w: onion key count out of range", ErrCorrupt)
	errOnionOrder  = fmt.Errorf("%w: onion key epochs not consecutive", ErrCorrupt)
	errOwner       = fmt.Errorf("%w: keys belong to different nodes", ErrCorrupt)
	errKeyReuse    = fmt.Errorf("%w: link and onion keys are not distinct", ErrCorrupt)
	errIncomplete  = fmt.Errorf("%w: stored keys are incomplete", ErrCorrupt)
)

func encodeNode(k ed25519.PrivateKey) []byte {
	b := make([]byte, 0, nodeBlobLen)
	b = append(b, blobVersion)
	return append(b, k...) // seed || public
}

func decodeNode(b []byte) (ed25519.PrivateKey, error) {
	if err := checkHeader(b, nodeBlobLen); err != nil {
		return nil, err
	}
	seed, pub := b[1:1+KeySize], b[1+KeySize:]
	if isZero(seed) {
		return nil, errZeroKey
	}
	k := ed25519.NewKeyFromSeed(seed)
	if subtle.ConstantTimeCompare(k[ed25519.SeedSize:], pub) != 1 {
		clear(k)
		return nil, errPubMismatch
	}
	return k, nil
}

func encodeLink(owner NodeID, k *ecdh.PrivateKey) []byte {
	b := make([]byte, 0, linkBlobLen)
	b = append(b, blobVersion)
	b = append(b, owner[:]...)
	return appendX25519(b, k)
}

func decodeLink(b []byte) (NodeID, *ecdh.PrivateKey, error) {
	if err := checkHeader(b, linkBlobLen); err != nil {
		return NodeID{}, nil, err
	}
	owner, err := decodeOwner(b[1:])
	if err != nil {
		return NodeID{}, nil, err
	}
	k, err := decodeX25519(b[1+KeySize:])
	if err != nil {
		return NodeID{}, nil, err
	}
	return owner, k, nil
}

func encodeOnion(owner NodeID, ks []OnionKey) []byte {
	b := make([]byte, 0, onionHdrLen+len(ks)*onionEntryLen)
	b = append(b, blobVersion)
	b = append(b, owner[:]...)
	b = append(b, byte(len(ks)))
	for _, k := range ks {
		b = binary.BigEndian.AppendUint32(b, k.Epoch)
		b = appendX25519(b, k.Private)
	}
	return b
}

// decodeOnion returns the keys in ascending epoch order.
func decodeOnion(b []byte) (NodeID, []OnionKey, error) {
	if len(b) < onionHdrLen {
		return NodeID{}, nil, errBlobLength
	}
	if b[0] != blobVersion {
		return NodeID{}, nil, errBlobVersion
	}
	owner, err := decodeOwner(b[1:])
	if err != nil {
		return NodeID{}, nil, err
	}
	n := int(b[onionHdrLen-1])
	if n < 1 || n > MaxOnionKeys {
		return NodeID{}, nil, errOnionCount
	}
	if len(b) != onionHdrLen+n*onionEntryLen {
		return NodeID{}, nil, errBlobLength
	}
	ks, err := decodeOnionEntries(b[onionHdrLen:], n)
	if err != nil {
		return NodeID{}, nil, err
	}
	return owner, ks, nil
}

func decodeOnionEntries(b []byte, n int) ([]OnionKey, error) {
	ks := make([]OnionKey, n)
	for i := range ks {
		e := b[i*onionEntryLen:]
		ks[i].Epoch = binary.BigEndian.Uint32(e)
		if i > 0 && ks[i-1].Epoch+1 != ks[i].Epoch {
			return nil, errOnionOrder
		}
		k, err := decodeX25519(e[4:onionEntryLen])
		if err != nil {
			return nil, err
		}
		ks[i].Private = k
	}
	return ks, nil
}

func checkHeader(b []byte, n int) error {
	if len(b) != n {
		return errBlobLength
	}
	if b[0] != blobVersion {
		return errBlobVersion
	}
	return nil
}

func decodeOwner(b []byte) (NodeID, error) {
	var id NodeID
	copy(id[:], b[:KeySize])
	if !id.Valid() {
		return NodeID{}, errOwnerKey
	}
	return id, nil
}

func appendX25519(b []byte, k *ecdh.PrivateKey) []byte {
	priv := k.Bytes()
	b = append(b, priv...)
	clear(priv)
	return append(b, k.PublicKey().Bytes()...)
}

// decodeX25519 reads private(32) | public(32) and checks they match.
func decodeX25519(b []byte) (*ecdh.PrivateKey, error) {
	priv, pub := b[:KeySize], b[KeySize:2*KeySize]
	if !isClamped(priv) {
		return nil, errNotClamped
	}
	k, err := ecdh.X25519().NewPrivateKey(priv)
	if err != nil {
		return nil, errBlobLength
	}
	if subtle.ConstantTimeCompare(k.PublicKey().Bytes(), pub) != 1 {
		return nil, errPubMismatch
	}
	return k, nil
}

func isZero(b []byte) bool {
	var acc byte
	for _, c := range b {
		acc |= c
	}
	return acc == 0
}
