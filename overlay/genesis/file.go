package genesis

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"time"

	"github.com/warrennet/warren/overlay/identity"
	"github.com/warrennet/warren/overlay/record"
)

// File format, version 2 (version 1 files are refused with ErrVersion): one JSON object (UTF-8), which MarshalFile
// writes indented by two spaces, fields in this order, with a final
// newline:
//
//	"warren_genesis"  FileVersion (required; checked before anything else)
//	"network_id"      the network ID, 64 lowercase hex digits (required;
//	                  informational: ParseFile recomputes it and refuses
//	                  the file with ErrIDMismatch if it differs)
//	"name"            the name
//	"created"         RFC 3339 in UTC, whole seconds ("2026-03-01T12:00:00Z");
//	                  omitted when there is none
//	"bootstrap"       omitted when empty; each peer an object of
//	    "node"        its node ID as its .onion address: 56 lowercase base32
//	                  characters followed by ".onion" (identity.NodeID.String)
//	    "link_key"    its X25519 link key, 64 lowercase hex digits
//	    "addrs"       1..record.MaxAddrs strings in record.Addr.String form:
//	                  "127.0.0.1:4100", "[2001:db8::1]:4100", "<node>.onion:443"
//	"validators"      omitted when empty; each an object of
//	    "key"         its ed25519 vote key, 64 lowercase hex digits
//	    "node"        its node ID, spelt as a bootstrap peer's
//	    "name"        its name
//	"ledger"          omitted when empty; the ledger's genesis bytes in
//	                  standard base64 with padding (RFC 4648 section 4)
//
// ParseFile is strict: at most MaxFileSize bytes; nesting at most
// maxJSONDepth; field names exactly as above (case-sensitive), none
// unknown, none twice in one object; nothing but white space after the
// object; keys, addresses and times spelt exactly as MarshalFile spells
// them. Lists may come in any order (the ID does not depend on it) and are
// returned sorted; duplicates are refused.

const maxJSONDepth = 4 // object > bootstrap array > peer object > addrs array

type fileGenesis struct {
	Version    int             `json:"warren_genesis"`
	NetworkID  string          `json:"network_id"`
	Name       string          `json:"name"`
	Created    *string         `json:"created,omitempty"`
	Bootstrap  []filePeer      `json:"bootstrap,omitempty"`
	Validators []fileValidator `json:"validators,omitempty"`
	Ledger     string          `json:"ledger,omitempty"`
}

type filePeer struct {
	Node    string   `json:"node"`
	LinkKey string   `json:"link_key"`
	Addrs   []string `json:"addrs"`
}

type fileValidator struct {
	Key  string `json:"key"`
	Node string `json:"node"`
	Name string `json:"name"`
}

// knownKeys are all the field names of the file format.
var knownKeys = map[string]bool{
	"warren_genesis": true, "network_id": true, "name": true, "created": true,
	"bootstrap": true, "node": true, "link_key": true, "addrs": true,
	"validators": true, "key": true, "ledger": true,
}

// MarshalFile returns the file form of g: deterministic, indented JSON
// with lists in canonical order (g itself is not changed) and the network
// ID in hex. It fails if g is not valid.
func (g *Genesis) MarshalFile() ([]byte, error) {
	c, err := g.canonical()
	if err != nil {
		return nil, err
	}
	id := c.id()
	f := fileGenesis{Version: FileVersion, NetworkID: hex.EncodeToString(id[:]), Name: c.Name}
	if !c.Created.IsZero() {
		s := c.Created.Format(time.RFC3339)
		f.Created = &s
	}
	for _, p := range c.Bootstrap {
		fp := filePeer{Node: p.NodeID.Onion(), LinkKey: hex.EncodeToString(p.LinkKey[:])}
		for _, a := range p.Addrs {
			fp.Addrs = append(fp.Addrs, a.String())
		}
		f.Bootstrap = append(f.Bootstrap, fp)
	}
	for _, v := range c.Validators {
		f.Validators = append(f.Validators, fileValidator{Key: hex.EncodeToString(v.Key[:]), Node: v.NodeID.Onion(), Name: v.Name})
	}
	f.Ledger = base64.StdEncoding.EncodeToString(c.Ledger)
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(&f); err != nil {
		return nil, err // unreachable: f holds only strings and ints
	}
	return buf.Bytes(), nil
}

// ParseFile parses and checks a genesis file (see the format above) and
// returns the genesis in canonical order. Errors wrap ErrMalformed,
// ErrInvalid, ErrVersion or ErrIDMismatch; the genesis is nil on error.
func ParseFile(b []byte) (*Genesis, error) {
	if len(b) > MaxFileSize {
		return nil, malformed("", "file larger than 256 KiB")
	}
	unknown, err := checkJSON(b)
	if err != nil {
		return nil, err
	}
	if err := checkFileVersion(b); err != nil {
		return nil, err
	}
	if unknown {
		return nil, malformed("", "unknown field (names are lowercase snake_case, as MarshalFile writes them)")
	}
	var f fileGenesis
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return nil, structureErr(err)
	}
	return f.genesis()
}

// checkFileVersion reads only "warren_genesis", so a file of another
// version gets ErrVersion rather than complaints about its fields.
func checkFileVersion(b []byte) error {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(b, &top); err != nil {
		return malformed("", "not a JSON object")
	}
	raw, ok := top["warren_genesis"]
	if !ok {
		return malformed("warren_genesis", "missing (not a Warren genesis file?)")
	}
	var v int
	if err := json.Unmarshal(raw, &v); err != nil {
		return malformed("warren_genesis", "not an integer")
	}
	if v != FileVersion {
		return &FieldError{Field: "warren_genesis", Reason: "unsupported version (this build reads 2; a version 1 file predates validator node IDs and the ledger: regenerate it)", Class: ErrVersion}
	}
	return nil
}

func structureErr(err error) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) && te.Field != "" {
		return malformed(te.Field, "wrong JSON type") // Field holds only known names
	}
	return malformed("", "fields in the wrong place or of the wrong type")
}

// genesis converts f, checks it and its network ID.
func (f *fileGenesis) genesis() (*Genesis, error) {
	shown, err := parseHexKey("network_id", f.NetworkID)
	if err != nil {
		return nil, err
	}
	g := &Genesis{Name: f.Name}
	if f.Created != nil {
		if g.Created, err = parseCreated(*f.Created); err != nil {
			return nil, err
		}
	}
	if g.Bootstrap, err = parsePeers(f.Bootstrap); err != nil {
		return nil, err
	}
	if g.Validators, err = parseValidators(f.Validators); err != nil {
		return nil, err
	}
	if g.Ledger, err = parseLedger(f.Ledger); err != nil {
		return nil, err
	}
	c, err := g.canonical()
	if err != nil {
		return nil, err
	}
	if c.id() != shown {
		return nil, ErrIDMismatch
	}
	return c, nil
}

func parsePeers(fps []filePeer) ([]Peer, error) {
	if len(fps) > MaxBootstrap {
		return nil, invalid("bootstrap", reasonPeerCount)
	}
	var ps []Peer
	for i, fp := range fps {
		p, err := fp.peer(i)
		if err != nil {
			return nil, err
		}
		ps = append(ps, p)
	}
	return ps, nil
}

// peer converts fp, the i-th peer; canonical() checks the values.
func (fp *filePeer) peer(i int) (Peer, error) {
	id, err := parseNode(index("bootstrap", i, "node"), fp.Node)
	if err != nil {
		return Peer{}, err
	}
	lk, err := parseHexKey(index("bootstrap", i, "link_key"), fp.LinkKey)
	if err != nil {
		return Peer{}, err
	}
	if len(fp.Addrs) > record.MaxAddrs {
		return Peer{}, invalid(index("bootstrap", i, "addrs"), reasonAddrCount)
	}
	p := Peer{NodeID: id, LinkKey: lk, Addrs: make([]record.Addr, len(fp.Addrs))}
	for j, s := range fp.Addrs {
		if p.Addrs[j], err = parseAddr(addrField(i, j), s); err != nil {
			return Peer{}, err
		}
	}
	return p, nil
}

func parseValidators(fvs []fileValidator) ([]Validator, error) {
	if len(fvs) > MaxValidators {
		return nil, invalid("validators", reasonValidatorCount)
	}
	var vs []Validator
	for i, fv := range fvs {
		k, err := parseHexKey(index("validators", i, "key"), fv.Key)
		if err != nil {
			return nil, err
		}
		id, err := parseNode(index("validators", i, "node"), fv.Node)
		if err != nil {
			return nil, err
		}
		vs = append(vs, Validator{Key: k, NodeID: id, Name: fv.Name})
	}
	return vs, nil
}

// parseLedger parses the ledger field: strict padded base64 ("" is none).
func parseLedger(s string) ([]byte, error) {
	if len(s) > base64.StdEncoding.EncodedLen(MaxLedgerSize) {
		return nil, invalid("ledger", "longer than MaxLedgerSize")
	}
	b, err := base64.StdEncoding.Strict().DecodeString(s)
	if err != nil || base64.StdEncoding.EncodeToString(b) != s {
		return nil, malformed("ledger", "not standard padded base64")
	}
	if len(b) == 0 {
		return nil, nil
	}
	return b, nil
}

// parseHexKey parses exactly 64 lowercase hex digits.
func parseHexKey(field, s string) ([KeySize]byte, error) {
	var k [KeySize]byte
	switch {
	case s == "":
		return k, malformed(field, "missing")
	case len(s) != 2*KeySize:
		return k, malformed(field, "wrong length (want 64 lowercase hex digits)")
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return k, malformed(field, "not lowercase hex")
		}
	}
	hex.Decode(k[:], []byte(s)) // cannot fail: length and digits checked
	return k, nil
}

// parseNode parses a node ID spelt as identity.NodeID.String spells it.
func parseNode(field, s string) (identity.NodeID, error) {
	id, err := identity.ParseNodeID(s)
	if errors.Is(err, identity.ErrOnionKey) {
		return identity.NodeID{}, invalid(field, reasonWeakEd25519)
	}
	if err != nil {
		return identity.NodeID{}, malformed(field, "not a v3 onion address")
	}
	if s != id.Onion() {
		return identity.NodeID{}, malformed(field, "not in canonical form (lowercase, ending in .onion)")
	}
	return id, nil
}

// parseAddr parses an address spelt as record.Addr.String spells it.
func parseAddr(field, s string) (record.Addr, error) {
	a, err := record.ParseAddr(s)
	if err != nil {
		return record.Addr{}, malformed(field, "not an address (ip:port, [ipv6]:port or <node>.onion:port; port not 0)")
	}
	if s != a.String() {
		return record.Addr{}, malformed(field, "not in canonical form (as MarshalFile writes it)")
	}
	return a, nil
}

func parseCreated(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil || t.UTC().Format(time.RFC3339) != s {
		return time.Time{}, malformed("created", "not an RFC 3339 UTC time in whole seconds, like 2006-01-02T15:04:05Z")
	}
	return t.UTC(), nil
}
