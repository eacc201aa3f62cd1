package circuit

import (
	"testing"

	"github.com/warrennet/warren/onion/cell"
	"github.com/warrennet/warren/onion/relaycrypto"
)

// The SENDME a sender accepts is exactly the one carrying the tag of its
// CircIncrement-th DATA cell; any other tag is a violation (R13), and a
// valid one restores the window.
func TestSendmeTag(t *testing.T) {
	var n uint8
	send := func(cell.Msg) (relaycrypto.Tag, error) {
		n++
		return relaycrypto.Tag{n}, nil
	}
	e := newEdge(&Node{}, true, sender{send: send, push: send, flush: func() {}}, func(cell.Reason) {})
	for range CircIncrement {
		e.pkg--
		if err := e.sendData(cell.DataMsg(1, []byte("x"))); err != nil {
			t.Fatal(err)
		}
	}
	if len(e.expect) != 1 || e.expect[0] != (relaycrypto.Tag{CircIncrement}) {
		t.Fatalf("expected tags %v, want the 100th cell's", e.expect)
	}
	wrong := [cell.SendmeTagLen]byte{CircIncrement - 1}
	if !e.onSendme(cell.CircuitSendmeMsg(&wrong)) {
		t.Fatal("a SENDME with the 99th cell's tag was accepted")
	}
	right := [cell.SendmeTagLen]byte{CircIncrement}
	if e.onSendme(cell.CircuitSendmeMsg(&right)) {
		t.Fatal("the right SENDME was refused")
	}
	if e.pkg != CircWindow || len(e.expect) != 0 {
		t.Fatalf("window %d, %d tags pending after the SENDME", e.pkg, len(e.expect))
	}
	if !e.onSendme(cell.CircuitSendmeMsg(&right)) {
		t.Fatal("the same SENDME twice was accepted")
	}
}
