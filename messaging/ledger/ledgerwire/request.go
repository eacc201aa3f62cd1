package ledgerwire

import (
	"encoding/binary"

	"github.com/warrennet/warren/messaging/ledger"
)

// Message types (spec values).
const (
	TypeSubmit  = 0x11
	TypeVote    = 0x12
	TypeCert    = 0x13
	TypeApply   = 0x14
	TypeFeed    = 0x15
	TypeVotes   = 0x91
	TypeVoted   = 0x92
	TypeRefused = 0x93
	TypeOK      = 0x94
	TypeError   = 0x95
	TypeCerts   = 0x96
)

// Request is one of Submit, VoteRequest, Cert, Apply, Feed.
type Request interface{ isRequest() }

// Submit asks a validator's service to gather the committee's votes on
// Order (a wallet's request).
type Submit struct{ Order *ledger.SignedOrder }

// VoteRequest asks one validator for its own vote on Order (a validator
// fanning an order out to its peers).
type VoteRequest struct{ Order *ledger.SignedOrder }

// Cert asks a validator's service to apply Cert and forward it to the
// committee (a wallet's request).
type Cert struct{ Cert *ledger.Certificate }

// Apply asks one validator to apply Cert (a validator forwarding a
// certificate to its peers).
type Apply struct{ Cert *ledger.Certificate }

// Feed asks a validator for the certificates it applied after feed
// position After (a wallet scanning for payments, a lagging validator
// catching up). The answer is Certs.
type Feed struct{ After uint64 }

// MaxFeedPosition bounds Feed.After and the positions in Certs (SQLite's
// integers are signed; no feed gets near it).
const MaxFeedPosition = 1 << 62

func (Feed) isRequest()        {}
func (Submit) isRequest()      {}
func (VoteRequest) isRequest() {}
func (Cert) isRequest()        {}
func (Apply) isRequest()       {}

// AppendRequest appends m's frame, padded to 2, 8 or 32 units, to dst.
// It refuses (ErrInvalid) a message the decoder would refuse.
func AppendRequest(dst []byte, m Request) ([]byte, error) {
	typ, body, err := requestBody(m)
	if err != nil {
		return nil, ErrInvalid
	}
	dst, start := beginFrame(dst, typ)
	return endFrame(appendBlob(dst, body), start, requestLen, MaxRequestFrame)
}

func requestBody(m Request) (byte, []byte, error) {
	switch m := m.(type) {
	case Submit:
		b, err := marshalOrder(m.Order)
		return TypeSubmit, b, err
	case VoteRequest:
		b, err := marshalOrder(m.Order)
		return TypeVote, b, err
	case Cert:
		b, err := marshalCert(m.Cert)
		return TypeCert, b, err
	case Apply:
		b, err := marshalCert(m.Cert)
		return TypeApply, b, err
	case Feed:
		if m.After > MaxFeedPosition {
			return 0, nil, ErrInvalid
		}
		return TypeFeed, binary.BigEndian.AppendUint64(nil, m.After), nil
	}
	return 0, nil, ErrInvalid
}

func marshalOrder(so *ledger.SignedOrder) ([]byte, error) {
	if so == nil {
		return nil, ErrInvalid
	}
	return so.Marshal()
}

func marshalCert(c *ledger.Certificate) ([]byte, error) {
	if c == nil {
		return nil, ErrInvalid
	}
	return c.Marshal()
}

// DecodeRequest parses one whole frame (header included) sent to a
// validator. It returns nil and an error for anything but exactly one
// canonical request frame of at most MaxRequestFrame bytes.
func DecodeRequest(frame []byte) (Request, error) {
	r, typ, err := open(frame, MaxRequestFrame)
	if err != nil {
		return nil, err
	}
	var m Request
	switch typ {
	case TypeSubmit:
		m = Submit{Order: r.order()}
	case TypeVote:
		m = VoteRequest{Order: r.order()}
	case TypeCert:
		m = Cert{Cert: r.cert()}
	case TypeApply:
		m = Apply{Cert: r.cert()}
	case TypeFeed:
		m = Feed{After: r.position(r.Blob(8))}
	default:
		return nil, ErrMalformed
	}
	if err := r.finish(requestLen); err != nil {
		return nil, err
	}
	return m, nil
}

func (r *reader) order() *ledger.SignedOrder {
	b := r.Blob(ledger.MaxSignedOrderSize)
	if r.Err {
		return nil
	}
	so, err := ledger.UnmarshalSignedOrder(b)
	r.Fail(err)
	return so
}

func (r *reader) cert() *ledger.Certificate {
	b := r.Blob(ledger.MaxCertificateSize)
	if r.Err {
		return nil
	}
	c, err := ledger.UnmarshalCertificate(b)
	r.Fail(err)
	return c
}

// position reads an 8-byte feed position (b from a blob of exactly 8).
func (r *reader) position(b []byte) uint64 {
	if r.Err || len(b) != 8 {
		r.Err = true
		return 0
	}
	p := binary.BigEndian.Uint64(b)
	if p > MaxFeedPosition {
		r.Err = true
		return 0
	}
	return p
}
