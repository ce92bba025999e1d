package server_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/zoomsight/zoomsight/internal/insight"
	"github.com/zoomsight/zoomsight/internal/network"
)

// TestNetworkPerOrg: each org's sites come from its own network. Org A
// has a1, a2 and the shared account; org B the shared account only. Each
// org uploads its own network (the shared tenant's sites renamed "A-…" or
// "B-…"); neither ever sees the other's site names, and an import by A
// leaves B's figures as they were.
func TestNetworkPerOrg(t *testing.T) {
	for _, d := range dbs {
		t.Run(d.name, func(t *testing.T) {
			t.Parallel()
			testNetworkPerOrg(t, d.dsn(t))
		})
	}
}

// qosView is an org's GET /api/v1/insights/qos: minutes per site.
func qosView(e *tenancyEnv, token string) map[string]float64 {
	e.t.Helper()
	_, body := e.expect("GET", "/api/v1/insights/qos", "/api/v1/insights/qos", token, "", 200, "")
	out := map[string]float64{}
	for _, s := range body["sites"].([]any) {
		m := s.(map[string]any)
		out[m["site"].(string)] += m["participant_minutes"].(float64)
	}
	return out
}

func total(m map[string]float64) (n float64) {
	for _, v := range m {
		n += v
	}
	return n
}

// renamed is the shared tenant's network file with every site renamed.
func renamed(t *testing.T, e *tenancyEnv, prefix string) string {
	t.Helper()
	f, err := network.Parse(context.Background(), "sites.yaml", e.sharedTenant.NetworkFile())
	if err != nil {
		t.Fatal(err)
	}
	for i := range f.Network.Sites {
		f.Network.Sites[i].Name = prefix + f.Network.Sites[i].Name
	}
	for i := range f.Network.MACs {
		f.Network.MACs[i].Site = prefix + f.Network.MACs[i].Site
	}
	return string(network.YAML(&f.Network, nil))
}

func testNetworkPerOrg(t *testing.T, dsn string) {
	e := setupTenancy(t, dsn)
	before := map[string]map[string]float64{"A": qosView(e, e.readA), "B": qosView(e, e.readB)}
	if total(before["B"]) == 0 || total(before["A"]) <= total(before["B"]) {
		t.Fatalf("QoS before any org's network: A %v, B %v", before["A"], before["B"])
	}
	onlyPrefixed := func(org string, view map[string]float64, prefix string, others ...string) {
		t.Helper()
		for site := range view {
			if site == insight.OffNetwork || slices.Contains(others, site) {
				continue
			}
			if !strings.HasPrefix(site, prefix) {
				t.Errorf("org %s's QoS has site %q; want only its own network's (%s…), %s and %v: %v", org, site, prefix, insight.OffNetwork, others, view)
			}
		}
	}

	// B's network first: A has none of its own, so B's decides the shared
	// account's sites.
	_, imp := e.expect("PUT", "/api/v1/network", "/api/v1/network", e.admB, renamed(t, e, "B-"), 200, "")
	if fmt.Sprint(imp["accounts"]) != "[shared]" || imp["qos_sessions"].(float64) == 0 || len(imp["period"].([]any)) != 2 {
		t.Errorf("B's import: %v; want the shared account's sessions re-filed", imp)
	}
	b1, a1 := qosView(e, e.readB), qosView(e, e.readA)
	onlyPrefixed("B", b1, "B-")
	if total(b1) != total(before["B"]) {
		t.Errorf("B's minutes %v after its import, %v before: sites move, minutes do not", total(b1), total(before["B"]))
	}
	// A never sees B's site names: the shared account's sessions are one
	// unassigned site in A's view; a1 and a2 keep the operator default's.
	for site := range a1 {
		if strings.HasPrefix(site, "B-") {
			t.Errorf("org A sees org B's site %q: %v", site, a1)
		}
	}
	if a1[insight.Unassigned] == 0 || total(a1) != total(before["A"]) {
		t.Errorf("A's view after B's import: %v (before %v); want the shared account's minutes unassigned", a1, before["A"])
	}
	e.expect("GET", "/api/v1/insights/qos/sites/{site}/hours", "/api/v1/insights/qos/sites/"+url.PathEscape(firstPrefixed(b1, "B-"))+"/hours", e.readA, "", 200, "")

	// A imports its own: it linked the shared account first (lower id),
	// so A's network now decides the shared account's sites and a1's and
	// a2's; B's figures do not change, and B sees none of A's names.
	_, imp = e.expect("PUT", "/api/v1/network", "/api/v1/network", e.admA, renamed(t, e, "A-"), 200, "")
	if fmt.Sprint(imp["accounts"]) != "[a1 a2 shared]" {
		t.Errorf("A's import re-matched %v; want a1, a2 and shared", imp["accounts"])
	}
	a2, b2 := qosView(e, e.readA), qosView(e, e.readB)
	onlyPrefixed("A", a2, "A-")
	if total(a2) != total(before["A"]) || a2[insight.Unassigned] != 0 {
		t.Errorf("A's view after its import: %v; want all its %v minutes under its own sites", a2, total(before["A"]))
	}
	if total(b2) != total(b1) {
		t.Errorf("B's minutes changed with A's import: %v, were %v", total(b2), total(b1))
	}
	for site := range b2 {
		if strings.HasPrefix(site, "A-") {
			t.Errorf("org B sees org A's site %q: %v", site, b2)
		}
	}
	// A site of A's, asked by B: nothing of it.
	_, body := e.expect("GET", "/api/v1/insights/qos/sites/{site}/hours", "/api/v1/insights/qos/sites/"+url.PathEscape(firstPrefixed(a2, "A-"))+"/hours", e.readB, "", 200, "")
	if n := len(body["items"].([]any)); n != 0 {
		t.Errorf("B reads %d hours of A's site", n)
	}

	// A unlinks the shared account: its sessions go back to B's network.
	e.expect("DELETE", "/api/v1/accounts/{account}", "/api/v1/accounts/shared", e.admA, "", 200, "nothing was purged")
	b3 := qosView(e, e.readB)
	onlyPrefixed("B", b3, "B-")
	if total(b3) != total(b1) || b3[insight.Unassigned] != 0 {
		t.Errorf("B's view after A unlinked the shared account: %v; want its sites back (%v)", b3, b1)
	}
	// The YAML form round-trips through PUT.
	req, _ := http.NewRequestWithContext(t.Context(), "GET", e.c.base+"/api/v1/network", nil)
	req.Header.Set("Authorization", "Bearer "+e.readB)
	req.Header.Set("Accept", "application/yaml")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); resp.StatusCode != 200 || ct != "application/yaml" {
		t.Errorf("GET network as YAML: %d %s", resp.StatusCode, ct)
	}
}

func firstPrefixed(view map[string]float64, prefix string) string {
	for s := range view {
		if strings.HasPrefix(s, prefix) {
			return s
		}
	}
	return prefix + "none"
}
