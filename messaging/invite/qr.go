package invite

import (
	"strings"

	"rsc.io/qr/coding"
)

// Terminal QR limits.
const (
	// QRMaxWidth is the widest rendering QR returns, in terminal columns.
	QRMaxWidth = 80
	// QRQuietZone is the margin, in modules, that QR uses when it fits
	// (ISO/IEC 18004 asks for 4); QRMinQuietZone is the least it falls
	// back to.
	QRQuietZone    = 4
	QRMinQuietZone = 2
)

// qrLevels are tried from most to least error correction.
var qrLevels = [...]coding.Level{coding.H, coding.Q, coding.M, coding.L}

// QR renders text (which must be in the QR alphanumeric set, as an
// invitation's text form is) as a QR code for a terminal with light text
// on a dark background: light modules are drawn, two module rows per
// text row with the half blocks ▀ ▄ █, one module per column. It uses the
// highest error correction level, then the smallest version, that fits
// QRMaxWidth with a quiet zone of QRQuietZone (else QRMinQuietZone)
// modules, and the mask with the lowest ISO/IEC 18004 penalty.
func QR(text string) (string, error) { return renderQR(text, false) }

// QRInverted is QR for a terminal with dark text on a light background:
// dark modules are drawn.
func QRInverted(text string) (string, error) { return renderQR(text, true) }

func renderQR(text string, drawDark bool) (string, error) {
	c, quiet, err := encodeQR(text)
	if err != nil {
		return "", err
	}
	return render(c, quiet, drawDark), nil
}

// encodeQR picks level, version and mask and returns the code and the
// quiet zone to draw around it.
func encodeQR(text string) (*coding.Code, int, error) {
	enc := coding.Alpha(text)
	if text == "" || enc.Check() != nil {
		return nil, 0, ErrQR
	}
	for _, quiet := range []int{QRQuietZone, QRMinQuietZone} {
		maxV := coding.Version((QRMaxWidth - 2*quiet - 17) / 4)
		for _, l := range qrLevels {
			for v := coding.Version(coding.MinVersion); v <= maxV; v++ {
				if enc.Bits(v) <= v.DataBytes(l)*8 {
					c, err := bestMask(v, l, enc)
					return c, quiet, err
				}
			}
		}
	}
	return nil, 0, ErrQR
}

// bestMask encodes with each of the 8 masks and keeps the lowest penalty.
func bestMask(v coding.Version, l coding.Level, enc coding.Encoding) (*coding.Code, error) {
	var best *coding.Code
	bestScore := -1
	for m := range coding.Mask(8) {
		p, err := coding.NewPlan(v, l, m)
		if err != nil {
			return nil, ErrQR
		}
		c, err := p.Encode(enc)
		if err != nil {
			return nil, ErrQR
		}
		if s := penalty(c); bestScore < 0 || s < bestScore {
			best, bestScore = c, s
		}
	}
	return best, nil
}

// render draws c with a quiet zone. A module is drawn (as the upper or
// lower half of a character cell) when it is dark and drawDark, or light
// and not drawDark; the quiet zone is light.
func render(c *coding.Code, quiet int, drawDark bool) string {
	n := c.Size + 2*quiet
	drawn := func(x, y int) bool {
		if y >= n { // below the last row of an odd-height drawing
			return false
		}
		return c.Black(x-quiet, y-quiet) == drawDark
	}
	var sb strings.Builder
	sb.Grow((n + 1) / 2 * (n*3 + 1))
	for y := 0; y < n; y += 2 {
		for x := range n {
			sb.WriteString(halfBlock(drawn(x, y), drawn(x, y+1)))
		}
		sb.WriteByte('\n')
	}
	return sb.String()
}

func halfBlock(top, bottom bool) string {
	switch {
	case top && bottom:
		return "█"
	case top:
		return "▀"
	case bottom:
		return "▄"
	}
	return " "
}
