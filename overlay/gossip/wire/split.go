package wire

import (
	"github.com/warrennet/warren/overlay/record"

	linkwire "github.com/warrennet/warren/overlay/link/wire"
)

// NextBatch returns how many records from the front of recs the next
// message of type t (TypePush or TypeReply) should carry: as many as fit in
// MaxPayload while more remain than one message holds, and, once the rest
// fits in one message, the count that makes the remaining messages take the
// fewest bytes on the link after padding (links pad every frame to one of
// four sizes, so a 17 KB tail goes as a 16 KiB frame and a few small ones
// rather than one 64 KiB frame). Calling it again on what is left
// continues the plan or improves on it. A record of a length out of range
// counts as record.MaxSize (the Append functions refuse it). NextBatch
// returns 0 only for an empty recs.
func NextBatch(t Type, recs [][]byte) int {
	n, _ := pack(t, recs, MaxPayload)
	if n < len(recs) {
		return n
	}
	best, bestCost := n, wireCost(Size(t, recs))
	for _, limit := range linkwire.FrameSizes[:linkwire.NumSizes-1] {
		first, cost := pack(t, recs, limit)
		if first > 0 && cost < bestCost {
			best, bestCost = first, cost
		}
	}
	return best
}

// pack cuts recs greedily into messages of at most limit bytes and returns
// the first message's count and the total wire bytes. first is 0 if a
// record does not fit in limit on its own.
func pack(t Type, recs [][]byte, limit int) (first, cost int) {
	size, count := headerLen(t), 0
	for _, r := range recs {
		l := LengthLen + recLen(r)
		if size+l > limit {
			if count == 0 {
				return 0, 0
			}
			if first == 0 {
				first = count
			}
			cost += wireCost(size)
			size, count = headerLen(t), 0
			if size+l > limit {
				return 0, 0
			}
		}
		size += l
		count++
	}
	if first == 0 {
		first = count
	}
	return first, cost + wireCost(size)
}

// recLen is len(r), or record.MaxSize for a length out of range.
func recLen(r []byte) int {
	if checkLen(len(r)) != nil {
		return record.MaxSize
	}
	return len(r)
}

// wireCost is the size on the wire of a link frame carrying n bytes.
func wireCost(n int) int {
	c, ok := linkwire.ClassFor(n)
	if !ok {
		return 1 << 30
	}
	return linkwire.WireSizes[c]
}

// Split encodes recs as messages of type t (TypePush or TypeReply) cut by
// NextBatch, each at most MaxPayload bytes, in order. For a reply the last
// message is flagged FlagDone, and an empty recs gives one empty done
// reply; for a push an empty recs gives no message. It fails (ErrOversize,
// ErrMalformed) if a record's length is out of range.
func Split(t Type, recs [][]byte) ([][]byte, error) {
	if t != TypePush && t != TypeReply {
		return nil, errType
	}
	for _, r := range recs {
		if err := checkLen(len(r)); err != nil {
			return nil, err
		}
	}
	if len(recs) == 0 && t == TypeReply {
		m, err := AppendReply(nil, nil, true)
		return [][]byte{m}, err
	}
	var out [][]byte
	for len(recs) > 0 {
		n := NextBatch(t, recs)
		m, err := appendBatch(t, recs[:n], n == len(recs))
		if err != nil {
			return nil, err
		}
		out, recs = append(out, m), recs[n:]
	}
	return out, nil
}

func appendBatch(t Type, recs [][]byte, last bool) ([]byte, error) {
	dst := make([]byte, 0, Size(t, recs))
	if t == TypeReply {
		return AppendReply(dst, recs, last)
	}
	return AppendPush(dst, recs)
}
