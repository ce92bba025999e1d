// Package network reads the customer's description of its network (sites
// with their public egress and internal prefixes, and a MAC table exported
// from a NAC, DHCP server or wireless controller) and matches Zoom
// participants to it.
//
// Matching is longest-prefix on the participant's internal IPs first, then
// on its public IP, then on its MAC address; a participant that matches
// nothing is off-network (home, mobile, a guest's own office).
package network

import (
	"net/netip"
	"sort"
	"strings"

	"github.com/zoomsight/zoomsight/internal/store"
)

// Matcher matches participants to a network description.
type Matcher struct {
	internal, egress []entry // longest prefix first
	macs             map[string]*store.NetworkMAC
	empty            bool
}

type entry struct {
	prefix netip.Prefix
	site   string
	text   string
}

// NewMatcher compiles n. Prefixes and MACs are expected valid (Parse
// checks them); any that are not are skipped.
func NewMatcher(n *store.Network) *Matcher {
	m := &Matcher{macs: map[string]*store.NetworkMAC{}}
	if n == nil || len(n.Sites) == 0 && len(n.MACs) == 0 {
		m.empty = true
		return m
	}
	for _, s := range n.Sites {
		for _, p := range s.Internal {
			if pf, err := ParsePrefix(p); err == nil {
				m.internal = append(m.internal, entry{pf, s.Name, pf.String()})
			}
		}
		for _, p := range s.Egress {
			if pf, err := ParsePrefix(p); err == nil {
				m.egress = append(m.egress, entry{pf, s.Name, pf.String()})
			}
		}
	}
	for _, l := range [][]entry{m.internal, m.egress} {
		sort.SliceStable(l, func(i, j int) bool { return l[i].prefix.Bits() > l[j].prefix.Bits() })
	}
	for i := range n.MACs {
		if mac, err := NormalizeMAC(n.MACs[i].MAC); err == nil {
			m.macs[mac] = &n.MACs[i]
		}
	}
	return m
}

// Empty reports whether there is no network description at all: every
// participant is then unmatched rather than off-network.
func (m *Matcher) Empty() bool { return m.empty }

// Match says where a participant connected from.
func (m *Matcher) Match(a *store.ParticipantAddr) store.SiteMatch {
	if m.empty {
		return store.SiteMatch{}
	}
	var out store.SiteMatch
	if e := lookup(m.internal, a.InternalIPs...); e != nil {
		out = store.SiteMatch{Site: e.site, By: store.MatchInternal, Prefix: e.text}
	} else if e := lookup(m.egress, a.IPAddress); e != nil {
		out = store.SiteMatch{Site: e.site, By: store.MatchEgress, Prefix: e.text}
	}
	if mac := m.lookupMAC(a.MACAddr); mac != nil {
		out.AccessPoint, out.SwitchPort = mac.AccessPoint, mac.SwitchPort
		if out.Site == "" && mac.Site != "" {
			out.Site, out.By, out.Prefix = mac.Site, store.MatchMAC, mac.MAC
		}
	}
	if out.Site == "" {
		out.By = store.MatchNone
	}
	return out
}

// lookup returns the longest prefix (entries are longest first) that
// contains one of addrs.
func lookup(entries []entry, addrs ...string) *entry {
	var best *entry
	for _, s := range addrs {
		a, err := netip.ParseAddr(strings.TrimSpace(s))
		if err != nil {
			continue
		}
		a = a.Unmap()
		for i := range entries {
			if entries[i].prefix.Contains(a) {
				if best == nil || entries[i].prefix.Bits() > best.prefix.Bits() {
					best = &entries[i]
				}
				break
			}
		}
	}
	return best
}

// lookupMAC finds the longest MAC entry that is a prefix of mac.
func (m *Matcher) lookupMAC(mac string) *store.NetworkMAC {
	n, err := NormalizeMAC(mac)
	if err != nil || len(m.macs) == 0 {
		return nil
	}
	for {
		if e := m.macs[n]; e != nil {
			return e
		}
		i := strings.LastIndexByte(n, ':')
		if i < 0 {
			return nil
		}
		n = n[:i]
	}
}

// ParsePrefix reads a CIDR prefix or a single address (a /32 or /128). A
// prefix with host bits set is refused: "10.1.2.3/24" is more likely a
// typo than a wish for 10.1.2.0/24.
func ParsePrefix(s string) (netip.Prefix, error) {
	s = strings.TrimSpace(s)
	if !strings.Contains(s, "/") {
		a, err := netip.ParseAddr(s)
		if err != nil {
			return netip.Prefix{}, errf("%q is not an IP address or CIDR prefix", s)
		}
		a = a.Unmap()
		return netip.PrefixFrom(a, a.BitLen()), nil
	}
	p, err := netip.ParsePrefix(s)
	if err != nil {
		return netip.Prefix{}, errf("%q is not a CIDR prefix", s)
	}
	if p.Masked() != p {
		return netip.Prefix{}, errf("%q has host bits set; did you mean %s?", s, p.Masked())
	}
	return p, nil
}

// NormalizeMAC reads a MAC address or a prefix of whole bytes, in the
// forms "3C:22:FB:01:02:03", "3c-22-fb-01-02-03", "3c22.fb01.0203",
// "3c22fb010203" or "3c:22:fb", and returns it lower-case and colon-
// separated.
func NormalizeMAC(s string) (string, error) {
	t := strings.ToLower(strings.TrimSpace(s))
	var hex string
	switch {
	case strings.ContainsAny(t, ":-"):
		parts := strings.FieldsFunc(t, func(r rune) bool { return r == ':' || r == '-' })
		if strings.Count(t, ":")+strings.Count(t, "-") != len(parts)-1 {
			return "", errf("%q is not a MAC address", s)
		}
		for _, p := range parts {
			if len(p) == 1 {
				p = "0" + p
			}
			if len(p) != 2 {
				return "", errf("%q is not a MAC address", s)
			}
			hex += p
		}
	default:
		hex = strings.ReplaceAll(t, ".", "")
	}
	if hex == "" || len(hex)%2 != 0 || len(hex) > 12 {
		return "", errf("%q is not a MAC address or a prefix of whole bytes", s)
	}
	var b strings.Builder
	for i := 0; i < len(hex); i += 2 {
		for _, c := range hex[i : i+2] {
			if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
				return "", errf("%q is not a MAC address", s)
			}
		}
		if i > 0 {
			b.WriteByte(':')
		}
		b.WriteString(hex[i : i+2])
	}
	return b.String(), nil
}
