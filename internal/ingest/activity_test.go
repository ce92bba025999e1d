package ingest_test

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/zoomsight/zoomsight/internal/ingest"
	"github.com/zoomsight/zoomsight/internal/store"
	"github.com/zoomsight/zoomsight/zoom"
	"github.com/zoomsight/zoomsight/zoomsim"
)

// collect runs identity then activity, and returns the activity result
// and the requests each operation took.
func (b *bundle) collect(t *testing.T, days int) (*ingest.ActivityResult, map[string]int) {
	t.Helper()
	b.sim.ResetStats()
	run := b.sync(t)
	res, err := (&ingest.Activity{Store: b.st, Client: b.client, Account: b.acct, Run: run, BackfillDays: days}).Collect(t.Context())
	if err != nil {
		t.Fatalf("collect: %v", err)
	}
	return res, b.sim.Stats(b.cred.AccountID).ByOperation
}

func source(res *ingest.ActivityResult, name string) store.ActivitySource {
	for _, s := range res.Sources {
		if s.Source == name {
			return s
		}
	}
	return store.ActivitySource{}
}

// TestActivityIncremental: a second collection asks only for what is new
// (today's window and day, and settings of users that changed), stores no
// line twice, and finds the planted add-on leak.
func TestActivityIncremental(t *testing.T) {
	forEachStore(t, func(t *testing.T, st store.Store) {
		now := time.Now().UTC()
		b := newBundle(t, st, zoomsim.Options{Seed: 71, Users: 150, Plan: zoom.PlanPro, Days: 40, NoRateLimits: true, Now: func() time.Time { return now }})
		res, ops := b.collect(t, 40)
		for _, s := range res.Sources {
			want := store.SourceOK
			if s.Source == store.SourcePlans {
				want = store.SourceUnavailable // master accounts only
			}
			if s.Status != want {
				t.Errorf("source %s: %s %q, want %s", s.Source, s.Status, s.Reason, want)
			}
		}
		if !strings.Contains(source(res, store.SourcePlans).Reason, "master") {
			t.Errorf("plans unavailable for %q, want Zoom's reason", source(res, store.SourcePlans).Reason)
		}
		tn := b.sim.Tenant(b.cred.AccountID)
		licensed := 0
		for _, u := range tn.UsersByStatus("") {
			if u.Type == 2 && u.ID != "" {
				licensed++
			}
		}
		if ops["userSettings"] > licensed || ops["reportSignInSignOutActivities"] < 2 {
			t.Errorf("first collection: %d settings calls for %d licensed users, %d sign-in calls", ops["userSettings"], licensed, ops["reportSignInSignOutActivities"])
		}
		lines := query(t, st, "SELECT count(*) FROM zoom_signin_event")[0][0]
		if want := tn.SignInEvents(now.Truncate(24*time.Hour).AddDate(0, 0, -39), now.Add(time.Hour)); lines != strconv.Itoa(want) {
			t.Errorf("%s sign-in lines after the first collection of 40 days, want the simulator's %d", lines, want)
		}

		res, ops = b.collect(t, 40)
		if ops["userSettings"] != 0 || ops["reportSignInSignOutActivities"] != 1 || ops["reportUsers"] != 1 || ops["reportDaily"] != 1 {
			t.Errorf("second collection asked again: %v", ops)
		}
		if got := query(t, st, "SELECT count(*) FROM zoom_signin_event")[0][0]; got != lines {
			t.Errorf("%s sign-in lines after a second collection, want %s", got, lines)
		}
		if res.Rows[store.SourceSignIns] != 0 {
			t.Errorf("second collection added %d sign-in lines", res.Rows[store.SourceSignIns])
		}
		var held []string
		for _, r := range query(t, st, "SELECT email FROM licence_insight WHERE status = 'inactive' AND (large_meeting = 1 OR webinar = 1) ORDER BY email") {
			held = append(held, r[0])
		}
		want := tn.LicenceTruth(30).DeactivatedAddOn
		if !slices.Equal(held, want) || len(want) == 0 {
			t.Errorf("deactivated add-on holders %v, want %v", held, want)
		}

		// A user who changes is read again, and only that user.
		var victim string
		for _, u := range tn.UsersByStatus("active") {
			if u.Type == 2 && u.RoleID != "0" {
				victim = u.Email
				break
			}
		}
		if _, err := b.sim.DeactivateUser(b.cred.AccountID, victim); err != nil {
			t.Fatal(err)
		}
		_, ops = b.collect(t, 40)
		if ops["userSettings"] != 1 {
			t.Errorf("%d settings calls after one user changed, want 1", ops["userSettings"])
		}
	})
}

// TestActivityGaps: a plan or scope that does not allow a source marks it
// unavailable and fails nothing; a failing source is stale and keeps what
// it had.
func TestActivityGaps(t *testing.T) {
	forEachStore(t, func(t *testing.T, st store.Store) {
		b := newBundle(t, st, zoomsim.Options{Seed: 72, Users: 30, Plan: zoom.PlanFree, NoRateLimits: true})
		res, _ := b.collect(t, 10)
		for _, s := range res.Sources {
			if s.Source != store.SourceFeatures && s.Status != store.SourceUnavailable {
				t.Errorf("free plan: source %s is %s %q, want unavailable", s.Source, s.Status, s.Reason)
			}
		}
		if len(res.Stale) != 0 {
			t.Errorf("free plan: stale %v", res.Stale)
		}

		b = newBundle(t, st, zoomsim.Options{Seed: 73, Users: 30, Plan: zoom.PlanPro, NoRateLimits: true})
		b.sim.SetScopes(b.cred.ClientID, []string{"user:read:admin", "group:read:admin", "role:read:admin", "account:read:admin", "account:master"})
		res, _ = b.collect(t, 10)
		if s := source(res, store.SourceSignIns); s.Status != store.SourceUnavailable || !strings.Contains(s.Reason, "scope") {
			t.Errorf("without report scopes: sign-ins %+v", s)
		}

		b = newBundle(t, st, zoomsim.Options{Seed: 74, Users: 30, Plan: zoom.PlanPro, NoRateLimits: true})
		b.sim.FailNext("/report/activities", 1000, 500)
		res, _ = b.collect(t, 10)
		if s := source(res, store.SourceSignIns); s.Status != store.SourceFailed || len(res.Stale) != 1 || !strings.HasPrefix(res.Stale[0], "activity:signins: ") {
			t.Errorf("failing sign-ins: %+v, stale %v", s, res.Stale)
		}
		if s := source(res, store.SourceHostUsage); s.Status != store.SourceOK {
			t.Errorf("a failing source stopped another: %+v", s)
		}
	})
}

// TestEmptyFeatureAnswerKeepsFeatures: a user's settings answered without
// their feature section say nothing about add-ons; what was read before
// stays, and the source is stale rather than "no add-ons".
func TestEmptyFeatureAnswerKeepsFeatures(t *testing.T) {
	forEachStore(t, func(t *testing.T, st store.Store) {
		now := time.Now().UTC()
		b := newBundle(t, st, zoomsim.Options{Seed: 72, Users: 120, Plan: zoom.PlanPro, Days: 5, NoRateLimits: true, Now: func() time.Time { return now }})
		b.collect(t, 5)
		q := "SELECT meeting_capacity, large_meeting, large_meeting_capacity, webinar, webinar_capacity, zoom_phone, source FROM zoom_user_feature WHERE email = '%s'"
		var victim *zoomsim.User
		for _, u := range b.sim.Tenant(b.cred.AccountID).UsersByStatus("active") {
			if u.Type == 2 && u.ID != b.sim.Tenant(b.cred.AccountID).OwnerID && len(query(t, st, fmt.Sprintf(q+" AND large_meeting = 1", u.Email))) == 1 {
				victim = u
				break
			}
		}
		if victim == nil {
			t.Fatal("no active licensed user with a large-meeting add-on in the tenant")
		}
		before := query(t, st, fmt.Sprintf(q, victim.Email))
		// The user changes, so the next collection reads their settings
		// again; the answer lacks its feature section.
		if _, err := b.sim.DeactivateUser(b.cred.AccountID, victim.ID); err != nil {
			t.Fatal(err)
		}
		b.sim.AnswerNext("/users/"+victim.ID+"/settings", 5, []byte(`{}`))
		res, _ := b.collect(t, 5)
		if got := query(t, st, fmt.Sprintf(q, victim.Email)); fmt.Sprint(got) != fmt.Sprint(before) {
			t.Fatalf("features after an empty answer %v, before %v", got, before)
		}
		if s := source(res, store.SourceFeatures); s.Status != store.SourceFailed || !strings.Contains(s.Reason, "without their feature section") {
			t.Fatalf("features source %s %q, want failed", s.Status, s.Reason)
		}
	})
}
