package service

import (
	"context"
	"errors"
	"io"

	"github.com/warrennet/warren/messaging/cellframe"
	"github.com/warrennet/warren/messaging/ledger/ledgerwire"
	"github.com/warrennet/warren/onion/circapi"
	"github.com/warrennet/warren/overlay/identity"
)

// readFrame reads one whole frame of at most max bytes, checking the
// header (ledgerwire.FrameLen) before allocating.
func readFrame(r io.Reader, max int) ([]byte, error) {
	return cellframe.Read(r, max, ledgerwire.FrameLen)
}

func isMalformed(err error) bool {
	return errors.Is(err, ledgerwire.ErrMalformed) || errors.Is(err, ledgerwire.ErrTooLarge) || errors.Is(err, io.ErrUnexpectedEOF)
}

// roundTrip opens a stream to dest's ledger service over a circuit of
// purpose p, writes frame, reads one response and closes the stream.
// ctx bounds all of it.
func roundTrip(ctx context.Context, d circapi.Dialer, p circapi.Purpose, dest identity.NodeID, frame []byte) (ledgerwire.Response, error) {
	raw, err := d.Open(ctx, p, dest, ServiceName)
	if err != nil {
		return nil, errors.Join(ErrUnavailable, err)
	}
	st := circapi.CloseOnce(raw)
	defer st.Close()
	stop := context.AfterFunc(ctx, func() { st.Close() })
	defer stop()
	if _, err := st.Write(frame); err != nil {
		return nil, ioErr(ctx, err)
	}
	b, err := readFrame(st, ledgerwire.MaxResponseFrame)
	if err != nil {
		return nil, ioErr(ctx, err)
	}
	resp, err := ledgerwire.DecodeResponse(b)
	if err != nil {
		return nil, ErrProtocol
	}
	return resp, nil
}

// ioErr names a stream failure: the context's error if it ended,
// ErrProtocol for a malformed frame, else ErrUnavailable.
func ioErr(ctx context.Context, err error) error {
	switch {
	case ctx.Err() != nil:
		return errors.Join(ErrUnavailable, ctx.Err())
	case isMalformed(err) && !errors.Is(err, io.ErrUnexpectedEOF):
		return ErrProtocol
	}
	return errors.Join(ErrUnavailable, err)
}
