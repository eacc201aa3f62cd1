package wallet

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"
)

// The SHA-256 of the BIP-39 English wordlist (english.txt, as published).
const englishSHA256 = "2f5eed53a4727b4bf8880d8f3f199efc90e58503646d9ff8eff3a2ed3b24dbda"

func TestWordlistIsBIP39English(t *testing.T) {
	if got := sha256.Sum256([]byte(englishTxt)); hex.EncodeToString(got[:]) != englishSHA256 {
		t.Fatalf("english.txt SHA-256 = %x, want the BIP-39 list's", got)
	}
	list, _ := words()
	seen := map[string]bool{}
	for _, w := range list {
		if seen[w[:min(4, len(w))]] {
			t.Fatalf("4-letter prefix repeated: %q", w)
		}
		seen[w[:min(4, len(w))]] = true
	}
}

// BIP-39 test vectors (256-bit entropy; the words do not depend on the
// passphrase).
func TestSeedWordsVectors(t *testing.T) {
	rep := func(w string, n int) string { return strings.TrimSpace(strings.Repeat(w+" ", n)) }
	for _, v := range []struct{ seed, words string }{
		{strings.Repeat("00", 32), rep("abandon", 23) + " art"},
		{strings.Repeat("7f", 32), "legal winner thank year wave sausage worth useful legal winner thank year wave sausage worth useful legal winner thank year wave sausage worth title"},
		{strings.Repeat("80", 32), "letter advice cage absurd amount doctor acoustic avoid letter advice cage absurd amount doctor acoustic avoid letter advice cage absurd amount doctor acoustic bless"},
		{strings.Repeat("ff", 32), rep("zoo", 23) + " vote"},
		{"68a79eaca2324873eacc50cb9c6eca8cc68ea5d936f98787c60c7ebc74e6ce7c", "hamster diagram private dutch cause delay private meat slide toddler razor book happy fancy gospel tennis maple dilemma loan word shrug inflict delay length"},
	} {
		var seed [32]byte
		hex.Decode(seed[:], []byte(v.seed))
		if got := strings.Join(SeedWords(&seed), " "); got != v.words {
			t.Errorf("SeedWords(%s) = %q, want %q", v.seed, got, v.words)
		}
		back, err := ParseSeedWords(v.words)
		if err != nil || back != seed {
			t.Errorf("ParseSeedWords(%q) = %x, %v", v.words, back, err)
		}
	}
}

func TestSeedWordsRoundTrip(t *testing.T) {
	r := rng(1)
	for range 200 {
		var seed [32]byte
		r.Read(seed[:])
		words := SeedWords(&seed)
		// case and whitespace do not matter
		in := "  " + strings.ToUpper(strings.Join(words, " \n\t"))
		back, err := ParseSeedWords(in)
		if err != nil || back != seed {
			t.Fatalf("round trip: %v", err)
		}
	}
}

func TestSeedWordsTypos(t *testing.T) {
	var seed [32]byte
	rng(2).Read(seed[:])
	phrase := SeedWords(&seed)
	typo := append([]string(nil), phrase...)
	typo[5] = typo[5][:len(typo[5])-1] + "q"
	_, err := ParseSeedWords(strings.Join(typo, " "))
	wantErr(t, err, ErrUnknownWord)
	if strings.Contains(err.Error(), typo[5]) {
		t.Fatal("error names the word")
	}
	_, err = ParseSeedWords(strings.Join(phrase[:23], " "))
	wantErr(t, err, ErrWordCount)
	_, err = ParseSeedWords(strings.Join(append(phrase, "abandon"), " "))
	wantErr(t, err, ErrWordCount)

	// Replacing one word by every other valid word: the checksum catches
	// all but about 1 in 256.
	list, _ := words()
	passed := 0
	for _, w := range list {
		if w == phrase[0] {
			continue
		}
		sub := append([]string{w}, phrase[1:]...)
		got, err := ParseSeedWords(strings.Join(sub, " "))
		switch {
		case err == nil:
			passed++
			if got == seed {
				t.Fatal("a different phrase decoded to the same seed")
			}
		default:
			wantErr(t, err, ErrChecksum)
			if got != ([32]byte{}) {
				t.Fatal("a failed parse returned seed bytes")
			}
		}
	}
	if passed > 20 {
		t.Fatalf("%d of 2047 substitutions passed the checksum", passed)
	}
	// Swapping two different adjacent words is caught the same way.
	if phrase[0] != phrase[1] {
		sw := append([]string{phrase[1], phrase[0]}, phrase[2:]...)
		if got, err := ParseSeedWords(strings.Join(sw, " ")); err == nil && bytes.Equal(got[:], seed[:]) {
			t.Fatal("swap decoded to the same seed")
		}
	}
}
