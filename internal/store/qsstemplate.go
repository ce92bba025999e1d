package store

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// qssSeen is where a user was last seen by a sync: the latest dashboard
// session of theirs with a site.
type qssSeen struct {
	p    Participant // name, site, network type and device
	join time.Time
	id   int64
}

// later reports whether a is a later sighting than b (the latest join;
// the latest stored row of equal joins).
func (a *qssSeen) later(b *qssSeen) bool {
	if b == nil {
		return true
	}
	if !a.join.Equal(b.join) {
		return a.join.After(b.join)
	}
	return a.id > b.id
}

// qssSightings are the last sightings of a batch's users, by Zoom user id
// and by lower-cased e-mail.
type qssSightings struct {
	byZoomID map[string]*qssSeen
	byEmail  map[string]*qssSeen
}

// of is the provisional session of q. QSS carries no address, so the
// session is filed under the site (and network) where the same user (by
// Zoom user id or e-mail) was last seen by a sync; the dashboard's
// session later replaces it.
func (s *qssSightings) of(q *QSSParticipant) Participant {
	p := Participant{MeetingUUID: q.MeetingUUID, Key: QSSKeyPrefix + q.UserID, UserID: q.UserID, ZoomUserID: q.ZoomUserID,
		Email: q.Email, Name: q.Email, Source: "qss"}
	var best *qssSeen
	if q.ZoomUserID != "" {
		best = s.byZoomID[q.ZoomUserID]
	}
	if q.Email != "" {
		if e := s.byEmail[strings.ToLower(q.Email)]; e != nil && e.later(best) {
			best = e
		}
	}
	if best != nil {
		p.Name, p.Site, p.NetworkType, p.Device = best.p.Name, best.p.Site, best.p.NetworkType, best.p.Device
		p.OrgSites = best.p.OrgSites // the orgs' own sites of a shared account, likewise
	}
	return p
}

// qssTemplates reads where the users of qs were last seen, in one query
// per 400 users rather than one per event: each look-up is an index
// search (migration 0025), so a batch of QSS events costs a few of them.
func qssTemplates(ctx context.Context, tx QoSRollupTx, accountID int64, qs []QSSParticipant) (*qssSightings, error) {
	out := &qssSightings{byZoomID: map[string]*qssSeen{}, byEmail: map[string]*qssSeen{}}
	var ids, emails []string
	seenID, seenEmail := map[string]bool{}, map[string]bool{}
	for i := range qs {
		if z := qs[i].ZoomUserID; z != "" && !seenID[z] {
			seenID[z] = true
			ids = append(ids, z)
		}
		if e := strings.ToLower(qs[i].Email); e != "" && !seenEmail[e] {
			seenEmail[e] = true
			emails = append(emails, e)
		}
	}
	const cols = `id, zoom_user_id, lower(email), join_time, name, site, site_match, site_prefix, access_point, switch_port, network_type, device
		FROM zoom_participants WHERE account_id = ? AND site_match <> '' AND join_time IS NOT NULL AND `
	read := func(byEmail bool, where string, keys []string) error {
		for start := 0; start < len(keys); start += 400 {
			part := keys[start:min(start+400, len(keys))]
			args := make([]any, 0, len(part)+1)
			args = append(args, accountID)
			for _, k := range part {
				args = append(args, k)
			}
			err := tx.Query(ctx, "SELECT "+cols+where+inList(len(part)), args, func(scan func(...any) error) error {
				var s qssSeen
				var zid, email string
				var join any
				if err := scan(&s.id, &zid, &email, &join, &s.p.Name, &s.p.Site.Site, &s.p.Site.By, &s.p.Site.Prefix,
					&s.p.Site.AccessPoint, &s.p.Site.SwitchPort, &s.p.NetworkType, &s.p.Device); err != nil {
					return err
				}
				var err error
				if s.join, err = tx.ParseTime(join); err != nil {
					return err
				}
				m, k := out.byZoomID, zid
				if byEmail {
					m, k = out.byEmail, email
				}
				if s.later(m[k]) {
					m[k] = &s
				}
				return nil
			})
			if err != nil {
				return fmt.Errorf("reading where QSS participants were last seen: %w", err)
			}
		}
		return nil
	}
	if err := read(false, "zoom_user_id <> '' AND zoom_user_id IN ", ids); err != nil {
		return nil, err
	}
	if err := read(true, "email <> '' AND lower(email) IN ", emails); err != nil {
		return nil, err
	}
	if err := out.orgSites(ctx, tx); err != nil {
		return nil, err
	}
	return out, nil
}

// orgSites reads the orgs' own matches of the sightings (a shared
// account's; none otherwise).
func (s *qssSightings) orgSites(ctx context.Context, tx QoSRollupTx) error {
	byID := map[int64][]*qssSeen{}
	var ids []int64
	for _, m := range []map[string]*qssSeen{s.byZoomID, s.byEmail} {
		for _, x := range m {
			if byID[x.id] == nil {
				ids = append(ids, x.id)
			}
			byID[x.id] = append(byID[x.id], x)
		}
	}
	for start := 0; start < len(ids); start += 400 {
		part := ids[start:min(start+400, len(ids))]
		err := tx.Query(ctx, `SELECT participant_id, org_id, site, site_match, site_prefix, access_point, switch_port
			FROM participant_org_sites WHERE participant_id IN `+inList(len(part)), idArgs(part), func(scan func(...any) error) error {
			var id int64
			var m OrgSiteMatch
			if err := scan(&id, &m.OrgID, &m.Site, &m.By, &m.Prefix, &m.AccessPoint, &m.SwitchPort); err != nil {
				return err
			}
			for _, x := range byID[id] {
				x.p.OrgSites = append(x.p.OrgSites, m)
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("reading the orgs' sites of where QSS participants were last seen: %w", err)
		}
	}
	return nil
}
