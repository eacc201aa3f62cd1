package invite

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"rsc.io/qr/coding"
)

var halves = map[rune][2]bool{'█': {true, true}, '▀': {true, false}, '▄': {false, true}, ' ': {false, false}}

// grid parses a rendering back into drawn/undrawn modules, two module
// rows per text row.
func grid(t *testing.T, s string) [][]bool {
	t.Helper()
	var g [][]bool
	for _, line := range strings.Split(strings.TrimSuffix(s, "\n"), "\n") {
		var top, bottom []bool
		for _, r := range line {
			h, ok := halves[r]
			if !ok {
				t.Fatalf("unexpected character %q", r)
			}
			top, bottom = append(top, h[0]), append(bottom, h[1])
		}
		g = append(g, top, bottom)
	}
	return g
}

func TestQRInvitation(t *testing.T) {
	text := sampleInvitation().String()
	c, quiet, err := encodeQR(text)
	if err != nil {
		t.Fatal(err)
	}
	version := (c.Size - 17) / 4
	t.Logf("invitation: %d chars -> QR version %d, %d modules, quiet zone %d, %d columns x %d rows",
		len(text), version, c.Size, quiet, c.Size+2*quiet, (c.Size+2*quiet+1)/2)
	if quiet != QRQuietZone {
		t.Errorf("quiet zone %d, want %d for an invitation", quiet, QRQuietZone)
	}
	// Highest level: the code must not fit the same version at a higher level
	// and must be level H when H fits (it does for an invitation).
	if !fitsLevel(text, coding.Version(version), coding.H) {
		t.Errorf("version %d does not hold the text at level H", version)
	}
	for _, inverted := range []bool{false, true} {
		s, err := renderQR(text, inverted)
		if err != nil {
			t.Fatal(err)
		}
		checkRendering(t, s, c, quiet, inverted)
	}
	if s, _ := QR(text); !strings.Contains(s, "█") {
		t.Fatal("QR drew nothing")
	}
}

func fitsLevel(text string, v coding.Version, l coding.Level) bool {
	return coding.Alpha(text).Bits(v) <= v.DataBytes(l)*8
}

// checkRendering compares the drawing module by module with the code.
func checkRendering(t *testing.T, s string, c *coding.Code, quiet int, drawDark bool) {
	t.Helper()
	n := c.Size + 2*quiet
	lines := strings.Split(strings.TrimSuffix(s, "\n"), "\n")
	if len(lines) != (n+1)/2 {
		t.Fatalf("%d rows, want %d", len(lines), (n+1)/2)
	}
	for _, l := range lines {
		if w := utf8.RuneCountInString(l); w != n || w > QRMaxWidth {
			t.Fatalf("row of %d columns, want %d (max %d)", w, n, QRMaxWidth)
		}
	}
	g := grid(t, s)
	for y := range n {
		for x := range n {
			inCode := x >= quiet && y >= quiet && x < quiet+c.Size && y < quiet+c.Size
			dark := inCode && c.Black(x-quiet, y-quiet)
			if g[y][x] != (dark == drawDark) {
				t.Fatalf("module (%d,%d): drawn %v, dark %v, drawDark %v", x, y, g[y][x], dark, drawDark)
			}
		}
	}
	if n%2 == 1 {
		for x := range n {
			if g[n][x] {
				t.Fatal("row below the symbol is drawn")
			}
		}
	}
}

func TestQRLimits(t *testing.T) {
	for _, c := range []struct {
		text string
		want error
	}{
		{"", ErrQR},
		{"lower case is not alphanumeric", ErrQR},
		{"ÜMLAUT", ErrQR},
		{strings.Repeat("A", 2000), ErrQR},
	} {
		if s, err := QR(c.text); !errors.Is(err, c.want) || s != "" {
			t.Errorf("QR(%.20q): err %v, want %v", c.text, err, c.want)
		}
	}
	// Longer texts fall back to lower levels, then to the smaller quiet
	// zone, never past QRMaxWidth.
	for _, c := range []struct{ chars, quiet, level int }{
		{214, QRQuietZone, int(coding.H)}, {400, QRQuietZone, int(coding.M)},
		{600, QRQuietZone, int(coding.L)}, {650, QRMinQuietZone, int(coding.L)}, {700, 0, 0},
	} {
		text := strings.Repeat("Z", c.chars)
		code, quiet, err := encodeQR(text)
		if c.quiet == 0 {
			if !errors.Is(err, ErrQR) {
				t.Fatalf("%d chars: err %v, want ErrQR", c.chars, err)
			}
			continue
		}
		v := coding.Version((code.Size - 17) / 4)
		if err != nil || quiet != c.quiet || code.Size+2*quiet > QRMaxWidth || !fitsLevel(text, v, coding.Level(c.level)) ||
			(c.level < int(coding.H) && fitsLevel(text, v, coding.Level(c.level+1))) {
			t.Fatalf("%d chars: version %d quiet %d, %v; want quiet %d level %d", c.chars, v, quiet, err, c.quiet, c.level)
		}
	}
}

// TestQRDecodesWithZbar renders through every mask and reads the drawing
// back with zbarimg, when it is installed (a check of rsc.io/qr's output
// and of this rendering by an independent decoder).
func TestQRDecodesWithZbar(t *testing.T) {
	zbar, err := exec.LookPath("zbarimg")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("zbarimg missing in CI: make test installs zbar-tools")
		}
		t.Skip("zbarimg not installed (Debian package zbar-tools; make test installs it)")
	}
	text := sampleInvitation().String()
	c, quiet, _ := encodeQR(text)
	v := coding.Version((c.Size - 17) / 4)
	for m := range coding.Mask(8) {
		if m == 7 {
			quiet = QRMinQuietZone // the fallback margin must read too
		}
		p, err := coding.NewPlan(v, coding.H, m)
		if err != nil {
			t.Fatal(err)
		}
		code, err := p.Encode(coding.Alpha(text))
		if err != nil {
			t.Fatal(err)
		}
		g := grid(t, render(code, quiet, false))
		path := filepath.Join(t.TempDir(), fmt.Sprintf("m%d.pgm", m))
		if err := os.WriteFile(path, pgm(g[:code.Size+2*quiet], 6), 0o600); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command(zbar, "--raw", "-q", path).Output()
		if err != nil || strings.TrimSpace(string(out)) != text {
			t.Fatalf("mask %d: zbarimg read %q, %v", m, out, err)
		}
	}
	t.Logf("zbarimg decoded version %d-H with all 8 masks (penalty picks one), quiet zones %d and %d", v, QRQuietZone, QRMinQuietZone)
}

// pgm makes a grey image of a terminal drawing (drawn = light, as on a
// dark terminal), scale pixels per module.
func pgm(g [][]bool, scale int) []byte {
	n := len(g[0]) * scale
	var b bytes.Buffer
	fmt.Fprintf(&b, "P5 %d %d 255\n", n, len(g)*scale)
	for _, row := range g {
		for range scale {
			for _, drawn := range row {
				px := byte(0)
				if drawn {
					px = 255
				}
				b.Write(bytes.Repeat([]byte{px}, scale))
			}
		}
	}
	return b.Bytes()
}
