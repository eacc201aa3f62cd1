package tor

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/cretz/bine/control"
)

// SAFECOOKIE constants from tor's control-spec (section 3.24).
const (
	cookieLen           = 32
	safeCookieNonceLen  = 32
	safeCookieServerKey = "Tor safe cookie authentication server-to-controller hash"
	safeCookieClientKey = "Tor safe cookie authentication controller-to-server hash"
)

// credentials say how to authenticate to a control port.
type credentials struct {
	password   []byte // HASHEDPASSWORD; nil = none
	cookiePath string // SAFECOOKIE cookie file; "" = the one PROTOCOLINFO names
}

// authenticate runs PROTOCOLINFO and the best method both sides support:
// NULL, then the password if one was given, then SAFECOOKIE.
func (c *ctrl) authenticate(ctx context.Context, cr credentials, rnd io.Reader) error {
	var pi *control.ProtocolInfo
	err := c.call(ctx, func(cc *control.Conn) error {
		var err error
		pi, err = cc.ProtocolInfo()
		return err
	})
	if err != nil {
		return controlError(err)
	}
	switch {
	case pi.HasAuthMethod("NULL"):
		return c.sendAuth(ctx, nil)
	case cr.password != nil && pi.HasAuthMethod("HASHEDPASSWORD"):
		return c.sendAuth(ctx, cr.password)
	case pi.HasAuthMethod("SAFECOOKIE"):
		path := cr.cookiePath
		if path == "" {
			path = pi.CookieFile
		}
		return c.safeCookie(ctx, path, rnd)
	}
	return fmt.Errorf("%w: tor offers no method we can use (methods %s)", ErrAuth, strings.Join(pi.AuthMethods, ","))
}

// sendAuth sends AUTHENTICATE with secret hex-encoded (or nothing).
func (c *ctrl) sendAuth(ctx context.Context, secret []byte) error {
	cmd := "AUTHENTICATE"
	if len(secret) > 0 {
		cmd += " " + hex.EncodeToString(secret)
	}
	if _, err := c.do(ctx, cmd); err != nil {
		return fmt.Errorf("%w: %w", ErrAuth, err)
	}
	return nil
}

// safeCookie runs AUTHCHALLENGE SAFECOOKIE with the cookie in path.
func (c *ctrl) safeCookie(ctx context.Context, path string, rnd io.Reader) error {
	cookie, err := readCookie(path)
	if err != nil {
		return err
	}
	defer clear(cookie[:])
	var cn [safeCookieNonceLen]byte
	if _, err := io.ReadFull(rnd, cn[:]); err != nil {
		return fmt.Errorf("%w: reading randomness: %w", ErrAuth, err)
	}
	resp, err := c.do(ctx, "AUTHCHALLENGE SAFECOOKIE "+hex.EncodeToString(cn[:]))
	if err != nil {
		return fmt.Errorf("%w: %w", ErrAuth, err)
	}
	serverHash, serverNonce, err := parseAuthChallenge(resp.Reply)
	if err != nil {
		return err
	}
	want, client := safeCookieHashes(cookie, cn, serverNonce)
	defer clear(client[:])
	if !hmac.Equal(want[:], serverHash[:]) {
		return fmt.Errorf("%w: tor does not know our cookie (wrong cookie file?)", ErrAuth)
	}
	return c.sendAuth(ctx, client[:])
}

// readCookie reads a control-auth cookie, which is exactly 32 bytes.
func readCookie(path string) ([cookieLen]byte, error) {
	var cookie [cookieLen]byte
	f, err := os.Open(path)
	if err != nil {
		return cookie, fmt.Errorf("%w: cannot read the cookie file (is this user in tor's group?): %w", ErrAuth, err)
	}
	defer f.Close()
	n, err := io.ReadFull(f, cookie[:])
	if err != nil || n != cookieLen {
		return cookie, fmt.Errorf("%w: cookie file is not %d bytes", ErrAuth, cookieLen)
	}
	if extra, _ := f.Read(make([]byte, 1)); extra != 0 {
		clear(cookie[:])
		return cookie, fmt.Errorf("%w: cookie file is not %d bytes", ErrAuth, cookieLen)
	}
	return cookie, nil
}

// parseAuthChallenge parses "AUTHCHALLENGE SERVERHASH=<64 hex>
// SERVERNONCE=<64 hex>". It is pure.
func parseAuthChallenge(reply string) (hash, nonce [32]byte, err error) {
	f := strings.Split(reply, " ")
	bad := fmt.Errorf("%w: malformed AUTHCHALLENGE reply", ErrAuth)
	if len(f) != 3 || f[0] != "AUTHCHALLENGE" {
		return hash, nonce, bad
	}
	h, okH := strings.CutPrefix(f[1], "SERVERHASH=")
	n, okN := strings.CutPrefix(f[2], "SERVERNONCE=")
	if !okH || !okN || hexDecode32(h, &hash) != nil || hexDecode32(n, &nonce) != nil {
		return [32]byte{}, [32]byte{}, bad
	}
	return hash, nonce, nil
}

func hexDecode32(s string, out *[32]byte) error {
	if len(s) != 2*len(out) {
		return fmt.Errorf("bad length")
	}
	_, err := hex.Decode(out[:], []byte(s))
	return err
}

// safeCookieHashes computes the hash tor must send us and the one we send
// tor (control-spec 3.24). It is pure.
func safeCookieHashes(cookie [cookieLen]byte, clientNonce, serverNonce [32]byte) (server, client [32]byte) {
	mac := func(key string) [32]byte {
		m := hmac.New(sha256.New, []byte(key))
		m.Write(cookie[:])
		m.Write(clientNonce[:])
		m.Write(serverNonce[:])
		var out [32]byte
		copy(out[:], m.Sum(nil))
		return out
	}
	return mac(safeCookieServerKey), mac(safeCookieClientKey)
}
