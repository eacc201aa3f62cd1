package circapitest

import (
	"context"
	"errors"
	"io"
	"testing"

	"github.com/warrennet/warren/onion/circapi"
	"github.com/warrennet/warren/overlay/identity"
)

func TestDouble(t *testing.T) {
	n := New()
	relay, client := identity.NodeID{1}, identity.NodeID{2}
	n.Host(relay).Handle("echo", func(s circapi.Stream) { io.Copy(s, s) })
	d := n.Dialer(client)
	s, err := d.Open(context.Background(), circapi.Purpose{Kind: "contact", Key: "a"}, relay, "echo")
	if err != nil {
		t.Fatal(err)
	}
	go s.Write([]byte("hi"))
	buf := make([]byte, 2)
	if _, err := io.ReadFull(s, buf); err != nil || string(buf) != "hi" {
		t.Fatalf("echo: %q, %v", buf, err)
	}
	s.Close()
	if _, err := d.Open(context.Background(), circapi.Purpose{}, relay, "nope"); !errors.Is(err, circapi.ErrNoService) {
		t.Fatalf("unknown service: %v", err)
	}
	n.SetDown(relay, true)
	if _, err := d.Open(context.Background(), circapi.Purpose{}, relay, "echo"); !errors.Is(err, circapi.ErrUnknownRelay) {
		t.Fatalf("relay down: %v", err)
	}
	if got := n.Opens(); len(got) != 3 || got[0].Purpose.Key != "a" || got[0].From != client {
		t.Fatalf("opens: %+v", got)
	}
	n.Wait()
}
