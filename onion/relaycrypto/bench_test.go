package relaycrypto

import (
	"math/rand/v2"
	"testing"
)

// BenchmarkRelayForward is a relay passing a cell on (the middle hop's
// whole crypto work per cell, without the links).
func BenchmarkRelayForward(b *testing.B) {
	c := newCircuit(b, rand.New(rand.NewPCG(1, 1)), 3)
	body := randomMsg(rand.New(rand.NewPCG(2, 2)))
	b.SetBytes(BodyLen)
	b.ReportAllocs()
	for b.Loop() {
		c.relays[0].Forward(cmdRelay, &body)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "cells/s")
}

// BenchmarkRelayOriginate is the last hop sending a cell (includes the
// per-cell key update).
func BenchmarkRelayOriginate(b *testing.B) {
	c := newCircuit(b, rand.New(rand.NewPCG(1, 1)), 3)
	body := randomMsg(rand.New(rand.NewPCG(2, 2)))
	b.SetBytes(BodyLen)
	b.ReportAllocs()
	for b.Loop() {
		c.relays[2].Originate(cmdRelay, &body)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "cells/s")
}

// BenchmarkClientOriginate3 is a client sending a cell to hop 3.
func BenchmarkClientOriginate3(b *testing.B) {
	c := newCircuit(b, rand.New(rand.NewPCG(1, 1)), 3)
	body := randomMsg(rand.New(rand.NewPCG(2, 2)))
	b.SetBytes(BodyLen)
	b.ReportAllocs()
	for b.Loop() {
		c.client.Originate(2, cmdRelay, &body)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "cells/s")
}

// BenchmarkClientBackward3 is a client receiving a cell from hop 3.
func BenchmarkClientBackward3(b *testing.B) {
	c := newCircuit(b, rand.New(rand.NewPCG(1, 1)), 3)
	msg := randomMsg(rand.New(rand.NewPCG(2, 2)))
	b.SetBytes(BodyLen)
	b.ReportAllocs()
	for b.Loop() {
		body := msg
		c.sendBackward(2, &body, nil)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "cells/s")
}
