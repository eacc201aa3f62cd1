// Package wire is the codec for the gossip messages that overlay links
// carry: pushes of signed peer records, requests for records, and the
// replies to those requests.
//
// Every message is one link payload (at most MaxPayload bytes) whose first
// byte is its type; the type numbers sit beside msg.TypePing and
// msg.TypePong in the same space. All integers are big-endian:
//
//	RECORDS_PUSH  (0x10)  type(1) count(2) record*count
//	GET_RECORDS   (0x11)  type(1) want(2)                 1 <= want <= MaxRequest
//	RECORDS_REPLY (0x12)  type(1) flags(1) count(2) record*count
//
//	record        length(2) bytes(length)                 record.MinSize <= length <= record.MaxSize
//	flags         bit 0 = FlagDone (the last reply to a GET_RECORDS); other bits 0
//
// A push carries at least one record; a reply may be empty only when it is
// the last (an empty address book's answer). Decoders bound the count by
// the bytes present before allocating, reject trailing bytes, unknown flag
// bits and any record length out of range, and never return a half-filled
// value. A record longer than record.MaxSize fails with ErrOversize, which
// is apart from ErrMalformed so that a receiver can treat it as a record it
// cannot read (a later format) rather than a broken peer; the message is
// still refused whole.
//
// The package owns this framing and how a long list of records is split
// into messages (NextBatch, Split): full messages first, then a tail cut to
// waste the least link padding. It does not parse or verify the records
// themselves (package record does), and it does no I/O and holds no state:
// it is a leaf, and all of it is safe for concurrent use.
package wire
