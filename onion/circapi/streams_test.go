package circapi

import (
	"io"
	"net"
	"sync/atomic"
	"testing"
	"time"
)

// TestStreamsClose: Close closes the streams being served (their handlers
// return), waits for them, and later streams are closed unserved.
func TestStreamsClose(t *testing.T) {
	var s Streams
	var served atomic.Int32
	started := make(chan struct{})
	mine, theirs := net.Pipe()
	go s.Serve(theirs, func(st Stream) {
		served.Add(1)
		close(started)
		io.Copy(io.Discard, st) // until the stream is closed
	})
	<-started
	done := make(chan struct{})
	go func() { s.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not close the stream being served")
	}
	if _, err := mine.Write([]byte{1}); err == nil {
		t.Fatal("the served stream is still open")
	}
	late, lateTheirs := net.Pipe()
	s.Serve(lateTheirs, func(Stream) { served.Add(1) })
	if served.Load() != 1 {
		t.Fatal("a stream was served after Close")
	}
	if _, err := late.Write([]byte{1}); err == nil {
		t.Fatal("a stream handed over after Close is open")
	}
	s.Close() // idempotent
}
