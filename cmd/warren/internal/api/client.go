package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"syscall"
	"time"
)

// ErrNotRunning means no daemon answers on the socket.
var ErrNotRunning = errors.New("api: no warren daemon is running for this state directory")

// Client talks to a daemon's socket. The zero value is not usable; use
// NewClient. A Client is safe for concurrent use.
type Client struct {
	hc *http.Client
}

// NewClient returns a client for the socket at path.
func NewClient(path string) *Client {
	tr := &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", path)
		},
		DisableKeepAlives: true,
	}
	return &Client{hc: &http.Client{Transport: tr}}
}

// callTimeout bounds a call whose context has no deadline.
const callTimeout = 10 * time.Second

// Status fetches the daemon's status.
func (c *Client) Status(ctx context.Context) (Status, error) {
	var st Status
	err := c.do(ctx, http.MethodGet, "/status", nil, &st)
	return st, err
}

// Shutdown asks the daemon to stop.
func (c *Client) Shutdown(ctx context.Context) error {
	return c.do(ctx, http.MethodPost, "/shutdown", nil, nil)
}

// Peers lists the address book.
func (c *Client) Peers(ctx context.Context) ([]BookEntry, error) {
	var out []BookEntry
	err := c.do(ctx, http.MethodGet, "/peers", nil, &out)
	return out, err
}

// Circuits lists the node's circuits.
func (c *Client) Circuits(ctx context.Context) (Circuits, error) {
	var out Circuits
	err := c.do(ctx, http.MethodGet, "/circuits", nil, &out)
	return out, err
}

// EchoCircuit echoes size bytes through a circuit to node's echo service.
func (c *Client) EchoCircuit(ctx context.Context, node string, size int) (EchoResult, error) {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Minute) // a build over Tor may take a while
	defer cancel()
	var out EchoResult
	err := c.do(ctx, http.MethodPost, "/circuits/echo", EchoRequest{Node: node, Bytes: size}, &out)
	return out, err
}

// AddPeer hands the daemon a signed peer record.
func (c *Client) AddPeer(ctx context.Context, rec string) (PeerResult, error) {
	var out PeerResult
	err := c.do(ctx, http.MethodPost, "/peers/add", AddPeerRequest{Record: rec}, &out)
	return out, err
}

// BanPeer drops a peer and refuses it for d.
func (c *Client) BanPeer(ctx context.Context, peer string, d time.Duration) (PeerResult, error) {
	var out PeerResult
	err := c.do(ctx, http.MethodPost, "/peers/ban", BanRequest{Peer: peer, DurationSec: d.Seconds()}, &out)
	return out, err
}

func (c *Client) do(ctx context.Context, method, path string, in, out any) error {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, callTimeout)
		defer cancel()
	}
	var reqBody io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		reqBody = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, "http://warren"+Version+path, reqBody)
	if err != nil {
		return err
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		if errors.Is(err, syscall.ENOENT) || errors.Is(err, syscall.ECONNREFUSED) {
			return ErrNotRunning
		}
		return fmt.Errorf("api: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return fmt.Errorf("api: read answer: %w", err)
	}
	if resp.StatusCode/100 != 2 {
		var e Error
		if json.Unmarshal(body, &e) == nil && e.Error != "" {
			return fmt.Errorf("api: daemon: %s", e.Error)
		}
		return fmt.Errorf("api: daemon answered %s", resp.Status)
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(body, out); err != nil {
		return fmt.Errorf("api: decode answer: %w", err)
	}
	return nil
}
