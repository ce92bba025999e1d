package app

import (
	"errors"
	"reflect"
	"testing"

	"github.com/zoomsight/zoomsight/internal/secret"
	"github.com/zoomsight/zoomsight/internal/store"
	"github.com/zoomsight/zoomsight/zoom"
	"github.com/zoomsight/zoomsight/zoomsim"
)

func addS2S(t *testing.T, a *App, sim *zoomsim.Server, cred zoomsim.Credentials, clientSecret string) *store.Account {
	t.Helper()
	acct, err := a.AddS2S(t.Context(), LinkS2S{Name: "acme", AccountID: cred.AccountID, ClientID: cred.ClientID,
		ClientSecret: secret.String(clientSecret), APIURL: sim.APIURL, OAuthURL: sim.OAuthURL})
	if err != nil {
		t.Fatal(err)
	}
	return acct
}

func byFeature(res []FeatureResult) map[string]FeatureResult {
	m := map[string]FeatureResult{}
	for _, r := range res {
		m[r.Feature] = r
	}
	return m
}

func TestTestAccountAllFeatures(t *testing.T) {
	eachDriver(t, func(t *testing.T, db string) {
		// A Business master account with every scope can use everything.
		sim, cred := newSim(t, zoomsim.Options{Seed: 51, Users: 30, Plan: zoom.PlanBusiness, SubAccounts: 1})
		a := openApp(t, testConfig(t, db))
		res, err := a.TestAccount(t.Context(), addS2S(t, a, sim, cred, cred.ClientSecret))
		if err != nil {
			t.Fatal(err)
		}
		if len(res) != len(features()) {
			t.Fatalf("%d results for %d features", len(res), len(features()))
		}
		for _, r := range res {
			if r.Status != FeatureOK {
				t.Errorf("%s: %s %v %s", r.Feature, r.Status, r.Missing, r.Detail)
			}
		}
	})
}

func TestTestAccountMissingScopes(t *testing.T) {
	eachDriver(t, func(t *testing.T, db string) {
		sim, cred := newSim(t, zoomsim.Options{Seed: 52, Users: 30, Plan: zoom.PlanBusiness})
		// Users, groups, roles and account settings only, as classic scopes.
		sim.SetScopes(cred.ClientID, []string{"user:read:admin", "group:read:admin", "role:read:admin", "account:read:admin"})
		a := openApp(t, testConfig(t, db))
		res, err := a.TestAccount(t.Context(), addS2S(t, a, sim, cred, cred.ClientSecret))
		if err != nil {
			t.Fatal(err)
		}
		got := byFeature(res)
		// The scopes are the simulator's, which it takes from Zoom's specs:
		// each list is what Zoom's error names for the call.
		report := func(granular string) []string { return []string{"report:read:admin", granular} }
		dash := func(granular string) []string {
			return []string{"dashboard_meetings:read:admin", "dashboard:read:admin", granular}
		}
		want := map[string][]MissingScope{
			"identity": nil,
			"settings": nil,
			"plans":    nil, // account:read:admin also grants plan usage
			"account":  {{"GET /accounts/me", []string{"account:master", "account:read:sub_account:master", "account:read:sub_account:admin"}}},
			"sub-accounts": {{"GET /accounts", []string{"account:master", "account:write:master", "account:read:master",
				"account:read:list_sub_accounts:master"}}},
			"sign-in-activity": {{"GET /report/activities", report("report:read:user_activities:admin")}},
			"user-reports":     {{"GET /report/users", report("report:read:list_users:admin")}},
			"operation-logs":   {{"GET /report/operationlogs", report("report:read:operation_logs:admin")}},
			"dashboard": {
				{"GET /metrics/meetings", dash("dashboard:read:list_meetings:admin")},
				{"GET /metrics/meetings/{meetingId}/participants/qos", dash("dashboard:read:list_meeting_participants_qos:admin")},
			},
			"past-participants": {{"GET /past_meetings/{meetingId}/participants", []string{"meeting:read:admin", "meeting:read",
				"meeting:read:list_past_participants", "meeting:read:list_past_participants:admin"}}},
		}
		if len(got) != len(want) {
			t.Fatalf("features %v, want %d", got, len(want))
		}
		for name, missing := range want {
			r := got[name]
			wantStatus := FeatureOK
			if missing != nil {
				wantStatus = FeatureMissingScope
			}
			if r.Status != wantStatus || !reflect.DeepEqual(r.Missing, missing) {
				t.Errorf("%s: %s %v (%s)\nwant %s %v", name, r.Status, r.Missing, r.Detail, wantStatus, missing)
			}
		}
	})
}

func TestTestAccountPlanLimits(t *testing.T) {
	eachDriver(t, func(t *testing.T, db string) {
		// A Pro account that is no master: no dashboard, no sub-accounts.
		sim, cred := newSim(t, zoomsim.Options{Seed: 53, Users: 30, Plan: zoom.PlanPro})
		a := openApp(t, testConfig(t, db))
		res, err := a.TestAccount(t.Context(), addS2S(t, a, sim, cred, cred.ClientSecret))
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range res {
			want := FeatureOK
			if r.Feature == "dashboard" || r.Feature == "sub-accounts" {
				want = FeatureNotOnPlan
			}
			if r.Status != want || (want == FeatureNotOnPlan && r.Detail == "") {
				t.Errorf("%s: %s %q, want %s with Zoom's reason", r.Feature, r.Status, r.Detail, want)
			}
		}
	})
}

func TestTestAccountFailures(t *testing.T) {
	eachDriver(t, func(t *testing.T, db string) {
		sim, cred := newSim(t, zoomsim.Options{Seed: 54, Users: 20})
		a := openApp(t, testConfig(t, db))
		acct, err := a.AddS2S(t.Context(), LinkS2S{Name: "acme", AccountID: cred.AccountID, ClientID: cred.ClientID,
			ClientSecret: "not-the-secret", APIURL: sim.APIURL, OAuthURL: sim.OAuthURL, NoVerify: true})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := a.TestAccount(t.Context(), acct); !errors.Is(err, zoom.ErrInvalidClient) {
			t.Fatalf("wrong secret: %v", err)
		}
		sim.Close()
		if _, err := a.TestAccount(t.Context(), acct); !errors.Is(err, ErrUnreachable) {
			t.Fatalf("Zoom down: %v", err)
		}
	})
}

func TestTestAccountOAuth(t *testing.T) {
	eachDriver(t, func(t *testing.T, db string) {
		sim, cred := newSim(t, zoomsim.Options{Seed: 55, Users: 20, Plan: zoom.PlanBusiness})
		a := openApp(t, testConfig(t, db))
		acct := linkOAuth(t, a, sim, cred, "acme")
		before := storedTokens(t, a, "acme")
		res, err := a.TestAccount(t.Context(), acct)
		if err != nil {
			t.Fatal(err)
		}
		if r := byFeature(res)["identity"]; r.Status != FeatureOK {
			t.Fatalf("identity over OAuth: %+v", r)
		}
		// The test refreshed the pair (proving the grant is live) and saved it.
		if after := storedTokens(t, a, "acme"); after.RefreshToken == before.RefreshToken {
			t.Fatal("TestAccount did not refresh the OAuth pair")
		}
		// Once the grant is revoked, the test says so.
		if err := simApp(sim, cred).Revoke(t.Context(), storedTokens(t, a, "acme").RefreshToken); err != nil {
			t.Fatal(err)
		}
		if _, err := a.TestAccount(t.Context(), acct); !errors.Is(err, zoom.ErrInvalidGrant) {
			t.Fatalf("revoked grant: %v", err)
		}
	})
}
