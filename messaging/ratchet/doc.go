// Package ratchet owns Warren's end-to-end message encryption: a hybrid
// X25519 + ML-KEM-768 initial key agreement for one-time invitations,
// followed by the Double Ratchet with header encryption as specified in
// Signal's "The Double Ratchet Algorithm" (revision 1, 2016-11-20, §4).
//
// The package is pure: it does no I/O, starts no goroutines and reads no
// clock. Randomness is injected as an io.Reader (X25519 keys, header
// nonces); ML-KEM encapsulation uses the standard library's secure source.
// A Session is not safe for concurrent use; callers serialise all calls on
// one session. Different sessions are independent.
//
// # Handshake
//
// The inviter makes InviteKeys and publishes InvitePublic
// (X25519 public 32 | ML-KEM-768 encapsulation key 1184). The acceptor calls
// Initiate and sends InitMsg (X25519 ephemeral 32 | ML-KEM ciphertext 1088);
// the inviter calls Respond. Both compute
//
//	T  = SHA-256("warren-ratchet/1 transcript" | InvitePublic | InitMsg)
//	SK = HKDF-SHA256(ikm = X25519(eph, invite) | ML-KEM shared key,
//	                 salt = 32 zero bytes, info = "warren-ratchet/1 init" | T)[:32]
//	RK0 | HKa | NHKb = HKDF-SHA256(ikm = SK, salt = none,
//	                 info = "warren-ratchet/1 root")[:96]
//
// The acceptor is Alice of the spec (RatchetInitAliceHE with RK0,
// shared_hka = HKa, shared_nhkb = NHKb), the inviter is Bob
// (RatchetInitBobHE) and the invitation's X25519 key is Bob's first ratchet
// key. Bob cannot send before he has received Alice's first message.
//
// # KDF chain
//
//	KDF_RK(rk, dh)  = HKDF-SHA256(salt = rk, ikm = dh,
//	                  info = "warren-ratchet/1 rk")[:96] -> rk' | ck | nhk
//	KDF_CK(ck)      = mk = HMAC-SHA256(ck, 0x01), ck' = HMAC-SHA256(ck, 0x02)
//	body key|nonce  = HKDF-SHA256(ikm = mk, salt = none,
//	                  info = "warren-ratchet/1 mk")[:44] (32 | 12)
//
// # Message wire format
//
//	version 1 (=1)
//	| header nonce 24 (random)
//	| XChaCha20-Poly1305(HK, nonce, header, ad = version) 40+16
//	      where header = DH public 32 | PN 4 | N 4 (big endian)
//	| ChaCha20-Poly1305(body key, body nonce, plaintext,
//	      ad = caller AD | version | header nonce | header ciphertext)
//
// A message is between MinMessageSize (97) and MaxMessageSize bytes;
// anything outside, or with another version byte, is rejected before any
// cryptography. Skipped message keys are kept by (header key, N): at most
// MaxSkip per chain step and MaxStoredSkipped in total, oldest evicted.
// Decrypt works on a copy of the state and commits only when the body
// authenticates, so a failed decryption changes nothing.
//
// # State at rest
//
// Session.MarshalBinary encodes the full state (secrets included) with a
// version byte; UnmarshalSession is bounded and canonical (see marshal.go).
// The caller must seal the bytes before storing them. Close zeroes the
// keys the session holds; copies inside crypto/ecdh and crypto/mlkem
// objects, and marshalled bytes handed to the caller, are not reachable.
//
// # Not done here
//
// No storage, no transport, no padding of envelopes, no identity keys or
// authentication of who invited whom (the invitation channel must do
// that), no sealed sender, no deduplication by message ID.
package ratchet
