package envelope

import (
	"encoding/binary"
	"slices"
)

// Encode validates p and returns its encoding (see the package doc).
func Encode(p Payload) ([]byte, error) {
	if p == nil {
		return nil, ErrMalformed
	}
	if err := p.check(); err != nil {
		return nil, err
	}
	return p.appendTo(nil), nil
}

// Decode parses exactly one encoded payload. It rejects unknown types,
// bad counts and lengths, invalid text, duplicates and trailing bytes,
// and returns a Text, Receipt, Hello or Payment value on success.
func Decode(b []byte) (Payload, error) {
	if len(b) == 0 {
		return nil, ErrMalformed
	}
	if len(b) > MaxPayload {
		return nil, ErrTooLarge
	}
	r := &reader{b: b[1:]}
	var p Payload
	switch Type(b[0]) {
	case TypeText:
		p = decodeText(r)
	case TypeReceipt:
		p = decodeReceipt(r)
	case TypeHello:
		p = decodeHello(r)
	case TypePayment:
		p = decodePayment(r)
	default:
		return nil, ErrUnknownType
	}
	if r.err != nil {
		return nil, r.err
	}
	if r.bad || len(r.b) != 0 {
		return nil, ErrMalformed
	}
	if err := p.check(); err != nil {
		return nil, err
	}
	return p, nil
}

func (t Text) appendTo(dst []byte) []byte {
	dst = slices.Grow(dst, textHeader+len(t.Body))
	dst = append(dst, byte(TypeText))
	dst = append(dst, t.ID[:]...)
	dst = binary.BigEndian.AppendUint64(dst, t.Seq)
	dst = binary.BigEndian.AppendUint64(dst, uint64(t.Sent))
	dst = binary.BigEndian.AppendUint16(dst, uint16(len(t.Body)))
	return append(dst, t.Body...)
}

func decodeText(r *reader) Text {
	var t Text
	copy(t.ID[:], r.take(16))
	t.Seq = r.u64()
	t.Sent = int64(r.u64())
	body := r.take(int(r.u16()))
	if !r.bad {
		t.Body = slices.Clone(body)
	}
	return t
}

func (p Payment) appendTo(dst []byte) []byte {
	dst = slices.Grow(dst, payHeader+len(p.Cert))
	dst = append(dst, byte(TypePayment))
	dst = append(dst, p.ID[:]...)
	dst = binary.BigEndian.AppendUint16(dst, uint16(len(p.Cert)))
	return append(dst, p.Cert...)
}

func decodePayment(r *reader) Payment {
	var p Payment
	copy(p.ID[:], r.take(16))
	cert := r.take(int(r.u16()))
	if !r.bad {
		p.Cert = slices.Clone(cert)
	}
	return p
}

func (rc Receipt) appendTo(dst []byte) []byte {
	dst = append(dst, byte(TypeReceipt), byte(len(rc.IDs)))
	for _, id := range rc.IDs {
		dst = append(dst, id[:]...)
	}
	return dst
}

func decodeReceipt(r *reader) Receipt {
	n := int(r.u8())
	if n == 0 || n > MaxReceiptIDs || len(r.b) != n*16 {
		r.bad = true
		return Receipt{}
	}
	ids := make([][16]byte, n)
	for i := range ids {
		copy(ids[i][:], r.take(16))
	}
	return Receipt{IDs: ids}
}

func (h Hello) appendTo(dst []byte) []byte {
	dst = append(dst, byte(TypeHello), byte(len(h.Name)))
	dst = append(dst, h.Name...)
	return AppendQueues(dst, h.Queues)
}

func decodeHello(r *reader) Hello {
	name := r.take(int(r.u8()))
	if r.bad {
		return Hello{}
	}
	qs, rest, err := DecodeQueues(r.b)
	if err != nil {
		r.bad, r.err = true, err
		return Hello{}
	}
	r.b = rest
	return Hello{Name: string(name), Queues: qs}
}

// AppendQueues appends count u8 | count * (relay 32 | queue 16) to dst.
// The caller checks q with CheckQueues first.
func AppendQueues(dst []byte, q []QueueAddr) []byte {
	dst = append(dst, byte(len(q)))
	for _, a := range q {
		dst = append(append(dst, a.Relay[:]...), a.Queue[:]...)
	}
	return dst
}

// DecodeQueues decodes what AppendQueues wrote at the start of b and
// returns the rest of b. It checks the count and the length, and that the
// addresses are distinct (CheckQueues).
func DecodeQueues(b []byte) (q []QueueAddr, rest []byte, err error) {
	if len(b) == 0 || b[0] == 0 || int(b[0]) > MaxQueues {
		return nil, nil, ErrMalformed
	}
	n := int(b[0])
	if len(b) < 1+n*QueueAddrSize {
		return nil, nil, ErrMalformed
	}
	q = make([]QueueAddr, n)
	for i := range q {
		a := b[1+i*QueueAddrSize:]
		copy(q[i].Relay[:], a[:32])
		copy(q[i].Queue[:], a[32:QueueAddrSize])
	}
	if err := CheckQueues(q); err != nil {
		return nil, nil, err
	}
	return q, b[1+n*QueueAddrSize:], nil
}

// reader consumes b; once a read falls short it sets bad and returns
// zeros, so decoders check bad once at the end.
type reader struct {
	b   []byte
	bad bool
	err error // a more precise cause than ErrMalformed, if known
}

// next returns the next n bytes, or nil (and sets bad) if fewer remain.
func (r *reader) next(n int) []byte {
	if r.bad || n < 0 || n > len(r.b) {
		r.bad = true
		return nil
	}
	out := r.b[:n:n]
	r.b = r.b[n:]
	return out
}

func (r *reader) take(n int) []byte {
	if b := r.next(n); b != nil {
		return b
	}
	return make([]byte, max(n, 0))
}

func (r *reader) u8() uint8   { return r.take(1)[0] }
func (r *reader) u16() uint16 { return binary.BigEndian.Uint16(r.take(2)) }
func (r *reader) u64() uint64 { return binary.BigEndian.Uint64(r.take(8)) }
