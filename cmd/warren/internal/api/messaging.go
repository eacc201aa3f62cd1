package api

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/warrennet/warren/messaging/messenger"
)

// The messaging answers are the messenger's own types.
type (
	Contact    = messenger.ContactInfo
	OutboxItem = messenger.OutboxItem
	InboxItem  = messenger.InboxItem
	Event      = messenger.Event
)

// Messaging is the part of the Backend that serves private messages.
type Messaging interface {
	Invite(ctx context.Context, name string) (Invitation, error)
	Accept(ctx context.Context, invitation, name string) (Contact, error)
	Contacts() ([]Contact, error)
	Send(ctx context.Context, contact string, body []byte) (OutboxItem, error)
	Inbox(ctx context.Context, contact string, limit int) ([]InboxItem, error)
	Outbox(ctx context.Context, contact string, limit int) ([]OutboxItem, error)
	// Subscribe streams events until cancel; ok is false if refused.
	Subscribe() (events <-chan Event, cancel func(), ok bool)
}

// Invitation is the answer to POST /v1/invite.
type Invitation struct {
	Text    string  `json:"invitation"`
	QR      string  `json:"qr"`
	Contact Contact `json:"contact"`
}

// InviteRequest asks for an invitation.
type InviteRequest struct {
	Name string `json:"name"`
}

// AcceptRequest accepts an invitation.
type AcceptRequest struct {
	Invitation string `json:"invitation"`
	Name       string `json:"name"`
}

// SendRequest sends a text.
type SendRequest struct {
	Contact string `json:"contact"`
	Body    string `json:"body"`
}

// messagingTimeout bounds invite and accept, which build circuits.
const messagingTimeout = 3 * time.Minute

func messagingRoutes(mux *http.ServeMux, b Messaging) {
	mux.HandleFunc("POST "+Version+"/invite", func(w http.ResponseWriter, r *http.Request) {
		var req InviteRequest
		_ = http.NewResponseController(w).SetWriteDeadline(time.Now().Add(messagingTimeout))
		if decodeBody(w, r, &req) {
			answerT[Invitation](w)(b.Invite(r.Context(), req.Name))
		}
	})
	mux.HandleFunc("POST "+Version+"/accept", func(w http.ResponseWriter, r *http.Request) {
		var req AcceptRequest
		_ = http.NewResponseController(w).SetWriteDeadline(time.Now().Add(messagingTimeout))
		if decodeBody(w, r, &req) {
			answerT[Contact](w)(b.Accept(r.Context(), req.Invitation, req.Name))
		}
	})
	mux.HandleFunc("GET "+Version+"/contacts", func(w http.ResponseWriter, _ *http.Request) {
		answerT[[]Contact](w)(b.Contacts())
	})
	mux.HandleFunc("POST "+Version+"/send", func(w http.ResponseWriter, r *http.Request) {
		var req SendRequest
		if decodeBody(w, r, &req) {
			answerT[OutboxItem](w)(b.Send(r.Context(), req.Contact, []byte(req.Body)))
		}
	})
	mux.HandleFunc("GET "+Version+"/inbox", func(w http.ResponseWriter, r *http.Request) {
		c, n := listArgs(r)
		answerT[[]InboxItem](w)(b.Inbox(r.Context(), c, n))
	})
	mux.HandleFunc("GET "+Version+"/outbox", func(w http.ResponseWriter, r *http.Request) {
		c, n := listArgs(r)
		answerT[[]OutboxItem](w)(b.Outbox(r.Context(), c, n))
	})
	mux.HandleFunc("GET "+Version+"/events", func(w http.ResponseWriter, r *http.Request) {
		streamEvents(w, r, b)
	})
}

// listArgs reads ?contact= and ?limit= (default 100, at most 10,000).
func listArgs(r *http.Request) (string, int) {
	n, err := strconv.Atoi(r.URL.Query().Get("limit"))
	if err != nil || n <= 0 || n > 10000 {
		n = 100
	}
	return r.URL.Query().Get("contact"), n
}

// streamEvents writes one JSON event per line until the client goes away.
func streamEvents(w http.ResponseWriter, r *http.Request, b Messaging) {
	events, cancel, ok := b.Subscribe()
	if !ok {
		writeJSON(w, http.StatusServiceUnavailable, Error{Error: "too many event subscribers"})
		return
	}
	defer cancel()
	rc := http.NewResponseController(w)
	w.Header().Set("Content-Type", "application/x-ndjson")
	w.WriteHeader(http.StatusOK)
	_ = rc.Flush()
	enc := json.NewEncoder(w)
	for {
		select {
		case <-r.Context().Done():
			return
		case e, ok := <-events:
			if !ok {
				return
			}
			_ = rc.SetWriteDeadline(time.Now().Add(10 * time.Second))
			if enc.Encode(e) != nil || rc.Flush() != nil {
				return
			}
		}
	}
}

// Invite asks the daemon for a one-time invitation.
func (c *Client) Invite(ctx context.Context, name string) (Invitation, error) {
	var out Invitation
	ctx, cancel := context.WithTimeout(ctx, messagingTimeout)
	defer cancel()
	err := c.do(ctx, http.MethodPost, "/invite", InviteRequest{Name: name}, &out)
	return out, err
}

// Accept accepts an invitation.
func (c *Client) Accept(ctx context.Context, invitation, name string) (Contact, error) {
	var out Contact
	ctx, cancel := context.WithTimeout(ctx, messagingTimeout)
	defer cancel()
	err := c.do(ctx, http.MethodPost, "/accept", AcceptRequest{Invitation: invitation, Name: name}, &out)
	return out, err
}

// Contacts lists the contacts.
func (c *Client) Contacts(ctx context.Context) ([]Contact, error) {
	var out []Contact
	err := c.do(ctx, http.MethodGet, "/contacts", nil, &out)
	return out, err
}

// Send queues a text for a contact.
func (c *Client) Send(ctx context.Context, contact, body string) (OutboxItem, error) {
	var out OutboxItem
	err := c.do(ctx, http.MethodPost, "/send", SendRequest{Contact: contact, Body: body}, &out)
	return out, err
}

// Inbox lists received texts.
func (c *Client) Inbox(ctx context.Context, contact string, limit int) ([]InboxItem, error) {
	var out []InboxItem
	err := c.do(ctx, http.MethodGet, "/inbox?"+listQuery(contact, limit), nil, &out)
	return out, err
}

// Outbox lists sent texts and their states.
func (c *Client) Outbox(ctx context.Context, contact string, limit int) ([]OutboxItem, error) {
	var out []OutboxItem
	err := c.do(ctx, http.MethodGet, "/outbox?"+listQuery(contact, limit), nil, &out)
	return out, err
}

func listQuery(contact string, limit int) string {
	q := url.Values{}
	if contact != "" {
		q.Set("contact", contact)
	}
	if limit > 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	return q.Encode()
}

// Watch calls fn for each event until ctx ends or the daemon stops.
func (c *Client) Watch(ctx context.Context, fn func(Event)) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://warren"+Version+"/events", nil)
	if err != nil {
		return err
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return fmt.Errorf("api: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("api: daemon answered %s", resp.Status)
	}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		var e Event
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			return fmt.Errorf("api: bad event: %w", err)
		}
		fn(e)
	}
	if ctx.Err() != nil || errors.Is(sc.Err(), context.Canceled) {
		return nil
	}
	return sc.Err()
}
