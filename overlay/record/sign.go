package record

import (
	"crypto/ed25519"
	"crypto/subtle"
	"time"

	"github.com/warrennet/warren/overlay/identity"
)

// maxMessage is the largest signed message.
const maxMessage = len(Domain) + 32 + MaxSize - SignatureSize

// signedMessage appends Domain || networkID || body to b. r must be valid.
func (r *Record) signedMessage(b []byte, networkID [32]byte) []byte {
	b = append(b, Domain...)
	b = append(b, networkID[:]...)
	return r.appendBody(b)
}

// Sign puts r's addresses in canonical order (a sorted copy replaces
// r.Addrs), checks r is well formed, and signs it for networkID with
// nodeKey, which must be the private key of r.NodeID.
func (r *Record) Sign(nodeKey ed25519.PrivateKey, networkID [32]byte) error {
	if len(nodeKey) != ed25519.PrivateKeySize {
		return ErrKeyMismatch
	}
	// Derive the public key from the seed rather than trusting the copy in
	// nodeKey's second half, which ed25519.Sign would use unchecked.
	pub := ed25519.NewKeyFromSeed(nodeKey.Seed())
	defer clear(pub)
	if subtle.ConstantTimeCompare(pub[ed25519.SeedSize:], r.NodeID[:]) != 1 {
		return ErrKeyMismatch
	}
	for _, a := range r.Addrs {
		if err := a.check(r.NodeID); err != nil {
			return err
		}
	}
	r.Addrs = sortAddrs(r.Addrs)
	if err := r.validate(); err != nil {
		return err
	}
	var buf [maxMessage]byte
	sig := ed25519.Sign(nodeKey, r.signedMessage(buf[:0], networkID))
	r.Signature = [SignatureSize]byte(sig)
	return nil
}

// Verify checks, in this order, that r is well formed (ErrMalformed), that
// now is inside its validity window (ErrNotYetValid if IssuedAt is more
// than MaxClockSkew ahead of now; ErrExpired once now >= ExpiresAt), and
// that its signature is the node key's over networkID (ErrBadSignature;
// this is also what a record of another network gives). The cheap checks
// come first, so ErrExpired or ErrNotYetValid say nothing about
// authenticity; only a nil error does.
func (r *Record) Verify(networkID [32]byte, now time.Time) error {
	if err := r.validate(); err != nil {
		return err
	}
	if err := r.checkWindow(now); err != nil {
		return err
	}
	var buf [maxMessage]byte
	if !ed25519.Verify(r.NodeID[:], r.signedMessage(buf[:0], networkID), r.Signature[:]) {
		return ErrBadSignature
	}
	return nil
}

func (r *Record) checkWindow(now time.Time) error {
	s := now.Unix()
	if s < 0 {
		s = 0
	}
	t := uint64(s)
	if r.IssuedAt > t && r.IssuedAt-t > uint64(MaxClockSkew/time.Second) {
		return ErrNotYetValid
	}
	if t >= r.ExpiresAt {
		return ErrExpired
	}
	return nil
}

// Options are the caller's choices for New.
type Options struct {
	Roles    Roles
	Addrs    []Addr        // 1..MaxAddrs, any order; New sorts a copy
	Lifetime time.Duration // 0 means DefaultLifetime; at most MaxRecordLifetime
}

// New issues a signed record for kr's node, valid from now for
// o.Lifetime, naming kr's link key and current onion key. The onion key
// must be of the epoch of now (ErrStaleOnionKey: call kr.RotateOnion, and
// persist it, first). Sub-second parts of now and of the lifetime are
// dropped.
func New(kr *identity.Keyring, networkID [32]byte, now time.Time, o Options) (*Record, error) {
	onion := kr.CurrentOnion()
	if onion.Private == nil {
		return nil, identity.ErrClosed
	}
	if now.Unix() < 0 {
		return nil, errLifetime
	}
	issued := uint64(now.Unix())
	if uint64(onion.Epoch) != issued/epochSeconds {
		return nil, ErrStaleOnionKey
	}
	life := o.Lifetime
	if life == 0 {
		life = DefaultLifetime
	}
	if life < time.Second || life > MaxRecordLifetime {
		return nil, errLifetime
	}
	r := &Record{
		NodeID: kr.NodeID(), LinkKey: kr.LinkPublic(), OnionKey: onion.Public(),
		OnionEpoch: onion.Epoch, Roles: o.Roles, Addrs: o.Addrs,
		IssuedAt: issued, ExpiresAt: issued + uint64(life/time.Second),
	}
	if err := r.Sign(kr.Node, networkID); err != nil {
		return nil, err
	}
	return r, nil
}
