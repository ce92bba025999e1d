package server

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"

	"github.com/zoomsight/zoomsight/internal/app"
	"github.com/zoomsight/zoomsight/internal/insight"
	"github.com/zoomsight/zoomsight/internal/network"
	"github.com/zoomsight/zoomsight/internal/store"
)

// networkRoutes serve the org's own network file: sites with their
// subnets, and access points.
func (s *Server) networkRoutes() {
	s.handle("GET /api/v1/network", true, s.getNetwork)
	s.handle("PUT /api/v1/network", true, s.putNetwork)
}

// maxNetworkFile bounds a network file: a MAC table of a large campus is
// a few MB; 32 MiB is far beyond any real one.
const maxNetworkFile = 32 << 20

type networkSite struct {
	Name     string   `json:"name"`
	Egress   []string `json:"egress"`
	Internal []string `json:"internal"`
}

type networkMAC struct {
	MAC         string `json:"mac"`
	Site        string `json:"site"`
	AccessPoint string `json:"access_point"`
	SwitchPort  string `json:"switch_port"`
}

type networkDoc struct {
	Org   string        `json:"org"`
	Sites []networkSite `json:"sites"`
	MACs  []networkMAC  `json:"macs"`
}

func (s *Server) getNetwork(w http.ResponseWriter, r *http.Request) {
	if !checkParams(w, r) {
		return
	}
	n, err := s.app.Store.Network(r.Context(), caller(r).OrgID)
	if err != nil {
		writeError(w, http.StatusServiceUnavailable, "unavailable", "reading the org's network failed")
		return
	}
	// The file itself, for an editor or a diff, when asked for.
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Accept")); mt == "application/yaml" {
		w.Header().Set("Content-Type", "application/yaml")
		_, _ = w.Write(network.YAML(n, nil))
		return
	}
	writeJSON(w, http.StatusOK, networkJSON(caller(r).Org, n))
}

func networkJSON(org string, n *store.Network) networkDoc {
	d := networkDoc{Org: org, Sites: []networkSite{}, MACs: []networkMAC{}}
	for _, st := range n.Sites {
		d.Sites = append(d.Sites, networkSite{Name: st.Name, Egress: nonNil(st.Egress), Internal: nonNil(st.Internal)})
	}
	for _, m := range n.MACs {
		d.MACs = append(d.MACs, networkMAC(m))
	}
	return d
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

type networkProblem struct {
	Line    int    `json:"line"`
	Message string `json:"message"`
}

type networkImported struct {
	Org          string         `json:"org"`
	Sites        int            `json:"sites"`
	Prefixes     int            `json:"prefixes"`
	MACs         int            `json:"macs"`
	Accounts     []string       `json:"accounts"`
	Participants int            `json:"participants"`
	BySite       map[string]int `json:"participants_by_site"`
	QoSSessions  int            `json:"qos_sessions"`
	// Period is the span (UTC days) of the sessions whose site rollups
	// were recomputed; empty when there were none.
	Period []string `json:"period"`
}

func (s *Server) putNetwork(w http.ResponseWriter, r *http.Request) {
	if !checkParams(w, r) || !isAdmin(w, r, "replacing the network") {
		return
	}
	name := "network"
	switch mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt {
	case "text/csv":
		name = "network.csv"
	case "application/yaml", "text/yaml", "application/x-yaml":
		name = "network.yaml"
	}
	data, err := readAll(w, r, maxNetworkFile)
	if err != nil {
		writeError(w, http.StatusBadRequest, "bad_request", "body: "+err.Error())
		return
	}
	res, err := s.app.ImportNetwork(r.Context(), app.NetworkOptions{OrgID: caller(r).OrgID}, name, data)
	if fe := (*network.FileError)(nil); errors.As(err, &fe) {
		// Every bad line, so the admin fixes the file in one go; nothing
		// was stored.
		probs := make([]networkProblem, len(fe.Problems))
		for i, p := range fe.Problems {
			probs[i] = networkProblem{p.Line, p.Msg}
		}
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": map[string]any{"code": "bad_network_file",
			"message": fe.Error(), "problems": probs}})
		return
	}
	if err != nil {
		writeError(w, http.StatusServiceUnavailable, "unavailable", "storing the network failed")
		return
	}
	out := networkImported{Org: caller(r).Org, Sites: res.Sites, Prefixes: res.Prefixes, MACs: res.MACs, Accounts: nonNil(res.Accounts),
		Participants: res.Participants, BySite: res.BySite, QoSSessions: res.QoSSessions, Period: []string{}}
	if res.QoSSessions > 0 {
		out.Period = res.Period[:]
	}
	writeJSON(w, http.StatusOK, out)
}

// readAll reads a request body of at most limit bytes.
func readAll(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, error) {
	var big *http.MaxBytesError
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if errors.As(err, &big) {
		return nil, fmt.Errorf("larger than %d MiB", limit>>20)
	}
	return data, err
}

// ownSiteAccounts keeps of the org's accounts (names) those of which it
// sees sites by name: those its own network decides, and the shared ones
// of which it keeps its own sites (read with the OrgSites returned). A
// shared account matched against another org's network only, the org
// having none, has no site of this org's, and its site names are not this
// org's to see.
func (s *Server) ownSiteAccounts(r *http.Request, names []string) ([]string, insight.OrgSites, error) {
	var accts []*store.Account
	for _, n := range names {
		a, err := s.app.Store.Account(r.Context(), n)
		if err != nil {
			return nil, insight.OrgSites{}, err
		}
		accts = append(accts, a)
	}
	split, err := insight.SplitSiteAccounts(r.Context(), s.app.Store, caller(r).OrgID, accts)
	if err != nil {
		return nil, insight.OrgSites{}, err
	}
	out := make([]string, 0, len(split.Primary)+len(split.Own))
	for _, a := range append(split.Primary, split.Own...) {
		out = append(out, a.Name)
	}
	return out, split.OrgSites(), nil
}
