package network_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/zoomsight/zoomsight/internal/network"
	"github.com/zoomsight/zoomsight/internal/store"
)

const goodYAML = `# offices
sites:
  - name: HQ
    egress: [203.0.113.5, 198.51.100.0/28]
    internal: [10.10.0.0/16]
  - name: HQ Lab
    internal: 10.10.7.0/24
  - name: Berlin
    egress: [203.0.113.20]
    internal: [10.20.5.0/24]
macs:
  - {mac: "02:AA:BB", site: Berlin, access_point: BER-AP-01}
  - {mac: "3c-22-fb-01-02-03", access_point: HQ-AP-07, switch_port: "sw1/0/12"}
thresholds:
  latency_ms: 200
  label: bad
`

const goodCSV = `site,kind,value,access_point,switch_port
HQ,egress,203.0.113.5,,
HQ,egress,198.51.100.0/28,,
HQ,internal,10.10.0.0/16,,
HQ Lab,internal,10.10.7.0/24,,
Berlin,egress,203.0.113.20,,
Berlin,internal,10.20.5.0/24,,
Berlin,mac,02:aa:bb,BER-AP-01,
,mac,3c22.fb01.0203,HQ-AP-07,sw1/0/12
,threshold,latency_ms=200,,
,threshold,label=bad,,
`

func TestParseYAMLAndCSVAgree(t *testing.T) {
	y, err := network.Parse(t.Context(), "sites.yaml", []byte(goodYAML))
	if err != nil {
		t.Fatal(err)
	}
	c, err := network.Parse(t.Context(), "sites.csv", []byte(goodCSV))
	if err != nil {
		t.Fatal(err)
	}
	want := store.Network{
		Sites: []store.NetworkSite{
			{Name: "HQ", Egress: []string{"203.0.113.5/32", "198.51.100.0/28"}, Internal: []string{"10.10.0.0/16"}},
			{Name: "HQ Lab", Internal: []string{"10.10.7.0/24"}},
			{Name: "Berlin", Egress: []string{"203.0.113.20/32"}, Internal: []string{"10.20.5.0/24"}},
		},
		MACs: []store.NetworkMAC{
			{MAC: "02:aa:bb", Site: "Berlin", AccessPoint: "BER-AP-01"},
			{MAC: "3c:22:fb:01:02:03", AccessPoint: "HQ-AP-07", SwitchPort: "sw1/0/12"},
		},
	}
	for name, f := range map[string]*network.File{"yaml": y, "csv": c} {
		if !reflect.DeepEqual(f.Network, want) {
			t.Errorf("%s: %+v\nwant %+v", name, f.Network, want)
		}
		if f.Thresholds == nil || f.Thresholds.LatencyMS != 200 || f.Thresholds.JitterMS != 30 || f.Thresholds.Label != "bad" {
			t.Errorf("%s thresholds: %+v", name, f.Thresholds)
		}
	}
	// What YAML writes, Parse reads back.
	again, err := network.Parse(t.Context(), "x.yaml", network.YAML(&y.Network, y.Thresholds))
	if err != nil || !reflect.DeepEqual(again.Network, want) || *again.Thresholds != *y.Thresholds {
		t.Errorf("round trip: %+v %v", again, err)
	}
}

func TestParseListsEveryBadLine(t *testing.T) {
	for _, tc := range []struct {
		name, file string
		want       []string // "line N: text"
	}{
		{"sites.yaml", `sites:
  - name: HQ
    egress: [203.0.113.5, 300.1.1.1]
    internal: [10.10.1.3/16]
  - name: HQ
    internal: [10.30.0.0/16]
  - name: Berlin
    internal: [10.30.0.0/16]
    region: eu
macs:
  - {mac: "zz:11", site: HQ}
  - {mac: "02:aa:bb", site: Paris}
thresholds:
  latency_ms: fast
colour: blue
`, []string{
			`line 3: egress prefix: "300.1.1.1" is not an IP address or CIDR prefix`,
			`line 4: internal prefix: "10.10.1.3/16" has host bits set; did you mean 10.10.0.0/16?`,
			`line 5: site "HQ" is defined twice (first on line 2)`,
			`line 9: unknown site field "region"`,
			`line 11: mac: "zz:11" is not a MAC address`,
			`line 12: MAC 02:aa:bb names site "Paris", which the file does not define`,
			`line 14: threshold latency_ms: "fast" is not a number`,
			`line 15: unknown section "colour"`,
		}},
		{"sites.csv", `site,kind,value
HQ,egress,203.0.113.5
HQ,internal,10.10.0.0/33
Berlin,egress,203.0.113.5
Berlin,vlan,12
,egress,203.0.113.9
`, []string{
			`line 3: internal prefix: "10.10.0.0/33" is not a CIDR prefix`,
			`line 4: egress prefix 203.0.113.5/32 is given to site "Berlin" and to site "HQ" (line 2)`,
			`line 5: kind must be egress, internal, mac or threshold, not "vlan"`,
			`line 6: a egress prefix needs a site`,
		}},
		{"empty.yaml", "sites: []\n", []string{"no sites and no MAC entries"}},
		{"broken.yaml", "sites:\n  - name: [\n", []string{"not valid YAML"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := network.Parse(t.Context(), tc.name, []byte(tc.file))
			var fe *network.FileError
			if !errors.As(err, &fe) {
				t.Fatalf("Parse: %v, want a *FileError", err)
			}
			if len(fe.Problems) != len(tc.want) {
				t.Errorf("%d problems, want %d:\n%v", len(fe.Problems), len(tc.want), err)
			}
			msg := err.Error()
			for _, w := range tc.want {
				if !strings.Contains(msg, w) {
					t.Errorf("error lacks %q:\n%s", w, msg)
				}
			}
			if !strings.Contains(msg, "nothing imported") {
				t.Errorf("error does not say nothing was imported: %s", msg)
			}
		})
	}
}

func TestMatchOrder(t *testing.T) {
	f, err := network.Parse(t.Context(), "sites.yaml", []byte(goodYAML))
	if err != nil {
		t.Fatal(err)
	}
	m := network.NewMatcher(&f.Network)
	for _, tc := range []struct {
		name string
		addr store.ParticipantAddr
		want store.SiteMatch
	}{
		{"internal beats egress", store.ParticipantAddr{IPAddress: "203.0.113.20", InternalIPs: []string{"10.10.3.4"}},
			store.SiteMatch{Site: "HQ", By: store.MatchInternal, Prefix: "10.10.0.0/16"}},
		{"longest internal prefix", store.ParticipantAddr{IPAddress: "203.0.113.5", InternalIPs: []string{"10.10.7.9"}},
			store.SiteMatch{Site: "HQ Lab", By: store.MatchInternal, Prefix: "10.10.7.0/24"}},
		{"longest over several internal IPs", store.ParticipantAddr{InternalIPs: []string{"10.10.1.1", "10.10.7.1"}},
			store.SiteMatch{Site: "HQ Lab", By: store.MatchInternal, Prefix: "10.10.7.0/24"}},
		{"egress when the internal IP is a home network", store.ParticipantAddr{IPAddress: "198.51.100.7", InternalIPs: []string{"192.168.1.20"}},
			store.SiteMatch{Site: "HQ", By: store.MatchEgress, Prefix: "198.51.100.0/28"}},
		{"MAC prefix gives site and AP", store.ParticipantAddr{IPAddress: "192.0.2.1", MACAddr: "02-AA-BB-10-20-30"},
			store.SiteMatch{Site: "Berlin", By: store.MatchMAC, Prefix: "02:aa:bb", AccessPoint: "BER-AP-01"}},
		{"AP from the MAC table, site from the IP", store.ParticipantAddr{InternalIPs: []string{"10.10.0.8"}, MACAddr: "3C:22:FB:01:02:03"},
			store.SiteMatch{Site: "HQ", By: store.MatchInternal, Prefix: "10.10.0.0/16", AccessPoint: "HQ-AP-07", SwitchPort: "sw1/0/12"}},
		{"off-network", store.ParticipantAddr{IPAddress: "192.0.2.44", InternalIPs: []string{"192.168.1.2"}, MACAddr: "3c:22:fb:09:09:09"},
			store.SiteMatch{By: store.MatchNone}},
		{"garbage addresses", store.ParticipantAddr{IPAddress: "n/a", InternalIPs: []string{""}, MACAddr: "?"},
			store.SiteMatch{By: store.MatchNone}},
	} {
		if got := m.Match(&tc.addr); got != tc.want {
			t.Errorf("%s: %+v, want %+v", tc.name, got, tc.want)
		}
	}
	if got := network.NewMatcher(&store.Network{}).Match(&store.ParticipantAddr{IPAddress: "203.0.113.5"}); got != (store.SiteMatch{}) {
		t.Errorf("no network: %+v, want no match computed", got)
	}
}
