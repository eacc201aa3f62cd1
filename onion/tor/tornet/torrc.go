package tornet

import (
	"fmt"
	"os"
	"strings"
)

// Voting schedule of the authorities, in seconds (tornet.md, recipe step 3).
const (
	votingInterval = 10
	voteDelay      = 2
	distDelay      = 2
)

// commonTorrc returns the lines every tor joining the network needs, the
// network's own tors and clients alike (tornet.md, recipe steps 1-2).
func commonTorrc(tors []*torProc) []string {
	lines := []string{"TestingTorNetwork 1"}
	for _, t := range tors {
		if t.authority {
			lines = append(lines, fmt.Sprintf(
				"DirAuthority %s orport=%d no-v2 v3ident=%s 127.0.0.1:%d %s",
				t.name, t.orPort, t.v3ident, t.dirPort, t.fingerprint))
		}
	}
	return append(lines,
		"PathsNeededToBuildCircuits 0.67",
		"TestingDirAuthVoteExit *",
		"TestingDirAuthVoteHSDir *",
		"TestingDirAuthVoteGuard *",
		"TestingMinExitFlagThreshold 0",
		"V3AuthNIntervalsValid 2",
		"RunAsDaemon 0",
		"ShutdownWaitLength 0",
		"CookieAuthentication 1",
		"AvoidDiskWrites 1",
		// An empty GeoIP database saves ~1 s of CPU and ~50 MiB per tor.
		"GeoIPFile "+os.DevNull,
		"GeoIPv6File "+os.DevNull,
	)
}

// relayTorrc returns the torrc of one of the network's own tors.
func relayTorrc(common []string, t *torProc, ownerPID int) []string {
	lines := append([]string(nil), common...)
	lines = append(lines,
		"Nickname "+t.name,
		"DataDirectory "+quoteValue(t.dir),
		fmt.Sprintf("ControlPort 127.0.0.1:%d", t.ctlPort),
		"Log notice stdout",
		// tor exits by itself if our process dies without stopping it.
		fmt.Sprintf("__OwningControllerProcess %d", ownerPID),
		"SocksPort 0",
		"Address 127.0.0.1",
		fmt.Sprintf("ORPort 127.0.0.1:%d", t.orPort),
		fmt.Sprintf("DirPort 127.0.0.1:%d", t.dirPort),
		"AssumeReachable 1",
		"ContactInfo tornet@localhost",
		"ServerDNSDetectHijacking 0",
		"ServerDNSTestAddresses",
		"ServerDNSResolvConfFile "+os.DevNull,
		// Every relay is an exit, but exit connections leave from
		// 127.0.0.1, from which the kernel refuses to reach any other host
		// (EINVAL), so exits reach this machine only. The policy itself
		// must accept *:* or microdescriptor clients (which see only a
		// summary of the public part of it) would find no exit at all.
		"ExitRelay 1",
		"ExitPolicyRejectPrivate 0",
		"ExitPolicyRejectLocalInterfaces 0",
		"ExitPolicy accept *:*",
		"OutboundBindAddressExit 127.0.0.1",
	)
	if t.authority {
		lines = append(lines, authorityTorrc()...)
	}
	return lines
}

func authorityTorrc() []string {
	return []string{
		"AuthoritativeDirectory 1",
		"V3AuthoritativeDirectory 1",
		fmt.Sprintf("V3AuthVotingInterval %d", votingInterval),
		fmt.Sprintf("V3AuthVoteDelay %d", voteDelay),
		fmt.Sprintf("V3AuthDistDelay %d", distDelay),
		fmt.Sprintf("TestingV3AuthInitialVotingInterval %d", votingInterval),
		fmt.Sprintf("TestingV3AuthInitialVoteDelay %d", voteDelay),
		fmt.Sprintf("TestingV3AuthInitialDistDelay %d", distDelay),
	}
}

// quoteValue quotes a torrc value (a path) so that tor reads it back
// verbatim: unquoted, a '#' starts a comment and surrounding spaces are
// dropped. tor unescapes \\ and \" inside quotes. Values must not contain
// control characters (Config.resolve rejects such a Dir).
func quoteValue(v string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`)
	return `"` + r.Replace(v) + `"`
}

// writeTorrc writes lines to path (mode 0600), one per line.
func writeTorrc(path string, lines []string) error {
	data := strings.Join(lines, "\n") + "\n"
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		return fmt.Errorf("tornet: writing torrc: %w", err)
	}
	return nil
}
