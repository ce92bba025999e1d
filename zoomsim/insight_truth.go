package zoomsim

import (
	"encoding/csv"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/zoomsight/zoomsight/zoom"
)

// Licence and HR ground truth: what the generator planted for licence,
// activity and roster insights to find. Every function takes the tenant's
// read lock; do not call them from inside a handler.
//
// Thresholds are in days before today (UTC midnight of the simulator's
// clock): "within N days" means on or after the cutoff day today − N.

// LicenceTruth is what a licence insight at some threshold must find, as
// sorted e-mail addresses.
type LicenceTruth struct {
	// InactiveLicensed: active licensed users who signed in, but not since
	// the cutoff, and hosted no meeting since it.
	InactiveLicensed []string
	// NeverActive: active users of any type created before the cutoff
	// that never signed in.
	NeverActive []string
	// StalePending: invitations (pending users) sent before the cutoff.
	StalePending []string
	// DeactivatedAddOn: deactivated users still holding a large-meeting or
	// webinar add-on (whatever the threshold).
	DeactivatedAddOn []string
}

// Cutoff is the first day counted as "within days days" at the
// simulator's current time.
func (t *Tenant) Cutoff(days int) time.Time {
	return midnight(t.gen.now()).AddDate(0, 0, -days)
}

// LicenceTruth returns the planted licence findings for a threshold.
func (t *Tenant) LicenceTruth(days int) LicenceTruth {
	cutoff := t.Cutoff(days)
	hosted := map[string]bool{}
	for _, m := range t.Meetings(cutoff, t.gen.now().Add(time.Hour)) {
		hosted[m.HostID] = true
	}
	t.mu.RLock()
	defer t.mu.RUnlock()
	var lt LicenceTruth
	for _, u := range t.Users {
		switch u.Status {
		case StatusActive:
			switch {
			case u.LastLoginTime.IsZero():
				if u.CreatedAt.Before(cutoff) {
					lt.NeverActive = append(lt.NeverActive, u.Email)
				}
			case u.Type == 2 && u.LastLoginTime.Before(cutoff) && !hosted[u.ID]:
				lt.InactiveLicensed = append(lt.InactiveLicensed, u.Email)
			}
		case StatusPending:
			if u.CreatedAt.Before(cutoff) {
				lt.StalePending = append(lt.StalePending, u.Email)
			}
		case StatusInactive:
			if u.Features.LargeMeeting || u.Features.Webinar {
				lt.DeactivatedAddOn = append(lt.DeactivatedAddOn, u.Email)
			}
		}
	}
	for _, l := range [][]string{lt.InactiveLicensed, lt.NeverActive, lt.StalePending, lt.DeactivatedAddOn} {
		slices.Sort(l)
	}
	return lt
}

// ClientVersions returns each user's last client version (without the
// build number) by e-mail, for users that ever signed in.
func (t *Tenant) ClientVersions() map[string]string {
	t.mu.RLock()
	defer t.mu.RUnlock()
	out := map[string]string{}
	for _, u := range t.Users {
		if u.LastClientVersion != "" {
			out[u.Email] = clientVersion(u)
		}
	}
	return out
}

// OutdatedClients returns, sorted, the e-mails of users whose last client
// is at least behind releases older than the newest any user runs, counting
// only releases some user runs, in the simulator's own newest-first release
// list (no version comparison).
func (t *Tenant) OutdatedClients(behind int) []string {
	versions := t.ClientVersions()
	var seen []string // releases in use, newest first
	for _, r := range idClientVersions {
		r, _, _ = strings.Cut(r, " ")
		for _, v := range versions {
			if v == r {
				seen = append(seen, r)
				break
			}
		}
	}
	var out []string
	for e, v := range versions {
		if slices.Index(seen, v) >= behind {
			out = append(out, e)
		}
	}
	slices.Sort(out)
	return out
}

// Employment statuses in generated rosters.
const (
	EmploymentActive     = "Active"
	EmploymentTerminated = "Terminated"
)

// RosterRow is one line of a generated HR roster.
type RosterRow struct {
	EmployeeID      string
	Email           string
	Name            string
	Department      string
	Manager         string
	Status          string // EmploymentActive or EmploymentTerminated
	TerminationDate string // yyyy-mm-dd or ""
}

// RosterHeader is a generated roster's header: HR-system column names,
// which zoomsight maps with roster import --map.
var RosterHeader = []string{"Employee ID", "Work Email", "Full Name", "Department", "Manager Email", "Employment Status", "Termination Date"}

// RosterFieldHeader names the same columns as zoomsight's roster import
// fields, so that a roster written with it imports without --map.
var RosterFieldHeader = []string{"employee_id", "email", "name", "department", "manager", "status", "termination_date"}

// Roster is a generated HR roster of a tenant and what it plants.
type Roster struct {
	Rows []RosterRow
	// AliasDomain is a second mail domain of the company: some lines name
	// an employee there rather than at the Zoom domain.
	AliasDomain, Domain string
	// Leavers: e-mails of Zoom users whose employee left (terminated, or
	// a termination date that has passed) and who still have an active
	// user, a pending licensed invitation, or (deactivated) an add-on.
	Leavers []string
	// NoEmployee: e-mails of Zoom users that no roster line matches (by
	// employee id or by e-mail, alias domain included).
	NoEmployee []string
	// DeptMismatch: e-mails of matched Zoom users whose roster department
	// differs from Zoom's.
	DeptMismatch []string
	// AliasOnly: e-mails of Zoom users that match only through the alias
	// domain; without it they would be in NoEmployee.
	AliasOnly []string
	// NotInZoom: employee ids of roster lines no Zoom user matches.
	NotInZoom []string
}

// Roster generates the tenant's HR roster, deterministically from the
// seed: everyone in Zoom but ~2% of active users (orphans), plus ~2%
// employees not in Zoom. Planted: ~3% of active users and some pending
// licensed ones terminated (leavers), ~1% active with a termination date
// still to come (not leavers), every deactivated user terminated, ~3%
// department mismatches, ~5% of users without an employee id listed at the
// alias domain, ~3% of the same with an upper-case address, and ~2% of
// users with an id listed under an old address (matched by id only).
func (t *Tenant) Roster() *Roster {
	t.mu.RLock()
	defer t.mu.RUnlock()
	r := newRand(t.seed, "roster", t.gen.key)
	today := midnight(t.gen.now())
	ro := &Roster{Domain: t.Domain, AliasDomain: "corp." + t.Domain}
	var depts []string
	for _, u := range t.Users {
		if u.Dept != "" && !slices.Contains(depts, u.Dept) {
			depts = append(depts, u.Dept)
		}
	}
	date := func(d time.Time) string { return d.Format(time.DateOnly) }
	for i, u := range t.Users {
		owner := i == 0
		x := r.IntN(1000)
		if !owner && u.Status == StatusActive && x < 20 {
			ro.NoEmployee = append(ro.NoEmployee, u.Email)
			continue
		}
		row := RosterRow{EmployeeID: u.EmployeeUniqueID, Email: u.Email, Name: u.FirstName + " " + u.LastName,
			Department: u.Dept, Manager: u.Manager, Status: EmploymentActive}
		if row.EmployeeID == "" {
			row.EmployeeID = "H" + itoa(int64(200_000+i))
		}
		switch {
		case u.EmployeeUniqueID == "" && x >= 20 && x < 70:
			local, _, _ := strings.Cut(u.Email, "@")
			row.Email = local + "@" + ro.AliasDomain
			ro.AliasOnly = append(ro.AliasOnly, u.Email)
		case u.EmployeeUniqueID == "" && x >= 70 && x < 100:
			row.Email = strings.ToUpper(u.Email)
		case u.EmployeeUniqueID != "" && x >= 100 && x < 120:
			local, _, _ := strings.Cut(u.Email, "@")
			row.Email = local + ".old@" + t.Domain
		}
		leaver := false
		y := r.IntN(1000)
		switch {
		case owner:
		case u.Status == StatusInactive:
			row.Status = EmploymentTerminated
			row.TerminationDate = date(today.AddDate(0, 0, -(5 + r.IntN(300))))
			leaver = u.Features.LargeMeeting || u.Features.Webinar
		case u.Status == StatusActive && y < 30:
			row.Status = EmploymentTerminated
			row.TerminationDate = date(today.AddDate(0, 0, -(1 + r.IntN(90))))
			leaver = true
		case u.Status == StatusActive && y < 40:
			row.TerminationDate = date(today.AddDate(0, 0, 1+r.IntN(30)))
		case u.Status == StatusPending && u.Type == 2 && y < 100:
			row.Status = EmploymentTerminated
			row.TerminationDate = date(today.AddDate(0, 0, -(1 + r.IntN(30))))
			leaver = true
		}
		if leaver {
			ro.Leavers = append(ro.Leavers, u.Email)
		}
		if z := r.IntN(1000); !owner && z < 30 && len(depts) > 1 && row.Department != "" {
			for row.Department == u.Dept {
				row.Department = depts[r.IntN(len(depts))]
			}
			ro.DeptMismatch = append(ro.DeptMismatch, u.Email)
		}
		ro.Rows = append(ro.Rows, row)
	}
	extra := max(1, len(t.Users)/50)
	for k := range extra {
		first := idFirstNames[r.IntN(len(idFirstNames))]
		last := idLastNames[r.IntN(len(idLastNames))]
		id := "N" + itoa(int64(300_000+k))
		ro.Rows = append(ro.Rows, RosterRow{EmployeeID: id, Email: idEmailPart(first) + "." + idEmailPart(last) + ".n" + itoa(int64(k)) + "@" + t.Domain,
			Name: first + " " + last, Department: depts[r.IntN(len(depts))], Manager: t.OwnerEmail, Status: EmploymentActive})
		ro.NotInZoom = append(ro.NotInZoom, id)
	}
	r.Shuffle(len(ro.Rows), func(i, j int) { ro.Rows[i], ro.Rows[j] = ro.Rows[j], ro.Rows[i] })
	for _, l := range [][]string{ro.Leavers, ro.NoEmployee, ro.DeptMismatch, ro.AliasOnly, ro.NotInZoom} {
		slices.Sort(l)
	}
	return ro
}

// WriteCSV writes the roster as CSV with RosterHeader.
func (ro *Roster) WriteCSV(w io.Writer) error { return ro.WriteCSVHeader(w, RosterHeader) }

// WriteCSVHeader writes the roster as CSV under header, which names the
// columns of RosterHeader in its order (RosterFieldHeader, say).
func (ro *Roster) WriteCSVHeader(w io.Writer, header []string) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(header); err != nil {
		return err
	}
	for _, r := range ro.Rows {
		if err := cw.Write([]string{r.EmployeeID, r.Email, r.Name, r.Department, r.Manager, r.Status, r.TerminationDate}); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// idUserFeatureFields answers custom_query_fields that name only licence
// features (what licence collectors ask for) straight from the user's
// features, as idUserSettings followed by idPickFields would; ok is false
// for any other field. The caller holds t.mu.
func (t *Tenant) idUserFeatureFields(u *User, fields map[string]bool) (map[string]any, bool) {
	f := u.Features
	all := map[string]any{
		"meeting_capacity": float64(f.MeetingCapacity), "large_meeting": f.LargeMeeting, "large_meeting_capacity": float64(500),
		"webinar": f.Webinar, "webinar_capacity": float64(500), "zoom_phone": f.ZoomPhone, "concurrent_meeting": "None",
	}
	if f.LargeMeetingCapacity > 0 {
		all["large_meeting_capacity"] = float64(f.LargeMeetingCapacity)
	}
	if f.WebinarCapacity > 0 {
		all["webinar_capacity"] = float64(f.WebinarCapacity)
	}
	if u.Type == 2 && t.Plan >= zoom.PlanBusiness {
		all["concurrent_meeting"] = "Basic"
	}
	feature := map[string]any{}
	for k := range fields {
		v, ok := all[k]
		if !ok {
			return nil, false
		}
		feature[k] = v
	}
	return map[string]any{"feature": feature}, true
}
