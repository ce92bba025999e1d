package zoomsim

import (
	"fmt"
	"net/netip"
)

// siteInfo is what the generator knows about a site name beyond Site:
// where it is, which Zoom data center serves it, and its UTC offset (whole
// hours, no DST: meetings only need a plausible working day).
type siteInfo struct {
	location   string
	dataCenter string
	utcOffset  int
	code       string // short code for host names
}

// siteCatalog lists the office names generateSites draws from, HQ first.
var siteCatalog = []struct {
	name string
	info siteInfo
}{
	{"HQ", siteInfo{"United States", "United States (NY)", -5, "HQ"}},
	{"Boston", siteInfo{"United States", "United States (NY)", -5, "BOS"}},
	{"Berlin", siteInfo{"Germany", "Germany (FR)", 1, "BER"}},
	{"London", siteInfo{"United Kingdom", "United Kingdom (LO)", 0, "LON"}},
	{"Austin", siteInfo{"United States", "United States (DV)", -6, "AUS"}},
	{"Singapore", siteInfo{"Singapore", "Singapore (SG)", 8, "SIN"}},
	{"Toronto", siteInfo{"Canada", "Canada (TR)", -5, "TOR"}},
	{"Sydney", siteInfo{"Australia", "Australia (SY)", 10, "SYD"}},
	{"Dublin", siteInfo{"Ireland", "Europe (AMS)", 0, "DUB"}},
	{"Tokyo", siteInfo{"Japan", "Japan (TY)", 9, "TYO"}},
}

// remoteInfo is used for remote workers and guests: where they appear to be.
var remoteInfo = []siteInfo{
	{"United States", "United States (SC Top)", -5, "RMT"},
	{"United States", "United States (SJ)", -8, "RMT"},
	{"Canada", "Canada (TR)", -5, "RMT"},
	{"Germany", "Germany (FR)", 1, "RMT"},
	{"United Kingdom", "United Kingdom (LO)", 0, "RMT"},
	{"India", "India (MB)", 5, "RMT"},
}

// tzInfo places a remote worker by time zone, so that the location and
// hours of their meetings agree with the user's Timezone.
var tzInfo = map[string]siteInfo{
	"America/New_York":    {"United States", "United States (NY)", -5, "RMT"},
	"America/Chicago":     {"United States", "United States (DV)", -6, "RMT"},
	"America/Denver":      {"United States", "United States (DV)", -7, "RMT"},
	"America/Phoenix":     {"United States", "United States (SC Top)", -7, "RMT"},
	"America/Los_Angeles": {"United States", "United States (SJ)", -8, "RMT"},
	"America/Toronto":     {"Canada", "Canada (TR)", -5, "RMT"},
	"America/Montreal":    {"Canada", "Canada (TR)", -5, "RMT"},
	"Europe/London":       {"United Kingdom", "United Kingdom (LO)", 0, "RMT"},
	"Europe/Dublin":       {"Ireland", "Europe (AMS)", 0, "RMT"},
	"Europe/Lisbon":       {"Portugal", "Europe (AMS)", 0, "RMT"},
	"Europe/Berlin":       {"Germany", "Germany (FR)", 1, "RMT"},
	"Europe/Madrid":       {"Spain", "Europe (AMS)", 1, "RMT"},
	"Asia/Kolkata":        {"India", "India (MB)", 5, "RMT"},
	"Asia/Singapore":      {"Singapore", "Singapore (SG)", 8, "RMT"},
	"Asia/Tokyo":          {"Japan", "Japan (TY)", 9, "RMT"},
	"Australia/Sydney":    {"Australia", "Australia (SY)", 10, "RMT"},
}

// userInfo is where a user works from when not at an office: by time zone,
// else a stable draw.
func userInfo(u *User, h uint64) siteInfo {
	if i, ok := tzInfo[u.Timezone]; ok {
		return i
	}
	return remoteInfo[h%uint64(len(remoteInfo))]
}

// infoOf returns the catalog entry of a site name (HQ's for unknown names,
// so that a site renamed through the admin API still has a location).
func infoOf(name string) siteInfo {
	for _, c := range siteCatalog {
		if c.name == name {
			return c.info
		}
	}
	return siteCatalog[0].info
}

// Site causes. A degraded site has one of the site causes; CauseCPU is a
// device cause (an overloaded laptop is bad wherever it joins from) and is
// never a Site.Cause.
const (
	CauseWifi    = "wifi"    // weak Wi-Fi: low RSSI, loss and jitter, on Wifi only
	CauseLoss    = "loss"    // a lossy uplink: packet loss on every network type
	CauseLatency = "latency" // a congested or far-away path: latency and jitter
	CauseCPU     = "cpu"     // device cause: CPU pegged, frame rates collapse
)

// Egress and remote address plan. Everything is in the documentation ranges
// (RFC 5737), split so that an address says which side it is on: site
// egresses live in 203.0.113.0/25, remote clients anywhere else.
var (
	siteEgressPrefix = netip.MustParsePrefix("203.0.113.0/25")
	remotePrefixes   = []netip.Prefix{
		netip.MustParsePrefix("192.0.2.0/24"),
		netip.MustParsePrefix("198.51.100.0/24"),
		netip.MustParsePrefix("203.0.113.128/25"),
	}
)

// generateSites derives a tenant's offices from its spec: 3 to 6 sites, HQ
// first, each with a public egress address, a private /24, 2 to 4 Wi-Fi
// access points with distinct client MAC prefixes, and 1 or 2 degraded
// sites (never HQ) with distinct site causes (wifi, loss, latency).
func generateSites(sp tenantSpec) []Site {
	r := newRand(sp.seed, "sites", uint64(sp.index))
	n := 3 + r.IntN(4)
	names := []int{0}
	for _, i := range r.Perm(len(siteCatalog) - 1)[:n-1] {
		names = append(names, i+1)
	}
	usedEgress := map[netip.Addr]bool{}
	usedNet := map[[2]byte]bool{}
	usedMAC := map[string]bool{}
	sites := make([]Site, n)
	for i, ci := range names {
		c := siteCatalog[ci]
		var egress netip.Addr
		for {
			egress = addrIn(siteEgressPrefix, byte(1+r.IntN(126)))
			if !usedEgress[egress] {
				usedEgress[egress] = true
				break
			}
		}
		var net [2]byte
		for {
			net = [2]byte{byte(10 + 10*i + r.IntN(10)), byte(r.IntN(256))}
			if !usedNet[net] {
				usedNet[net] = true
				break
			}
		}
		s := Site{
			Name:     c.name,
			Egress:   egress,
			Internal: netip.PrefixFrom(netip.AddrFrom4([4]byte{10, net[0], net[1], 0}), 24),
		}
		for a := range 2 + r.IntN(3) {
			var prefix string
			for {
				// Locally administered, unicast: never a real vendor OUI, so
				// that no device MAC (vendor OUIs) can match an AP prefix.
				b0 := byte(r.IntN(256))&0xfc | 0x02
				prefix = fmt.Sprintf("%02x:%02x:%02x", b0, r.IntN(256), r.IntN(256))
				if !usedMAC[prefix] {
					usedMAC[prefix] = true
					break
				}
			}
			s.APs = append(s.APs, AccessPoint{Name: fmt.Sprintf("%s-AP-%02d", c.info.code, a+1), ClientMACPrefix: prefix})
		}
		sites[i] = s
	}
	causes := []string{CauseWifi, CauseLoss, CauseLatency}
	r.Shuffle(len(causes), func(i, j int) { causes[i], causes[j] = causes[j], causes[i] })
	degraded := 1 + r.IntN(2)
	for k, i := range r.Perm(n - 1)[:degraded] {
		sites[i+1].Degraded = true
		sites[i+1].Cause = causes[k]
	}
	return sites
}

// addrIn returns host h of an IPv4 prefix of /24 or longer.
func addrIn(p netip.Prefix, h byte) netip.Addr {
	a := p.Masked().Addr().As4()
	a[3] |= h
	return netip.AddrFrom4(a)
}
