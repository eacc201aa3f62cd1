package wallet

import (
	"crypto/sha256"
	_ "embed" // the BIP-39 English wordlist
	"fmt"
	"strings"
	"sync"

	"github.com/warrennet/warren/messaging/ledger/stealth"
)

// Seed words (BIP-39 English list and checksum): the 256-bit seed followed
// by the first 8 bits of its SHA-256 give 264 bits, read as 24 indices of
// 11 bits (most significant first) into the 2048-word list.
const (
	// WordCount is the number of seed words.
	WordCount = 24
	wordBits  = 11
	listSize  = 1 << wordBits
)

//go:embed english.txt
var englishTxt string

var (
	listOnce sync.Once
	wordList []string
	wordIdx  map[string]int
)

// words returns the wordlist and its index (parsed once from the
// embedded file; a malformed embedded file is a build defect: panic).
func words() ([]string, map[string]int) {
	listOnce.Do(func() {
		wordList = strings.Fields(englishTxt)
		if len(wordList) != listSize {
			panic("wallet: embedded wordlist does not have 2048 words")
		}
		wordIdx = make(map[string]int, listSize)
		for i, w := range wordList {
			wordIdx[w] = i
		}
	})
	return wordList, wordIdx
}

// SeedWords returns the 24 words that encode seed.
func SeedWords(seed *[stealth.SeedSize]byte) []string {
	list, _ := words()
	var bits [stealth.SeedSize + 1]byte
	copy(bits[:], seed[:])
	bits[stealth.SeedSize] = checksum(seed)
	out := make([]string, WordCount)
	for i := range out {
		out[i] = list[readBits(bits[:], i*wordBits)]
	}
	clear(bits[:])
	return out
}

// ParseSeedWords decodes seed words: exactly 24 words of the list
// (case-insensitive, any whitespace between them) whose checksum matches.
// A mistyped word is ErrUnknownWord (with its position, never the word);
// a valid word swapped for another is ErrChecksum (255 in 256 times).
func ParseSeedWords(s string) ([stealth.SeedSize]byte, error) {
	var seed [stealth.SeedSize]byte
	_, idx := words()
	fields := strings.Fields(strings.ToLower(s))
	if len(fields) != WordCount {
		return seed, ErrWordCount
	}
	var bits [stealth.SeedSize + 1]byte
	for i, w := range fields {
		n, ok := idx[w]
		if !ok {
			return seed, fmt.Errorf("%w: word %d", ErrUnknownWord, i+1)
		}
		writeBits(bits[:], i*wordBits, n)
	}
	copy(seed[:], bits[:stealth.SeedSize])
	defer clear(bits[:])
	if checksum(&seed) != bits[stealth.SeedSize] {
		clear(seed[:])
		return seed, ErrChecksum
	}
	return seed, nil
}

func checksum(seed *[stealth.SeedSize]byte) byte {
	h := sha256.Sum256(seed[:])
	return h[0]
}

// readBits returns the 11-bit big-endian value starting at bit off.
func readBits(b []byte, off int) int {
	v := 0
	for i := range wordBits {
		bit := off + i
		v = v<<1 | int(b[bit/8]>>(7-bit%8)&1)
	}
	return v
}

// writeBits ORs the 11-bit value v into b at bit off.
func writeBits(b []byte, off, v int) {
	for i := range wordBits {
		if v>>(wordBits-1-i)&1 == 1 {
			bit := off + i
			b[bit/8] |= 1 << (7 - bit%8)
		}
	}
}
