package insight

import (
	"strconv"
	"strings"

	"github.com/zoomsight/zoomsight/internal/store"
)

// OrgSites says whose sites a reader sees for some accounts: those of
// org Org's own attribution (store.AccountSiteOrgsSQL: participant_org_sites
// and the rollup kinds store.OrgRollupKind) for the accounts Accounts
// (names), and the primary sites (those of the network that decides the
// account) for every other. The zero value reads the primary sites only.
type OrgSites struct {
	Org      int64
	Accounts []string
}

func (s OrgSites) active() bool { return s.Org > 0 && len(s.Accounts) > 0 }

// in is the SQL condition that col (an account name) is one of Accounts.
func (s OrgSites) in(col string) string {
	l := make([]string, len(s.Accounts))
	for i, a := range s.Accounts {
		l[i] = quote(a)
	}
	return col + " IN (" + strings.Join(l, ", ") + ")"
}

// kindCond is the condition on qos_rollups rows (alias q, accounts a) of
// kind: for a site kind, the org's own kind for Accounts and the primary
// one for the others.
func (s OrgSites) kindCond(kind string) string {
	plain := "q.kind = " + quote(kind)
	if !s.active() || (kind != store.RollupSiteHour && kind != store.RollupSiteDay && kind != store.RollupUserSiteDay) {
		return plain
	}
	return "(" + plain + " AND NOT " + s.in("a.name") + " OR q.kind = " + quote(store.OrgRollupKind(kind, s.Org)) + " AND " + s.in("a.name") + ")"
}

// join is the LEFT JOIN of the org's matches (alias o) to participants p.
func (s OrgSites) join() string { return s.joinOn("p.id") }

// joinOn is the LEFT JOIN of the org's matches (alias o) on a participant
// id column (p.id, s.participant_id).
func (s OrgSites) joinOn(pid string) string {
	if !s.active() {
		return ""
	}
	return " LEFT JOIN participant_org_sites o ON o.participant_id = " + pid + " AND o.org_id = " + strconv.FormatInt(s.Org, 10)
}

// sessionSite is a session's (s) site as the reader sees it: the org's
// match's, OffNetwork without one, for Accounts, else qos_sessions.site.
// It needs joinOn("s.participant_id") and accounts a.
func (s OrgSites) sessionSite() string {
	if !s.active() {
		return "s.site"
	}
	return "CASE WHEN " + s.in("a.name") + " THEN CASE WHEN COALESCE(o.site, '') <> '' THEN o.site ELSE '" + OffNetwork + "' END ELSE s.site END"
}

// col is a participant's column as the reader sees it: the org's match's
// (o.col, "" without one) for Accounts, else primary (an expression of
// p or s). It needs join and accounts a.
func (s OrgSites) col(primary, col string) string {
	if !s.active() {
		return primary
	}
	return "CASE WHEN " + s.in("a.name") + " THEN COALESCE(o." + col + ", '') ELSE " + primary + " END"
}
