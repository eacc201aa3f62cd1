package envelope

import (
	"unicode"
	"unicode/utf8"
)

func (t Text) check() error {
	switch {
	case t.Seq == 0:
		return ErrMalformed
	case len(t.Body) > MaxTextBody:
		return ErrTooLarge
	case !utf8.Valid(t.Body):
		return ErrText
	}
	return nil
}

func (p Payment) check() error {
	switch {
	case len(p.Cert) == 0:
		return ErrMalformed
	case len(p.Cert) > MaxPaymentCert:
		return ErrTooLarge
	}
	return nil
}

func (r Receipt) check() error {
	if len(r.IDs) == 0 || len(r.IDs) > MaxReceiptIDs {
		return ErrMalformed
	}
	for i := range r.IDs {
		for j := range i {
			if r.IDs[i] == r.IDs[j] {
				return ErrDuplicate
			}
		}
	}
	return nil
}

func (h Hello) check() error {
	if err := CheckName(h.Name); err != nil {
		return err
	}
	return CheckQueues(h.Queues)
}

// CheckName reports whether s may be a display name: at most MaxNameLen
// bytes of valid UTF-8 with no control characters and no bidirectional
// embedding, override or isolate characters (which could disguise a name
// or a terminal line). The empty name is allowed.
func CheckName(s string) error {
	if len(s) > MaxNameLen {
		return ErrTooLarge
	}
	if !utf8.ValidString(s) {
		return ErrText
	}
	for _, r := range s {
		if unicode.IsControl(r) || isBidiControl(r) {
			return ErrText
		}
	}
	return nil
}

func isBidiControl(r rune) bool {
	return (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069) || r == 0x200e || r == 0x200f || r == 0x061c
}

// CheckQueues reports whether q is a valid queue list: 1..MaxQueues
// distinct addresses.
func CheckQueues(q []QueueAddr) error {
	if len(q) == 0 || len(q) > MaxQueues {
		return ErrMalformed
	}
	for i := range q {
		for j := range i {
			if q[i] == q[j] {
				return ErrDuplicate
			}
		}
	}
	return nil
}
