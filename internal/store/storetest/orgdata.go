package storetest

import (
	"errors"
	"reflect"
	"testing"

	"github.com/zoomsight/zoomsight/internal/store"
)

// testOrgData: each org has its own roster, and a Zoom account shared by
// two orgs is matched against each org's roster; an account linked to no
// org against the global one. Also an org's settings, one run by id and a
// run's progress.
func testOrgData(t *testing.T, open func(t *testing.T) store.Store) {
	st := open(t)
	ctx := t.Context()
	orgA, err := st.EnsureOrg(ctx, "A")
	must(t, err)
	orgB, err := st.EnsureOrg(ctx, "B")
	must(t, err)
	shared := mustAccount(t, st, "shared", "Z1")
	onlyA := mustAccount(t, st, "onlya", "Z2")
	loose := mustAccount(t, st, "loose", "Z3")
	must(t, st.LinkAccount(ctx, orgA.ID, shared.ID))
	must(t, st.LinkAccount(ctx, orgB.ID, shared.ID))
	must(t, st.LinkAccount(ctx, orgA.ID, onlyA.ID))
	for _, a := range []*store.Account{shared, onlyA, loose} {
		run := mustBegin(t, st, a.ID, day(1, 0))
		must(t, st.UpsertUsers(ctx, run.ID, a.ID, []store.User{user("u-"+a.Name, "ann@example.com", "active"), user("v-"+a.Name, "bob@example.com", "active")}))
		mustEnd(t, st, run, store.RunOK, day(1, 1))
	}
	roster := func(org int64, emp ...store.Employee) {
		must(t, st.ReplaceRoster(ctx, &store.Roster{OrgID: org, Source: "hr.csv", ImportedAt: day(2, 0), Employees: emp}))
	}
	emp := func(id, email string) store.Employee {
		return store.Employee{EmployeeID: id, Email: email, Line: 2, EmailKeys: []string{email}}
	}
	roster(orgA.ID, emp("A1", "ann@example.com"))
	roster(orgB.ID, emp("B1", "bob@example.com"), emp("B2", "cy@example.com"))
	roster(0, emp("G1", "ann@example.com"), emp("G2", "bob@example.com"))
	// The same employee id in two orgs' rosters is two employees.
	roster(orgB.ID, emp("B1", "bob@example.com"), emp("B2", "cy@example.com"), emp("A1", "ann2@example.com"))

	_, rows := query(t, st, "SELECT org, account, user_key, employee_id FROM roster_match ORDER BY org, account, user_key, employee_id")
	want := [][]any{
		{"A", "onlya", "u-onlya", "A1"}, {"A", "onlya", "v-onlya", nil},
		{"A", "shared", "u-shared", "A1"}, {"A", "shared", "v-shared", nil},
		{"B", "shared", "u-shared", nil}, {"B", "shared", "v-shared", "B1"},
		{"B", nil, nil, "A1"}, {"B", nil, nil, "B2"}, // employees no Zoom user of the org's accounts matches
		{nil, "loose", "u-loose", "G1"}, {nil, "loose", "v-loose", "G2"},
	}
	sortRows(rows)
	sortRows(want)
	if !reflect.DeepEqual(rows, want) {
		t.Errorf("roster_match by org:\n got  %v\n want %v", rows, want)
	}

	orgs, err := st.AccountOrgs(ctx, shared.ID)
	if err != nil || len(orgs) != 2 || orgs[0].Name != "A" || orgs[1].Name != "B" {
		t.Errorf("AccountOrgs(shared) = %v, %v", orgs, err)
	}
	if orgs, err := st.AccountOrgs(ctx, loose.ID); err != nil || len(orgs) != 0 {
		t.Errorf("AccountOrgs(loose) = %v, %v", orgs, err)
	}

	if doc, err := st.OrgSettings(ctx, orgA.ID); err != nil || doc != nil {
		t.Errorf("OrgSettings before any = %q, %v", doc, err)
	}
	must(t, st.PutOrgSettings(ctx, orgA.ID, []byte(`{"prices":{"currency":"EUR"}}`)))
	must(t, st.PutOrgSettings(ctx, orgA.ID, []byte(`{"prices":{"currency":"GBP"}}`)))
	if doc, err := st.OrgSettings(ctx, orgA.ID); err != nil || string(doc) != `{"prices":{"currency":"GBP"}}` {
		t.Errorf("OrgSettings = %q, %v", doc, err)
	}
	if doc, err := st.OrgSettings(ctx, orgB.ID); err != nil || doc != nil {
		t.Errorf("OrgSettings of another org = %q, %v", doc, err)
	}

	run := mustBegin(t, st, shared.ID, day(3, 0))
	must(t, st.SaveCheckpoint(ctx, &store.Checkpoint{RunID: run.ID, Resource: "users:active", SavedAt: day(3, 0), Rows: 300, Total: 1000}))
	must(t, st.SaveCheckpoint(ctx, &store.Checkpoint{RunID: run.ID, Resource: "groups", Done: true, SavedAt: day(3, 0), Rows: 7, Total: 7}))
	got, err := st.Run(ctx, run.ID)
	if err != nil || got.ID != run.ID || got.AccountID != shared.ID || got.Status != store.RunRunning {
		t.Errorf("Run(%d) = %+v, %v", run.ID, got, err)
	}
	if _, err := st.Run(ctx, run.ID+1000); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Run of no run: %v, want ErrNotFound", err)
	}
	prog, err := st.RunProgress(ctx, run.ID)
	if err != nil || len(prog) != 2 || prog[0].Resource != "groups" || !prog[0].Done || prog[1].Rows != 300 || prog[1].Total != 1000 || prog[1].Done {
		t.Errorf("RunProgress = %v, %v", prog, err)
	}
}
