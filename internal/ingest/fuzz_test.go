package ingest_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/zoomsight/zoomsight/internal/ingest"
	"github.com/zoomsight/zoomsight/internal/store"
	"github.com/zoomsight/zoomsight/internal/store/sqlite"
	"github.com/zoomsight/zoomsight/zoom"
	"github.com/zoomsight/zoomsight/zoomsim"
)

// fuzzTargets are the answers FuzzSyncAnswers replaces: one listing or
// object of an identity sync each.
var fuzzTargets = []struct {
	match string // zoomsim.AnswerNext's match
	list  string // the listing's array, "" for an object
	query string // its stored rows, key first, without what a re-sync changes
}{
	{"status=active", "users", "SELECT key, id, email, first_name, last_name, type, status, role_id, dept, group_ids, last_login_time, last_client_version FROM zoom_user"},
	{"status=pending", "users", "SELECT key, id, email, first_name, last_name, type, status, role_id, dept, group_ids, last_login_time, last_client_version FROM zoom_user"},
	{"/v2/groups?", "groups", "SELECT id, name, total_members FROM zoom_group"},
	{"/v2/roles", "roles", "SELECT id, name, description, total_members FROM zoom_role"},
	{"/v2/accounts?", "accounts", "SELECT id, name, owner_email, account_type, seats FROM zoom_sub_account"},
	{"/v2/accounts/me$", "", "SELECT zoom_account_id, name, account_type, owner_email, seats, created_at FROM zoom_account"},
	{"/v2/accounts/me/settings", "", "SELECT kind, doc FROM zoom_account_settings"},
}

// listing is an answer decoded the way the client decodes it (so the
// oracle and the product agree on what the bytes say), with the proof of
// completeness checked independently of the product.
type listing struct {
	TotalRecords  *int            `json:"total_records"`
	NextPageToken string          `json:"next_page_token"`
	Users         *[]listingRow   `json:"users"`
	Groups        *[]listingRow   `json:"groups"`
	Roles         *[]listingRow   `json:"roles"`
	Accounts      *[]listingRow   `json:"accounts"`
	ID            json.RawMessage `json:"id"`
}

type listingRow struct {
	ID    string `json:"id"`
	Email string `json:"email"`
}

// complete returns the keys of a listing that proves itself whole on one
// page, or ok false.
func (l *listing) complete(list string) (keys []string, ok bool) {
	rows := map[string]*[]listingRow{"users": l.Users, "groups": l.Groups, "roles": l.Roles, "accounts": l.Accounts}[list]
	if rows == nil || l.TotalRecords == nil || *l.TotalRecords != len(*rows) || l.NextPageToken != "" {
		return nil, false
	}
	for _, r := range *rows {
		k := r.ID
		if k == "" && list == "users" && r.Email != "" {
			k = "pending:" + strings.ToLower(r.Email)
		}
		if k == "" {
			return nil, false
		}
		keys = append(keys, k)
	}
	return keys, true
}

// FuzzSyncAnswers replaces one of an identity sync's answers with arbitrary
// bytes, over a store that holds a good sync, and checks the system of
// record's promise: no stored row disappears or changes unless the answer
// is a complete, well-formed listing that omits or changes it.
func FuzzSyncAnswers(f *testing.F) {
	sim, err := zoomsim.New(zoomsim.Options{Seed: 31, Users: 40, SubAccounts: 2, NoRateLimits: true})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(sim.Close)
	cred := sim.Credentials()[0]
	client := func() *zoom.Client {
		ts := zoom.ServerToServer{AccountID: cred.AccountID, ClientID: cred.ClientID, ClientSecret: cred.ClientSecret, OAuthURL: sim.OAuthURL}.TokenSource()
		c, err := zoom.NewClient(ts, zoom.WithBaseURL(sim.APIURL), zoom.WithRateLimiter(zoom.NewRateLimiter(zoom.Unlimited())),
			zoom.WithRetryPolicy(zoom.RetryPolicy{MaxAttempts: 2, MinBackoff: time.Millisecond, MaxBackoff: time.Millisecond}))
		if err != nil {
			f.Fatal(err)
		}
		return c
	}
	for t := range fuzzTargets {
		for _, body := range []string{`{}`, `null`, `[]`, `"x"`, `{"total_records":0,"users":[],"groups":[],"roles":[],"accounts":[]}`,
			`{"total_records":1,"users":[{"ID":"x"}],"groups":[{"Id":"x"}]}`, `{"id":"` + cred.AccountID + `"}`, `{"feature":{}}`, "\x00{"} {
			f.Add(uint8(t), []byte(body))
		}
	}
	// Real answers, whole and with one row less: complete listings that
	// may legitimately delete.
	var pending []zoom.User
	for p, err := range client().Users.ListPages(f.Context(), &zoom.ListUsersOptions{Status: zoom.UserStatusPending}) {
		if err != nil {
			f.Fatal(err)
		}
		pending = p.Items
	}
	for _, users := range [][]zoom.User{pending, pending[1:]} {
		b, _ := json.Marshal(map[string]any{"total_records": len(users), "users": users})
		f.Add(uint8(1), b)
	}
	// And one row short of what it announces.
	b, _ := json.Marshal(map[string]any{"total_records": len(pending), "users": pending[1:]})
	f.Add(uint8(1), b)

	f.Fuzz(func(t *testing.T, target uint8, body []byte) {
		tg := fuzzTargets[int(target)%len(fuzzTargets)]
		st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "z.db"))
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		acct := &store.Account{Name: "acme", Kind: "s2s", ZoomAccountID: cred.AccountID, ClientID: cred.ClientID}
		if err := st.InsertAccount(t.Context(), acct); err != nil {
			t.Fatal(err)
		}
		lock, err := st.AcquireSyncLock(t.Context(), acct.ID, store.LockHolder{PID: os.Getpid(), Host: "fuzz"}, time.Hour, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		sync := func() {
			if _, err := (&ingest.Identity{Store: st, Client: client(), Account: acct, Lock: lock}).Run(t.Context()); err != nil {
				t.Fatal(err)
			}
		}
		rows := func() map[string]string {
			out := map[string]string{}
			for _, r := range query(t, st, tg.query) {
				out[r[0]] = strings.Join(r, "|")
			}
			return out
		}
		sync()
		before := rows()
		sim.AnswerNext(tg.match, 100, body)
		sync()
		sim.AnswerNext(tg.match, 0, nil)
		after := rows()

		var l listing
		decoded := json.Unmarshal(body, &l) == nil
		var keys []string
		complete := false
		if tg.list != "" && decoded {
			keys, complete = l.complete(tg.list)
		}
		var object map[string]json.RawMessage
		wholeObject := json.Unmarshal(body, &object) == nil && len(object) > 0
		for k, was := range before {
			now, kept := after[k]
			switch {
			case kept && now == was:
			case tg.list == "":
				// An object answer may change its row only when it is a
				// whole object of the right account.
				var id string
				rightAccount := decoded && json.Unmarshal(l.ID, &id) == nil && id == cred.AccountID
				if !kept || !wholeObject || (tg.list == "" && strings.Contains(tg.query, "FROM zoom_account ") && !rightAccount) {
					t.Fatalf("%s changed on the answer %q:\n was %s\n now %s", tg.query, body, was, now)
				}
			case !complete:
				t.Fatalf("row %s changed or disappeared on an answer that is no complete listing: %q\n was %s\n now %s", k, body, was, now)
			case !kept && slices.Contains(keys, k):
				t.Fatalf("row %s disappeared although the listing %q has it", k, body)
			case kept && !slices.Contains(keys, k):
				t.Fatalf("row %s changed although the listing %q does not have it", k, body)
			}
		}
	})
}
