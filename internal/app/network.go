package app

import (
	"context"
	"fmt"
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
	// store.AccountNetworkOrgSQL).
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
// participants of the accounts whose sites it decides, which moves their
// sessions' share of the site rollups; no other org's figures change. A
// file with any problem is refused whole (*network.FileError lists every
// bad line) and nothing changes.
func (a *App) ImportNetwork(ctx context.Context, opts NetworkOptions, name string, data []byte) (*NetworkImport, error) {
	f, err := network.Parse(ctx, name, data)
	if err != nil {
		return nil, err
	}
	if f.Thresholds != nil && !opts.Thresholds {
		return nil, &network.FileError{Name: name, Problems: []network.Problem{{Msg: errNetworkThresholds}}}
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
	accts, err := a.networkAccounts(ctx, opts.OrgID)
	if err != nil {
		return nil, err
	}
	m := network.NewMatcher(&f.Network)
	ids := make([]string, 0, len(accts))
	for _, acct := range accts {
		n, err := a.Store.MatchParticipants(ctx, acct.ID, func(p *store.ParticipantAddr) store.SiteMatch {
			sm := m.Match(p)
			site := sm.Site
			if site == "" {
				site = "off-network"
			}
			out.BySite[site]++
			return sm
		})
		if err != nil {
			return nil, fmt.Errorf("matching the participants of account %s: %w", acct.Name, err)
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

// networkAccounts lists the accounts whose sites the org's network
// decides: those linked to it (any account for the operator default) that
// are matched against its network.
func (a *App) networkAccounts(ctx context.Context, orgID int64) ([]*store.Account, error) {
	var cands []*store.Account
	var err error
	if orgID == 0 {
		cands, err = a.Store.Accounts(ctx)
	} else {
		cands, err = a.Store.OrgAccounts(ctx, orgID)
	}
	if err != nil {
		return nil, err
	}
	var out []*store.Account
	for _, acct := range cands {
		org, err := a.Store.AccountNetworkOrg(ctx, acct.ID)
		if err != nil {
			return nil, err
		}
		if org == orgID {
			out = append(out, acct)
		}
	}
	return out, nil
}

// RematchIfMoved matches an account's participants again when a link or
// unlink moved it to another org's network: before is
// Store.AccountNetworkOrg before the change. A session keeps one site,
// that of the network of the first org linked to the account that has one
// (store.AccountNetworkOrgSQL). It returns how many participants it
// matched again (0 when the network did not change).
func (a *App) RematchIfMoved(ctx context.Context, acct *store.Account, before int64) (int, error) {
	org, err := a.Store.AccountNetworkOrg(ctx, acct.ID)
	if err != nil || org == before {
		return 0, err
	}
	n, err := a.Store.Network(ctx, org)
	if err != nil {
		return 0, err
	}
	m := network.NewMatcher(n)
	visited, err := a.Store.MatchParticipants(ctx, acct.ID, m.Match)
	if err != nil {
		return visited, fmt.Errorf("matching the participants of account %s against its new network: %w", acct.Name, err)
	}
	return visited, nil
}

// UnlinkOrg removes an org from an account that other orgs still use
// (nothing is purged). When the account's sites were the org's, its
// participants are matched again against the network it falls back to, so
// the org's site rollups for the account go with it.
func (a *App) UnlinkOrg(ctx context.Context, orgID int64, acct *store.Account) error {
	before, err := a.Store.AccountNetworkOrg(ctx, acct.ID)
	if err != nil {
		return err
	}
	if err := a.Store.UnlinkAccount(ctx, orgID, acct.ID); err != nil {
		return err
	}
	_, err = a.RematchIfMoved(ctx, acct, before)
	return err
}
