package messenger

import (
	"testing"
	"time"
)

func TestReceiptWait(t *testing.T) {
	now := time.Unix(100, 0)
	rcpt := func(age time.Duration) outRow { return outRow{Kind: kindReceipt, Created: now.Add(-age)} }
	for _, c := range []struct {
		rows []outRow
		want time.Duration
	}{
		{[]outRow{rcpt(5 * time.Millisecond), rcpt(0)}, receiptDelay - 5*time.Millisecond},
		{[]outRow{rcpt(time.Second)}, receiptDelay - time.Second}, // old enough: no wait
		{[]outRow{rcpt(0), {Kind: kindText, Created: now}}, 0},    // a text goes at once
	} {
		if got := receiptWait(c.rows, now); got != c.want {
			t.Errorf("receiptWait = %v, want %v", got, c.want)
		}
	}
}
