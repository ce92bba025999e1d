package web

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"

	"github.com/zoomsight/zoomsight/internal/app"
	"github.com/zoomsight/zoomsight/internal/insight"
	"github.com/zoomsight/zoomsight/internal/network"
	"github.com/zoomsight/zoomsight/internal/store"
)

// The network page: sites worst first, the org's own network file, and
// (for an admin) its upload.

type networkData struct {
	Days  int
	Sites []siteRow
	Note  string
	// File is the org's own network; Problems the bad lines of a refused
	// upload (at most network.MaxListed, the rest counted in More).
	File     *store.Network
	Prefixes int
	Problems []network.Problem
	More     int
}

// maxNetworkUpload bounds an uploaded network file (as the form limit).
const maxNetworkUpload = 32 << 20

func (h *Handler) network(w http.ResponseWriter, r *http.Request) {
	d, err := h.networkData(r)
	if err != nil {
		h.failErr(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, "network", "Network quality", d)
}

func (h *Handler) networkData(r *http.Request) (*networkData, error) {
	accts, err := h.orgAccounts(r)
	if err != nil {
		return nil, err
	}
	d := &networkData{Days: qosDays(r)}
	from := qosFrom(h.opts.Now(), d.Days)
	for _, a := range accts {
		// The org's own sites; a shared account's that another org's
		// network decides are one "unassigned" site.
		q, err := insight.OrgQoS(r.Context(), h.app.Store, session(r).OrgID, insight.QoSOptions{Account: a.Name, From: from, Users: 1})
		if err != nil {
			return nil, err
		}
		if q.NoNetwork {
			d.Note = "No network file is imported, so every participant is off-network: upload one below, or import one with zoomsight network import --org " + session(r).Org + " FILE."
		}
		for _, s := range q.Sites {
			d.Sites = append(d.Sites, siteRow{a.Name, s})
		}
	}
	// Worst first: by the share of network-bad minutes.
	slices.SortStableFunc(d.Sites, func(a, b siteRow) int {
		return cmp.Or(cmp.Compare(b.NetworkBad, a.NetworkBad), cmp.Compare(b.BadShare, a.BadShare), cmp.Compare(a.Site, b.Site))
	})
	if d.File, err = h.app.Store.Network(r.Context(), session(r).OrgID); err != nil {
		return nil, err
	}
	for _, s := range d.File.Sites {
		d.Prefixes += len(s.Egress) + len(s.Internal)
	}
	return d, nil
}

// networkUpload replaces the org's network with an uploaded file, or
// shows every bad line and changes nothing.
func (h *Handler) networkUpload(w http.ResponseWriter, r *http.Request) {
	file, hdr, err := r.FormFile("network")
	if err != nil {
		h.fail(w, r, http.StatusBadRequest, "Choose a network file (YAML or CSV) to upload.")
		return
	}
	defer file.Close()
	data, err := io.ReadAll(io.LimitReader(file, maxNetworkUpload+1))
	if err != nil || len(data) > maxNetworkUpload {
		h.fail(w, r, http.StatusBadRequest, fmt.Sprintf("The network file could not be read or is larger than %d MiB.", maxNetworkUpload>>20))
		return
	}
	res, err := h.app.ImportNetwork(r.Context(), app.NetworkOptions{OrgID: session(r).OrgID}, hdr.Filename, data)
	if fe := (*network.FileError)(nil); errors.As(err, &fe) {
		d, derr := h.networkData(r)
		if derr != nil {
			h.failErr(w, r, derr)
			return
		}
		d.Problems = fe.Problems[:min(len(fe.Problems), network.MaxListed)]
		d.More = len(fe.Problems) - len(d.Problems)
		h.render(w, r, http.StatusBadRequest, "network", "Network quality", d)
		return
	}
	if err != nil {
		h.fail(w, r, http.StatusServiceUnavailable, "The network file was not imported: "+err.Error())
		return
	}
	back(w, r, "/network", importSummary(hdr.Filename, res))
}

// importSummary says what an upload did: the counts, and which periods'
// site rollups were recomputed.
func importSummary(name string, res *app.NetworkImport) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Imported %s: %d sites, %d subnets, %d access point entries.", name, res.Sites, res.Prefixes, res.MACs)
	switch {
	case res.QoSSessions > 0:
		fmt.Fprintf(&b, " Site rollups recomputed for %d sessions from %s to %s (pruned days included: each session keeps its figures and moves to its new site).",
			res.QoSSessions, res.Period[0], res.Period[1])
	case len(res.Accounts) == 0:
		b.WriteString(" No account's sites are decided by this network yet (a shared account follows the org that linked it first).")
	default:
		b.WriteString(" There were no QoS sessions to recompute.")
	}
	return b.String()
}

// siteHidden reports whether a site page would show another org's site:
// the account is shared, another org's network decides its sites and this
// org has no network of its own, so it sees them only folded into
// "unassigned". Otherwise it returns whose sites the org reads of the
// account (its own, for a shared account it keeps its own sites of) and
// the org whose network names them.
func (h *Handler) siteHidden(r *http.Request, a *store.Account) (bool, insight.OrgSites, int64, error) {
	split, err := insight.SplitSiteAccounts(r.Context(), h.app.Store, session(r).OrgID, []*store.Account{a})
	if err != nil || len(split.Foreign) > 0 {
		return true, insight.OrgSites{}, 0, err
	}
	if len(split.Own) > 0 {
		return false, split.OrgSites(), session(r).OrgID, nil
	}
	org, err := h.app.Store.AccountNetworkOrg(r.Context(), a.ID)
	return false, insight.OrgSites{}, org, err
}

// siteKnown reports whether site is one of org's network (or a name every
// org's pages use).
func (h *Handler) siteKnown(r *http.Request, org int64, site string) (bool, error) {
	if site == insight.OffNetwork {
		return true, nil
	}
	n, err := h.app.Store.Network(r.Context(), org)
	if err != nil {
		return false, err
	}
	return slices.ContainsFunc(n.Sites, func(s store.NetworkSite) bool { return s.Name == site }) ||
		slices.ContainsFunc(n.MACs, func(m store.NetworkMAC) bool { return m.Site == site }), nil
}
