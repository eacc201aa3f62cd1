package daemon

import (
	"bytes"
	"context"
	"crypto/ecdh"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/warrennet/warren/cmd/warren/internal/api"
	"github.com/warrennet/warren/onion/circmgr"
	"github.com/warrennet/warren/onion/circuit"
	"github.com/warrennet/warren/onion/handshake"
	"github.com/warrennet/warren/overlay/identity"
	"github.com/warrennet/warren/overlay/link"
	"github.com/warrennet/warren/overlay/msg"
	"github.com/warrennet/warren/overlay/peers"
	"github.com/warrennet/warren/overlay/record"
)

// metaGuards keeps the circuit manager's guards (node IDs, concatenated).
const metaGuards = "circuits/guards"

// protoTimeout bounds how long an accepted link may take to say what it
// carries.
const protoTimeout = 30 * time.Second

// startCircuits starts the circuit node (a relay if the node has the
// relay role: it answers CREATEs and offers the echo and discard
// services) and the circuit manager this node's own circuits come from.
func (n *Node) startCircuits(ctx context.Context) error {
	n.services = circuit.NewServices()
	cfg := circuit.Config{
		NetworkID: n.info.NetworkID, Self: n.info.NodeID, Services: n.services,
		Dial: n.dialCircuitRelay, Verify: n.verifyRelayRecord,
		Now: n.cfg.Now, Rand: n.cfg.Rand, Logger: n.log,
	}
	if n.roles().Has(record.RoleRelay) {
		hs, err := handshake.NewServer(handshake.ServerConfig{
			NetworkID: n.info.NetworkID, Keys: n.onionKey, Now: n.cfg.Now, Rand: n.cfg.Rand,
		})
		if err != nil {
			return err
		}
		cfg.Handshake = hs
	}
	var err error
	if n.circ, err = circuit.New(cfg); err != nil {
		return err
	}
	n.circMgr, err = circmgr.New(ctx, circmgr.Config{
		Node: n.circ, Dir: relayDir{n}, DialGuard: n.dialGuard, Guards: guardStore{n}, Logger: n.log,
	})
	return err
}

// onionKey looks up the keyring's onion key of an epoch (current or
// previous) for the handshake server.
func (n *Node) onionKey(epoch uint32) (*ecdh.PrivateKey, bool) {
	k, ok := n.keys.OnionByEpoch(epoch)
	return k.Private, ok && k.Private != nil
}

// verifyRelayRecord checks a record EXTEND names: well formed, of this
// network, valid now, and a relay.
func (n *Node) verifyRelayRecord(b []byte) (*record.Record, error) {
	rec, err := record.Unmarshal(b)
	if err != nil {
		return nil, err
	}
	if err := rec.Verify(n.info.NetworkID, n.cfg.Now()); err != nil {
		return nil, err
	}
	if !rec.Roles.Has(record.RoleRelay) {
		return nil, errNotRelay
	}
	if !n.addr.IsLoopback() && !publicTCP(rec) {
		return nil, errPrivateAddr // EXTEND must not make us dial into a private network
	}
	return rec, nil
}

var (
	errNotRelay    = errors.New("daemon: the record is not a relay's")
	errPrivateAddr = errors.New("daemon: the record names a loopback or private address")
)

// publicTCP reports whether every TCP address of rec is a public unicast
// one (onion addresses always are fine). Only a node that itself runs on
// loopback — a local test network — extends to loopback addresses.
func publicTCP(rec *record.Record) bool {
	for _, a := range rec.Addrs {
		ap, ok := a.TCP()
		if !ok {
			continue
		}
		ip := ap.Addr()
		if !ip.IsGlobalUnicast() || ip.IsPrivate() || ip.IsLoopback() {
			return false
		}
	}
	return true
}

// dialLink opens a link to t and announces what it will carry.
func (n *Node) dialLink(ctx context.Context, t peers.Target, cfg *link.Config, proto msg.Proto) (*link.Link, error) {
	conn, err := n.transport.Dial(ctx, t)
	if err != nil {
		return nil, fmt.Errorf("connect: %w", err)
	}
	l, err := link.Dial(ctx, conn, cfg, link.Remote{NodeID: t.NodeID, LinkKey: t.LinkKey})
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("handshake: %w", err)
	}
	if err := l.Send(msg.AppendProto(nil, proto)); err != nil {
		l.Close()
		return nil, err
	}
	return l, nil
}

// dialCircuitRelay is the relay-to-relay link EXTEND needs (both sides
// authenticated).
func (n *Node) dialCircuitRelay(ctx context.Context, rec *record.Record) (circuit.Conn, error) {
	return n.dialLink(ctx, peers.TargetOf(rec), n.linkCfg, msg.ProtoCircuits)
}

// dialGuard opens this node's anonymous link to a guard: the guard learns
// nothing of who dials (Noise NK, no certificate).
func (n *Node) dialGuard(ctx context.Context, g circmgr.Relay) (circuit.Conn, error) {
	rec, err := record.Unmarshal(g.Record)
	if err != nil {
		return nil, err
	}
	return n.dialLink(ctx, peers.TargetOf(rec), n.anonLinkCfg, msg.ProtoCircuits)
}

// route reads the first frame of an accepted link and hands the link to
// the overlay or to the circuit node.
func (n *Node) route(ctx context.Context, l *link.Link) {
	done := make(chan struct{})
	defer close(done)
	go func() {
		select {
		case <-ctx.Done():
			l.Close()
		case <-time.After(protoTimeout):
			l.Close()
		case <-done:
		}
	}()
	b, err := l.Recv()
	if err != nil {
		return
	}
	m, err := msg.Parse(b)
	if err != nil || m.Type != msg.TypeProto {
		n.log.Debug("link did not announce its protocol; closing it")
		l.Close()
		return
	}
	switch {
	case m.Proto == msg.ProtoOverlay && l.Peer().Authenticated:
		n.mgr.Accept(l)
	case m.Proto == msg.ProtoCircuits:
		if err := n.circ.Attach(l); err != nil {
			l.Close()
		}
	default:
		l.Close() // an anonymous peer cannot join the overlay
	}
}

// relayDir lists the relays in the address book for the circuit manager.
type relayDir struct{ n *Node }

func (d relayDir) Relays() []circmgr.Relay {
	var out []circmgr.Relay
	seen := map[identity.NodeID]bool{d.n.info.NodeID: true}
	add := func(r *record.Record, raw []byte) {
		if r == nil || seen[r.NodeID] || !r.Roles.Has(record.RoleRelay) {
			return
		}
		seen[r.NodeID] = true
		out = append(out, circmgr.Relay{NodeID: r.NodeID, OnionKey: r.OnionKey, Epoch: r.OnionEpoch, Record: raw})
	}
	for _, in := range d.n.book.List() {
		add(in.Record, in.Raw)
	}
	// Records given with --peer count too, while still valid.
	for _, raw := range d.n.cfg.Peers {
		if r, err := d.n.verifyRelayRecord(raw); err == nil {
			add(r, raw)
		}
	}
	return out
}

// guardStore keeps the guards in the store's meta table.
type guardStore struct{ n *Node }

func (g guardStore) LoadGuards(ctx context.Context) ([]identity.NodeID, error) {
	b, ok, err := g.n.db.GetMeta(ctx, metaGuards)
	if err != nil || !ok {
		return nil, err
	}
	if len(b)%32 != 0 {
		g.n.log.Warn("stored circuit guards are corrupt; choosing new ones")
		return nil, nil
	}
	b = b[:min(len(b), 32*circmgr.MaxGuards)]
	out := make([]identity.NodeID, len(b)/32)
	for i := range out {
		copy(out[i][:], b[32*i:])
	}
	return out, nil
}

func (g guardStore) SaveGuards(ctx context.Context, ids []identity.NodeID) error {
	b := make([]byte, 0, 32*len(ids))
	for _, id := range ids {
		b = append(b, id[:]...)
	}
	return g.n.db.PutMeta(ctx, metaGuards, b)
}

// Circuits implements api.Backend.
func (n *Node) Circuits() api.Circuits {
	out := api.Circuits{Relay: n.roles().Has(record.RoleRelay), Prebuilt: n.circMgr.Idle()}
	for _, g := range n.circMgr.Guards() {
		out.Guards = append(out.Guards, g.Short())
	}
	for _, c := range n.circ.Circuits() {
		ci := api.CircuitInfo{Age: c.Age, Purpose: c.Purpose, BytesSent: c.BytesSent, BytesRecv: c.BytesRecv}
		for _, h := range c.Hops {
			ci.Hops = append(ci.Hops, h.Short())
		}
		out.Own = append(out.Own, ci)
	}
	st := n.circ.Stats()
	out.Relayed, out.Created = st.Relayed, st.Created
	out.Refused = st.CreatesRefused + st.CreatesLimited + st.CreatesBusy
	return out
}

// MaxEcho bounds what EchoCircuit sends.
const MaxEcho = 16 << 20

// EchoCircuit implements api.Backend: a diagnostic that proves circuits
// work end to end (the demo uses it).
func (n *Node) EchoCircuit(ctx context.Context, node string, size int) (api.EchoResult, error) {
	id, err := identity.ParseNodeID(node)
	if err != nil {
		return api.EchoResult{}, err
	}
	if size < 1 || size > MaxEcho {
		return api.EchoResult{}, fmt.Errorf("the echo size must be 1 to %d bytes", MaxEcho)
	}
	if id == n.info.NodeID {
		return api.EchoResult{}, errors.New("a node does not build circuits to itself")
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	start := time.Now()
	p := circmgr.Purpose{Kind: "echo", Key: id.String()}
	s, err := n.circMgr.Open(ctx, p, id, "echo")
	if err != nil {
		return api.EchoResult{}, err
	}
	defer s.Close()
	stop := context.AfterFunc(ctx, func() { s.Close() }) // reads ignore ctx; closing ends them
	defer stop()
	res := api.EchoResult{Open: time.Since(start), Bytes: size}
	if err := echoOnce(ctx, s, size); err != nil {
		return res, err
	}
	res.Echo = time.Since(start) - res.Open
	for _, c := range n.circ.Circuits() {
		if c.Purpose == "echo" && len(c.Hops) == 3 && c.Hops[2] == id {
			for _, h := range c.Hops {
				res.Hops = append(res.Hops, h.Short())
			}
		}
	}
	return res, nil
}

// echoOnce writes size random bytes to s and checks they come back.
func echoOnce(ctx context.Context, s io.ReadWriter, size int) error {
	want := make([]byte, size)
	rand.Read(want)
	errc := make(chan error, 1)
	go func() { _, err := s.Write(want); errc <- err }()
	got := make([]byte, size)
	if _, err := io.ReadFull(s, got); err != nil {
		return fmt.Errorf("echo: %w", err)
	}
	if err := <-errc; err != nil {
		return err
	}
	if !bytes.Equal(got, want) {
		return errors.New("echo: the bytes that came back differ")
	}
	return ctx.Err()
}
