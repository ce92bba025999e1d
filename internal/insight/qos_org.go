package insight

import (
	"context"
	"slices"
	"sort"

	"github.com/zoomsight/zoomsight/internal/store"
)

// Unassigned is the site an org without a network of its own sees for the
// sessions of a shared account whose sites another org's network decides
// (store.AccountNetworkOrgSQL): an org never sees another org's site
// names, and with no network of its own it has no site to put them in.
// An org that has a network keeps its own sites of such an account
// (store.AccountSiteOrgsSQL) and sees those instead.
const Unassigned = "unassigned"

// SiteAccounts are the accounts an org sees, by whose sites it reads.
type SiteAccounts struct {
	// Primary: accounts whose sites the org's network (or the operator
	// default) decides; every account for the operator (org 0).
	Primary []*store.Account
	// Own: shared accounts whose primary sites another org's network
	// decides, of which the org keeps its own sites.
	Own []*store.Account
	// Foreign: shared accounts whose sites another org's network decides,
	// the org having no network of its own: seen as Unassigned.
	Foreign []*store.Account
	org     int64
}

// OrgSites is what reads the org's own sites of s.Own.
func (s *SiteAccounts) OrgSites() OrgSites {
	if len(s.Own) == 0 {
		return OrgSites{}
	}
	return OrgSites{Org: s.org, Accounts: names(s.Own)}
}

// SplitSiteAccounts splits the accounts an org sees by whose sites it
// reads (see SiteAccounts).
func SplitSiteAccounts(ctx context.Context, st store.Store, orgID int64, accounts []*store.Account) (*SiteAccounts, error) {
	out := &SiteAccounts{org: orgID}
	for _, a := range accounts {
		org, err := st.AccountNetworkOrg(ctx, a.ID)
		if err != nil {
			return nil, err
		}
		if orgID == 0 || org == 0 || org == orgID {
			out.Primary = append(out.Primary, a)
			continue
		}
		own, err := st.AccountSiteOrgs(ctx, a.ID)
		if err != nil {
			return nil, err
		}
		if slices.Contains(own, orgID) {
			out.Own = append(out.Own, a)
		} else {
			out.Foreign = append(out.Foreign, a)
		}
	}
	return out, nil
}

// OrgSitesOf is what reads org's own sites of the named accounts it
// shares (for MeetingFilter.OrgSites and SiteLinks).
func OrgSitesOf(ctx context.Context, st store.Store, orgID int64, accounts []string) (OrgSites, error) {
	all, err := st.Accounts(ctx)
	if err != nil {
		return OrgSites{}, err
	}
	var scope []*store.Account
	for _, a := range all {
		if slices.Contains(accounts, a.Name) {
			scope = append(scope, a)
		}
	}
	split, err := SplitSiteAccounts(ctx, st, orgID, scope)
	if err != nil {
		return OrgSites{}, err
	}
	return split.OrgSites(), nil
}

// OrgQoS is QoS as an org sees it (o.Accounts are the org's accounts):
// the sites of accounts matched against the org's network by name, its
// own sites of the shared accounts another org's network decides when it
// has a network, and otherwise those accounts' sessions folded into one
// Unassigned site, with their users' and meeting participants' sites said
// likewise.
func OrgQoS(ctx context.Context, st store.Store, orgID int64, o QoSOptions) (*QoSReport, error) {
	all, err := st.Accounts(ctx)
	if err != nil {
		return nil, err
	}
	var scope []*store.Account
	for _, a := range all {
		if (o.Account == "" || a.Name == o.Account) && (o.Accounts == nil || slices.Contains(o.Accounts, a.Name)) {
			scope = append(scope, a)
		}
	}
	split, err := SplitSiteAccounts(ctx, st, orgID, scope)
	if err != nil {
		return nil, err
	}
	o.OrgSites = split.OrgSites()
	own, foreign := append(split.Primary, split.Own...), split.Foreign
	if len(foreign) == 0 {
		return QoS(ctx, st, o)
	}
	ownOpts, fOpts := o, o
	ownOpts.Account, fOpts.Account = "", ""
	ownOpts.Accounts, fOpts.Accounts = names(own), names(foreign)
	fOpts.OrgSites = OrgSites{}
	switch o.Site {
	case "":
	case Unassigned:
		ownOpts.Accounts = []string{} // none of the org's own sites is called that
		fOpts.Site = ""
	default:
		fOpts.Accounts = []string{} // a named site is never one of another org's
	}
	r, err := QoS(ctx, st, ownOpts)
	if err != nil {
		return nil, err
	}
	f, err := QoS(ctx, st, fOpts)
	if err != nil {
		return nil, err
	}
	r.NoNetwork = r.NoNetwork && f.NoNetwork
	foldSites(r, f, o)
	return r, nil
}

func names(accts []*store.Account) []string {
	out := make([]string, len(accts))
	for i, a := range accts {
		out[i] = a.Name
	}
	return out
}

// foldSites adds f (another org's sites) to r as one Unassigned site.
func foldSites(r, f *QoSReport, o QoSOptions) {
	o = o.withDefaults()
	u := SiteQoS{Site: Unassigned, Causes: map[string]int{}}
	for _, s := range f.Sites {
		u.Participants += s.Participants
		u.Minutes += s.Minutes
		u.BadMinutes += s.BadMinutes
		for c, n := range s.Causes {
			u.Causes[c] += n
		}
	}
	if u.Minutes > 0 {
		// Percentiles of the folded sites cannot be added; they stay unknown.
		u.BadShare = round(float64(u.BadMinutes) / float64(u.Minutes))
		u.Cause, _ = dominant(u.Causes, CauseCPU)
		u.NetworkBad = round(float64(u.BadMinutes-u.Causes[CauseCPU]) / float64(u.Minutes))
		u.Degraded = u.Minutes >= o.MinMinutes && u.NetworkBad >= o.MinBadShare
		r.Sites = append(r.Sites, u)
		sort.SliceStable(r.Sites, func(i, j int) bool {
			a, b := r.Sites[i], r.Sites[j]
			if a.NetworkBad != b.NetworkBad {
				return a.NetworkBad > b.NetworkBad
			}
			return a.Site < b.Site
		})
		r.Degraded = r.Degraded[:0]
		for _, s := range r.Sites {
			if s.Degraded {
				r.Degraded = append(r.Degraded, s)
			}
		}
	}
	for _, x := range f.Users {
		x.Sites = Unassigned
		r.Users = append(r.Users, x)
	}
	sort.SliceStable(r.Users, func(i, j int) bool {
		if r.Users[i].BadMinutes != r.Users[j].BadMinutes {
			return r.Users[i].BadMinutes > r.Users[j].BadMinutes
		}
		return r.Users[i].User < r.Users[j].User
	})
	if len(r.Users) > o.Users {
		r.Users = r.Users[:o.Users]
	}
	if f.Meeting != nil {
		for i := range f.Meeting.Participants {
			p := &f.Meeting.Participants[i]
			p.Site, p.AccessPoint = Unassigned, ""
		}
		if r.Meeting == nil {
			r.Meeting = f.Meeting
		}
	}
}

// noNetwork reports whether no account in o's scope has a network to be
// matched against: every participant is then unmatched.
func noNetwork(ctx context.Context, st store.Store, o QoSOptions) (bool, error) {
	all, err := st.Accounts(ctx)
	if err != nil {
		return false, err
	}
	seen := map[int64]bool{}
	for _, a := range all {
		if o.Account != "" && a.Name != o.Account || o.Accounts != nil && !slices.Contains(o.Accounts, a.Name) {
			continue
		}
		org, err := st.AccountNetworkOrg(ctx, a.ID)
		if err != nil {
			return false, err
		}
		if seen[org] {
			continue
		}
		seen[org] = true
		n, err := st.Network(ctx, org)
		if err != nil {
			return false, err
		}
		if len(n.Sites) > 0 || len(n.MACs) > 0 {
			return false, nil
		}
	}
	return true, nil
}
