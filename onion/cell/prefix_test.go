package cell

import (
	"errors"
	"testing"
)

// TestNoPrefixParses: no strict prefix of a valid cell or relay message,
// nor the valid bytes with one more byte, decodes; the error is always
// ErrMalformed and the value zero.
func TestNoPrefixParses(t *testing.T) {
	for name, c := range validCells(t) {
		b := append(c[:], 0)
		for n := range len(b) {
			if n == Size {
				continue
			}
			got, err := Parse(b[:n])
			if !errors.Is(err, ErrMalformed) || got != (Cell{}) {
				t.Fatalf("%s: %d-byte prefix: %v", name, n, err)
			}
		}
	}
	for name, m := range validMsgs(t) {
		b := append(encodeMsg(t, m), 0)
		for n := range len(b) {
			if n == MsgLen {
				continue
			}
			got, err := ParseMsg(b[:n], AllCmds)
			if !errors.Is(err, ErrMalformed) || got.Cmd != 0 || got.Data != nil {
				t.Fatalf("%s: %d-byte prefix: %v", name, n, err)
			}
		}
	}
}
