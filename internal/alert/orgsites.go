package alert

import (
	"context"
	"fmt"
	"slices"
	"strings"
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
	// The links of orgs that have a network: for each account the lowest
	// org decides its primary sites (store.AccountNetworkOrgSQL), and each
	// other keeps its own.
	type link struct {
		org     int64
		orgName string
	}
	byAccount := map[string][]link{}
	err := e.Store.Query(ctx, `SELECT a.name, oa.org_id, o.name FROM org_accounts oa
		JOIN accounts a ON a.id = oa.account_id JOIN orgs o ON o.id = oa.org_id
		WHERE EXISTS (SELECT 1 FROM network_sites s WHERE s.org_id = oa.org_id)
		   OR EXISTS (SELECT 1 FROM network_macs m WHERE m.org_id = oa.org_id)`, func(_ []string, row []any) error {
		id, err := int64Of(row[1])
		if err != nil {
			return err
		}
		acct := valueText(row[0])
		byAccount[acct] = append(byAccount[acct], link{id, valueText(row[2])})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("reading the orgs that keep their own sites: %w", err)
	}
	accounts := map[int64][]string{}
	names := map[int64]string{}
	for acct, ls := range byAccount {
		slices.SortFunc(ls, func(a, b link) int { return int(a.org - b.org) })
		for _, l := range ls[1:] {
			accounts[l.org] = append(accounts[l.org], acct)
			names[l.org] = l.orgName
		}
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

// int64Of reads an integer column.
func int64Of(v any) (int64, error) {
	switch x := v.(type) {
	case int64:
		return x, nil
	case int32:
		return int64(x), nil
	case float64:
		return int64(x), nil
	}
	var n int64
	if _, err := fmt.Sscan(strings.TrimSpace(valueText(v)), &n); err != nil {
		return 0, fmt.Errorf("an org id %v: %w", v, err)
	}
	return n, nil
}
