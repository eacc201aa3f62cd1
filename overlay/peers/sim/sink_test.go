package sim

import (
	"io"
	"sync"

	"github.com/warrennet/warren/overlay/identity"
	"github.com/warrennet/warren/overlay/link"
)

// sinkConn is a link to a node that reads and answers nothing until
// closed: enough to count as a linked peer.
type sinkConn struct {
	id   identity.NodeID
	done chan struct{}
	once sync.Once
}

func newSinkConn(id identity.NodeID) *sinkConn { return &sinkConn{id: id, done: make(chan struct{})} }

func (c *sinkConn) Send([]byte) error { return nil }
func (c *sinkConn) Recv() ([]byte, error) {
	<-c.done
	return nil, io.EOF
}
func (c *sinkConn) Close() error {
	c.once.Do(func() { close(c.done) })
	return nil
}
func (c *sinkConn) Peer() link.PeerInfo {
	return link.PeerInfo{NodeID: c.id, Authenticated: true, Initiator: true}
}
