package wire

import (
	"encoding/binary"

	"github.com/warrennet/warren/overlay/record"
)

// ParsePush decodes a RECORDS_PUSH. The records it returns are sub-slices
// of b, each with its capacity clipped to its length: they alias b, so a
// caller that keeps one beyond b's life must copy it. On error it returns
// nil.
func ParsePush(b []byte) ([][]byte, error) {
	if err := checkMessage(b, TypePush, PushHeaderLen); err != nil {
		return nil, err
	}
	return parseRecords(b[1:], 1)
}

// ParseReply decodes a RECORDS_REPLY and reports whether it is the last
// one (FlagDone). Records alias b as in ParsePush. Only a last reply may be
// empty. On error it returns nil and false.
func ParseReply(b []byte) (recs [][]byte, done bool, err error) {
	if err := checkMessage(b, TypeReply, ReplyHeaderLen); err != nil {
		return nil, false, err
	}
	flags := b[1]
	if flags&^FlagDone != 0 {
		return nil, false, errFlags
	}
	done = flags&FlagDone != 0
	minCount := 1
	if done {
		minCount = 0
	}
	if recs, err = parseRecords(b[2:], minCount); err != nil {
		return nil, false, err
	}
	return recs, done, nil
}

// ParseGet decodes a GET_RECORDS and returns how many records it asks for,
// 1..MaxRequest. On error it returns 0.
func ParseGet(b []byte) (int, error) {
	if err := checkMessage(b, TypeGet, GetLen); err != nil {
		return 0, err
	}
	if len(b) > GetLen {
		return 0, errTrailing
	}
	want := int(binary.BigEndian.Uint16(b[1:]))
	if want < 1 || want > MaxRequest {
		return 0, errWant
	}
	return want, nil
}

// checkMessage checks b's type and its length against the fixed header and
// MaxPayload.
func checkMessage(b []byte, t Type, header int) error {
	switch {
	case len(b) == 0:
		return errEmpty
	case Type(b[0]) != t:
		return errType
	case len(b) < header:
		return errTruncated
	case len(b) > MaxPayload:
		return errTooLarge
	}
	return nil
}

// parseRecords decodes count(2) record*count, which must fill b exactly.
// It checks the framing in a first pass that allocates nothing, so that
// only a well-formed message costs an allocation.
func parseRecords(b []byte, minCount int) ([][]byte, error) {
	n := int(binary.BigEndian.Uint16(b))
	if n < minCount || n > MaxRecords {
		return nil, errCount
	}
	rest := b[2:]
	if n*(LengthLen+record.MinSize) > len(rest) {
		return nil, errTruncated
	}
	if err := checkFraming(rest, n); err != nil {
		return nil, err
	}
	recs := make([][]byte, n)
	for i := range recs {
		l := int(binary.BigEndian.Uint16(rest))
		recs[i], rest = rest[LengthLen:LengthLen+l:LengthLen+l], rest[LengthLen+l:]
	}
	return recs, nil
}

// checkFraming checks that b is exactly n length-prefixed records. A record
// shorter than record.MinSize is malformed at once; one longer than
// record.MaxSize gives ErrOversize, but only once the whole message has
// proved well framed.
func checkFraming(b []byte, n int) error {
	oversize := false
	for range n {
		if len(b) < LengthLen {
			return errTruncated
		}
		l := int(binary.BigEndian.Uint16(b))
		b = b[LengthLen:]
		if l > len(b) {
			return errTruncated
		}
		switch checkLen(l) {
		case errUndersize:
			return errUndersize
		case ErrOversize:
			oversize = true
		}
		b = b[l:]
	}
	if len(b) != 0 {
		return errTrailing
	}
	if oversize {
		return ErrOversize
	}
	return nil
}
