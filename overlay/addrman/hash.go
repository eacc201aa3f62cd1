package addrman

import (
	"crypto/sha256"
	"encoding/binary"

	"github.com/warrennet/warren/overlay/identity"
)

// hashDomain prefixes every bucketing hash input after the key.
const hashDomain = "warren/addrman/v1"

// Tags naming what a hash places.
const (
	tagGroup       byte = 1 // which of a source's buckets a node goes to
	tagNewBucket   byte = 2
	tagNewSlot     byte = 3
	tagTriedBucket byte = 4
	tagTriedSlot   byte = 5
)

// keyedHash is the first 8 bytes, big-endian, of
// SHA-256(key || hashDomain || tag || id || n). All inputs are fixed size,
// so the encoding is unambiguous.
func keyedHash(key *[32]byte, tag byte, id *identity.NodeID, n uint64) uint64 {
	var buf [32 + len(hashDomain) + 1 + 32 + 8]byte
	o := copy(buf[:], key[:])
	o += copy(buf[o:], hashDomain)
	buf[o] = tag
	o++
	o += copy(buf[o:], id[:])
	binary.BigEndian.PutUint64(buf[o:], n)
	sum := sha256.Sum256(buf[:])
	return binary.BigEndian.Uint64(sum[:8])
}

// newPos is the new-table slot index (bucket*BucketSize + slot) of node id
// announced by source.
func (b *Book) newPos(source, id identity.NodeID) int {
	group := keyedHash(&b.key, tagGroup, &id, 0) % uint64(b.sourceBuckets)
	bucket := keyedHash(&b.key, tagNewBucket, &source, group) % uint64(b.newT.buckets)
	slot := keyedHash(&b.key, tagNewSlot, &id, bucket) % uint64(b.newT.size)
	return int(bucket)*b.newT.size + int(slot)
}

// triedPos is the tried-table slot index of node id.
func (b *Book) triedPos(id identity.NodeID) int {
	bucket := keyedHash(&b.key, tagTriedBucket, &id, 0) % uint64(b.triedT.buckets)
	slot := keyedHash(&b.key, tagTriedSlot, &id, bucket) % uint64(b.triedT.size)
	return int(bucket)*b.triedT.size + int(slot)
}
