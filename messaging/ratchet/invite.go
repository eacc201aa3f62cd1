package ratchet

import (
	"crypto/hkdf"
	"crypto/mlkem"
	"crypto/sha256"
	"io"
)

// Sizes of the handshake messages.
const (
	InvitePublicSize = keySize + mlkem.EncapsulationKeySize768 // 1216
	InitMsgSize      = keySize + mlkem.CiphertextSize768       // 1120
	InviteKeysSize   = keySize + mlkem.SeedSize                // 96
)

// InviteKeys is the inviter's secret half of a one-time invitation: an
// X25519 key pair and an ML-KEM-768 decapsulation key. Its X25519 key also
// serves as the inviter's first ratchet key. Not safe for concurrent use.
type InviteKeys struct {
	x    key
	seed [mlkem.SeedSize]byte
	dk   *mlkem.DecapsulationKey768
}

// InvitePublic is what the inviter publishes in an invitation.
type InvitePublic struct {
	X25519 [keySize]byte
	KEM    [mlkem.EncapsulationKeySize768]byte
}

// InitMsg is the acceptor's answer to an invitation.
type InitMsg struct {
	Ephemeral  [keySize]byte
	Ciphertext [mlkem.CiphertextSize768]byte
}

// NewInviteKeys draws fresh invitation keys from r.
func NewInviteKeys(r io.Reader) (*InviteKeys, error) {
	var b [InviteKeysSize]byte
	if _, err := io.ReadFull(r, b[:]); err != nil {
		return nil, ErrRandom
	}
	defer wipe(b[:])
	return ParseInviteKeys(b[:])
}

// ParseInviteKeys decodes keys encoded by MarshalBinary (96 bytes: X25519
// private key | ML-KEM seed).
func ParseInviteKeys(b []byte) (*InviteKeys, error) {
	if len(b) != InviteKeysSize {
		return nil, ErrMalformed
	}
	k := &InviteKeys{}
	copy(k.x[:], b[:keySize])
	copy(k.seed[:], b[keySize:])
	dk, err := mlkem.NewDecapsulationKey768(k.seed[:])
	if err != nil {
		return nil, ErrMalformed
	}
	k.dk = dk
	return k, nil
}

// MarshalBinary encodes the secret keys so the caller can seal them at rest.
func (k *InviteKeys) MarshalBinary() ([]byte, error) {
	return append(append(make([]byte, 0, InviteKeysSize), k.x[:]...), k.seed[:]...), nil
}

// Public returns the public half to publish in the invitation.
func (k *InviteKeys) Public() InvitePublic {
	var p InvitePublic
	p.X25519 = publicOf(&k.x)
	copy(p.KEM[:], k.dk.EncapsulationKey().Bytes())
	return p
}

// Close zeroes the secret bytes held here (the ML-KEM key object cannot be
// wiped; drop all references to it).
func (k *InviteKeys) Close() {
	wipe(k.x[:])
	wipe(k.seed[:])
	k.dk = nil
}

// Bytes encodes p as X25519 public (32) | ML-KEM-768 encapsulation key (1184).
func (p *InvitePublic) Bytes() []byte {
	return append(append(make([]byte, 0, InvitePublicSize), p.X25519[:]...), p.KEM[:]...)
}

// ParseInvitePublic decodes exactly InvitePublicSize bytes and checks that
// the encapsulation key is well formed.
func ParseInvitePublic(b []byte) (InvitePublic, error) {
	var p InvitePublic
	if len(b) != InvitePublicSize {
		return InvitePublic{}, ErrMalformed
	}
	if _, err := mlkem.NewEncapsulationKey768(b[keySize:]); err != nil {
		return InvitePublic{}, ErrMalformed
	}
	copy(p.X25519[:], b[:keySize])
	copy(p.KEM[:], b[keySize:])
	return p, nil
}

// Bytes encodes m as X25519 ephemeral (32) | ML-KEM-768 ciphertext (1088).
func (m *InitMsg) Bytes() []byte {
	return append(append(make([]byte, 0, InitMsgSize), m.Ephemeral[:]...), m.Ciphertext[:]...)
}

// ParseInitMsg decodes exactly InitMsgSize bytes.
func ParseInitMsg(b []byte) (InitMsg, error) {
	var m InitMsg
	if len(b) != InitMsgSize {
		return InitMsg{}, ErrMalformed
	}
	copy(m.Ephemeral[:], b[:keySize])
	copy(m.Ciphertext[:], b[keySize:])
	return m, nil
}

// Initiate accepts an invitation. It returns the acceptor's session, which
// may send at once, and the InitMsg to deliver to the inviter (before or
// with the first message). r supplies the X25519 keys and header nonces of
// this session and is kept by it; ML-KEM encapsulation draws from the
// standard library's secure source.
func Initiate(pub InvitePublic, r io.Reader) (*Session, InitMsg, error) {
	ek, err := mlkem.NewEncapsulationKey768(pub.KEM[:])
	if err != nil {
		return nil, InitMsg{}, ErrMalformed
	}
	ephPriv, ephPub, err := newDHKey(r)
	defer wipe(ephPriv[:])
	if err != nil {
		return nil, InitMsg{}, err
	}
	dhOut, err := dh(&ephPriv, &pub.X25519)
	if err != nil {
		return nil, InitMsg{}, ErrMalformed
	}
	ss, ct := ek.Encapsulate()
	msg := InitMsg{Ephemeral: ephPub}
	copy(msg.Ciphertext[:], ct)
	sk := sharedSecret(dhOut, ss, &pub, &msg)
	defer wipe(sk[:])
	s, err := newInitiator(&sk, &pub.X25519, r)
	if err != nil {
		return nil, InitMsg{}, err
	}
	return s, msg, nil
}

// Respond completes the handshake on the inviter's side. The returned
// session must receive the acceptor's first message before it can send.
// r is kept by the session for later ratchet keys and header nonces.
// Invitations are one-time: Close keys afterwards.
func Respond(keys *InviteKeys, msg InitMsg, r io.Reader) (*Session, error) {
	if keys == nil || keys.dk == nil {
		return nil, ErrClosed
	}
	dhOut, err := dh(&keys.x, &msg.Ephemeral)
	if err != nil {
		return nil, ErrMalformed
	}
	ss, err := keys.dk.Decapsulate(msg.Ciphertext[:])
	if err != nil {
		return nil, ErrMalformed
	}
	pub := keys.Public()
	sk := sharedSecret(dhOut, ss, &pub, &msg)
	defer wipe(sk[:])
	return newResponder(&sk, &keys.x, r), nil
}

// sharedSecret is SK = HKDF-SHA256(ikm = dh | ss, salt = 32 zero bytes,
// info = "warren-ratchet/1 init" | SHA-256(label | InvitePublic | InitMsg)).
// It wipes dhOut and ss.
func sharedSecret(dhOut, ss []byte, pub *InvitePublic, msg *InitMsg) key {
	h := sha256.New()
	h.Write([]byte(labelHash))
	h.Write(pub.Bytes())
	h.Write(msg.Bytes())
	info := string(h.Sum([]byte(infoInit)))
	ikm := append(append(make([]byte, 0, len(dhOut)+len(ss)), dhOut...), ss...)
	var salt [32]byte
	out, err := hkdf.Key(sha256.New, ikm, salt[:], info, keySize)
	if err != nil {
		panic("ratchet: hkdf: " + err.Error())
	}
	var sk key
	copy(sk[:], out)
	wipe(out)
	wipe(ikm)
	wipe(dhOut)
	wipe(ss)
	return sk
}
