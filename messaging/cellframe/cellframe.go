// Package cellframe is the framing the protocols over circuit streams
// share (the mailbox's, the ledger's): a frame is a 4-byte big-endian
// length of what follows (type, body and zero padding), padded so that
// the whole frame is a whole number of cells' stream data
// (circapi.StreamUnit), so an observer of cells learns only a frame's size
// in cells. Each protocol keeps its own types, bodies, bounds, canonical
// padding rule and errors; this package holds the common mechanics.
//
// It does no I/O of its own (Read reads from the reader it is given) and
// keeps no state; every function is safe for concurrent use.
package cellframe

import (
	"encoding/binary"
	"io"

	"github.com/warrennet/warren/onion/circapi"
)

const (
	// Unit is what frames are padded to a multiple of.
	Unit = circapi.StreamUnit
	// HeaderLen is the length prefix.
	HeaderLen = 4
)

// Units is the smallest whole number of units holding used bytes.
func Units(used int) int { return (used + Unit - 1) / Unit * Unit }

// Len reads a frame's header and returns the whole frame's length, header
// included, with the checks every protocol makes: tooLarge if it is above
// max, malformed if it is empty or not a whole number of units (or the
// header is short). Call it before allocating for the rest.
func Len(hdr []byte, max int, malformed, tooLarge error) (int, error) {
	if len(hdr) < HeaderLen {
		return 0, malformed
	}
	n := uint64(binary.BigEndian.Uint32(hdr))
	total := n + HeaderLen
	switch {
	case total > uint64(max):
		return 0, tooLarge
	case n == 0 || total%Unit != 0:
		return 0, malformed
	}
	return int(total), nil
}

// Begin appends a header placeholder and the type byte; it returns the
// extended slice and the frame's start.
func Begin(dst []byte, typ byte) ([]byte, int) {
	return append(dst, 0, 0, 0, 0, typ), len(dst)
}

// End pads the frame begun at start with zeros to total bytes (at least
// what it holds) and fills in its header.
func End(dst []byte, start, total int) []byte {
	dst = append(dst, make([]byte, total-(len(dst)-start))...)
	binary.BigEndian.PutUint32(dst[start:], uint32(total-HeaderLen))
	return dst
}

// Read reads one whole frame of at most max bytes from r, checking its
// header with frameLen (a protocol's Len with its own errors) before
// allocating. A clean end of stream before any byte is io.EOF; one inside
// a frame is io.ErrUnexpectedEOF.
func Read(r io.Reader, max int, frameLen func(hdr []byte, max int) (int, error)) ([]byte, error) {
	var hdr [HeaderLen]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return nil, err
	}
	n, err := frameLen(hdr[:], max)
	if err != nil {
		return nil, err
	}
	frame := make([]byte, n)
	copy(frame, hdr[:])
	if _, err := io.ReadFull(r, frame[HeaderLen:]); err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	return frame, nil
}
