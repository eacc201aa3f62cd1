package mailbox

import (
	"io"
	"sync"

	"github.com/warrennet/warren/onion/circapi"

	"github.com/warrennet/warren/messaging/mailbox/wire"
)

// readFrame reads one whole frame of at most max bytes. It checks the
// header (wire.FrameLen) before allocating. A clean end of stream before
// any byte is io.EOF; one inside a frame is io.ErrUnexpectedEOF.
func readFrame(r io.Reader, max int) ([]byte, error) {
	var hdr [wire.HeaderLen]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return nil, err
	}
	n, err := wire.FrameLen(hdr[:], max)
	if err != nil {
		return nil, err
	}
	frame := make([]byte, n)
	copy(frame, hdr[:])
	if _, err := io.ReadFull(r, frame[wire.HeaderLen:]); err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	return frame, nil
}

// onceStream makes Close idempotent: a stream is closed by whichever of
// its owner, a timeout or shutdown gets there first, and circapi does not
// promise that a second Close is harmless.
type onceStream struct {
	circapi.Stream
	once sync.Once
	err  error
}

func (s *onceStream) Close() error {
	s.once.Do(func() { s.err = s.Stream.Close() })
	return s.err
}
