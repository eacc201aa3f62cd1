package invite

import (
	"crypto/subtle"
	"encoding/base32"
	"strings"
)

// b32 is RFC 4648 base32 (A-Z 2-7) without padding.
var b32 = base32.StdEncoding.WithPadding(base32.NoPadding)

// String returns the text form, Prefix followed by base32 of
// binary | checksum, all in the QR alphanumeric set. It returns "" if
// the expiry is out of range (Parse never yields such an Invitation).
func (inv Invitation) String() string {
	bin, err := inv.MarshalBinary()
	if err != nil {
		return ""
	}
	c := checksum(bin)
	return Prefix + b32.EncodeToString(append(bin, c[:]...))
}

// Parse decodes the text form. Surrounding white space is ignored and
// lower case accepted; anything else must be exact: the prefix, 200
// characters of A-Z 2-7 and nothing between. A wrong checksum (a typo)
// gives ErrChecksum; a missing or extra character gives ErrMalformed.
func Parse(text string) (Invitation, error) {
	s := strings.TrimSpace(text)
	if len(s) != TextSize {
		return Invitation{}, ErrMalformed
	}
	s = asciiUpper(s)
	body, ok := strings.CutPrefix(s, Prefix)
	if !ok || !isBase32(body) {
		return Invitation{}, ErrMalformed
	}
	raw, err := b32.DecodeString(body)
	if err != nil || len(raw) != BinarySize+ChecksumSize {
		return Invitation{}, ErrMalformed
	}
	bin, sum := raw[:BinarySize], raw[BinarySize:]
	if c := checksum(bin); subtle.ConstantTimeCompare(c[:], sum) != 1 {
		return Invitation{}, ErrChecksum
	}
	var inv Invitation
	if err := inv.UnmarshalBinary(bin); err != nil {
		return Invitation{}, err
	}
	return inv, nil
}

// isBase32 reports whether s is only A-Z 2-7 (the decoder alone would
// skip new lines).
func isBase32(s string) bool {
	for i := range len(s) {
		c := s[i]
		if (c < 'A' || c > 'Z') && (c < '2' || c > '7') {
			return false
		}
	}
	return true
}

// asciiUpper maps a-z to A-Z and leaves every other byte alone (so
// non-ASCII letters never fold into ASCII ones, as strings.ToUpper would).
func asciiUpper(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'a' && c <= 'z' {
			b[i] = c - 'a' + 'A'
		}
	}
	return string(b)
}
