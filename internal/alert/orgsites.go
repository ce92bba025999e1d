package alert

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/zoomsight/zoomsight/internal/store"
)

// siteRules are the built-in rules whose alerts name a site.
var siteRules = []string{"site_degraded"}

// orgSiteRules copies the built-in site rules for each org that keeps its
// own sites of a shared account (migration 0034: the account's primary
// sites are another org's network's). A copy is named RULE@ORG, reads
// only those accounts, under the org's scope (its own site names), and
// its alerts are the org's: listed to it and sent to its notifiers. The
// operator's rule keeps the primary sites, whose alerts the org is not
// shown. Without the built-in rules there are no copies.
func (e *Engine) orgSiteRules(ctx context.Context) ([]*Rule, error) {
	var base []*Rule
	for _, r := range e.Rules {
		if r.Source == SourceBuiltin && slices.Contains(siteRules, r.Name) {
			base = append(base, r)
		}
	}
	if len(base) == 0 {
		return nil, nil
	}
	// Each shared account's orgs that keep their own sites of it, by the
	// store's rule (AccountSiteOrgsSQL, made correlated), in one query.
	accounts := map[int64][]string{}
	names := map[int64]string{}
	err := e.Store.Query(ctx, `SELECT a.name, oa.org_id, o.name FROM org_accounts oa
		JOIN accounts a ON a.id = oa.account_id JOIN orgs o ON o.id = oa.org_id
		WHERE oa.org_id IN (`+strings.ReplaceAll(store.AccountSiteOrgsSQL, "?", "a.id")+`)`, func(_ []string, row []any) error {
		id, err := strconv.ParseInt(valueText(row[1]), 10, 64)
		if err != nil {
			return fmt.Errorf("an org id %v: %w", row[1], err)
		}
		accounts[id] = append(accounts[id], valueText(row[0]))
		names[id] = valueText(row[2])
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("reading the orgs that keep their own sites: %w", err)
	}
	orgs := make([]int64, 0, len(accounts))
	for o := range accounts {
		orgs = append(orgs, o)
	}
	slices.Sort(orgs)
	var out []*Rule
	for _, o := range orgs {
		slices.Sort(accounts[o])
		for _, r := range base {
			c := *r
			c.Name, c.OrgID = r.Name+"@"+names[o], o
			c.SQL = "SELECT * FROM (" + r.SQL + ") own_sites WHERE " + inAccounts(accounts[o])
			c.ByDriver = nil
			out = append(out, &c)
		}
	}
	return out, nil
}
