package web

import (
	"cmp"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/zoomsight/zoomsight/internal/insight"
	"github.com/zoomsight/zoomsight/internal/store"
)

// licenceName is the zoom_user view's licence of a user type.
func licenceName(typ int) string {
	switch typ {
	case 1:
		return "basic"
	case 2:
		return "licensed"
	case 4:
		return "unassigned"
	case 99:
		return "none"
	}
	return "type " + strconv.Itoa(typ)
}

type countCell struct {
	Status, License string
	Users           int
}

type overviewData struct {
	Accounts      int
	Users         int
	Counts        []countCell
	Seats         []insight.SeatSummary
	Reclaimable   int
	MonthlySaving float64
	Currency      string
	Degraded      []siteRow
	Failing       []accountRow
	Changes       []insight.Change
}

type siteRow struct {
	Account string
	insight.SiteQoS
}

func (h *Handler) overview(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	accts, err := h.orgAccounts(r)
	if err != nil {
		h.failErr(w, r, err)
		return
	}
	cfg, err := h.orgConfig(r)
	if err != nil {
		h.failErr(w, r, err)
		return
	}
	d := overviewData{Accounts: len(accts), Currency: cfg.Prices.Currency}
	byKey := map[[2]string]int{}
	now := h.opts.Now()
	// The licence numbers of every account from one grouped scan: the
	// overview shows totals, not the findings.
	rep, err := h.app.Licences(ctx, insight.LicenceOptions{InactiveDays: 30, Accounts: names(accts), Now: now, Prices: cfg.Prices, Summary: true})
	if err != nil {
		h.failErr(w, r, err)
		return
	}
	d.Seats, d.MonthlySaving, d.Reclaimable = rep.Seats, rep.MonthlySaving, rep.Users
	for _, a := range accts {
		counts, err := h.app.Store.UserCounts(ctx, a.ID)
		if err != nil {
			h.failErr(w, r, err)
			return
		}
		for _, c := range counts {
			byKey[[2]string{c.Status, licenceName(c.Type)}] += c.Users
			d.Users += c.Users
		}
		q, err := insight.OrgQoS(ctx, h.app.Store, session(r).OrgID, insight.QoSOptions{Account: a.Name, From: qosFrom(now, 7), Users: 1})
		if err != nil {
			h.failErr(w, r, err)
			return
		}
		for _, s := range q.Degraded {
			d.Degraded = append(d.Degraded, siteRow{a.Name, s})
		}
		// Only a failing account needs its whole row (which counts its
		// users again).
		runs, err := h.app.Store.Runs(ctx, a.ID, 1)
		if err != nil {
			h.failErr(w, r, err)
			return
		}
		if len(runs) == 0 || (runs[0].Status != store.RunFailed && runs[0].Status != store.RunPartial) {
			continue
		}
		row, err := h.accountRow(ctx, a)
		if err != nil {
			h.failErr(w, r, err)
			return
		}
		if row.Health == store.RunFailed || row.Health == store.RunPartial {
			d.Failing = append(d.Failing, row)
		}
	}
	for k, n := range byKey {
		d.Counts = append(d.Counts, countCell{k[0], k[1], n})
	}
	slices.SortFunc(d.Counts, func(a, b countCell) int {
		return cmp.Or(cmp.Compare(a.Status, b.Status), cmp.Compare(a.License, b.License))
	})
	if d.Changes, err = insight.LatestChanges(ctx, h.app.Store, names(accts), 10); err != nil {
		h.failErr(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, "overview", "Overview", d)
}

type usersData struct {
	F                 insight.UserFilter
	Days              string
	Rows              []insight.UserRow
	Total, Page, Last int
	Prev, Next        string
	Roles             []insight.GroupRow
	Groups            []insight.GroupRow
}

func (h *Handler) users(w http.ResponseWriter, r *http.Request) {
	accts, err := h.orgAccounts(r)
	if err != nil {
		h.failErr(w, r, err)
		return
	}
	q := r.URL.Query()
	f := insight.UserFilter{Accounts: names(accts), Search: q.Get("q"), Status: q.Get("status"), License: q.Get("license"),
		Role: q.Get("role"), Group: q.Get("group"), Dept: q.Get("dept"), Limit: 50}
	d := usersData{F: f, Days: q.Get("inactive")}
	if n, err := strconv.Atoi(d.Days); err == nil && n > 0 {
		f.SignedInBefore = h.opts.Now().AddDate(0, 0, -n)
	}
	d.Page, _ = strconv.Atoi(q.Get("page"))
	d.Page = max(d.Page, 1)
	f.Offset = (d.Page - 1) * f.Limit
	if d.Rows, d.Total, err = insight.UserList(r.Context(), h.app.Store, f); err != nil {
		h.failErr(w, r, err)
		return
	}
	d.Last = max(1, (d.Total+f.Limit-1)/f.Limit)
	link := func(p int) string {
		v := r.URL.Query()
		v.Set("page", strconv.Itoa(p))
		return "/users?" + v.Encode()
	}
	if d.Page > 1 {
		d.Prev = link(d.Page - 1)
	}
	if d.Page < d.Last {
		d.Next = link(d.Page + 1)
	}
	if d.Roles, err = insight.Groups(r.Context(), h.app.Store, f.Accounts, true); err == nil {
		d.Groups, err = insight.Groups(r.Context(), h.app.Store, f.Accounts, false)
	}
	if err != nil {
		h.failErr(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, "users", "Users", d)
}

type userData struct {
	U        *insight.UserDetail
	GraphKey string
}

func (h *Handler) user(w http.ResponseWriter, r *http.Request) {
	accts, err := h.orgAccounts(r)
	if err != nil {
		h.failErr(w, r, err)
		return
	}
	u, err := insight.User(r.Context(), h.app.Store, names(accts), r.PathValue("account"), r.PathValue("key"))
	if err != nil {
		h.failErr(w, r, err)
		return
	}
	zid := ""
	for _, a := range accts {
		if a.Name == u.Account {
			zid = a.ZoomAccountID
		}
	}
	h.render(w, r, http.StatusOK, "user", u.Email, userData{U: u, GraphKey: "zoom_user:" + zid + ":" + u.Key})
}

type groupsData struct {
	Groups, Roles []insight.GroupRow
	ZoomIDs       map[string]string
}

func (h *Handler) groups(w http.ResponseWriter, r *http.Request) {
	accts, err := h.orgAccounts(r)
	if err != nil {
		h.failErr(w, r, err)
		return
	}
	d := groupsData{ZoomIDs: map[string]string{}}
	for _, a := range accts {
		d.ZoomIDs[a.Name] = a.ZoomAccountID
	}
	if d.Groups, err = insight.Groups(r.Context(), h.app.Store, names(accts), false); err == nil {
		d.Roles, err = insight.Groups(r.Context(), h.app.Store, names(accts), true)
	}
	if err != nil {
		h.failErr(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, "groups", "Groups and roles", d)
}

type graphData struct {
	Center *insight.Entity
	Nodes  []insight.Entity
	SVG    template.HTML
}

// graphLimit bounds the neighbours drawn: a group of 10,000 members is a
// list, not a picture.
const graphLimit = 40

func (h *Handler) graph(w http.ResponseWriter, r *http.Request) {
	accts, err := h.orgAccounts(r)
	if err != nil {
		h.failErr(w, r, err)
		return
	}
	key := r.URL.Query().Get("key")
	var c *insight.Entity
	var nodes []insight.Entity
	var edges []insight.Edge
	if rest, ok := strings.CutPrefix(key, "zoom_user:"); ok {
		// A user's graph from its own row: fast at any tenant size.
		zid, ukey, _ := strings.Cut(rest, ":")
		err = store.ErrNotFound
		for _, a := range accts {
			if a.ZoomAccountID == zid && zid != "" {
				c, nodes, edges, err = insight.UserNeighbourhood(r.Context(), h.app.Store, a.Name, zid, ukey)
				break
			}
		}
	} else {
		c, nodes, edges, err = insight.Neighbourhood(r.Context(), h.app.Store, names(accts), key, graphLimit)
	}
	if err != nil {
		h.failErr(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, "graph", "Graph of "+c.Name, graphData{Center: c, Nodes: nodes, SVG: graphSVG(c, nodes, edges)})
}

// qosFrom is the first day of the last days days, today included: whole
// UTC days, which the QoS insight answers from its rollups (any other
// start reads every raw minute).
func qosFrom(now time.Time, days int) time.Time {
	return now.UTC().Truncate(24*time.Hour).AddDate(0, 0, 1-days)
}

// qosDays is how far back the network pages look.
func qosDays(r *http.Request) int {
	d, err := strconv.Atoi(r.URL.Query().Get("days"))
	if err != nil || d < 1 || d > 400 {
		return 7
	}
	return d
}

type siteData struct {
	Account, Site string
	Days          int
	Hours         []insight.TrendHour
	Charts        []chart
	Users         []insight.UserQoS
	Meetings      []insight.MeetingQoSRow
	// The site's sessions by access point and by network type.
	AccessPoints, NetworkTypes []insight.SiteLink
}

// splitLinks sums a site's sessions by access point and by network type,
// most minutes first.
func splitLinks(links []insight.SiteLink) (aps, nts []insight.SiteLink) {
	add := func(out []insight.SiteLink, key, l insight.SiteLink) []insight.SiteLink {
		i := slices.IndexFunc(out, func(x insight.SiteLink) bool {
			return x.AccessPoint == key.AccessPoint && x.NetworkType == key.NetworkType
		})
		if i < 0 {
			out, i = append(out, key), len(out)
		}
		out[i].Sessions += l.Sessions
		out[i].Minutes += l.Minutes
		out[i].BadMinutes += l.BadMinutes
		return out
	}
	for _, l := range links {
		aps = add(aps, insight.SiteLink{AccessPoint: l.AccessPoint}, l)
		nts = add(nts, insight.SiteLink{NetworkType: l.NetworkType}, l)
	}
	for _, out := range [][]insight.SiteLink{aps, nts} {
		for i := range out {
			if out[i].Minutes > 0 {
				out[i].BadShare = float64(out[i].BadMinutes) / float64(out[i].Minutes)
			}
		}
		slices.SortStableFunc(out, func(a, b insight.SiteLink) int { return cmp.Compare(b.Minutes, a.Minutes) })
	}
	return aps, nts
}

func (h *Handler) site(w http.ResponseWriter, r *http.Request) {
	a, err := h.orgAccount(r, r.PathValue("account"))
	if err != nil {
		h.failErr(w, r, err)
		return
	}
	site := r.PathValue("site")
	// network.go: never another org's site names; a shared account's
	// own sites for an org that keeps them.
	hidden, orgSites, netOrg, err := h.siteHidden(r, a)
	if err != nil || hidden {
		h.failErr(w, r, cmp.Or(err, store.ErrNotFound))
		return
	}
	d := siteData{Account: a.Name, Site: site, Days: qosDays(r)}
	from := qosFrom(h.opts.Now(), d.Days)
	ctx := r.Context()
	if d.Hours, err = insight.SiteTrend(ctx, h.app.Store, a.Name, site, from, orgSites); err != nil {
		h.failErr(w, r, err)
		return
	}
	q, err := insight.QoS(ctx, h.app.Store, insight.QoSOptions{Account: a.Name, From: from, Site: site, Users: 15, OrgSites: orgSites})
	if err != nil {
		h.failErr(w, r, err)
		return
	}
	d.Users = q.Users
	if d.Meetings, err = insight.QoSMeetings(ctx, h.app.Store, insight.MeetingFilter{Account: a.Name, Site: site, From: from, Limit: 15,
		OrgSites: orgSites}); err != nil {
		h.failErr(w, r, err)
		return
	}
	// A site of no data that the network naming the account's sites for
	// this org does not know is not found (another org's name included).
	if len(d.Hours) == 0 && len(d.Users) == 0 && len(d.Meetings) == 0 {
		known, err := h.siteKnown(r, netOrg, site)
		if err != nil || !known {
			h.failErr(w, r, cmp.Or(err, store.ErrNotFound))
			return
		}
	}
	links, err := insight.SiteLinks(ctx, h.app.Store, insight.SiteLinksOptions{Account: a.Name, Site: site, From: from, OrgSites: orgSites})
	if err != nil {
		h.failErr(w, r, err)
		return
	}
	d.AccessPoints, d.NetworkTypes = splitLinks(links)
	d.Charts = siteCharts(d.Hours)
	h.render(w, r, http.StatusOK, "site", "Site "+site, d)
}

type meetingData struct {
	Account string
	M       *insight.MeetingQoS
	Charts  map[string]template.HTML
}

func (h *Handler) meeting(w http.ResponseWriter, r *http.Request) {
	a, err := h.orgAccount(r, r.PathValue("account"))
	if err != nil {
		h.failErr(w, r, err)
		return
	}
	uuid := r.PathValue("uuid")
	q, err := insight.OrgQoS(r.Context(), h.app.Store, session(r).OrgID, insight.QoSOptions{Account: a.Name, Meeting: uuid, Users: 1})
	if err == nil && (q.Meeting == nil || q.Meeting.UUID == "") {
		err = store.ErrNotFound
	}
	if err != nil {
		h.failErr(w, r, err)
		return
	}
	mins, err := insight.MeetingMinutes(r.Context(), h.app.Store, a.Name, uuid)
	if err != nil {
		h.failErr(w, r, err)
		return
	}
	d := meetingData{Account: a.Name, M: q.Meeting, Charts: map[string]template.HTML{}}
	for _, p := range q.Meeting.Participants {
		d.Charts[p.Key] = minuteChart(p.Name, mins[p.Key], p.BadTimes)
	}
	h.render(w, r, http.StatusOK, "meeting", "Meeting "+q.Meeting.Topic, d)
}

type licencesData struct {
	// FindingsTotal and RosterTotal count the rows before the page's cut
	// (maxRows; Licences and RosterPage count them); the CSV has them all.
	FindingsTotal, RosterTotal int
	Days                       int
	AllDays                    []int
	Report                     insight.LicenceReport
	Roster                     []insight.RosterFinding
	Leavers                    int
	Problems                   []string
	Currency                   string
	// NoRoster is set when the org has imported no HR roster: the page
	// says so instead of listing every user as one with no employee.
	NoRoster bool
}

// rosterMode is how much of the roster findings licenceData reads.
type rosterMode int

const (
	rosterNone rosterMode = iota // the reclaimable and seats CSV do not show them
	rosterPage                   // the page shows maxRows of each account's
	rosterAll                    // the roster CSV has them all
)

// licenceData reads the licence report of the session's org and its roster
// findings as roster says: on a big tenant each costs a scan of its users.
func (h *Handler) licenceData(r *http.Request, roster rosterMode) (*licencesData, error) {
	accts, err := h.orgAccounts(r)
	if err != nil {
		return nil, err
	}
	cfg, err := h.orgConfig(r)
	if err != nil {
		return nil, err
	}
	d := &licencesData{Days: 30, AllDays: insight.InactiveDays, Currency: cfg.Prices.Currency}
	if n, err := strconv.Atoi(r.FormValue("days")); err == nil && slices.Contains(insight.InactiveDays, n) {
		d.Days = n
	}
	d.Report.InactiveDays = d.Days
	// The page shows maxRows findings whether or not a roster is imported.
	page := roster == rosterPage
	if roster != rosterNone {
		imported, err := insight.RosterImported(r.Context(), h.app.Store, session(r).Org)
		if err != nil {
			return nil, err
		}
		if !imported {
			d.NoRoster, roster = true, rosterNone
		}
	}
	for _, a := range accts {
		o := insight.LicenceOptions{InactiveDays: d.Days, Account: a.Name, Now: h.opts.Now(), Prices: cfg.Prices}
		if page {
			// The page shows maxRows findings: count the rest.
			o.Limit = maxRows
		}
		rep, err := h.app.Licences(r.Context(), o)
		if err != nil {
			return nil, err
		}
		for _, n := range rep.Counts {
			d.FindingsTotal += n
		}
		d.Report.MonthlySaving += rep.MonthlySaving
		d.Report.Seats = append(d.Report.Seats, rep.Seats...)
		d.Report.AddOns = append(d.Report.AddOns, rep.AddOns...)
		d.Report.Findings = append(d.Report.Findings, rep.Findings...)
		if roster == rosterNone {
			continue
		}
		if roster == rosterPage {
			// The page shows maxRows findings: read no more than that
			// of each account (a roster not imported makes every user
			// one).
			ros, total, leavers, err := insight.RosterPage(r.Context(), h.app.Store, insight.RosterOptions{Org: session(r).Org, Account: a.Name, Now: h.opts.Now(), Config: cfg.Roster}, maxRows)
			if err != nil {
				return nil, err
			}
			d.Roster, d.RosterTotal, d.Leavers = append(d.Roster, ros...), d.RosterTotal+total, d.Leavers+leavers
			continue
		}
		ros, err := insight.RosterFindings(r.Context(), h.app.Store, insight.RosterOptions{Org: session(r).Org, Account: a.Name, Now: h.opts.Now(), Config: cfg.Roster})
		if err != nil {
			return nil, err
		}
		d.Roster = append(d.Roster, ros...)
	}
	for _, f := range d.Roster {
		if roster == rosterAll && f.Finding == insight.FindingLeaver {
			d.Leavers++
		}
	}
	return d, nil
}

// maxRows is the most rows a table of the licences page shows: a
// tenant of 100,000 users may have tens of thousands of findings, which
// the CSV download carries.
const maxRows = 300

func (h *Handler) licences(w http.ResponseWriter, r *http.Request) {
	d, err := h.licenceData(r, rosterPage)
	if err != nil {
		h.failErr(w, r, err)
		return
	}
	d.cut()
	h.render(w, r, http.StatusOK, "licences", "Licences and HR", d)
}

// cut keeps the first maxRows rows of each table.
func (d *licencesData) cut() {
	d.FindingsTotal = max(d.FindingsTotal, len(d.Report.Findings)) // counted by Licences
	d.RosterTotal = max(d.RosterTotal, len(d.Roster))              // counted by RosterPage
	d.Report.Findings = d.Report.Findings[:min(len(d.Report.Findings), maxRows)]
	d.Roster = d.Roster[:min(len(d.Roster), maxRows)]
}

// licencesCSV downloads one table of the licences page.
func (h *Handler) licencesCSV(w http.ResponseWriter, r *http.Request) {
	table := r.URL.Query().Get("table")
	mode := rosterNone
	if table == "roster" {
		mode = rosterAll
	}
	d, err := h.licenceData(r, mode)
	if err != nil {
		h.failErr(w, r, err)
		return
	}
	var rows [][]string
	switch table {
	case "reclaimable":
		rows = append(rows, []string{"account", "finding", "email", "license", "status", "last_sign_in", "last_meeting", "quantity", "monthly_cost", "detail"})
		for _, f := range d.Report.Findings {
			rows = append(rows, []string{f.Account, f.Finding, f.Email, f.License, f.Status, f.LastSignIn, f.LastMeeting, strconv.Itoa(f.Quantity),
				strconv.FormatFloat(f.MonthlyCost, 'f', 2, 64), f.Detail})
		}
	case "roster":
		// With no roster imported the table has its header and no rows.
		rows = append(rows, []string{"account", "finding", "email", "zoom_status", "license", "employee_id", "employee_status", "termination_date", "detail"})
		for _, f := range d.Roster {
			rows = append(rows, []string{f.Account, f.Finding, f.Email, f.ZoomStatus, f.License, f.EmployeeID, f.EmployeeStatus, f.TerminationDate, f.Detail})
		}
	case "seats":
		rows = append(rows, []string{"account", "plan", "bought", "licensed", "pending", "active", "unassigned"})
		for _, s := range d.Report.Seats {
			rows = append(rows, []string{s.Account, s.Plan, strconv.Itoa(s.Bought), strconv.Itoa(s.Licensed), strconv.Itoa(s.Pending), strconv.Itoa(s.Active), strconv.Itoa(s.Unassigned)})
		}
	case "addons":
		rows = append(rows, []string{"account", "add_on", "type", "capacity", "bought", "assigned", "held_by_deactivated", "held_by_inactive", "unassigned"})
		for _, a := range d.Report.AddOns {
			rows = append(rows, []string{a.Account, a.Plan, a.Type, strconv.Itoa(a.Capacity), strconv.Itoa(a.Bought), strconv.Itoa(a.Assigned),
				strconv.Itoa(a.Deactivated), strconv.Itoa(a.Idle), strconv.Itoa(a.Unassigned)})
		}
	default:
		h.fail(w, r, http.StatusBadRequest, "table: want reclaimable, roster, seats or addons")
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s-%dd.csv"`, table, d.Days))
	cw := csv.NewWriter(w)
	for _, row := range rows {
		for i, c := range row {
			row[i] = csvSafe(c)
		}
		_ = cw.Write(row)
	}
	cw.Flush()
}

// csvSafe keeps a spreadsheet from reading a cell as a formula.
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// rosterUpload imports an HR roster whole, or shows every bad line and
// imports nothing.
func (h *Handler) rosterUpload(w http.ResponseWriter, r *http.Request) {
	file, hdr, err := r.FormFile("roster")
	if err != nil {
		h.fail(w, r, http.StatusBadRequest, "Choose a roster CSV file to upload.")
		return
	}
	defer file.Close()
	cfg, err := h.orgConfig(r)
	if err != nil {
		h.failErr(w, r, err)
		return
	}
	ro, err := insight.ParseRoster(r.Context(), file, cfg.Roster, hdr.Filename, h.opts.Now())
	var re *insight.RosterError
	if errors.As(err, &re) {
		d, derr := h.licenceData(r, rosterPage)
		if derr != nil {
			h.failErr(w, r, derr)
			return
		}
		d.Problems = re.Problems
		d.cut()
		h.render(w, r, http.StatusBadRequest, "licences", "Licences and HR", d)
		return
	}
	if err == nil {
		ro.OrgID = session(r).OrgID // the roster is the org's own, not the database's
		err = h.app.Store.ReplaceRoster(r.Context(), ro)
	}
	if err != nil {
		h.fail(w, r, http.StatusBadRequest, "The roster was not imported: "+err.Error())
		return
	}
	back(w, r, "/licences", fmt.Sprintf("Imported %d employees from %s.", len(ro.Employees), hdr.Filename))
}

type runRow struct {
	Account string
	*store.Run
	Took     string
	Requests string
}

type runsData struct {
	Rows    []runRow
	Running bool
}

func (h *Handler) runRows(r *http.Request, limit int) ([]runRow, error) {
	accts, err := h.orgAccounts(r)
	if err != nil {
		return nil, err
	}
	var out []runRow
	for _, a := range accts {
		runs, err := h.app.Store.Runs(r.Context(), a.ID, limit)
		if err != nil {
			return nil, err
		}
		for _, run := range runs {
			row := runRow{Account: a.Name, Run: run}
			if !run.FinishedAt.IsZero() {
				row.Took = run.FinishedAt.Sub(run.StartedAt).Round(time.Second).String()
			}
			var req []string
			for _, k := range slices.Sorted(maps.Keys(run.Requests)) {
				req = append(req, fmt.Sprintf("%s %d", k, run.Requests[k]))
			}
			row.Requests = strings.Join(req, ", ")
			out = append(out, row)
		}
	}
	slices.SortFunc(out, func(a, b runRow) int { return b.StartedAt.Compare(a.StartedAt) })
	return out, nil
}

func (h *Handler) runs(w http.ResponseWriter, r *http.Request) {
	rows, err := h.runRows(r, 20)
	if err != nil {
		h.failErr(w, r, err)
		return
	}
	d := runsData{Rows: rows}
	for _, row := range rows {
		if row.Status == store.RunRunning {
			d.Running = true
		}
	}
	h.render(w, r, http.StatusOK, "runs", "Sync runs", d)
}

// liveRun is the progress of a running sync, for the runs page's script.
type liveRun struct {
	ID        int64  `json:"id"`
	Account   string `json:"account"`
	Done      int    `json:"done"`      // resources listed whole
	Resources int    `json:"resources"` // resources begun
	Rows      int    `json:"rows"`      // rows received so far
	Total     int    `json:"total"`     // rows announced by the listings begun
	Percent   int    `json:"percent"`
}

// runsLive answers the progress of the org's running syncs as JSON, from
// their checkpoints.
func (h *Handler) runsLive(w http.ResponseWriter, r *http.Request) {
	rows, err := h.runRows(r, 1)
	if err != nil {
		http.Error(w, "reading runs failed", http.StatusServiceUnavailable)
		return
	}
	out := []liveRun{}
	for _, row := range rows {
		if row.Status != store.RunRunning {
			continue
		}
		lr := liveRun{ID: row.ID, Account: row.Account}
		err := h.app.Store.Query(r.Context(), fmt.Sprintf("SELECT done, rows_seen, total FROM checkpoints WHERE run_id = %d", row.ID),
			func(_ []string, v []any) error {
				lr.Resources++
				if toInt(v[0]) != 0 {
					lr.Done++
				}
				lr.Rows += int(toInt(v[1]))
				if t := toInt(v[2]); t > 0 {
					lr.Total += int(t)
				}
				return nil
			})
		if err != nil {
			http.Error(w, "reading progress failed", http.StatusServiceUnavailable)
			return
		}
		if lr.Total > 0 {
			lr.Percent = min(99, lr.Rows*100/lr.Total)
		}
		out = append(out, lr)
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(out)
}

// orgConfig is the signed-in org's insight settings (prices, roster
// columns): the defaults with the org's stored settings over them.
func (h *Handler) orgConfig(r *http.Request) (insight.Config, error) {
	return insight.OrgConfig(r.Context(), h.app.Store, session(r).OrgID, "")
}
