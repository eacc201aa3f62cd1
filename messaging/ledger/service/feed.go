package service

import (
	"context"

	"github.com/warrennet/warren/messaging/ledger"
	"github.com/warrennet/warren/messaging/ledger/ledgerwire"
	"github.com/warrennet/warren/onion/circapi"
	"github.com/warrennet/warren/overlay/identity"
)

// certsOverhead is a Certs frame's bytes before its certificates: header,
// type, Next, Last, count.
const certsOverhead = ledgerwire.HeaderLen + 1 + 8 + 8 + 1

// feed answers a FEED: the certificates after `after`, as many as fit
// one response frame.
func (s *Server) feed(after uint64) ledgerwire.Response {
	entries, last, err := s.cfg.Validator.Feed(after, ledgerwire.MaxFeedCerts)
	if err != nil {
		return ledgerwire.Error{Code: ledgerwire.CodeUnavailable}
	}
	if after > last { // a cursor from before a reset, or another feed's
		return ledgerwire.Certs{Next: last, Last: last}
	}
	m := ledgerwire.Certs{Next: after, Last: last}
	size := certsOverhead
	for _, e := range entries {
		if size += 2 + len(e.Cert); size > ledgerwire.MaxResponseFrame || e.Seq <= m.Next || e.Seq > last {
			break
		}
		c, err := ledger.UnmarshalCertificate(e.Cert)
		if err != nil {
			return ledgerwire.Error{Code: ledgerwire.CodeUnavailable}
		}
		m.Certs, m.Next = append(m.Certs, c), e.Seq
	}
	return m
}

// Page fetches one page of a validator's feed: its certificates after
// feed position after.
type Page func(ctx context.Context, after uint64) (ledgerwire.Certs, error)

// Follow reads a feed with page from position after until it is caught
// up or maxPages pages were read, and calls apply with every certificate
// in feed order. It returns the position to continue from next time and
// how many certificates it handed to apply. It stops at page's or
// apply's first error (the position is then that of the last certificate
// applied). A feed whose newest position is below after was reset: Follow
// starts it over from 0. A page that goes backwards is ErrProtocol.
func Follow(ctx context.Context, page Page, after uint64, maxPages int, apply func(*ledger.Certificate) error) (uint64, int, error) {
	n := 0
	for range maxPages {
		m, err := page(ctx, after)
		if err != nil {
			return after, n, err
		}
		switch {
		case m.Last < after:
			after = 0
			continue
		case len(m.Certs) > 0 && m.Next <= after, len(m.Certs) == 0 && m.Next != after:
			return after, n, ErrProtocol
		}
		for _, c := range m.Certs {
			if err := apply(c); err != nil {
				return after, n, err
			}
			n++
		}
		after = m.Next
		if len(m.Certs) == 0 || after == m.Last {
			return after, n, nil
		}
	}
	return after, n, nil
}

// Feed asks validator relay's ledger service, over a fresh circuit, for
// the certificates after feed position after (one page; Follow reads a
// whole feed). The validator learns that someone read its feed from that
// position, not who.
func (c *Client) Feed(ctx context.Context, d circapi.Dialer, relay identity.NodeID, after uint64) (ledgerwire.Certs, error) {
	frame, err := ledgerwire.AppendRequest(nil, ledgerwire.Feed{After: after})
	if err != nil {
		return ledgerwire.Certs{}, err
	}
	var out ledgerwire.Certs
	err = c.attempt(ctx, d, relay, frame, func(r ledgerwire.Response) error {
		switch r := r.(type) {
		case ledgerwire.Certs:
			out = r
			return nil
		case ledgerwire.Error:
			return codeErr(r.Code)
		}
		return ErrProtocol
	})
	return out, err
}
