package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/zoomsight/zoomsight/zoom"
	"github.com/zoomsight/zoomsight/zoomsim"
)

// TestInsightsQoSFindsDegradedSites is the network team's path end to
// end: the simulated tenant's network file (zoomsight sim network) is
// imported, the account synced, and insights qos names exactly the sites
// the seed degraded, with their causes; --meeting explains a meeting.
func TestInsightsQoSFindsDegradedSites(t *testing.T) {
	const seed = 45
	sim, err := zoomsim.New(zoomsim.Options{Seed: seed, Users: 60, Plan: zoom.PlanBusiness, Days: 7, NoRateLimits: true})
	if err != nil {
		t.Fatal(err)
	}
	defer sim.Close()
	cred := sim.Credentials()[0]
	dir := t.TempDir()
	db := filepath.Join(dir, "z.db")
	env := map[string]string{"S": cred.ClientSecret}

	sites, errOut, code := run(t, env, "sim", "network", "--seed", "45")
	if code != 0 || !strings.Contains(sites, "sites:") {
		t.Fatalf("sim network (%d): %s %s", code, sites, errOut)
	}
	file := filepath.Join(dir, "sites.yaml")
	if err := os.WriteFile(file, []byte(sites), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, e, code := run(t, env, "account", "add", "acme", "--db", db, "--account-id", cred.AccountID, "--client-id", cred.ClientID,
		"--client-secret-env", "S", "--api-url", sim.APIURL, "--oauth-url", sim.OAuthURL); code != 0 {
		t.Fatalf("account add: %s", e)
	}
	out, errOut, code := run(t, env, "network", "import", file, "--db", db)
	if code != 0 || !strings.Contains(out, "imported ") {
		t.Fatalf("network import (%d): %s %s", code, out, errOut)
	}
	out, errOut, code = run(t, env, "sync", "--db", db, "--only", "identity,meetings", "--meeting-backfill", "168h")
	if code != 0 || !strings.Contains(out, "sync ok") || !strings.Contains(out, "QoS samples") || !strings.Contains(out, "sources: listing from dashboard") {
		t.Fatalf("sync (%d):\n%s\n%s", code, out, errOut)
	}
	// Off a terminal, the meeting details phase logs its size and budget.
	if !regexp.MustCompile(`(?m)^acme: meeting details 0/[1-9][0-9]*, [0-9]+/[1-9][0-9]* calls$`).MatchString(errOut) {
		t.Fatalf("sync logged no meeting details progress:\n%s", errOut)
	}

	out, errOut, code = run(t, env, "insights", "qos", "--db", db, "--format", "json")
	if code != 0 {
		t.Fatalf("insights qos (%d): %s", code, errOut)
	}
	snakeKeys(t, "insights qos -o json", out) // not LatencyMS
	var rep struct {
		Degraded []struct{ Site, Cause string } `json:"degraded_sites"`
		Sites    []struct{ Site string }        `json:"sites"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	var got, want []string
	for _, s := range rep.Degraded {
		got = append(got, s.Site+":"+s.Cause)
	}
	for _, s := range sim.Tenant(cred.AccountID).DegradedSites() {
		want = append(want, s.Name+":"+s.Cause)
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) || len(want) == 0 {
		t.Fatalf("insights qos names %v; the simulator degraded %v\n%s", got, want, out)
	}

	// A meeting from a degraded site, explained.
	bad := sim.Tenant(cred.AccountID).DegradedSites()[0].Name
	out, _, code = run(t, env, "query", "--db", db, "--format", "csv",
		"SELECT s.meeting_uuid FROM participant_site s JOIN zoom_participant p ON p.meeting_uuid = s.meeting_uuid AND p.key = s.key WHERE s.site = '"+bad+"' ORDER BY p.qos_minutes DESC LIMIT 1")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if code != 0 || len(lines) != 2 {
		t.Fatalf("no meeting at %s: %s", bad, out)
	}
	out, errOut, code = run(t, env, "insights", "qos", "--db", db, "--meeting", lines[1], "-o", "wide")
	if code != 0 || !strings.Contains(out, "Meeting "+lines[1]) || !strings.Contains(out, "site "+bad+" is degraded") && !strings.Contains(out, "low Wi-Fi RSSI") {
		t.Fatalf("insights qos --meeting (%d):\n%s\n%s", code, out, errOut)
	}
	if strings.Contains(out, "Sites, worst first") || strings.Contains(out, "Worst users") {
		t.Fatalf("insights qos --meeting printed the site report too:\n%s", out)
	}

	// The meeting is found again by its site and host, without SQL.
	var host string
	out, _, _ = run(t, env, "query", "--db", db, "--format", "csv", "SELECT host_email FROM zoom_meeting WHERE uuid = '"+strings.ReplaceAll(lines[1], "'", "''")+"'")
	if hl := strings.Split(strings.TrimSpace(out), "\n"); len(hl) == 2 {
		host = hl[1]
	}
	out, errOut, code = run(t, env, "insights", "qos", "meetings", "--db", db, "--site", bad, "--host", host, "--format", "csv", "--limit", "1000")
	if code != 0 || host == "" || !strings.Contains(out, lines[1]) {
		t.Fatalf("insights qos meetings --site %s --host %s (%d): %s %s", bad, host, code, out, errOut)
	}
	for _, l := range strings.Split(strings.TrimSpace(out), "\n")[1:] {
		if !strings.Contains(l, host) || !strings.Contains(l, bad) {
			t.Fatalf("insights qos meetings --site %s --host %s listed %s", bad, host, l)
		}
	}

	// Pruning raw minutes keeps the answer: it comes from the rollups.
	before, _, _ := run(t, env, "insights", "qos", "--db", db, "--format", "json")
	out, errOut, code = run(t, env, "prune", "--db", db, "--qos-raw-retention", "1h", "--qos-rollup-retention", "400d")
	if code != 0 || !strings.Contains(out, "pruned raw QoS of ") || strings.Contains(out, "of 0 sessions") {
		t.Fatalf("prune (%d): %s %s", code, out, errOut)
	}
	if after, _, _ := run(t, env, "insights", "qos", "--db", db, "--format", "json"); after != before {
		t.Fatalf("insights qos changed by pruning raw minutes:\n%s\nbefore:\n%s", after, before)
	}
	if _, errOut, code = run(t, env, "prune", "--db", db, "--qos-raw-retention", "0d"); code == 0 || !strings.Contains(errOut, "--qos-raw-retention must be a positive duration") {
		t.Fatalf("prune --qos-raw-retention 0d (%d): %s", code, errOut)
	}

	// A bad network file is refused whole, every bad line listed.
	badFile := filepath.Join(dir, "bad.csv")
	os.WriteFile(badFile, []byte("site,kind,value\nHQ,egress,300.0.0.1\nHQ,internal,10.0.0.0/8\nLab,vlan,3\n"), 0o600)
	_, errOut, code = run(t, env, "network", "import", badFile, "--db", db)
	if code == 0 || !strings.Contains(errOut, "line 2:") || !strings.Contains(errOut, "line 4:") || !strings.Contains(errOut, "nothing imported") {
		t.Fatalf("bad file (%d): %s", code, errOut)
	}
	// network show still lists every site of the good file.
	out, errOut, code = run(t, env, "network", "show", "--db", db)
	if code != 0 {
		t.Fatalf("network show (%d): %s", code, errOut)
	}
	tn := sim.Tenant(cred.AccountID)
	if len(tn.Sites) == 0 {
		t.Fatal("the simulated tenant has no sites")
	}
	for _, site := range tn.Sites {
		if !strings.Contains(out, site.Name) {
			t.Fatalf("after the refused file, network show lacks site %s:\n%s", site.Name, out)
		}
	}
	if strings.Contains(out, "Lab") {
		t.Fatalf("the refused file's site Lab is in the network:\n%s", out)
	}
}
