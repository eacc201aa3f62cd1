package invite

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"
)

const qrAlnum = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"

func TestTextRoundTrip(t *testing.T) {
	inv := sampleInvitation()
	s := inv.String()
	if len(s) != TextSize || !strings.HasPrefix(s, Prefix) {
		t.Fatalf("text form %d chars, want %d with prefix", len(s), TextSize)
	}
	for _, c := range s {
		if !strings.ContainsRune(qrAlnum, c) {
			t.Fatalf("character %q outside the QR alphanumeric set", c)
		}
	}
	for _, in := range []string{s, "  " + s + "\n", "\t" + strings.ToLower(s) + "\r\n", strings.ToLower(s[:20]) + s[20:]} {
		got, err := Parse(in)
		if err != nil || got != inv {
			t.Fatalf("Parse(variant): %v, equal %v", err, got == inv)
		}
	}
}

func TestParseTypos(t *testing.T) {
	s := sampleInvitation().String()
	for i := len(Prefix); i < len(s); i++ {
		sub := byte('A')
		if s[i] == 'A' {
			sub = 'B'
		}
		typo := s[:i] + string(sub) + s[i+1:]
		if _, err := Parse(typo); !errors.Is(err, ErrChecksum) {
			t.Fatalf("typo at %d: err %v, want ErrChecksum", i, err)
		}
		swapped := []byte(s)
		if i+1 < len(s) && s[i] != s[i+1] {
			swapped[i], swapped[i+1] = swapped[i+1], swapped[i]
			if _, err := Parse(string(swapped)); !errors.Is(err, ErrChecksum) {
				t.Fatalf("transposition at %d: err %v, want ErrChecksum", i, err)
			}
		}
	}
}

func TestParseRejects(t *testing.T) {
	s := sampleInvitation().String()
	body := s[len(Prefix):]
	for _, c := range []struct {
		name, text string
		want       error
	}{
		{"empty", "", ErrMalformed},
		{"missing char", s[:len(s)-1], ErrMalformed},
		{"extra char", s + "A", ErrMalformed},
		{"no prefix", body, ErrMalformed},
		{"other prefix", "WARREN-INVITX:" + body, ErrMalformed},
		{"space inside", s[:100] + " " + s[101:], ErrMalformed},
		{"newline inside", s[:100] + "\n" + s[101:], ErrMalformed},
		{"padding char", s[:len(s)-1] + "=", ErrMalformed},
		{"digit 1 (not base32)", s[:100] + "1" + s[101:], ErrMalformed},
		{"digit 8 (not base32)", s[:100] + "8" + s[101:], ErrMalformed},
		{"long s folds to S", strings.Replace(s, "S", "ſ", 1)[:len(s)], ErrMalformed},
		{"kelvin sign", "\u212a" + s[3:], ErrMalformed},
	} {
		if inv, err := Parse(c.text); !errors.Is(err, c.want) || inv != (Invitation{}) {
			t.Errorf("%s: Parse err = %v, want %v", c.name, err, c.want)
		}
	}
}

// textOf builds a text form with a valid checksum around any binary.
func textOf(bin []byte) string {
	c := checksum(bin)
	return Prefix + b32.EncodeToString(append(bytes.Clone(bin), c[:]...))
}

func TestParseChecksummedButInvalid(t *testing.T) {
	bin, err := sampleInvitation().MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	v2 := bytes.Clone(bin)
	v2[0] = 2
	zeroExp := bytes.Clone(bin)
	clear(zeroExp[BinarySize-8:])
	farExp := bytes.Clone(bin)
	copy(farExp[BinarySize-8:], []byte{0, 0, 0, 0x3b, 0, 0, 0, 0})
	for _, c := range []struct {
		name string
		bin  []byte
		want error
	}{{"version 2", v2, ErrVersion}, {"expiry 0", zeroExp, ErrExpiry}, {"expiry past 9999", farExp, ErrExpiry}} {
		if _, err := Parse(textOf(c.bin)); !errors.Is(err, c.want) {
			t.Errorf("%s: err %v, want %v", c.name, err, c.want)
		}
	}
}

func TestNoStrictPrefixParses(t *testing.T) {
	s := sampleInvitation().String()
	for i := range len(s) {
		if _, err := Parse(s[:i]); err == nil {
			t.Fatalf("prefix %d parsed", i)
		}
	}
	bin, _ := sampleInvitation().MarshalBinary()
	for i := range len(bin) {
		var inv Invitation
		if err := inv.UnmarshalBinary(bin[:i]); err == nil {
			t.Fatalf("binary prefix %d decoded", i)
		}
	}
}

func TestInvitationExpiry(t *testing.T) {
	inv := sampleInvitation()
	inv.Expires = expiry.Add(999 * time.Millisecond).In(time.FixedZone("X", 3600))
	got, err := Parse(inv.String())
	if err != nil || !got.Expires.Equal(expiry) || got.Expires.Location() != time.UTC {
		t.Fatalf("expiry %v, %v; want whole seconds in UTC", got.Expires, err)
	}
	if got.Expired(expiry.Add(-time.Second)) || !got.Expired(expiry) || !got.Expired(expiry.Add(time.Hour)) {
		t.Fatal("Expired is wrong around the expiry")
	}
	for _, bad := range []time.Time{{}, time.Unix(0, 0), time.Unix(MaxExpiry+1, 0)} {
		inv.Expires = bad
		if _, err := inv.MarshalBinary(); !errors.Is(err, ErrExpiry) || inv.String() != "" {
			t.Fatalf("expiry %v: err %v, text %q", bad, err, inv.String())
		}
	}
}

func TestInvitationRedaction(t *testing.T) {
	inv := sampleInvitation()
	text := inv.String()
	var logged bytes.Buffer
	slog.New(slog.NewJSONHandler(&logged, nil)).Info("made", "inv", inv)
	for _, s := range []string{logged.String(), fmt.Sprintf("%#v", inv), ErrChecksum.Error()} {
		if strings.Contains(s, text[len(Prefix):len(Prefix)+16]) || strings.Contains(s, fmt.Sprint(inv.Key[0:4])) {
			t.Fatalf("secret in %q", s)
		}
	}
	if !strings.Contains(logged.String(), "2026-12-01") {
		t.Fatalf("log lost the expiry: %s", logged.String())
	}
}
