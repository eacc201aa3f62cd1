package wire

import (
	"encoding/binary"

	"github.com/warrennet/warren/messaging/envelope"
)

// Message types (spec values).
const (
	TypeCreate   = 0x01
	TypeDeposit  = 0x02
	TypeFetch    = 0x03
	TypeAck      = 0x04
	TypeDelete   = 0x05
	TypeFetchAck = 0x06
	TypeCreated  = 0x81
	TypeOK       = 0x82
	TypeMsgs     = 0x83
	TypeError    = 0x84
)

// Request is one of Create, Deposit, Fetch, Ack, Delete, FetchAck.
type Request interface{ isRequest() }

// Create asks for a new queue whose capability hashes to Auth.
type Create struct{ Auth AuthHash }

// Deposit stores Envelope (one of envelope.Sizes long) in Queue.
type Deposit struct {
	Queue    QueueID
	Envelope []byte
}

// Fetch asks for up to Max (1..255) of Queue's messages, oldest first,
// waiting up to Wait (0..MaxWait) seconds for one if the queue is empty.
type Fetch struct {
	Queue  QueueID
	Secret Secret
	Wait   uint8
	Max    uint8
}

// Ack deletes the named messages (1..MaxAck IDs) from Queue.
type Ack struct {
	Queue  QueueID
	Secret Secret
	IDs    []MsgID
}

// FetchAck is an Ack of IDs (1..MaxAck) followed by a Fetch of the same
// queue, in one request: the mailbox deletes the named messages, durably,
// and then answers as for the Fetch (MSGS), or ERROR if the ack failed
// (and then fetched nothing). An owner that fetches in a loop acks each
// batch with the next fetch: one round trip per batch instead of two.
type FetchAck struct {
	Queue  QueueID
	Secret Secret
	Wait   uint8
	Max    uint8
	IDs    []MsgID
}

// Fetch returns the Fetch part of m.
func (m FetchAck) Fetch() Fetch {
	return Fetch{Queue: m.Queue, Secret: m.Secret, Wait: m.Wait, Max: m.Max}
}

// Delete removes Queue and its messages.
type Delete struct {
	Queue  QueueID
	Secret Secret
}

func (Create) isRequest()   {}
func (Deposit) isRequest()  {}
func (Fetch) isRequest()    {}
func (Ack) isRequest()      {}
func (Delete) isRequest()   {}
func (FetchAck) isRequest() {}

// AppendRequest appends m's frame to dst. It refuses (ErrInvalid) a
// message the decoder would refuse.
func AppendRequest(dst []byte, m Request) ([]byte, error) {
	switch m := m.(type) {
	case Create:
		dst, start := beginFrame(dst, TypeCreate)
		return endFrame(append(dst, m.Auth[:]...), start), nil
	case Deposit:
		return appendDeposit(dst, m)
	case Fetch:
		return appendFetch(dst, m)
	case Ack:
		return appendAck(dst, m)
	case FetchAck:
		return appendFetchAck(dst, m)
	case Delete:
		dst, start := beginFrame(dst, TypeDelete)
		dst = append(append(dst, m.Queue[:]...), m.Secret[:]...)
		return endFrame(dst, start), nil
	}
	return nil, ErrInvalid
}

func appendDeposit(dst []byte, m Deposit) ([]byte, error) {
	if !envelope.ValidSize(len(m.Envelope)) {
		return nil, ErrInvalid
	}
	dst, start := beginFrame(dst, TypeDeposit)
	dst = append(dst, m.Queue[:]...)
	dst = binary.BigEndian.AppendUint16(dst, uint16(len(m.Envelope)))
	return endFrame(append(dst, m.Envelope...), start), nil
}

func appendFetch(dst []byte, m Fetch) ([]byte, error) {
	if m.Wait > MaxWait || m.Max == 0 {
		return nil, ErrInvalid
	}
	dst, start := beginFrame(dst, TypeFetch)
	dst = append(append(dst, m.Queue[:]...), m.Secret[:]...)
	return endFrame(append(dst, m.Wait, m.Max), start), nil
}

func appendAck(dst []byte, m Ack) ([]byte, error) {
	if len(m.IDs) == 0 || len(m.IDs) > MaxAck {
		return nil, ErrInvalid
	}
	dst, start := beginFrame(dst, TypeAck)
	dst = append(append(dst, m.Queue[:]...), m.Secret[:]...)
	dst = append(dst, byte(len(m.IDs)))
	for _, id := range m.IDs {
		dst = append(dst, id[:]...)
	}
	return endFrame(dst, start), nil
}

func appendFetchAck(dst []byte, m FetchAck) ([]byte, error) {
	if m.Wait > MaxWait || m.Max == 0 || len(m.IDs) == 0 || len(m.IDs) > MaxAck {
		return nil, ErrInvalid
	}
	dst, start := beginFrame(dst, TypeFetchAck)
	dst = append(append(dst, m.Queue[:]...), m.Secret[:]...)
	dst = append(dst, m.Wait, m.Max, byte(len(m.IDs)))
	for _, id := range m.IDs {
		dst = append(dst, id[:]...)
	}
	return endFrame(dst, start), nil
}

// DecodeRequest parses one whole frame (header included) sent to a
// mailbox. It returns nil and an error for anything but exactly one
// canonical request frame of at most MaxRequestFrame bytes.
func DecodeRequest(frame []byte) (Request, error) {
	r, typ, err := open(frame, MaxRequestFrame)
	if err != nil {
		return nil, err
	}
	var m Request
	switch typ {
	case TypeCreate:
		m = Create{Auth: r.auth()}
	case TypeDeposit:
		m = Deposit{Queue: r.queue(), Envelope: r.envelope()}
	case TypeFetch:
		m = decodeFetch(r)
	case TypeAck:
		m = decodeAck(r)
	case TypeDelete:
		m = Delete{Queue: r.queue(), Secret: r.secret()}
	case TypeFetchAck:
		m = decodeFetchAck(r)
	default:
		return nil, ErrMalformed
	}
	if err := r.finish(); err != nil {
		return nil, err
	}
	return m, nil
}

func decodeFetch(r *reader) Fetch {
	m := Fetch{Queue: r.queue(), Secret: r.secret(), Wait: r.U8(), Max: r.U8()}
	if m.Wait > MaxWait || m.Max == 0 {
		r.Err = true
	}
	return m
}

func decodeAck(r *reader) Ack {
	m := Ack{Queue: r.queue(), Secret: r.secret()}
	m.IDs = r.ackIDs()
	return m
}

func decodeFetchAck(r *reader) FetchAck {
	f := decodeFetch(r)
	return FetchAck{Queue: f.Queue, Secret: f.Secret, Wait: f.Wait, Max: f.Max, IDs: r.ackIDs()}
}

// ackIDs reads an ACK's count (1..MaxAck) and IDs.
func (r *reader) ackIDs() []MsgID {
	n := int(r.U8())
	if r.Err || n == 0 || n > MaxAck {
		r.Err = true
		return nil
	}
	ids := make([]MsgID, n)
	for i := range ids {
		ids[i] = r.msgID()
	}
	return ids
}
