package ledgerwire

import (
	"encoding/binary"

	"github.com/warrennet/warren/messaging/ledger"
)

// Response is one of Votes, Voted, Refused, OK, Error, Certs.
type Response interface{ isResponse() }

// Votes answers a Submit: the votes and refusals the service gathered,
// in the order they arrived.
type Votes struct {
	Votes    []*ledger.Vote
	Refusals []*ledger.Refusal
}

// Voted answers a VoteRequest with the validator's vote.
type Voted struct{ Vote *ledger.Vote }

// Refused answers a VoteRequest with the validator's refusal.
type Refused struct{ Refusal *ledger.Refusal }

// OK answers a Cert or an Apply.
type OK struct{}

// Error answers any request that failed.
type Error struct{ Code ErrorCode }

// Certs answers a Feed: the certificates at feed positions after the
// request's, oldest first, as many as fit one frame; Next is the position
// of the last one (the next request's After; the request's After when
// Certs is empty) and Last the feed's newest position (Next == Last:
// caught up).
type Certs struct {
	Next, Last uint64
	Certs      []*ledger.Certificate
}

// MaxFeedCerts bounds the certificates of one Certs.
const MaxFeedCerts = 255

func (Certs) isResponse()   {}
func (Votes) isResponse()   {}
func (Voted) isResponse()   {}
func (Refused) isResponse() {}
func (OK) isResponse()      {}
func (Error) isResponse()   {}

// ErrorCode says why a request failed.
type ErrorCode uint8

// Error codes (spec values).
const (
	// CodeMalformed: the request broke the protocol (the stream closes).
	CodeMalformed ErrorCode = 1
	// CodeRejected: the order is invalid (validators refused to vote on
	// it for a reason other than a conflict); re-sending will not help.
	CodeRejected ErrorCode = 2
	// CodeUnavailable: the validator could not decide (storage failure,
	// peers unreachable); another attempt may succeed.
	CodeUnavailable ErrorCode = 3
	// CodeBadCert: the certificate does not verify.
	CodeBadCert ErrorCode = 4
)

func (c ErrorCode) valid() bool { return c >= CodeMalformed && c <= CodeBadCert }

// AppendResponse appends m's frame, padded to whole units, to dst. It
// refuses (ErrInvalid) a message the decoder would refuse, such as a
// Votes that does not fit MaxResponseFrame.
func AppendResponse(dst []byte, m Response) ([]byte, error) {
	dst, start, err := appendResponseBody(dst, m)
	if err != nil {
		return nil, err
	}
	return endFrame(dst, start, responseLen, MaxResponseFrame)
}

func appendResponseBody(dst []byte, m Response) ([]byte, int, error) {
	switch m := m.(type) {
	case Votes:
		return appendVotes(dst, m)
	case Voted:
		if m.Vote == nil || int(m.Vote.Validator) >= ledger.MaxValidators {
			return nil, 0, ErrInvalid
		}
		dst, start := beginFrame(dst, TypeVoted)
		return append(dst, m.Vote.Marshal()...), start, nil
	case Refused:
		b, err := marshalRefusal(m.Refusal)
		if err != nil {
			return nil, 0, err
		}
		dst, start := beginFrame(dst, TypeRefused)
		return appendBlob(dst, b), start, nil
	case OK:
		dst, start := beginFrame(dst, TypeOK)
		return dst, start, nil
	case Certs:
		return appendCerts(dst, m)
	case Error:
		if !m.Code.valid() {
			return nil, 0, ErrInvalid
		}
		dst, start := beginFrame(dst, TypeError)
		return append(dst, byte(m.Code)), start, nil
	}
	return nil, 0, ErrInvalid
}

func marshalRefusal(rf *ledger.Refusal) ([]byte, error) {
	if rf == nil {
		return nil, ErrInvalid
	}
	b, err := rf.Marshal()
	if err != nil {
		return nil, ErrInvalid
	}
	return b, nil
}

func appendVotes(dst []byte, m Votes) ([]byte, int, error) {
	if len(m.Votes) > ledger.MaxValidators || len(m.Refusals) > ledger.MaxValidators {
		return nil, 0, ErrInvalid
	}
	dst, start := beginFrame(dst, TypeVotes)
	dst = append(dst, byte(len(m.Votes)))
	for _, v := range m.Votes {
		if v == nil || int(v.Validator) >= ledger.MaxValidators {
			return nil, 0, ErrInvalid
		}
		dst = append(dst, v.Marshal()...)
	}
	dst = append(dst, byte(len(m.Refusals)))
	for _, rf := range m.Refusals {
		b, err := marshalRefusal(rf)
		if err != nil {
			return nil, 0, err
		}
		dst = appendBlob(dst, b)
	}
	return dst, start, nil
}

// DecodeResponse parses one whole frame (header included) sent back by a
// validator. It returns nil and an error for anything but exactly one
// canonical response frame of at most MaxResponseFrame bytes.
func DecodeResponse(frame []byte) (Response, error) {
	r, typ, err := open(frame, MaxResponseFrame)
	if err != nil {
		return nil, err
	}
	var m Response
	switch typ {
	case TypeVotes:
		m = r.votes()
	case TypeVoted:
		m = Voted{Vote: r.vote()}
	case TypeRefused:
		m = Refused{Refusal: r.refusal()}
	case TypeOK:
		m = OK{}
	case TypeCerts:
		m = r.certs()
	case TypeError:
		m = Error{Code: ErrorCode(r.U8())}
		r.Fail(codeErr(m.(Error).Code))
	default:
		return nil, ErrMalformed
	}
	if err := r.finish(responseLen); err != nil {
		return nil, err
	}
	return m, nil
}

func codeErr(c ErrorCode) error {
	if !c.valid() {
		return ErrMalformed
	}
	return nil
}

func (r *reader) votes() Votes {
	var m Votes
	nv := r.U8()
	if nv > ledger.MaxValidators {
		r.Err = true
		return m
	}
	for range nv {
		if m.Votes = append(m.Votes, r.vote()); r.Err {
			return Votes{}
		}
	}
	nr := r.U8()
	if nr > ledger.MaxValidators {
		r.Err = true
		return Votes{}
	}
	for range nr {
		if m.Refusals = append(m.Refusals, r.refusal()); r.Err {
			return Votes{}
		}
	}
	return m
}

func (r *reader) vote() *ledger.Vote {
	b := r.Take(ledger.VoteSize)
	if r.Err {
		return nil
	}
	v, err := ledger.UnmarshalVote(b)
	r.Fail(err)
	return v
}

func (r *reader) refusal() *ledger.Refusal {
	b := r.Blob(ledger.MaxRefusalSize)
	if r.Err {
		return nil
	}
	rf, err := ledger.UnmarshalRefusal(b)
	r.Fail(err)
	return rf
}

func appendCerts(dst []byte, m Certs) ([]byte, int, error) {
	if len(m.Certs) > MaxFeedCerts || m.Next > m.Last || m.Last > MaxFeedPosition {
		return nil, 0, ErrInvalid
	}
	dst, start := beginFrame(dst, TypeCerts)
	dst = binary.BigEndian.AppendUint64(dst, m.Next)
	dst = binary.BigEndian.AppendUint64(dst, m.Last)
	dst = append(dst, byte(len(m.Certs)))
	for _, c := range m.Certs {
		b, err := marshalCert(c)
		if err != nil {
			return nil, 0, ErrInvalid
		}
		dst = appendBlob(dst, b)
	}
	return dst, start, nil
}

func (r *reader) certs() Certs {
	var m Certs
	m.Next, m.Last = r.U64(), r.U64()
	if m.Next > m.Last || m.Last > MaxFeedPosition {
		r.Err = true
	}
	n := r.U8()
	for range n {
		if m.Certs = append(m.Certs, r.cert()); r.Err {
			return Certs{}
		}
	}
	return m
}
