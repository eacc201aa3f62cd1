package tor

import (
	"fmt"
	"log/slog"
	"strconv"
	"strings"
)

// Version is a tor version: 0.4.9.11 is {0, 4, 9, 11, ""}, 0.4.9.1-alpha
// is {0, 4, 9, 1, "alpha"}. The zero Version is "unknown" and is Less than
// every real one. It is a comparable value.
type Version struct {
	Major, Minor, Micro, Patch int
	// Tag is the status tag after "-" ("alpha", "rc", "dev", "alpha-dev"),
	// empty for a release.
	Tag string
}

// MinVersion is the oldest tor Launch and Attach accept.
var MinVersion = Version{Major: 0, Minor: 4, Micro: 9}

// Values of GETINFO status/version/current (tor's control-spec), reported
// in Status.VersionStatus. "obsolete" and "unrecommended" draw a warning.
const (
	VersionRecommended   = "recommended"
	VersionNew           = "new"
	VersionNewInSeries   = "new in series"
	VersionOld           = "old"
	VersionUnrecommended = "unrecommended"
	VersionObsolete      = "obsolete"
	VersionUnknown       = "unknown"
	// VersionNoneRecommended: the consensus recommends no version at all
	// (a private test network's does not).
	VersionNoneRecommended = "none recommended"
)

const (
	maxVersionLen   = 128 // longer strings are refused before parsing
	maxVersionPart  = 99999
	maxVersionTag   = 32
	versionPrefix   = "Tor version "
	versionNumParts = 4
)

// ParseVersion parses the version strings tor prints: "0.4.9.11" (GETINFO
// version), "0.4.8.13-dev (git-0123abcd)", "Tor version 0.4.9.11." (tor
// --version). It accepts three or four numeric parts without leading zeros,
// an optional "-tag" of [a-z0-9-], and an optional " (...)" suffix; it
// refuses anything else. It is pure.
func ParseVersion(s string) (Version, error) {
	if len(s) > maxVersionLen {
		return Version{}, ErrVersion
	}
	if rest, ok := strings.CutPrefix(s, versionPrefix); ok {
		// tor --version: "Tor version 0.4.9.11." ends in a full stop.
		if s, ok = strings.CutSuffix(rest, "."); !ok {
			return Version{}, ErrVersion
		}
	}
	core, err := stripParenthetical(s)
	if err != nil {
		return Version{}, err
	}
	nums, tag, _ := strings.Cut(core, "-")
	if strings.Contains(core, "-") && !validTag(tag) {
		return Version{}, ErrVersion
	}
	v, err := parseVersionNumbers(nums)
	if err != nil {
		return Version{}, err
	}
	v.Tag = tag
	return v, nil
}

// stripParenthetical removes one trailing " (...)" (tor's git hash).
func stripParenthetical(s string) (string, error) {
	core, rest, found := strings.Cut(s, " ")
	if !found {
		return s, nil
	}
	if len(rest) < 2 || rest[0] != '(' || rest[len(rest)-1] != ')' || strings.ContainsAny(rest[1:len(rest)-1], "() ") {
		return "", ErrVersion
	}
	return core, nil
}

func validTag(tag string) bool {
	if tag == "" || len(tag) > maxVersionTag || tag[0] == '-' || tag[len(tag)-1] == '-' {
		return false
	}
	for i := 0; i < len(tag); i++ {
		c := tag[i]
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '-' {
			return false
		}
	}
	return true
}

func parseVersionNumbers(s string) (Version, error) {
	parts := strings.Split(s, ".")
	if len(parts) < versionNumParts-1 || len(parts) > versionNumParts {
		return Version{}, ErrVersion
	}
	var n [versionNumParts]int
	for i, p := range parts {
		v, err := parseVersionPart(p)
		if err != nil {
			return Version{}, err
		}
		n[i] = v
	}
	return Version{Major: n[0], Minor: n[1], Micro: n[2], Patch: n[3]}, nil
}

func parseVersionPart(p string) (int, error) {
	if p == "" || len(p) > 5 || (len(p) > 1 && p[0] == '0') {
		return 0, ErrVersion
	}
	for i := 0; i < len(p); i++ {
		if p[i] < '0' || p[i] > '9' {
			return 0, ErrVersion
		}
	}
	v, err := strconv.Atoi(p)
	if err != nil || v > maxVersionPart {
		return 0, ErrVersion
	}
	return v, nil
}

// String returns the canonical form, "0.4.9.11" or "0.4.9.1-alpha".
func (v Version) String() string {
	s := fmt.Sprintf("%d.%d.%d.%d", v.Major, v.Minor, v.Micro, v.Patch)
	if v.Tag != "" {
		s += "-" + v.Tag
	}
	return s
}

// IsZero reports whether v is the zero (unknown) Version.
func (v Version) IsZero() bool { return v == Version{} }

// Less orders versions by their numbers; with equal numbers a tagged
// (pre-release or development) version is less than the release. Two
// different tags with equal numbers are ordered by tag text.
func (v Version) Less(w Version) bool {
	a := [4]int{v.Major, v.Minor, v.Micro, v.Patch}
	b := [4]int{w.Major, w.Minor, w.Micro, w.Patch}
	for i := range a {
		if a[i] != b[i] {
			return a[i] < b[i]
		}
	}
	switch {
	case v.Tag == w.Tag:
		return false
	case v.Tag == "":
		return false
	case w.Tag == "":
		return true
	}
	return v.Tag < w.Tag
}

// CheckVersion is the version guard: it parses what GETINFO version
// returned and refuses anything older than MinVersion with a *VersionError
// saying why. It is pure.
func CheckVersion(s string) (Version, error) {
	v, err := ParseVersion(s)
	if err != nil {
		return Version{}, err
	}
	if v.Less(MinVersion) {
		return v, &VersionError{Have: v, Need: MinVersion}
	}
	return v, nil
}

// versionStatusWarns reports whether tor's own view of its version
// (status/version/current) deserves a warning to the operator.
func versionStatusWarns(status string) bool {
	return status == VersionObsolete || status == VersionUnrecommended
}

// logVersionStatus logs the network's verdict on our tor's version: Warn
// when the consensus calls it obsolete or unrecommended, Debug otherwise.
func logVersionStatus(log *slog.Logger, v Version, status string) {
	if versionStatusWarns(status) {
		log.Warn("tor: the Tor network says this tor version should be upgraded",
			"version", v.String(), "status", status)
		return
	}
	log.Debug("tor: version", "version", v.String(), "status", status)
}
