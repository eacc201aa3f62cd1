package messenger

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"
	"time"
)

// A payment's certificate sent to an offline contact reaches its
// OnPayment hook once when it comes back, and turns delivered.
func TestSendPayment(t *testing.T) {
	w := newWorld(t, 2)
	a, b := w.user("alice"), w.user("bob")
	connect(t, a, b)
	var mu sync.Mutex
	var got [][]byte
	b.stop()
	b.onPayment = func(_ context.Context, cert []byte) error {
		mu.Lock()
		defer mu.Unlock()
		got = append(got, bytes.Clone(cert))
		return nil
	}
	cert := bytes.Repeat([]byte("certificate "), 200) // 2,400 bytes: an 8-cell envelope
	if _, err := a.m.SendPayment(context.Background(), "bob", cert); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, "stored", func() bool { return a.outboxStates(t)["sent"] == 1 })
	b.start()
	waitFor(t, 10*time.Second, "delivered", func() bool { return a.outboxStates(t)["delivered"] == 1 })
	waitFor(t, 5*time.Second, "the applied event", func() bool { return b.countEvents("payment", "applied") == 1 })
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 1 || !bytes.Equal(got[0], cert) {
		t.Fatalf("the hook got %d certificates (want the one sent)", len(got))
	}
	out, err := a.m.Outbox(context.Background(), "", 10)
	if err != nil || len(out) != 1 || !strings.HasPrefix(out[0].Body, "(payment certificate") {
		t.Fatalf("outbox: %+v %v", out, err)
	}
	if n := len(b.inbox(t, "")); n != 0 {
		t.Fatalf("a payment showed up as %d texts in the inbox", n)
	}
}
