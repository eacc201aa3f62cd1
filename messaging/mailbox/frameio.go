package mailbox

import (
	"io"

	"github.com/warrennet/warren/messaging/cellframe"
	"github.com/warrennet/warren/messaging/mailbox/wire"
)

// readFrame reads one whole frame of at most max bytes. It checks the
// header (wire.FrameLen) before allocating. A clean end of stream before
// any byte is io.EOF; one inside a frame is io.ErrUnexpectedEOF.
func readFrame(r io.Reader, max int) ([]byte, error) {
	return cellframe.Read(r, max, wire.FrameLen)
}
