package invite

import (
	"bytes"
	"reflect"
	"strings"
	"testing"

	"github.com/warrennet/warren/messaging/ratchet"
)

func FuzzParse(f *testing.F) {
	for _, s := range seeds(f, "text") {
		f.Add(string(s))
	}
	f.Fuzz(func(t *testing.T, s string) {
		inv, err := Parse(s)
		if err != nil {
			if inv != (Invitation{}) {
				t.Fatal("error with a non-zero invitation")
			}
			return
		}
		if out := inv.String(); out != strings.ToUpper(strings.TrimSpace(s)) {
			t.Fatalf("parsed %q re-encodes as %q", s, out)
		}
	})
}

func FuzzUnmarshalInvitation(f *testing.F) {
	for _, b := range seeds(f, "invitation") {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var inv Invitation
		if err := inv.UnmarshalBinary(b); err != nil {
			if inv != (Invitation{}) {
				t.Fatal("error with a changed invitation")
			}
			return
		}
		if out, err := inv.MarshalBinary(); err != nil || !bytes.Equal(out, b) {
			t.Fatalf("re-encoding differs (err %v)", err)
		}
	})
}

func FuzzUnmarshalBlob(f *testing.F) {
	for _, b := range seeds(f, "blob") {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var blob Blob
		if err := blob.UnmarshalBinary(b); err != nil {
			if !reflect.DeepEqual(blob, Blob{}) {
				t.Fatal("error with a changed blob")
			}
			return
		}
		if out, err := blob.MarshalBinary(); err != nil || !bytes.Equal(out, b) {
			t.Fatalf("re-encoding differs (err %v)", err)
		}
	})
}

// FuzzOpenSealed seals arbitrary content under the blob and request labels
// (so fuzzing reaches the parsers behind the AEAD) and also opens the raw
// input as an envelope.
func FuzzOpenSealed(f *testing.F) {
	key := sampleInvitation().Key
	for _, b := range seeds(f, "blob") {
		f.Add(b)
	}
	im := sampleInitMsg()
	f.Add(append(append([]byte{Version}, im.Bytes()...), make([]byte, 940)...))
	f.Fuzz(func(t *testing.T, content []byte) {
		if b, err := OpenBlob(key, content); err == nil || !reflect.DeepEqual(b, Blob{}) {
			t.Fatal("unsealed input opened as a blob")
		}
		env, err := seal(&key, labelBlob, content, bytes.NewReader(make([]byte, 24)))
		if err != nil {
			return // too large
		}
		if b, err := OpenBlob(key, env); err == nil {
			out, err := SealBlob(key, b, bytes.NewReader(make([]byte, 24)))
			if err != nil || !bytes.Equal(out, env) {
				t.Fatalf("blob re-seals differently (err %v)", err)
			}
		} else if !reflect.DeepEqual(b, Blob{}) {
			t.Fatal("error with a non-zero blob")
		}
		env, _ = seal(&key, labelRequest, content, bytes.NewReader(make([]byte, 24)))
		m, first, err := OpenRequest(key, env)
		if err != nil {
			if first != nil || m != (ratchet.InitMsg{}) {
				t.Fatal("error with a non-zero request")
			}
			return
		}
		if out, err := SealRequest(key, m, first, bytes.NewReader(make([]byte, 24))); err != nil || !bytes.Equal(out, env) {
			t.Fatalf("request re-seals differently (err %v)", err)
		}
	})
}
