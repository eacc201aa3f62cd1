package envelope

import (
	"errors"
	"io"
	"math/rand/v2"
	"testing"
)

func detRand(seed byte) io.Reader {
	var s [32]byte
	s[0] = seed
	return rand.NewChaCha8(s)
}

func id(b byte) (out [16]byte) {
	out[0], out[15] = b, ^b
	return out
}

func qa(b byte) QueueAddr {
	var q QueueAddr
	q.Relay[0], q.Relay[31] = b, 0x5a
	q.Queue[0] = b
	return q
}

func sampleText() Text {
	return Text{ID: id(1), Seq: 7, Sent: 1_790_000_000_123, Body: []byte("hello, wörld")}
}

func sampleHello() Hello {
	return Hello{Name: "Alice 🐇", Queues: []QueueAddr{qa(1), qa(2)}}
}

func mustEncode(t testing.TB, p Payload) []byte {
	t.Helper()
	b, err := Encode(p)
	if err != nil {
		t.Fatalf("Encode(%v): %v", p, err)
	}
	return b
}

// outcome names an error for vectors and tables.
func outcome(err error) string {
	for _, e := range []struct {
		err  error
		name string
	}{{ErrTooLarge, "too-large"}, {ErrSize, "size"}, {ErrPadding, "padding"}, {ErrUnknownType, "unknown-type"},
		{ErrDuplicate, "duplicate"}, {ErrText, "text"}, {ErrMalformed, "malformed"}} {
		if errors.Is(err, e.err) {
			return e.name
		}
	}
	if err == nil {
		return "ok"
	}
	return "unexpected: " + err.Error()
}
