// Package addrman is the address book: which node records this node knows,
// where they came from, how reaching them went, and whom to dial next.
//
// It is Bitcoin Core's addrman (new and tried tables of buckets, keyed
// placement, test-before-evict, GetChance and IsTerrible) adapted to onion
// addresses. A .onion address says nothing about where a node is, so there
// is no network group to spread entries by; the new table is bucketed by the
// SOURCE that told us about a record instead.
//
// # Placement
//
// Every hash is SHA-256 over Config.Key (a secret the caller generates once
// and persists), a domain tag and the fields, so peers cannot predict where
// an entry lands:
//
//	new:   group  = H(key, node) mod SourceBuckets
//	       bucket = H(key, source, group) mod NewBuckets
//	       slot   = H(key, bucket, node) mod BucketSize
//	tried: bucket = H(key, node) mod TriedBuckets
//	       slot   = H(key, bucket, node) mod BucketSize
//
// An entry lives in exactly one slot. A new-table slot held by an entry
// that is not terrible (see below) is never overwritten: the newcomer is
// dropped (AddNoRoom). Tried slots change only through Good and
// ResolveCollisions.
//
// # What it defends against
//
//   - A source flooding records: everything one source tells us lands in at
//     most SourceBuckets new buckets, so it holds at most BucketCap entries
//     (1,024 by default) and cannot evict entries that are not terrible.
//     Select picks a random non-empty bucket before a slot, so a flooder's
//     share of new-table picks is its share of non-empty buckets, not of
//     entries.
//   - Eviction of good peers: a node that succeeded on an outbound link
//     moves to tried, and a newcomer whose tried slot is taken only evicts
//     the occupant after the caller tested the occupant (Collision,
//     ResolveCollisions) and it failed, or after TestWindow passed without
//     the occupant being reached.
//   - Eclipse at restart: Anchors (the last good outbound peers) are kept
//     and persisted so the caller reconnects to them first.
//
// What it does not defend against: a Sybil with many linked identities is
// many sources, and each fills its own buckets; nothing here can tell them
// apart. There is no network diversity to exploit. Rate-limiting address
// gossip, answering repeated address requests from a cache, and choosing
// which sources to believe are the caller's job.
//
// An entry is terrible when its record has expired, when it was tried at
// least three times without any success, or when it has failed ten times
// and last succeeded more than a week ago; an entry tried within the last
// minute is not terrible unless it has expired.
//
// # I/O, time, randomness, persistence
//
// None of its own: no files, network, goroutines or clock reads. Time comes
// from Config.Now and randomness from Config.Rand; with the same seed, key
// and calls, a Book behaves identically (nothing depends on Go map order).
// The caller persists the book: TakeChanges hands over the entries changed
// and removed since the last call, and Load (or Restore) brings entries
// back, re-placing them by the rules above. Anchors persist with their
// entries (Info.Anchor). The ban list and pending collisions are not
// persisted.
//
// # Concurrency
//
// A *Book is safe for concurrent use; one mutex guards it. Callbacks (the
// exclude function of Select) run with that mutex held and must not call the
// Book. Records and byte slices handed out are copies the caller owns.
package addrman
