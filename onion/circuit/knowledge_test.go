package circuit_test

import (
	"bytes"
	"context"
	"sync"
	"testing"
	"time"

	"github.com/warrennet/warren/onion/circuit"
	"github.com/warrennet/warren/onion/circuit/circnet"
	"github.com/warrennet/warren/overlay/identity"
)

// view is what one relay saw: the peers of its links and the messages it
// decrypted.
type view struct {
	mu    sync.Mutex
	peers []identity.NodeID
	msgs  []circuit.Event
}

func (v *view) add(e circuit.Event) {
	v.mu.Lock()
	defer v.mu.Unlock()
	switch e.Kind {
	case "link", "create":
		v.peers = append(v.peers, e.Peer)
	case "msg":
		v.msgs = append(v.msgs, e)
	}
}

func (v *view) msgCount() int {
	v.mu.Lock()
	defer v.mu.Unlock()
	return len(v.msgs)
}

func (v *view) saw(id identity.NodeID) bool {
	v.mu.Lock()
	defer v.mu.Unlock()
	for _, p := range v.peers {
		if p == id {
			return true
		}
	}
	for _, m := range v.msgs {
		if bytes.Contains(m.Data, id[:]) {
			return true
		}
	}
	return false
}

func (v *view) sawService(name string) bool {
	v.mu.Lock()
	defer v.mu.Unlock()
	for _, m := range v.msgs {
		if m.Cmd == "begin" || bytes.Contains(m.Data, []byte(name)) {
			return true
		}
	}
	return false
}

// TestRelayKnowledge records what each relay of a 3-hop circuit sees while
// a client node (itself a relay, so it has a public node ID) echoes
// through it: the first hop never learns the service, the last hop never
// learns the client's node, the middle learns neither.
func TestRelayKnowledge(t *testing.T) {
	views := make([]*view, 4)
	for i := range views {
		views[i] = new(view)
	}
	nw, err := circnet.New(4, circnet.Options{Configure: func(i int, c *circuit.Config) {
		c.Trace = views[i].add
	}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nw.Close)
	const service = "echo"
	client := nw.Relays[3]
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	ch, err := nw.DialFirst(ctx, client.Node, 0)
	if err != nil {
		t.Fatal(err)
	}
	circ, err := client.Node.Build(ctx, ch, nw.Path(0, 1, 2), "knowledge")
	if err != nil {
		t.Fatal(err)
	}
	echo(t, circ, []byte("who talks to whom"))
	clientID := client.Keys.NodeID()
	for i, v := range views[:3] {
		if v.saw(clientID) {
			t.Errorf("hop %d learned the client's node ID", i+1)
		}
	}
	if views[0].sawService(service) || views[1].sawService(service) {
		t.Error("the first or middle hop learned the service")
	}
	if !views[2].sawService(service) {
		t.Error("the last hop did not see the BEGIN it serves: the trace is not recording")
	}
	if !views[0].saw(identity.NodeID{}) || !views[2].saw(nw.Relays[1].Keys.NodeID()) {
		t.Error("the trace missed the links the hops do know about")
	}
	t.Logf("knowledge: hop 1 saw an anonymous link and %d messages; hop 3 saw hop 2 and %d messages (the service); no hop saw the client's ID",
		views[0].msgCount(), views[2].msgCount())
}
