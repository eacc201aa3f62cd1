package wire

import (
	"encoding/binary"

	"github.com/warrennet/warren/messaging/envelope"
)

// Response is one of Created, OK, Msgs, Error.
type Response interface{ isResponse() }

// Created answers Create with the new queue's ID.
type Created struct{ Queue QueueID }

// OK answers Deposit, Ack and Delete.
type OK struct{}

// Msgs answers Fetch: 0..255 messages, oldest first.
type Msgs struct{ Messages []Message }

// Message is one stored envelope and its ID.
type Message struct {
	ID       MsgID
	Envelope []byte
}

// Error answers any request that failed.
type Error struct{ Code Code }

// Code says why a request failed.
type Code uint8

// Error codes (spec values). CodeNoQueue also answers a wrong secret, so
// a mailbox is no oracle for which queues exist.
const (
	CodeNoQueue     Code = 1
	CodeQueueFull   Code = 2
	CodeMailboxFull Code = 3
	CodeMalformed   Code = 4
	CodeUnavailable Code = 5
)

func (c Code) valid() bool { return c >= CodeNoQueue && c <= CodeUnavailable }

func (Created) isResponse() {}
func (OK) isResponse()      {}
func (Msgs) isResponse()    {}
func (Error) isResponse()   {}

// MsgsFrameLen is the length of the MSGS frame that carries messages
// whose envelopes total envBytes.
func MsgsFrameLen(n, envBytes int) int {
	return paddedLen(MsgsHeader + n*MsgOverhead + envBytes)
}

// AppendResponse appends m's frame to dst. It refuses (ErrInvalid) a
// message the decoder would refuse.
func AppendResponse(dst []byte, m Response) ([]byte, error) {
	switch m := m.(type) {
	case Created:
		dst, start := beginFrame(dst, TypeCreated)
		return endFrame(append(dst, m.Queue[:]...), start), nil
	case OK:
		dst, start := beginFrame(dst, TypeOK)
		return endFrame(dst, start), nil
	case Msgs:
		return appendMsgs(dst, m)
	case Error:
		if !m.Code.valid() {
			return nil, ErrInvalid
		}
		dst, start := beginFrame(dst, TypeError)
		return endFrame(append(dst, byte(m.Code)), start), nil
	}
	return nil, ErrInvalid
}

func appendMsgs(dst []byte, m Msgs) ([]byte, error) {
	if len(m.Messages) > 255 {
		return nil, ErrInvalid
	}
	total := 0
	for _, msg := range m.Messages {
		if !envelope.ValidSize(len(msg.Envelope)) {
			return nil, ErrInvalid
		}
		total += len(msg.Envelope)
	}
	if MsgsFrameLen(len(m.Messages), total) > MaxResponseFrame {
		return nil, ErrInvalid
	}
	dst, start := beginFrame(dst, TypeMsgs)
	dst = append(dst, byte(len(m.Messages)))
	for _, msg := range m.Messages {
		dst = append(dst, msg.ID[:]...)
		dst = binary.BigEndian.AppendUint16(dst, uint16(len(msg.Envelope)))
		dst = append(dst, msg.Envelope...)
	}
	return endFrame(dst, start), nil
}

// DecodeResponse parses one whole frame (header included) sent to a
// client. It returns nil and an error for anything but exactly one
// canonical response frame of at most MaxResponseFrame bytes.
func DecodeResponse(frame []byte) (Response, error) {
	r, typ, err := open(frame, MaxResponseFrame)
	if err != nil {
		return nil, err
	}
	var m Response
	switch typ {
	case TypeCreated:
		m = Created{Queue: r.queue()}
	case TypeOK:
		m = OK{}
	case TypeMsgs:
		m = decodeMsgs(r)
	case TypeError:
		c := Code(r.U8())
		if !c.valid() {
			r.Err = true
		}
		m = Error{Code: c}
	default:
		return nil, ErrMalformed
	}
	if err := r.finish(); err != nil {
		return nil, err
	}
	return m, nil
}

func decodeMsgs(r *reader) Msgs {
	n := int(r.U8())
	// Each message takes at least MsgOverhead+Sizes[0] bytes: bound n by
	// what is left before allocating.
	if r.Err || n*(MsgOverhead+envelope.Sizes[0]) > len(r.B)-r.Off {
		r.Err = true
		return Msgs{}
	}
	m := Msgs{Messages: make([]Message, n)}
	for i := range m.Messages {
		m.Messages[i] = Message{ID: r.msgID(), Envelope: r.envelope()}
	}
	return m
}
