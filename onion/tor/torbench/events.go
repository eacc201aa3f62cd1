package torbench

import (
	"encoding/base64"
	"encoding/hex"
	"slices"
	"strings"
)

// Parsers for the few control-protocol lines the measurement reads
// (control-spec: EXTENDCIRCUIT's reply, the CIRC and STREAM events, and
// the "r"/"s" lines of GETINFO ns/all). All pure: no I/O, no state. A line
// that does not have the expected form (single spaces between fields, as
// tor writes them) is reported as not ok, never half parsed.

// circEvent is a CIRC event: "CIRC <id> <status> [<path>] [KEY=value ...]".
type circEvent struct {
	id, status string
	path       []string // upper-case hex fingerprints, in order (BUILT, EXTENDED, ...)
}

// streamEvent is a STREAM event:
// "STREAM <id> <status> <circ id> <target> [KEY=value ...]".
type streamEvent struct {
	id, status, circ, target string
}

// parseCirc parses the text of a CIRC event (the reply line after "650 ").
func parseCirc(line string) (circEvent, bool) {
	f := strings.Split(line, " ")
	if len(f) < 3 || f[0] != "CIRC" || !isID(f[1]) || !isStatus(f[2]) {
		return circEvent{}, false
	}
	ev := circEvent{id: f[1], status: f[2]}
	if len(f) > 3 && !strings.Contains(f[3], "=") {
		path, ok := parsePath(f[3])
		if !ok {
			return circEvent{}, false
		}
		ev.path = path
	}
	return ev, true
}

// parsePath parses a comma-separated list of LongNames
// ("$FINGERPRINT~nickname" or "$FINGERPRINT") into fingerprints.
func parsePath(s string) ([]string, bool) {
	var path []string
	for hop := range strings.SplitSeq(s, ",") {
		fp, _, _ := strings.Cut(hop, "~")
		fp, ok := strings.CutPrefix(fp, "$")
		if !ok || !isFingerprint(fp) {
			return nil, false
		}
		path = append(path, strings.ToUpper(fp))
	}
	return path, true
}

// parseStream parses the text of a STREAM event.
func parseStream(line string) (streamEvent, bool) {
	f := strings.Split(line, " ")
	if len(f) < 5 || f[0] != "STREAM" || !isID(f[1]) || !isStatus(f[2]) || (f[3] != "0" && !isID(f[3])) {
		return streamEvent{}, false
	}
	return streamEvent{id: f[1], status: f[2], circ: f[3], target: f[4]}, true
}

// parseExtended parses EXTENDCIRCUIT's reply text, "EXTENDED <id>".
func parseExtended(reply string) (string, bool) {
	id, ok := strings.CutPrefix(reply, "EXTENDED ")
	if !ok || !isID(id) {
		return "", false
	}
	return id, true
}

// isID reports whether s is a circuit or stream ID: 1 to 16 ASCII
// alphanumerics (tor uses decimal numbers), not "0".
func isID(s string) bool {
	if s == "" || len(s) > 16 || s == "0" {
		return false
	}
	for _, c := range []byte(s) {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z') {
			return false
		}
	}
	return true
}

// isStatus reports whether s looks like a status keyword (BUILT, NEW, ...).
func isStatus(s string) bool {
	if s == "" || len(s) > 32 {
		return false
	}
	for _, c := range []byte(s) {
		if !('A' <= c && c <= 'Z' || c == '_') {
			return false
		}
	}
	return true
}

func isFingerprint(s string) bool {
	if len(s) != 40 {
		return false
	}
	_, err := hex.DecodeString(s)
	return err == nil
}

// runningRelays parses GETINFO ns/all (network-status "r" and "s" lines)
// and returns the upper-case hex fingerprints of the routers flagged
// Running, sorted. Malformed entries are skipped.
func runningRelays(ns string) []string {
	var fps []string
	current := ""
	for line := range strings.SplitSeq(ns, "\n") {
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		switch f[0] {
		case "r":
			current = ""
			if len(f) >= 3 {
				current = identityHex(f[2])
			}
		case "s":
			if current != "" && slices.Contains(f[1:], "Running") && !slices.Contains(fps, current) {
				fps = append(fps, current)
			}
			current = ""
		}
	}
	slices.Sort(fps)
	return fps
}

// identityHex decodes a base64 router identity (unpadded, as in "r" lines)
// to 40 upper-case hex digits, or "" if malformed.
func identityHex(b64 string) string {
	id, err := base64.RawStdEncoding.Strict().DecodeString(strings.TrimRight(b64, "="))
	if err != nil || len(id) != 20 {
		return ""
	}
	return strings.ToUpper(hex.EncodeToString(id))
}
