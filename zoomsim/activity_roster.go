package zoomsim

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"
)

// person is one participant of a meeting: the host, an internal user or a
// guest. Timing comes first from its stream, attributes after, so that the
// index can compute totals without drawing attributes.
type person struct {
	user *User // nil for guests
	host bool
	seed uint64

	// Attributes (set when full).
	name, email  string
	site         int // index into Tenant.Sites when joined from an office, else -1
	ap           int // index into the site's APs when on its Wi-Fi, else -1
	device       string
	network      string
	cause        string  // why this person has bad minutes ("" never)
	pBad         float64 // share of minutes that are bad
	video        bool    // camera on
	sharer       bool
	info         siteInfo
	ip, privIP   string
	mac          string
	pcName       string
	deviceName   string
	os, osVer    string
	version      string
	conn         string
	uuid         string
	joinCost     float64
	mic, speaker string
	camera       string
}

// session is one row of a participant listing: a person's stay from join
// to leave. A person who dropped and re-joined has two.
type session struct {
	p       *person
	join    int64
	leave   int64 // planned leave; see open
	open    bool  // still in the (live) meeting at now
	dropped bool  // ended by a disconnect; the person came back
	userID  int64 // Zoom's per-meeting participant id (user_id)
	seed    uint64
}

// samples is how many user_qos samples the session has at now: one per
// whole minute of attendance, stamped on the minute.
func (s *session) samples(now int64) int {
	end := min(s.leave, now)
	if end <= s.join {
		return 0
	}
	return int((end - s.join) / 60)
}

// sampleTime is when sample i was taken.
func (s *session) sampleTime(i int) int64 { return s.join - s.join%60 + int64(i+1)*60 }

// bad reports whether minute i of the session is a bad one. It is a hash
// of the session and the minute, so that totals can be counted without
// drawing the samples.
func (s *session) bad(i int) bool {
	return float64(mix64(s.seed+uint64(i)*0x9e3779b97f4a7c15)>>11)/(1<<53) < s.p.pBad
}

// sessions returns a meeting's participant sessions at now, ordered by
// join time, with per-meeting ids. With a tenant, persons get their
// attributes too; the index calls it without, for totals only.
func (g *generator) sessions(m *meeting, now int64, t *Tenant) []session {
	persons := make([]person, m.persons)
	out := make([]session, 0, int(m.persons)+2)
	end := m.end()
	ms := sm{m.seed ^ 0x5ea7}
	sharer := -1
	if m.flags&flagShare != 0 {
		if ms.f() < 0.6 || m.persons == 1 {
			sharer = 0
		} else {
			sharer = 1 + ms.intn(int(m.persons)-1)
		}
	}
	for k := range persons {
		p := &persons[k]
		p.host = k == 0
		p.seed = mix64(m.seed ^ uint64(k+1)*0xd1b54a32d192ed03)
		switch {
		case k == 0:
			p.user = m.host
		case k <= len(m.people):
			p.user = m.people[k-1]
		}
		r := sm{p.seed}
		join, leave := m.start, end
		if !p.host {
			switch x := r.f(); {
			case x < 0.7:
				join += int64(r.intn(120))
			case x < 0.95:
				join += 120 + int64(r.intn(480))
			default:
				join += 600 + int64(r.intn(max(1, int(m.dur)/2)))
			}
			join = min(join, end-120)
			if r.f() < 0.8 {
				leave = end - int64(r.intn(20))
			} else {
				leave = join + int64(float64(end-join)*r.between(0.3, 0.9))
			}
			leave = max(leave, join+60)
		}
		rejoin := r.f() < 0.07
		cut := join + int64(float64(leave-join)*r.between(0.2, 0.7))
		gap := int64(20 + r.intn(160))
		if t != nil {
			p.sharer = k == sharer
			g.attrs(t, m, p, &r)
		}
		if rejoin && leave-join >= 600 && leave-(cut+gap) >= 60 && cut-join >= 60 {
			out = append(out, session{p: p, join: join, leave: cut, dropped: true, seed: mix64(p.seed ^ 1)})
			out = append(out, session{p: p, join: cut + gap, leave: leave, seed: mix64(p.seed ^ 2)})
		} else {
			out = append(out, session{p: p, join: join, leave: leave, seed: mix64(p.seed ^ 1)})
		}
	}
	slices.SortStableFunc(out, func(a, b session) int { return cmpInt(a.join, b.join) })
	for i := range out {
		out[i].userID = participantIDBase + int64(i)*1024
	}
	// Keep what has happened by now: a live meeting's later joiners are
	// not there yet, and those present have not left.
	n := 0
	for _, s := range out {
		if s.join > now {
			continue
		}
		s.open = s.leave > now
		out[n] = s
		n++
	}
	return out[:n]
}

// Device and client catalogs.
var (
	windowsModels = []string{"Latitude 7440", "ThinkPad T14 Gen 4", "EliteBook 840 G10", "Surface Laptop 5", "XPS 13 9315", "OptiPlex 7010"}
	macModels     = []string{"MacBookPro18,3", "MacBookAir10,1", "Mac14,2", "Mac15,3", "iMac21,1"}
	iosModels     = []string{"iPhone 15", "iPhone 14 Pro", "iPhone 13", "iPad Pro (11-inch)"}
	androidModels = []string{"Pixel 8", "Galaxy S23", "Galaxy Tab S9", "OnePlus 11"}
	roomModels    = []string{"Poly Studio X50", "Cisco Room Kit", "Logitech Rally Bar"}
	vendorOUIs    = []string{"3c:22:fb", "f8:ff:c2", "a4:83:e7", "8c:85:90", "00:50:b6", "54:ee:75", "d4:81:d7", "e4:b9:7a"}
	cameras       = []string{"FaceTime HD Camera", "Integrated Webcam", "Logitech BRIO", "HD Pro Webcam C920"}
	mics          = []string{"MacBook Pro Microphone", "Microphone (Realtek(R) Audio)", "Jabra Evolve2 65", "Headset Microphone (Poly BT700)"}
	speakers      = []string{"MacBook Pro Speakers", "Speakers (Realtek(R) Audio)", "Jabra Evolve2 65", "Headphones (Poly BT700)"}
	clientVers    = []string{"6.0.11.39959", "6.1.1.43206", "6.1.5.45217", "6.2.0.46690", "5.17.11.34827"}
	guestFirst    = []string{"Alex", "Sam", "Priya", "Lukas", "Mei", "Diego", "Fatima", "Noah", "Olga", "Kenji", "Amara", "Liam"}
	guestLast     = []string{"Keller", "Nguyen", "Okafor", "Rossi", "Schmidt", "Tanaka", "Silva", "Novak", "Haddad", "Larsen"}
	guestDomains  = []string{"acme.example", "globex.example.com", "initech.example.net", "umbrella.example.org", "mail.example"}
)

// desktopOS is the user's laptop: from the client version's suffix when it
// has one ("(mac)", "(win)"), else a stable draw.
func desktopOS(u *User, hu uint64) string {
	v := strings.ToLower(u.LastClientVersion)
	switch {
	case strings.Contains(v, "(mac"):
		return "Mac"
	case strings.Contains(v, "(win"):
		return "Windows"
	case hu%100 < 65:
		return "Windows"
	}
	return "Mac"
}

// clientVersion strips the platform suffix off LastClientVersion.
func clientVersion(u *User) string {
	v := u.LastClientVersion
	if i := strings.IndexByte(v, '('); i > 0 {
		v = v[:i]
	}
	return strings.TrimSpace(v)
}

func displayName(u *User) string {
	if u.DisplayName != "" {
		return u.DisplayName
	}
	return strings.TrimSpace(u.FirstName + " " + u.LastName)
}

// remoteAddr is a public address outside every site's egress range.
func remoteAddr(h uint64) netip.Addr {
	p := remotePrefixes[h%uint64(len(remotePrefixes))]
	size := uint64(1) << (32 - p.Bits())
	return addrIn(p, byte(1+(h>>8)%(size-2)))
}

func macFrom(prefix string, h uint64) string {
	return fmt.Sprintf("%s:%02x:%02x:%02x", prefix, byte(h>>8), byte(h>>16), byte(h>>24))
}

func guidFrom(r *sm) string {
	a, b := r.u64(), r.u64()
	return fmt.Sprintf("%08X-%04X-%04X-%04X-%012X", uint32(a), uint16(a>>32), uint16(a>>48), uint16(b), b>>16&0xffffffffffff)
}

// attrs draws a person's device, network and quality profile for this
// meeting. Internal users keep their stable traits (laptop, MAC, home IP)
// keyed by their id; where they join from is drawn per meeting.
func (g *generator) attrs(t *Tenant, m *meeting, p *person, r *sm) {
	weekend := false
	if wd := time.Unix(m.start, 0).UTC().Weekday(); wd == time.Saturday || wd == time.Sunday {
		weekend = true
	}
	p.site, p.ap = -1, -1
	var hu uint64
	var desktop string
	if u := p.user; u != nil {
		hu = mix64(strHash(u.ID))
		p.name, p.email = displayName(u), u.Email
		desktop = desktopOS(u, hu)
		if u.Site >= 0 && u.Site < len(t.Sites) {
			at := 0.8
			if weekend {
				at = 0.1
			}
			if r.f() < at {
				p.site = u.Site
			}
		}
		p.info = userInfo(u, hu)
		if p.site >= 0 {
			p.info = infoOf(t.Sites[p.site].Name)
		}
	} else {
		hu = r.u64()
		first, last := guestFirst[r.intn(len(guestFirst))], guestLast[r.intn(len(guestLast))]
		p.name = first + " " + last
		if r.f() < 0.5 {
			p.email = strings.ToLower(first+"."+last) + "@" + guestDomains[r.intn(len(guestDomains))]
		}
		desktop = "Windows"
		if r.f() < 0.35 {
			desktop = "Mac"
		}
		p.info = remoteInfo[r.intn(len(remoteInfo))]
	}
	mobile := "iOS"
	if hu>>7%100 < 40 {
		mobile = "Android"
	}

	x := r.f()
	switch {
	case p.host:
		p.device = desktop
	case p.site >= 0:
		switch {
		case x < 0.88:
			p.device = desktop
		case x < 0.96:
			p.device = mobile
		default:
			p.device = "H.323/SIP"
		}
	case p.user == nil:
		switch {
		case x < 0.72:
			p.device = desktop
		case x < 0.9:
			p.device = mobile
		case x < 0.98:
			p.device = "Phone"
		default:
			p.device = "H.323/SIP"
		}
	default:
		switch {
		case x < 0.82:
			p.device = desktop
		case x < 0.95:
			p.device = mobile
		default:
			p.device = "Phone"
		}
	}
	isDesktop := p.device == "Windows" || p.device == "Mac"
	isMobile := p.device == "iOS" || p.device == "Android"

	x = r.f()
	switch {
	case p.device == "Phone":
		p.network = "Others"
	case p.site >= 0 && p.device == "H.323/SIP":
		p.network = "Wired"
	case p.site >= 0 && isMobile:
		p.network = "Wifi"
	case p.site >= 0:
		share := 0.45
		if s := t.Sites[p.site]; s.Degraded && s.Cause == CauseWifi {
			share = 0.85
		}
		p.network = "Wired"
		if x < share {
			p.network = "Wifi"
		}
	case isMobile:
		p.network = "Cellular"
		if x < 0.55 {
			p.network = "Wifi"
		}
	default:
		switch {
		case x < 0.75:
			p.network = "Wifi"
		case x < 0.95:
			p.network = "Wired"
		default:
			p.network = "Others"
		}
	}

	// Addresses: an office's clients leave through its egress; everyone
	// else has a home or carrier address.
	apPick := r.intn(1 << 16)
	cellHost := r.u64()
	switch {
	case p.device == "Phone":
	case p.site >= 0:
		s := t.Sites[p.site]
		p.ip = s.Egress.String()
		p.privIP = addrIn(s.Internal, byte(10+hu>>24%240)).String()
		if p.network == "Wifi" && len(s.APs) > 0 {
			p.ap = apPick % len(s.APs)
			p.mac = macFrom(s.APs[p.ap].ClientMACPrefix, hu)
		}
	case p.network == "Cellular":
		p.ip = remoteAddr(cellHost).String()
		p.privIP = fmt.Sprintf("100.64.%d.%d", byte(cellHost>>32), 1+byte(cellHost>>40)%254)
	default:
		p.ip = remoteAddr(hu >> 3).String()
		p.privIP = fmt.Sprintf("192.168.1.%d", 2+hu>>40%200)
	}
	if p.mac == "" && p.device != "Phone" {
		p.mac = macFrom(vendorOUIs[hu>>12%uint64(len(vendorOUIs))], hu>>5)
	}

	// Device identity and client.
	code := "WFH"
	if p.user != nil && p.user.Site >= 0 && p.user.Site < len(t.Sites) {
		code = infoOf(t.Sites[p.user.Site].Name).code
	}
	switch p.device {
	case "Windows":
		p.os, p.osVer = "Windows", []string{"10.0.22631", "10.0.19045", "10.0.26100"}[hu>>20%3]
		p.pcName = fmt.Sprintf("%s-LT-%05d", code, hu>>28%100000)
		p.deviceName = windowsModels[hu>>33%uint64(len(windowsModels))]
	case "Mac":
		p.os, p.osVer = "Mac", []string{"14.5.0", "14.6.1", "15.1.0", "13.6.7"}[hu>>20%4]
		first := strings.Fields(p.name + " x")[0]
		p.pcName = first + "s-MacBook-Pro"
		p.deviceName = macModels[hu>>33%uint64(len(macModels))]
	case "iOS":
		p.os, p.osVer = "iOS", []string{"17.5", "17.6.1", "18.1"}[hu>>20%3]
		p.deviceName = iosModels[hu>>33%uint64(len(iosModels))]
	case "Android":
		p.os, p.osVer = "Android", []string{"13", "14", "15"}[hu>>20%3]
		p.deviceName = androidModels[hu>>33%uint64(len(androidModels))]
	case "H.323/SIP":
		p.deviceName = roomModels[hu>>33%uint64(len(roomModels))]
	}
	p.version = clientVers[hu>>40%uint64(len(clientVers))]
	if p.user != nil && isDesktop {
		if v := clientVersion(p.user); v != "" {
			p.version = v
		}
	}
	if p.device == "Phone" {
		p.version = ""
	}
	if isDesktop {
		p.camera = cameras[hu>>44%uint64(len(cameras))]
		p.mic = mics[hu>>46%uint64(len(mics))]
		p.speaker = speakers[hu>>46%uint64(len(speakers))]
	}
	switch x := r.f(); {
	case p.device == "Phone":
	case x < 0.88:
		p.conn = "UDP"
	case x < 0.94:
		p.conn = "TCP"
	case x < 0.98:
		p.conn = "SSL"
	default:
		p.conn = "SSL+Proxy"
	}
	p.video = m.flags&flagVideo != 0 && p.device != "Phone" && r.f() < 0.75
	p.sharer = p.sharer && isDesktop
	p.uuid = guidFrom(r)
	p.joinCost = float64(int(r.between(0.5, 6)*100)) / 100

	// Quality profile: the site's cause first, then a bad device, then the
	// background that everyone has.
	var site *Site
	if p.site >= 0 {
		site = &t.Sites[p.site]
	}
	background := r.f()
	switch {
	case site != nil && site.Degraded && site.Cause == CauseWifi:
		if p.network == "Wifi" {
			p.cause, p.pBad = CauseWifi, badShareSite
			break
		}
		p.cause, p.pBad = backgroundCause(background), badShareBackground
	case site != nil && site.Degraded && site.Cause == CauseCPU:
		if isDesktop {
			p.cause, p.pBad = CauseCPU, badShareCPU
			break
		}
		p.cause, p.pBad = backgroundCause(background), badShareBackground
	case site != nil && site.Degraded && p.device != "Phone":
		p.cause, p.pBad = site.Cause, badShareSite
		if p.cause != CauseLatency {
			p.cause = CauseLoss
		}
	case isDesktop && (p.user != nil && BadDevice(p.user) || p.user == nil && hu%100 < 5):
		p.cause, p.pBad = CauseCPU, badShareCPU
	case p.network == "Cellular":
		p.cause, p.pBad = CauseLoss, badShareCellular
	default:
		p.cause, p.pBad = backgroundCause(background), badShareBackground
	}
}

func backgroundCause(x float64) string {
	if x < 0.5 {
		return CauseLoss
	}
	return CauseLatency
}

// Shares of bad minutes by profile.
const (
	badShareSite       = 0.5  // participants hit by their site's cause
	badShareCPU        = 0.4  // desktops with a CPU problem
	badShareCellular   = 0.06 // phones on a mobile network
	badShareBackground = 0.01 // everyone else
)

// BadDevice reports whether a user's laptop is one of the overloaded ones
// (about 4% of users, keyed by user id): its desktop sessions get CauseCPU
// bad minutes wherever they join from, unless a degraded site's cause
// applies.
func BadDevice(u *User) bool { return u.ID != "" && mix64(strHash(u.ID)^0xc0)%100 < 4 }
