package api

import (
	"context"
	"net/http"
	"time"
)

// Wallet is the part of the Backend that serves payments.
type Wallet interface {
	// WalletCreate makes a wallet; the answer holds its seed words, shown once.
	WalletCreate(ctx context.Context) (WalletCreated, error)
	// WalletRestore makes a wallet from seed words.
	WalletRestore(ctx context.Context, words string) (WalletInfo, error)
	WalletAddress() (WalletInfo, error)
	WalletBalance() (WalletBalance, error)
	// WalletSend pays amount to a text address; Fee nil means the
	// network's minimum.
	WalletSend(ctx context.Context, req PayRequest) (Payment, error)
	WalletHistory() ([]WalletEntry, error)
	// WalletReceipt returns the receipt of a certified payment (by digest).
	WalletReceipt(id string) (WalletReceipt, error)
	// WalletStatus says whether a quorum of validators is reachable.
	WalletStatus(ctx context.Context) (LedgerStatus, error)
	// WalletApply applies a certificate (base64) someone handed over.
	WalletApply(ctx context.Context, cert string) (WalletBalance, error)
	// WalletSync scans the validators' certificate feeds for payments to
	// this wallet.
	WalletSync(ctx context.Context) (WalletSynced, error)
}

// WalletSynced is the answer to wallet sync.
type WalletSynced struct {
	Validators []FeedRead `json:"validators"`
	// Scanned counts certificates read, from all validators (the feeds
	// overlap: most certificates are in each).
	Scanned int `json:"scanned"`
	// Found is how many coins to this wallet the scan found that it did
	// not know, and their total.
	Found       int           `json:"found"`
	FoundAmount uint64        `json:"found_amount"`
	Balance     WalletBalance `json:"balance"`
}

// FeedRead is what a sync read from one validator's feed.
type FeedRead struct {
	Name     string `json:"name"`
	Scanned  int    `json:"scanned"`
	Position uint64 `json:"position"` // where the next sync starts
	Bad      int    `json:"bad,omitempty"`
	Error    string `json:"error,omitempty"`
}

// WalletInfo names a wallet.
type WalletInfo struct {
	Address string `json:"address"`
}

// WalletCreated is the answer to wallet create.
type WalletCreated struct {
	Address string   `json:"address"`
	Words   []string `json:"words"`
	// Genesis is how many genesis coins (and their total) are this wallet's.
	GenesisCoins  int    `json:"genesis_coins"`
	GenesisAmount uint64 `json:"genesis_amount"`
}

// WalletBalance is what the wallet holds, by state.
type WalletBalance struct {
	Spendable uint64 `json:"spendable"`
	Incoming  uint64 `json:"incoming"`
	Sending   uint64 `json:"sending"`
	Frozen    uint64 `json:"frozen"`
}

// PayRequest asks for a payment.
type PayRequest struct {
	To     string  `json:"to"`
	Amount uint64  `json:"amount"`
	Fee    *uint64 `json:"fee,omitempty"`
	// Notify names a contact to send the certificate to, end to end, once
	// the payment is final (their wallet applies it).
	Notify string `json:"notify,omitempty"`
}

// Payment is the answer to a payment: final (a certificate exists) or not.
type Payment struct {
	ID      string   `json:"id"` // the order's digest, hex
	Amount  uint64   `json:"amount"`
	Fee     uint64   `json:"fee"`
	Final   bool     `json:"final"`
	Signers []string `json:"signers,omitempty"` // validator names, in vote order
	// FinalityMS is the time from the first SUBMIT to the certificate.
	FinalityMS float64 `json:"finality_ms"`
	// Confirmed: a quorum of validators applied the certificate.
	Confirmed bool `json:"confirmed"`
	// Certificate is the certificate (base64), for the payee.
	Certificate string `json:"certificate,omitempty"`
	// Note says what happens next when the payment is not final.
	Note string `json:"note,omitempty"`
	// Notified: the certificate is queued for the contact named in the
	// request (its delivery shows in the outbox like a text's).
	Notified bool `json:"notified,omitempty"`
}

// WalletEntry is a line of the history.
type WalletEntry struct {
	Kind   string    `json:"kind"` // "sent" or "received"
	Time   time.Time `json:"time"`
	ID     string    `json:"id,omitempty"`
	Amount uint64    `json:"amount"`
	Fee    uint64    `json:"fee,omitempty"`
	State  string    `json:"state,omitempty"`
}

// WalletReceipt is a proof of payment a third party verifies offline
// against the committee's keys.
type WalletReceipt struct {
	ID      string `json:"id"`
	Receipt string `json:"receipt"` // base64
	Amount  uint64 `json:"amount"`
	To      string `json:"to"`
}

// LedgerStatus says which validators this node reaches.
type LedgerStatus struct {
	Validators []ValidatorReach `json:"validators"`
	Quorum     int              `json:"quorum"`
	Reachable  int              `json:"reachable"`
	OK         bool             `json:"ok"`
}

// ValidatorReach is one validator's reachability.
type ValidatorReach struct {
	Name      string  `json:"name"`
	Reachable bool    `json:"reachable"`
	MS        float64 `json:"ms,omitempty"`
	Error     string  `json:"error,omitempty"`
}

// ApplyRequest hands over a certificate.
type ApplyRequest struct {
	Certificate string `json:"certificate"`
}

// RestoreRequest restores a wallet.
type RestoreRequest struct {
	Words string `json:"words"`
}

// paymentTimeout bounds a payment (circuits, retries, fresh delays).
const paymentTimeout = 3 * time.Minute

func walletRoutes(mux *http.ServeMux, b Wallet) {
	long := func(w http.ResponseWriter) {
		_ = http.NewResponseController(w).SetWriteDeadline(time.Now().Add(paymentTimeout))
	}
	mux.HandleFunc("POST "+Version+"/wallet/create", func(w http.ResponseWriter, r *http.Request) {
		answerT[WalletCreated](w)(b.WalletCreate(r.Context()))
	})
	mux.HandleFunc("POST "+Version+"/wallet/restore", func(w http.ResponseWriter, r *http.Request) {
		var req RestoreRequest
		if decodeBody(w, r, &req) {
			answerT[WalletInfo](w)(b.WalletRestore(r.Context(), req.Words))
		}
	})
	mux.HandleFunc("GET "+Version+"/wallet/address", func(w http.ResponseWriter, _ *http.Request) {
		answerT[WalletInfo](w)(b.WalletAddress())
	})
	mux.HandleFunc("GET "+Version+"/wallet/balance", func(w http.ResponseWriter, _ *http.Request) {
		answerT[WalletBalance](w)(b.WalletBalance())
	})
	mux.HandleFunc("POST "+Version+"/wallet/send", func(w http.ResponseWriter, r *http.Request) {
		var req PayRequest
		long(w)
		if decodeBody(w, r, &req) {
			answerT[Payment](w)(b.WalletSend(r.Context(), req))
		}
	})
	mux.HandleFunc("GET "+Version+"/wallet/history", func(w http.ResponseWriter, _ *http.Request) {
		answerT[[]WalletEntry](w)(b.WalletHistory())
	})
	mux.HandleFunc("GET "+Version+"/wallet/receipt", func(w http.ResponseWriter, r *http.Request) {
		answerT[WalletReceipt](w)(b.WalletReceipt(r.URL.Query().Get("id")))
	})
	mux.HandleFunc("GET "+Version+"/wallet/status", func(w http.ResponseWriter, r *http.Request) {
		long(w)
		answerT[LedgerStatus](w)(b.WalletStatus(r.Context()))
	})
	mux.HandleFunc("POST "+Version+"/wallet/sync", func(w http.ResponseWriter, r *http.Request) {
		long(w)
		answerT[WalletSynced](w)(b.WalletSync(r.Context()))
	})
	mux.HandleFunc("POST "+Version+"/wallet/apply", func(w http.ResponseWriter, r *http.Request) {
		var req ApplyRequest
		if decodeBody(w, r, &req) {
			answerT[WalletBalance](w)(b.WalletApply(r.Context(), req.Certificate))
		}
	})
}

// WalletCreate asks the daemon to make a wallet.
func (c *Client) WalletCreate(ctx context.Context) (WalletCreated, error) {
	var out WalletCreated
	err := c.do(ctx, http.MethodPost, "/wallet/create", nil, &out)
	return out, err
}

// WalletRestore restores a wallet from seed words.
func (c *Client) WalletRestore(ctx context.Context, words string) (WalletInfo, error) {
	var out WalletInfo
	err := c.do(ctx, http.MethodPost, "/wallet/restore", RestoreRequest{Words: words}, &out)
	return out, err
}

// WalletAddress fetches the wallet's address.
func (c *Client) WalletAddress(ctx context.Context) (WalletInfo, error) {
	var out WalletInfo
	err := c.do(ctx, http.MethodGet, "/wallet/address", nil, &out)
	return out, err
}

// WalletBalance fetches the balance.
func (c *Client) WalletBalance(ctx context.Context) (WalletBalance, error) {
	var out WalletBalance
	err := c.do(ctx, http.MethodGet, "/wallet/balance", nil, &out)
	return out, err
}

// WalletSend makes a payment and waits for its finality.
func (c *Client) WalletSend(ctx context.Context, req PayRequest) (Payment, error) {
	ctx, cancel := context.WithTimeout(ctx, paymentTimeout)
	defer cancel()
	var out Payment
	err := c.do(ctx, http.MethodPost, "/wallet/send", req, &out)
	return out, err
}

// WalletHistory fetches the history.
func (c *Client) WalletHistory(ctx context.Context) ([]WalletEntry, error) {
	var out []WalletEntry
	err := c.do(ctx, http.MethodGet, "/wallet/history", nil, &out)
	return out, err
}

// WalletReceipt fetches a payment's receipt.
func (c *Client) WalletReceipt(ctx context.Context, id string) (WalletReceipt, error) {
	var out WalletReceipt
	err := c.do(ctx, http.MethodGet, "/wallet/receipt?id="+id, nil, &out)
	return out, err
}

// WalletStatus asks which validators are reachable.
func (c *Client) WalletStatus(ctx context.Context) (LedgerStatus, error) {
	ctx, cancel := context.WithTimeout(ctx, paymentTimeout)
	defer cancel()
	var out LedgerStatus
	err := c.do(ctx, http.MethodGet, "/wallet/status", nil, &out)
	return out, err
}

// WalletApply hands the daemon a certificate.
func (c *Client) WalletApply(ctx context.Context, cert string) (WalletBalance, error) {
	var out WalletBalance
	err := c.do(ctx, http.MethodPost, "/wallet/apply", ApplyRequest{Certificate: cert}, &out)
	return out, err
}

// WalletSync asks the daemon to scan the validators' feeds.
func (c *Client) WalletSync(ctx context.Context) (WalletSynced, error) {
	ctx, cancel := context.WithTimeout(ctx, paymentTimeout)
	defer cancel()
	var out WalletSynced
	err := c.do(ctx, http.MethodPost, "/wallet/sync", nil, &out)
	return out, err
}
