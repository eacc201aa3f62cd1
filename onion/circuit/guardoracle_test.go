package circuit

import (
	"crypto/rand"
	"testing"
	"time"

	"github.com/warrennet/warren/onion/cell"
	"github.com/warrennet/warren/onion/handshake"
)

// A guard that sends CREATE down the link its client dialed gets no
// answer at all — not CREATED, not DESTROY — and loses the link: whether
// the client is a relay, and which one, stays hidden (review finding).
func TestNoCreateOnClientLinks(t *testing.T) {
	relay := newFuzzRelay(t) // a relay node: it would answer CREATE on a link it accepted
	defer relay.n.Close()
	conn := newPipeConn()
	if _, err := relay.n.AttachClient(conn); err != nil {
		t.Fatal(err)
	}
	_, msg, err := handshake.NewClient(fuzzNet, [32]byte{9}, 1, time.Now(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	create, _ := cell.Create(7, cell.HandshakeNK, msg) // the guard's side picks IDs without the dialer bit
	conn.in <- create[:]
	select {
	case <-conn.closed:
	case <-time.After(5 * time.Second):
		t.Fatal("the client kept a link on which its guard sent CREATE")
	}
	select {
	case b := <-conn.out:
		t.Fatalf("the client answered a CREATE on its own link: command %d", b[4])
	default:
	}
}
