// Package circapitest is an in-memory double of circapi for the tests of
// messaging and the ledger: services registered on named nodes, streams
// as in-memory pipes, and a log of every Open so a test can assert which
// purposes were kept apart. Nothing is encrypted and nothing is anonymous:
// it checks the caller's logic, not circuits.
package circapitest

import (
	"context"
	"net"
	"sync"

	"github.com/warrennet/warren/onion/circapi"
	"github.com/warrennet/warren/overlay/identity"
)

// Net is a set of nodes with services. Safe for concurrent use.
type Net struct {
	mu       sync.Mutex
	services map[identity.NodeID]map[string]circapi.Handler
	opens    []Open
	down     map[identity.NodeID]bool
	wg       sync.WaitGroup
}

// Open records one call to Dialer.Open.
type Open struct {
	From    identity.NodeID
	Purpose circapi.Purpose
	Dest    identity.NodeID
	Service string
}

// New returns an empty network.
func New() *Net {
	return &Net{services: map[identity.NodeID]map[string]circapi.Handler{}, down: map[identity.NodeID]bool{}}
}

// Host returns node's service registry.
func (n *Net) Host(node identity.NodeID) circapi.Host { return host{n, node} }

// Dialer returns a dialer for a client on node from.
func (n *Net) Dialer(from identity.NodeID) circapi.Dialer { return dialer{n, from} }

// SetDown makes opens to node fail (ErrUnknownRelay), as if it vanished.
func (n *Net) SetDown(node identity.NodeID, down bool) {
	n.mu.Lock()
	n.down[node] = down
	n.mu.Unlock()
}

// Opens returns every Open so far, in order.
func (n *Net) Opens() []Open {
	n.mu.Lock()
	defer n.mu.Unlock()
	return append([]Open(nil), n.opens...)
}

// Wait waits for every handler started so far to return.
func (n *Net) Wait() { n.wg.Wait() }

type host struct {
	n    *Net
	node identity.NodeID
}

func (h host) Handle(name string, fn circapi.Handler) {
	h.n.mu.Lock()
	defer h.n.mu.Unlock()
	if h.n.services[h.node] == nil {
		h.n.services[h.node] = map[string]circapi.Handler{}
	}
	h.n.services[h.node][name] = fn
}

type dialer struct {
	n    *Net
	from identity.NodeID
}

func (d dialer) Open(ctx context.Context, p circapi.Purpose, dest identity.NodeID, service string) (circapi.Stream, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	n := d.n
	n.mu.Lock()
	n.opens = append(n.opens, Open{From: d.from, Purpose: p, Dest: dest, Service: service})
	svcs, known := n.services[dest]
	fn := svcs[service]
	down := n.down[dest]
	n.mu.Unlock()
	switch {
	case down || !known:
		return nil, circapi.ErrUnknownRelay
	case fn == nil:
		return nil, circapi.ErrNoService
	}
	client, server := net.Pipe()
	n.wg.Add(1)
	go func() {
		defer n.wg.Done()
		defer server.Close()
		fn(server)
	}()
	return client, nil
}
