package stealth

import (
	"crypto/sha256"
	"encoding/base32"
	"fmt"
	"strings"
)

// Text form of an address (what users copy and paste):
//
//	"wpay1" ‖ base32(A ‖ B ‖ checksum)
//
// base32 is RFC 4648's alphabet in lowercase without padding; checksum is
// the first 4 bytes of SHA-256(textDomain ‖ A ‖ B), so a mistyped or
// truncated address is refused instead of paying a stranger. 109
// characters after the prefix, 114 in all. ParseAddressText is strict:
// lowercase only, exact length, canonical encoding, valid points.
const (
	// TextPrefix starts every text address.
	TextPrefix = "wpay1"
	// TextSize is the length of a text address.
	TextSize   = len(TextPrefix) + (AddressSize+checkSize)*8/5 + 1
	checkSize  = 4
	textDomain = "warren/stealth/address-text/v1"
)

var b32 = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// String returns a's text form.
func (a Address) String() string {
	raw := a.Marshal()
	sum := textChecksum(raw)
	return TextPrefix + b32.EncodeToString(append(raw, sum[:]...))
}

func textChecksum(raw []byte) [checkSize]byte {
	h := sha256.Sum256(append([]byte(textDomain), raw...))
	return [checkSize]byte(h[:checkSize])
}

// ParseAddressText parses a text address. Errors wrap ErrBadAddress and
// never quote the input.
func ParseAddressText(s string) (Address, error) {
	if len(s) != TextSize || !strings.HasPrefix(s, TextPrefix) {
		return Address{}, fmt.Errorf("%w: not a %d-character %s… address", ErrBadAddress, TextSize, TextPrefix)
	}
	body := s[len(TextPrefix):]
	b, err := b32.DecodeString(body)
	if err != nil || len(b) != AddressSize+checkSize || b32.EncodeToString(b) != body {
		return Address{}, fmt.Errorf("%w: bad characters", ErrBadAddress)
	}
	if sum := textChecksum(b[:AddressSize]); [checkSize]byte(b[AddressSize:]) != sum {
		return Address{}, fmt.Errorf("%w: checksum (mistyped?)", ErrBadAddress)
	}
	return ParseAddress(b[:AddressSize])
}
