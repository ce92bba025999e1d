package insight

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/zoomsight/zoomsight/internal/store"
)

// DayLogins is one day's sign-ins.
type DayLogins struct {
	Account string `json:"account"`
	Date    string `json:"date"`
	SignIns int    `json:"sign_ins"`
	Users   int    `json:"users"`
}

// ClientVersion is a user's last client version and how far behind the
// newest release seen in the account it is.
type ClientVersion struct {
	Account  string `json:"account"`
	Email    string `json:"email"`
	Status   string `json:"status"`
	Version  string `json:"version"`
	Newest   string `json:"newest"`
	Behind   int    `json:"releases_behind"`
	Outdated bool   `json:"outdated"`
}

// UnusualSignIn is a sign-in from a client type outside the usual ones.
type UnusualSignIn struct {
	Account    string `json:"account"`
	Time       string `json:"time"`
	Email      string `json:"email"`
	ClientType string `json:"client_type"`
	Version    string `json:"version"`
	IPAddress  string `json:"ip_address"`
}

// ActivityReport is the activity insight.
type ActivityReport struct {
	Since    string          `json:"since"`
	Logins   []DayLogins     `json:"logins_by_day"`
	Versions []ClientVersion `json:"client_versions"`
	Outdated []ClientVersion `json:"outdated_clients"`
	Unusual  []UnusualSignIn `json:"unusual_sign_ins"`
}

// ActivityOptions select the activity insight.
type ActivityOptions struct {
	Days    int // sign-ins of the last Days days (default 30)
	Account string
	// Accounts are the only accounts (an org's); nil for every account.
	Accounts []string
	Now      time.Time
	Config   ActivityConfig
}

// Activity computes the activity insight from zoom_signin_event and
// licence_insight.
func Activity(ctx context.Context, st store.Store, o ActivityOptions) (*ActivityReport, error) {
	if o.Now.IsZero() {
		o.Now = time.Now()
	}
	if o.Days <= 0 {
		o.Days = 30
	}
	since := Cutoff(o.Now, o.Days)
	rep := &ActivityReport{Since: since.Format(time.DateOnly), Logins: []DayLogins{}, Versions: []ClientVersion{}, Outdated: []ClientVersion{}, Unusual: []UnusualSignIn{}}
	where := " WHERE time >= '" + since.Format(time.RFC3339) + "'"
	uwhere := ""
	if c := accountsCond("account", o.Account, o.Accounts); c != "" {
		where += " AND " + c
		uwhere = " WHERE " + c
	}
	type dayKey struct{ account, date string }
	days := map[dayKey]*DayLogins{}
	seen := map[dayKey]map[string]bool{}
	var order []dayKey
	usual := func(c string) bool {
		return slices.ContainsFunc(o.Config.UsualClientTypes, func(u string) bool { return strings.EqualFold(u, c) })
	}
	err := st.Query(ctx, "SELECT account, time, email, type, client_type, version, ip_address FROM zoom_signin_event"+where+" AND type = 'Sign in' ORDER BY account, time", func(_ []string, r []any) error {
		t := normTime(r[1])
		k := dayKey{str(r[0]), day(t)}
		d := days[k]
		if d == nil {
			d = &DayLogins{Account: k.account, Date: k.date}
			days[k], seen[k] = d, map[string]bool{}
			order = append(order, k)
		}
		d.SignIns++
		if e := strings.ToLower(str(r[2])); !seen[k][e] {
			seen[k][e] = true
			d.Users++
		}
		if c := str(r[4]); !usual(c) {
			rep.Unusual = append(rep.Unusual, UnusualSignIn{Account: k.account, Time: t, Email: str(r[2]), ClientType: c, Version: str(r[5]), IPAddress: str(r[6])})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, k := range order {
		rep.Logins = append(rep.Logins, *days[k])
	}
	// Versions: the newest seen per account, and how many distinct newer
	// releases each user's is behind.
	byAccount := map[string][]ClientVersion{}
	err = st.Query(ctx, "SELECT account, email, status, last_client_version FROM licence_insight"+uwhere+" ORDER BY account, email", func(_ []string, r []any) error {
		v := StripBuild(str(r[3]))
		if v == "" {
			return nil
		}
		a := str(r[0])
		byAccount[a] = append(byAccount[a], ClientVersion{Account: a, Email: str(r[1]), Status: str(r[2]), Version: v})
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, a := range sortedKeys(byAccount) {
		list := byAccount[a]
		releases := ReleasesNewestFirst(list)
		rank := map[string]int{}
		for i, v := range releases {
			rank[v] = i
		}
		for _, cv := range list {
			cv.Newest, cv.Behind = releases[0], rank[cv.Version]
			cv.Outdated = cv.Behind >= o.Config.OutdatedBehind
			rep.Versions = append(rep.Versions, cv)
			if cv.Outdated {
				rep.Outdated = append(rep.Outdated, cv)
			}
		}
	}
	return rep, nil
}

// StripBuild drops a client version's build ("6.3.11 (50616)" → "6.3.11").
func StripBuild(v string) string {
	if i := strings.IndexByte(v, '('); i >= 0 {
		v = v[:i]
	}
	return strings.TrimSpace(v)
}

// ReleasesNewestFirst returns the distinct versions of list, newest first.
func ReleasesNewestFirst(list []ClientVersion) []string {
	var out []string
	for _, cv := range list {
		if !slices.Contains(out, cv.Version) {
			out = append(out, cv.Version)
		}
	}
	slices.SortFunc(out, func(a, b string) int { return -CompareVersions(a, b) })
	return out
}

// CompareVersions compares dotted version numbers numerically.
func CompareVersions(a, b string) int {
	as, bs := strings.Split(a, "."), strings.Split(b, ".")
	for i := range max(len(as), len(bs)) {
		var x, y int
		if i < len(as) {
			x, _ = strconv.Atoi(as[i])
		}
		if i < len(bs) {
			y, _ = strconv.Atoi(bs[i])
		}
		if x != y {
			if x < y {
				return -1
			}
			return 1
		}
	}
	return strings.Compare(a, b)
}
