package ratchet

import "io"

// Decrypt authenticates and opens msg with the caller's ad. On any error
// the session is unchanged (no key consumed, no ratchet step taken), so a
// forged or corrupted message cannot desynchronise it. A message that was
// already decrypted fails: its key is gone.
func (s *Session) Decrypt(msg, ad []byte) ([]byte, error) {
	if s.closed {
		return nil, ErrClosed
	}
	if len(msg) < MinMessageSize || len(msg) > MaxMessageSize {
		return nil, ErrMalformed
	}
	if msg[0] != Version {
		return nil, ErrVersion
	}
	if pt, found, err := s.trySkipped(msg, ad); found {
		return pt, err
	}
	return s.decryptCurrent(msg, ad)
}

// trySkipped is TrySkippedMessageKeysHE. found reports whether a stored
// (header key, n) matched; then the result is final.
func (s *Session) trySkipped(msg, ad []byte) (pt []byte, found bool, err error) {
	var tried []*key
	for i := range s.skipped {
		hk := &s.skipped[i].hk
		if seen(tried, hk) {
			continue
		}
		tried = append(tried, hk)
		_, _, n, ok := openHeader(hk, msg)
		if !ok {
			continue
		}
		j := s.findSkipped(hk, n)
		if j < 0 {
			return nil, false, nil
		}
		pt, ok := openBody(&s.skipped[j].mk, msg, ad)
		if !ok {
			return nil, true, ErrDecrypt
		}
		s.removeSkipped(j)
		return pt, true, nil
	}
	return nil, false, nil
}

func seen(tried []*key, hk *key) bool {
	for _, t := range tried {
		if *t == *hk {
			return true
		}
	}
	return false
}

func (s *Session) findSkipped(hk *key, n uint32) int {
	for i := range s.skipped {
		if s.skipped[i].n == n && s.skipped[i].hk == *hk {
			return i
		}
	}
	return -1
}

func (s *Session) removeSkipped(i int) {
	last := len(s.skipped) - 1
	copy(s.skipped[i:], s.skipped[i+1:])
	s.skipped[last] = skippedKey{}
	s.skipped = s.skipped[:last]
}

// decryptCurrent runs the rest of RatchetDecryptHE on a copy of the state
// and commits it only if the body authenticates.
func (s *Session) decryptCurrent(msg, ad []byte) ([]byte, error) {
	st := s.st
	defer func() { st = state{} }()
	var pending []skippedKey
	dhPub, pn, n, ratchet, ok := decryptHeader(&st, msg)
	if !ok {
		return nil, ErrDecrypt
	}
	if ratchet {
		if err := skipKeys(&st, &pending, pn); err != nil {
			return nil, err
		}
		if err := dhRatchet(&st, &dhPub, s.rand); err != nil {
			wipeSkipped(pending)
			return nil, err
		}
	}
	if err := skipKeys(&st, &pending, n); err != nil {
		wipeSkipped(pending)
		return nil, err
	}
	newCK, mk := kdfCK(&st.ckr)
	defer wipe(mk[:])
	pt, ok := openBody(&mk, msg, ad)
	if !ok {
		wipeSkipped(pending)
		return nil, ErrDecrypt
	}
	st.ckr = newCK
	st.nr++
	s.st = st
	s.storeSkipped(pending)
	return pt, nil
}

// decryptHeader is DecryptHeader: current header key first, then next.
func decryptHeader(st *state, msg []byte) (dhPub key, pn, n uint32, ratchet, ok bool) {
	if st.hasRecv {
		if dhPub, pn, n, ok = openHeader(&st.hkr, msg); ok {
			return dhPub, pn, n, false, true
		}
	}
	dhPub, pn, n, ok = openHeader(&st.nhkr, msg)
	return dhPub, pn, n, true, ok
}

// skipKeys is SkipMessageKeysHE, collecting keys into pending.
func skipKeys(st *state, pending *[]skippedKey, until uint32) error {
	if uint64(st.nr)+MaxSkip < uint64(until) {
		return ErrTooManySkips
	}
	if !st.hasRecv {
		return nil
	}
	for st.nr < until {
		var mk key
		st.ckr, mk = kdfCK(&st.ckr)
		*pending = append(*pending, skippedKey{hk: st.hkr, n: st.nr, mk: mk})
		st.nr++
	}
	return nil
}

// dhRatchet is DHRatchetHE.
func dhRatchet(st *state, dhPub *key, r io.Reader) error {
	out, err := dh(&st.dhsPriv, dhPub)
	if err != nil {
		return ErrDecrypt
	}
	priv, pub, err := newDHKey(r)
	if err != nil {
		wipe(out)
		return err
	}
	out2, err := dh(&priv, dhPub)
	if err != nil {
		wipe(out)
		return ErrDecrypt
	}
	st.pn, st.ns, st.nr = st.ns, 0, 0
	st.hks, st.hkr = st.nhks, st.nhkr
	st.hasSend, st.hasRecv = true, true
	st.dhr, st.hasDHr = *dhPub, true
	st.rk, st.ckr, st.nhkr = kdfRK(&st.rk, out)
	st.dhsPriv, st.dhsPub = priv, pub
	st.rk, st.cks, st.nhks = kdfRK(&st.rk, out2)
	wipe(out)
	wipe(out2)
	wipe(priv[:])
	return nil
}

// storeSkipped appends pending and evicts the oldest beyond MaxStoredSkipped.
func (s *Session) storeSkipped(pending []skippedKey) {
	s.skipped = append(s.skipped, pending...)
	wipeSkipped(pending)
	if extra := len(s.skipped) - MaxStoredSkipped; extra > 0 {
		wipeSkipped(s.skipped[:extra])
		n := copy(s.skipped, s.skipped[extra:])
		wipeSkipped(s.skipped[n:])
		s.skipped = s.skipped[:n]
	}
}

func wipeSkipped(ks []skippedKey) {
	for i := range ks {
		ks[i] = skippedKey{}
	}
}
