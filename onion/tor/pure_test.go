package tor

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"log/slog"
	"strings"
	"testing"

	bed25519 "github.com/cretz/bine/torutil/ed25519"

	"github.com/warrennet/warren/overlay/identity"
)

// fixedKey is the node key the tests publish: the same seed every run.
func fixedKey(b byte) ed25519.PrivateKey {
	return ed25519.NewKeyFromSeed(bytes.Repeat([]byte{b}, ed25519.SeedSize))
}

// TestExpandKey: the expanded key bine builds for ADD_ONION has the same
// public key as the Go key, so tor's address is our NodeID's.
func TestExpandKey(t *testing.T) {
	for _, b := range []byte{1, 2, 0xAB} {
		k := fixedKey(b)
		x := expandKey(k)
		pub := bed25519.PrivateKey(x[:]).PublicKey()
		if !bytes.Equal(pub, k.Public().(ed25519.PublicKey)) {
			t.Fatalf("seed %#x: expanded key's public key differs", b)
		}
		if x[0]&7 != 0 || x[31]&0x80 != 0 || x[31]&0x40 == 0 {
			t.Fatalf("seed %#x: scalar not clamped", b)
		}
	}
}

func TestAddOnionCommand(t *testing.T) {
	var key [64]byte
	key[0] = 0xFF
	b64 := base64.StdEncoding.EncodeToString(key[:])
	got := addOnionCommand(&key, 9735, 40001, PoWConfig{QueueRate: 250, QueueBurst: 2500})
	want := "ADD_ONION ED25519-V3:" + b64 + " Flags=Detach Port=9735,127.0.0.1:40001 PoWDefensesEnabled=1 PoWQueueRate=250 PoWQueueBurst=2500"
	if got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
	got = addOnionCommand(&key, 1, 2, PoWConfig{Disabled: true})
	if strings.Contains(got, "PoW") || strings.ContainsAny(got, "\r\n") {
		t.Fatalf("PoW disabled: %s", got)
	}
}

func TestResolvePoW(t *testing.T) {
	p, err := resolvePoW(PoWConfig{}, powYes)
	if err != nil || p.QueueRate != DefaultPoWQueueRate || p.QueueBurst != DefaultPoWQueueBurst {
		t.Fatalf("defaults: %+v %v", p, err)
	}
	if _, err := resolvePoW(PoWConfig{}, powNo); !errors.Is(err, ErrPoW) {
		t.Fatalf("no pow module: %v", err)
	}
	if _, err := resolvePoW(PoWConfig{Disabled: true}, powNo); err != nil {
		t.Fatalf("disabled: %v", err)
	}
	if _, err := resolvePoW(PoWConfig{QueueRate: -1}, powYes); !errors.Is(err, ErrConfig) {
		t.Fatalf("negative rate: %v", err)
	}
}

func TestParseModules(t *testing.T) {
	for out, want := range map[string]powSupport{
		"relay: yes\ndirauth: yes\ndircache: yes\npow: yes\n": powYes,
		"relay: yes\npow: no\n":                               powNo,
		"relay: yes\n":                                        powNo,
	} {
		if got := parseModules(out); got != want {
			t.Errorf("parseModules(%q) = %v", out, got)
		}
	}
}

func TestServiceIDAndEvents(t *testing.T) {
	id, err := serviceID([]string{"ServiceID=abc", "PrivateKey=x"})
	if err != nil || id != "abc" {
		t.Fatalf("serviceID = %q, %v", id, err)
	}
	if _, err := serviceID([]string{"OK"}); err == nil {
		t.Fatal("missing ServiceID accepted")
	}
}

func TestUploadTracker(t *testing.T) {
	u := uploadTracker{service: "abc"}
	steps := []struct {
		line string
		done bool
	}{
		{"HS_DESC CREATED abc UNKNOWN UNKNOWN descid", false},
		{"HS_DESC UPLOAD abc UNKNOWN $AA~r1 descid HSDIR_INDEX=x", false},
		{"HS_DESC UPLOAD abc UNKNOWN $BB~r2 descid HSDIR_INDEX=x", false},
		{"HS_DESC UPLOAD abc UNKNOWN $CC~r3 descid HSDIR_INDEX=x", false},
		{"HS_DESC UPLOAD abc UNKNOWN $AA~r1 descid2 HSDIR_INDEX=y", false}, // next period
		{"HS_DESC UPLOADED xyz UNKNOWN $AA~r1", false},                     // another service
		{"HS_DESC UPLOADED abc UNKNOWN $AA~r1", false},
		{"HS_DESC UPLOADED abc UNKNOWN $DD~r4", false}, // never launched
		{"HS_DESC UPLOADED abc UNKNOWN $AA~r1", false},
		{"HS_DESC FAILED abc UNKNOWN $BB~r2 descid REASON=UPLOAD_REJECTED", false},
		{"HS_DESC UPLOADED", false},
		{"HS_DESC UPLOADED abc UNKNOWN $CC~r3", true},
	}
	for i, s := range steps {
		if got := u.observe(s.line); got != s.done {
			t.Fatalf("step %d (%s): done=%v", i, s.line, got)
		}
	}
	// All uploads failing is not done: tor retries, the deadline decides.
	f := uploadTracker{service: "abc"}
	f.observe("HS_DESC UPLOAD abc UNKNOWN $AA~r1 d")
	if f.observe("HS_DESC FAILED abc UNKNOWN $AA~r1 d REASON=x") {
		t.Fatal("done without any upload accepted")
	}
}

func TestGetInfoValue(t *testing.T) {
	data := []string{"version=0.4.9.11", "net/listeners/socks=\"127.0.0.1:9050\"", "config-text=\r\nA 1\r\nB 2"}
	for key, want := range map[string]string{"version": "0.4.9.11", "net/listeners/socks": `"127.0.0.1:9050"`, "config-text": "A 1\nB 2"} {
		if got, err := getInfoValue(data, key); err != nil || got != want {
			t.Errorf("getInfoValue(%q) = %q, %v", key, got, err)
		}
	}
	if _, err := getInfoValue(data, "vers"); !errors.Is(err, ErrControl) {
		t.Errorf("missing key: %v", err)
	}
}

func TestPickSocksListener(t *testing.T) {
	for raw, want := range map[string]string{
		`"127.0.0.1:9050"`:                       "127.0.0.1:9050",
		`"unix:/run/tor/socks" "127.0.0.1:9150"`: "127.0.0.1:9150",
		`"[::1]:9050"`:                           "[::1]:9050",
		`"192.0.2.1:9050" "127.0.0.1:1"`:         "127.0.0.1:1",
	} {
		if got, err := pickSocksListener(raw); err != nil || got != want {
			t.Errorf("pickSocksListener(%s) = %q, %v", raw, got, err)
		}
	}
	for _, raw := range []string{``, `"unix:/x"`, `"192.0.2.1:9050"`} {
		if _, err := pickSocksListener(raw); err == nil {
			t.Errorf("pickSocksListener(%s) accepted", raw)
		}
	}
}

func TestParseControlPortFile(t *testing.T) {
	if a, err := parseControlPortFile("PORT=127.0.0.1:9051\n"); err != nil || a != "127.0.0.1:9051" {
		t.Fatalf("%q %v", a, err)
	}
	for _, s := range []string{"", "PORT=", "PORT=192.0.2.1:1\n", "127.0.0.1:1\n", "PORT=127.0.0.1:1 x\n"} {
		if _, err := parseControlPortFile(s); err == nil {
			t.Errorf("%q accepted", s)
		}
	}
}

func TestParseAuthChallenge(t *testing.T) {
	h, n := strings.Repeat("ab", 32), strings.Repeat("01", 32)
	hash, nonce, err := parseAuthChallenge("AUTHCHALLENGE SERVERHASH=" + h + " SERVERNONCE=" + n)
	if err != nil || hash[0] != 0xAB || nonce[31] != 0x01 {
		t.Fatalf("%x %x %v", hash, nonce, err)
	}
	for _, bad := range []string{
		"", "AUTHCHALLENGE", "AUTHCHALLENGE SERVERHASH=" + h,
		"AUTHCHALLENGE SERVERNONCE=" + n + " SERVERHASH=" + h,
		"AUTHCHALLENGE SERVERHASH=" + h[2:] + " SERVERNONCE=" + n,
		"AUTHCHALLENGE SERVERHASH=" + strings.Repeat("zz", 32) + " SERVERNONCE=" + n,
	} {
		if _, _, err := parseAuthChallenge(bad); !errors.Is(err, ErrAuth) {
			t.Errorf("%q: %v", bad, err)
		}
	}
}

func TestSafeCookieHashes(t *testing.T) {
	var cookie, cn, sn [32]byte
	cookie[0], cn[0], sn[0] = 1, 2, 3
	s1, c1 := safeCookieHashes(cookie, cn, sn)
	s2, c2 := safeCookieHashes(cookie, cn, sn)
	if s1 != s2 || c1 != c2 || s1 == c1 {
		t.Fatal("hashes not deterministic or not distinct")
	}
	cookie[0] = 9
	if s3, _ := safeCookieHashes(cookie, cn, sn); s3 == s1 {
		t.Fatal("cookie does not enter the hash")
	}
}

func TestFilterExtraTorrc(t *testing.T) {
	in := []string{"TestingTorNetwork 1", "RunAsDaemon 0", "CookieAuthentication 1", "DirAuthority a orport=1 127.0.0.1:2 X"}
	out, err := filterExtraTorrc(in)
	if err != nil || len(out) != 2 || out[0] != in[0] || out[1] != in[3] {
		t.Fatalf("%q %v", out, err)
	}
	for _, bad := range []string{"SocksPort 9050", "socksport 9050", "DataDirectory /x", "ControlPort 1", "CookieAuthentication 0", "RunAsDaemon 1", "Log notice stdout\nSocksPort 1", "__OwningControllerProcess 1"} {
		if _, err := filterExtraTorrc([]string{bad}); !errors.Is(err, ErrConfig) {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestTorrc(t *testing.T) {
	s := &launchSettings{torPath: "/usr/bin/tor", dataDir: `/tmp/a "b"`, extra: []string{"TestingTorNetwork 1"}}
	rc := s.torrc(42)
	for _, want := range []string{
		"TestingTorNetwork 1\n",
		`DataDirectory "/tmp/a \"b\""`,
		"SocksPort 127.0.0.1:auto ExtendedErrors IsolateSOCKSAuth\n",
		"ControlPort 127.0.0.1:auto\n",
		"CookieAuthentication 1\n",
		"__OwningControllerProcess 42\n",
	} {
		if !strings.Contains(rc, want) {
			t.Errorf("torrc lacks %q:\n%s", want, rc)
		}
	}
	if strings.Index(rc, "TestingTorNetwork") > strings.Index(rc, "CookieAuthentication") {
		t.Error("extra lines must come before ours (later single-valued lines win)")
	}
}

// TestLineLogger: tor's output becomes one Debug record per line, partial
// lines are joined, and nothing is logged above Debug.
func TestLineLogger(t *testing.T) {
	var buf bytes.Buffer
	h := slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug})
	l := &lineLogger{log: slog.New(h), stream: "stdout"}
	l.Write([]byte("Nov 21 [notice] Boot"))
	l.Write([]byte("strapped 100%\r\nsecond line\n\n"))
	out := buf.String()
	if strings.Count(out, "level=DEBUG") != 2 || !strings.Contains(out, "Bootstrapped 100%") || !strings.Contains(out, "second line") {
		t.Fatalf("log:\n%s", out)
	}
	buf.Reset()
	l.Write(bytes.Repeat([]byte("x"), 3*maxLogLine))
	if n := strings.Count(buf.String(), "level=DEBUG"); n != 3 {
		t.Fatalf("long line: %d records", n)
	}
}

func TestListenConfigErrors(t *testing.T) {
	tr, _ := newTor(ModeAttach, nil, nil, nil)
	for _, cfg := range []ListenConfig{
		{Key: nil, VirtualPort: 1},
		{Key: fixedKey(1)[:32], VirtualPort: 1},
		{Key: fixedKey(1), VirtualPort: 0},
		{Key: fixedKey(1), VirtualPort: 65536},
	} {
		if _, err := tr.Listen(context.Background(), cfg); !errors.Is(err, ErrConfig) {
			t.Errorf("Listen(%d-byte key, port %d) = %v", len(cfg.Key), cfg.VirtualPort, err)
		}
	}
	l := &Listener{id: identity.NodeID(fixedKey(1).Public().(ed25519.PublicKey)), virt: 80}
	if got := l.Addr().String(); got != l.id.Onion()+":80" || l.Addr().Network() != "onion" {
		t.Errorf("Addr %q", got)
	}
}
