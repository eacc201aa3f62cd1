package envelope

import "github.com/warrennet/warren/onion/circapi"

// Sizes are the only lengths an envelope (the sealed bytes a mailbox
// stores and a circuit carries) may have, smallest first. Each is a whole
// number of cells' stream data less 32 bytes, the room a mailbox request
// needs around it, so a deposit is exactly 2, 8 or 32 cells.
var Sizes = [...]int{
	2*circapi.StreamUnit - 32,  // 940
	8*circapi.StreamUnit - 32,  // 3,856
	32*circapi.StreamUnit - 32, // 15,520
}

// MaxSize is the largest envelope.
const MaxSize = 32*circapi.StreamUnit - 32

// ValidSize reports whether n is one of Sizes.
func ValidSize(n int) bool {
	for _, s := range Sizes {
		if n == s {
			return true
		}
	}
	return false
}
