package app

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/zoomsight/zoomsight/internal/network"
	"github.com/zoomsight/zoomsight/internal/store"
)

// NetworkImport is what ImportNetwork did.
type NetworkImport struct {
	Sites, Prefixes, MACs int
	Thresholds            *store.QoSThresholds // set when the file had them
	// Accounts are the accounts whose participants were matched again:
	// those whose sites the imported network decides (see
	// store.AccountNetworkOrgSQL), and the shared accounts of which the
	// org keeps its own sites (store.AccountSiteOrgsSQL).
	Accounts []string
	// Participants is how many synced participants were matched again;
	// BySite counts them per site ("off-network" for none).
	Participants int
	BySite       map[string]int
	// QoSSessions is how many sessions' QoS rollups were filed again under
	// their site: all of them, pruned raw minutes or not, since each keeps
	// its share of the rollups; Period is the span (UTC days) they cover.
	QoSSessions int
	Period      [2]string
	// NotReclassified counts sessions that new thresholds could not be
	// applied to, because their raw minutes were pruned, and the period
	// they span (UTC); their bad minutes stay as counted before.
	NotReclassified       int
	NotReclassifiedPeriod [2]string
}

// NetworkOptions say whose network a file is and what it may set.
type NetworkOptions struct {
	// OrgID is the org whose network the file replaces; 0 is the operator
	// default, used by orgs without a network of their own and accounts
	// linked to no org.
	OrgID int64
	// Thresholds allows the file's QoS thresholds section. Thresholds are
	// database-wide (they classify every org's minutes), so only the
	// operator (the CLI) may set them; an org's upload with thresholds is
	// refused.
	Thresholds bool
}

// errNetworkThresholds is the problem of an org's file that sets QoS
// thresholds.
const errNetworkThresholds = "QoS thresholds are database-wide and only the operator sets them (zoomsight network import on the server): remove the thresholds from the file"

// ImportNetwork parses a network file (YAML or CSV, see package network),
// replaces the org's network description with it and matches again the
// participants of the accounts whose sites it decides, and the org's own
// sites of the shared accounts another org's network decides, which moves
// their sessions' share of the org's site rollups; no other org's figures
// change. A file with any problem is refused whole (*network.FileError
// lists every bad line) and nothing changes.
func (a *App) ImportNetwork(ctx context.Context, opts NetworkOptions, name string, data []byte) (*NetworkImport, error) {
	f, err := network.Parse(ctx, name, data)
	if err != nil {
		return nil, err
	}
	if f.Thresholds != nil && !opts.Thresholds {
		return nil, &network.FileError{Name: name, Problems: []network.Problem{{Msg: errNetworkThresholds}}}
	}
	// The accounts the org's network may decide, with the network org
	// each follows before the import.
	var cands []*store.Account
	if opts.OrgID == 0 {
		cands, err = a.Store.Accounts(ctx)
	} else {
		cands, err = a.Store.OrgAccounts(ctx, opts.OrgID)
	}
	if err != nil {
		return nil, err
	}
	before := make([]int64, len(cands))
	for i, acct := range cands {
		if before[i], err = a.Store.AccountNetworkOrg(ctx, acct.ID); err != nil {
			return nil, err
		}
	}
	if err := a.Store.PutNetwork(ctx, opts.OrgID, &f.Network); err != nil {
		return nil, err
	}
	changed := false
	if f.Thresholds != nil {
		before, err := a.Store.QoSThresholds(ctx)
		if err != nil {
			return nil, err
		}
		changed = before != *f.Thresholds
		if err := a.Store.PutQoSThresholds(ctx, *f.Thresholds); err != nil {
			return nil, err
		}
	}
	out := &NetworkImport{Sites: len(f.Network.Sites), MACs: len(f.Network.MACs), Thresholds: f.Thresholds, BySite: map[string]int{}}
	for _, s := range f.Network.Sites {
		out.Prefixes += len(s.Egress) + len(s.Internal)
	}
	ids := make([]string, 0, len(cands))
	for i, acct := range cands {
		n, err := a.reconcileSites(ctx, acct, before[i], opts.OrgID, func(sm store.SiteMatch) {
			site := sm.Site
			if site == "" {
				site = "off-network"
			}
			out.BySite[site]++
		})
		if err != nil {
			return nil, err
		}
		if n < 0 {
			continue // the org's network decides none of its sites
		}
		out.Participants += n
		out.Accounts = append(out.Accounts, acct.Name)
		ids = append(ids, fmt.Sprint(acct.ID))
	}
	if len(ids) == 0 {
		return out, nil
	}
	err = a.Store.Query(ctx, "SELECT count(*), COALESCE(sum(raw_pruned), 0), min(CASE WHEN raw_pruned = 1 THEN first_minute END), "+
		"max(CASE WHEN raw_pruned = 1 THEN last_minute END), min(first_minute), max(last_minute) FROM qos_sessions WHERE stale = 0 AND account_id IN ("+
		strings.Join(ids, ", ")+")", func(_ []string, r []any) error {
		out.QoSSessions = int(toInt(r[0]))
		if out.QoSSessions > 0 {
			out.Period = [2]string{day(r[4]), day(r[5])}
		}
		if changed {
			out.NotReclassified = int(toInt(r[1]))
			out.NotReclassifiedPeriod = [2]string{fmt.Sprint(r[2]), fmt.Sprint(r[3])}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// day is the UTC day of a stored timestamp ("" when NULL).
func day(v any) string {
	s, _ := v.(string)
	if len(s) >= 10 {
		return s[:10]
	}
	return s
}

// RematchIfMoved brings an account's sites in step after a link or
// unlink: before is Store.AccountNetworkOrg before the change. When the
// account moved to another org's network its participants are matched
// again against it; each other org linked to it that has a network keeps
// its own sites of it, matched against that network when it has none
// stored yet, and an org that no longer does loses them (see
// reconcileSites). It returns how many participants it matched again.
func (a *App) RematchIfMoved(ctx context.Context, acct *store.Account, before int64) (int, error) {
	n, err := a.reconcileSites(ctx, acct, before, -1, nil)
	return max(n, 0), err
}

// reconcileSites brings an account's site attributions in step with its
// links and the orgs' networks after a change: before is the account's
// network org before it, changed the org whose network or link changed
// (-1 for none). The primary sites (zoom_participants.site) are matched
// again when the network org moved or its network changed; each org of
// store.AccountSiteOrgsSQL is matched against its own network when it
// changed or has no matches stored, and the stored matches of any other
// org (unlinked, now the network org, without a network) are purged with
// its rollups. count, if not nil, sees the changed org's matches. It
// returns how many participants were matched for the changed org, or -1
// when the changed org decides no site of the account.
func (a *App) reconcileSites(ctx context.Context, acct *store.Account, before, changed int64, count func(store.SiteMatch)) (int, error) {
	matcher := func(org int64) (func(*store.ParticipantAddr) store.SiteMatch, error) {
		n, err := a.Store.Network(ctx, org)
		if err != nil {
			return nil, err
		}
		m := network.NewMatcher(n)
		return func(p *store.ParticipantAddr) store.SiteMatch {
			sm := m.Match(p)
			if org == changed && count != nil {
				count(sm)
			}
			return sm
		}, nil
	}
	visited := -1
	org, err := a.Store.AccountNetworkOrg(ctx, acct.ID)
	if err != nil {
		return 0, err
	}
	if org != before || org == changed {
		m, err := matcher(org)
		if err != nil {
			return 0, err
		}
		n, err := a.Store.MatchParticipants(ctx, acct.ID, m)
		if err != nil {
			return 0, fmt.Errorf("matching the participants of account %s: %w", acct.Name, err)
		}
		if org == changed || changed < 0 {
			visited = n
		}
	}
	own, err := a.Store.AccountSiteOrgs(ctx, acct.ID)
	if err != nil {
		return 0, err
	}
	stored, err := a.Store.StoredSiteOrgs(ctx, acct.ID)
	if err != nil {
		return 0, err
	}
	for _, o := range append(stored, changed) {
		if o > 0 && !slices.Contains(own, o) {
			if err := a.Store.PurgeOrgSites(ctx, acct.ID, o); err != nil {
				return 0, err
			}
		}
	}
	for _, o := range own {
		if o != changed && slices.Contains(stored, o) {
			continue
		}
		m, err := matcher(o)
		if err != nil {
			return 0, err
		}
		n, err := a.Store.MatchOrgParticipants(ctx, acct.ID, o, m)
		if err != nil {
			return 0, fmt.Errorf("matching the participants of account %s for org %d's own sites: %w", acct.Name, o, err)
		}
		if o == changed {
			visited = n
		}
	}
	return visited, nil
}

// UnlinkOrg removes an org from an account that other orgs still use
// (nothing of the account is purged but the org's own sites of it). When
// the account's sites were the org's, its participants are matched again
// against the network it falls back to, so the org's site rollups for
// the account go with it.
func (a *App) UnlinkOrg(ctx context.Context, orgID int64, acct *store.Account) error {
	before, err := a.Store.AccountNetworkOrg(ctx, acct.ID)
	if err != nil {
		return err
	}
	if err := a.Store.UnlinkAccount(ctx, orgID, acct.ID); err != nil {
		return err
	}
	_, err = a.reconcileSites(ctx, acct, before, orgID, nil)
	return err
}
