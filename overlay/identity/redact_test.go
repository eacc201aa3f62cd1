package identity

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

// secretForms lists every spelling of k's private keys a leak would use.
func secretForms(k *Keyring) []string {
	var raw [][]byte
	raw = append(raw, k.Node.Seed(), k.Link.Bytes(), k.CurrentOnion().Private.Bytes())
	var forms []string
	for _, b := range raw {
		forms = append(forms,
			hex.EncodeToString(b), strings.ToUpper(hex.EncodeToString(b)),
			base64.StdEncoding.EncodeToString(b), base64.RawURLEncoding.EncodeToString(b),
			string(b), fmt.Sprint(b)[1:20])
	}
	return forms
}

func TestRedactedFormatting(t *testing.T) {
	k := mustGenerate(t, 7, t0)
	forms := secretForms(k)
	var out []string
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%x", "%X", "%d", "%q"} {
		out = append(out, fmt.Sprintf(verb, k), fmt.Sprintf(verb, k.CurrentOnion()), fmt.Sprintf(verb, []any{k, k.CurrentOnion()}))
	}
	var buf bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	log.Debug("keys", "keyring", k, "onion", k.CurrentOnion(), "id", k.NodeID())
	slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug})).
		Debug("keys", "keyring", k, "onion", k.CurrentOnion())
	out = append(out, buf.String())
	for _, o := range out {
		for _, f := range forms {
			if strings.Contains(o, f) {
				t.Fatalf("output %q contains a private key", o)
			}
		}
	}
	if !strings.Contains(buf.String(), k.NodeID().Short()) {
		t.Fatalf("log lacks the node's short ID: %s", buf.String())
	}
	if strings.Contains(buf.String(), k.NodeID().Onion()) {
		t.Fatalf("log holds the full onion address: %s", buf.String())
	}
}
