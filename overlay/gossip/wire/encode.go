package wire

import "encoding/binary"

// AppendGet appends a GET_RECORDS asking for want records (1..MaxRequest).
// On error dst is returned unchanged.
func AppendGet(dst []byte, want int) ([]byte, error) {
	if want < 1 || want > MaxRequest {
		return dst, errWant
	}
	dst = append(dst, byte(TypeGet))
	return binary.BigEndian.AppendUint16(dst, uint16(want)), nil
}

// AppendPush appends one RECORDS_PUSH carrying exactly recs: at least one,
// each of record.MinSize..record.MaxSize bytes (else ErrMalformed or
// ErrOversize), Size(TypePush, recs) <= MaxPayload. Use NextBatch or Split
// to cut a longer list. On error dst is returned unchanged.
func AppendPush(dst []byte, recs [][]byte) ([]byte, error) {
	if len(recs) == 0 {
		return dst, errCount
	}
	if err := checkBatch(TypePush, recs); err != nil {
		return dst, err
	}
	dst = append(dst, byte(TypePush))
	return appendRecords(dst, recs), nil
}

// AppendReply appends one RECORDS_REPLY carrying exactly recs, flagged
// FlagDone if done. It has AppendPush's limits, except that a done reply
// may be empty. On error dst is returned unchanged.
func AppendReply(dst []byte, recs [][]byte, done bool) ([]byte, error) {
	if len(recs) == 0 && !done {
		return dst, errCount
	}
	if err := checkBatch(TypeReply, recs); err != nil {
		return dst, err
	}
	var flags byte
	if done {
		flags = FlagDone
	}
	dst = append(dst, byte(TypeReply), flags)
	return appendRecords(dst, recs), nil
}

// Size returns the encoded size of a records message of type t (TypePush
// or TypeReply) carrying recs, whether or not it is within the limits.
func Size(t Type, recs [][]byte) int {
	n := headerLen(t)
	for _, r := range recs {
		n += LengthLen + len(r)
	}
	return n
}

// checkBatch checks every record's length, then the message size.
func checkBatch(t Type, recs [][]byte) error {
	for _, r := range recs {
		if err := checkLen(len(r)); err != nil {
			return err
		}
	}
	if Size(t, recs) > MaxPayload {
		return errTooLarge
	}
	return nil
}

func appendRecords(dst []byte, recs [][]byte) []byte {
	dst = binary.BigEndian.AppendUint16(dst, uint16(len(recs)))
	for _, r := range recs {
		dst = binary.BigEndian.AppendUint16(dst, uint16(len(r)))
		dst = append(dst, r...)
	}
	return dst
}
