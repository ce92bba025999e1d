package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// AccountNetworkOrgSQL finds the org whose network an account's
// participants are matched against (one ? placeholder: the account id):
// the first (lowest id) org linked to the account that has a network of
// its own, else 0, the operator default. The lowest id is the org that
// linked the account first, so linking the account to one more org does
// not move its sites under the new org's network.
const AccountNetworkOrgSQL = `SELECT COALESCE((SELECT min(oa.org_id) FROM org_accounts oa
	WHERE oa.account_id = ?
	  AND (EXISTS (SELECT 1 FROM network_sites s WHERE s.org_id = oa.org_id)
	    OR EXISTS (SELECT 1 FROM network_macs m WHERE m.org_id = oa.org_id))), 0)`

// AccountSiteOrgsSQL lists the orgs linked to an account that have a
// network of their own (two ? placeholders: the account id, twice), lowest
// id first, except the account's network org (AccountNetworkOrgSQL):
// each keeps its own attribution of the account's participants
// (participant_org_sites, qos_sessions.org_sites and the qos_rollups kinds
// OrgRollupKind), beside the primary one. An account linked to one org has
// none.
const AccountSiteOrgsSQL = `SELECT oa.org_id FROM org_accounts oa
	WHERE oa.account_id = ?
	  AND (EXISTS (SELECT 1 FROM network_sites s WHERE s.org_id = oa.org_id)
	    OR EXISTS (SELECT 1 FROM network_macs m WHERE m.org_id = oa.org_id))
	  AND oa.org_id > (SELECT min(x.org_id) FROM org_accounts x WHERE x.account_id = ?
	    AND (EXISTS (SELECT 1 FROM network_sites s WHERE s.org_id = x.org_id)
	      OR EXISTS (SELECT 1 FROM network_macs m WHERE m.org_id = x.org_id)))
	ORDER BY oa.org_id`

// OrgRollupKind is the qos_rollups kind of an org's own attribution of a
// site kind (RollupSiteHour, RollupSiteDay, RollupUserSiteDay): kind@org.
func OrgRollupKind(kind string, orgID int64) string {
	return kind + "@" + strconv.FormatInt(orgID, 10)
}

// OrgSiteMatch is one org's match of a participant (see
// AccountSiteOrgsSQL).
type OrgSiteMatch struct {
	OrgID int64
	SiteMatch
}

// PurgeOrgSites removes an org's own attribution of an account in tx: its
// matches, its share in the account's sessions and its rollups (the org was
// unlinked, or its network now decides the account's primary sites, or it
// has none any more).
func PurgeOrgSites(ctx context.Context, tx QoSRollupTx, accountID, orgID int64) error {
	if err := tx.Exec(ctx, "DELETE FROM participant_org_sites WHERE account_id = ? AND org_id = ?", accountID, orgID); err != nil {
		return fmt.Errorf("purging org %d's sites of account %d: %w", orgID, accountID, err)
	}
	if err := tx.Exec(ctx, "DELETE FROM qos_rollups WHERE account_id = ? AND kind IN (?, ?, ?)", accountID,
		OrgRollupKind(RollupSiteHour, orgID), OrgRollupKind(RollupSiteDay, orgID), OrgRollupKind(RollupUserSiteDay, orgID)); err != nil {
		return fmt.Errorf("purging org %d's site rollups of account %d: %w", orgID, accountID, err)
	}
	type row struct {
		id    int64
		sites map[int64]string
	}
	var rows []row
	err := tx.Query(ctx, "SELECT participant_id, org_sites FROM qos_sessions WHERE account_id = ? AND org_sites <> ''", []any{accountID},
		func(scan func(...any) error) error {
			var r row
			var js string
			if err := scan(&r.id, &js); err != nil {
				return err
			}
			var err error
			if r.sites, err = parseOrgSites(js); err != nil {
				return fmt.Errorf("session %d: %w", r.id, err)
			}
			if _, ok := r.sites[orgID]; ok {
				delete(r.sites, orgID)
				rows = append(rows, r)
			}
			return nil
		})
	if err != nil {
		return fmt.Errorf("purging org %d's share of account %d's sessions: %w", orgID, accountID, err)
	}
	for _, r := range rows {
		if err := tx.Exec(ctx, "UPDATE qos_sessions SET org_sites = ? WHERE participant_id = ?", orgSitesText(r.sites), r.id); err != nil {
			return fmt.Errorf("purging org %d's share of account %d's sessions: %w", orgID, accountID, err)
		}
	}
	return nil
}

// PutOrgSites writes the org matches of participants (ids by meeting UUID
// and key, as the participant upserts return them) in tx. A match not
// computed (By "") leaves the stored one, as ParticipantMerge does.
func PutOrgSites(ctx context.Context, tx QoSRollupTx, accountID int64, ids map[[2]string]int64, ps []Participant) error {
	var rows []orgSiteRow
	for i := range ps {
		id, ok := ids[[2]string{ps[i].MeetingUUID, ps[i].Key}]
		if !ok {
			continue
		}
		for _, m := range ps[i].OrgSites {
			if m.By != "" {
				rows = append(rows, orgSiteRow{id, m})
			}
		}
	}
	return putOrgSiteRows(ctx, tx, accountID, rows)
}

// PutOrgMatches writes one org's matches of participants by id in tx.
func PutOrgMatches(ctx context.Context, tx QoSRollupTx, accountID, orgID int64, pids []int64, ms []SiteMatch) error {
	rows := make([]orgSiteRow, len(pids))
	for i, id := range pids {
		rows[i] = orgSiteRow{id, OrgSiteMatch{orgID, ms[i]}}
	}
	return putOrgSiteRows(ctx, tx, accountID, rows)
}

type orgSiteRow struct {
	pid int64
	m   OrgSiteMatch
}

func putOrgSiteRows(ctx context.Context, tx QoSRollupTx, accountID int64, rows []orgSiteRow) error {
	const cols = 8
	for start := 0; start < len(rows); start += 2000 {
		part := rows[start:min(start+2000, len(rows))]
		args := make([]any, 0, len(part)*cols)
		vals := make([]string, 0, len(part))
		for _, r := range part {
			args = append(args, r.pid, r.m.OrgID, accountID, r.m.Site, r.m.By, r.m.Prefix, r.m.AccessPoint, r.m.SwitchPort)
			vals = append(vals, inList(cols))
		}
		err := tx.Exec(ctx, `INSERT INTO participant_org_sites (participant_id, org_id, account_id, site, site_match, site_prefix, access_point, switch_port)
			VALUES `+strings.Join(vals, ", ")+` ON CONFLICT (participant_id, org_id) DO UPDATE SET site = excluded.site,
			site_match = excluded.site_match, site_prefix = excluded.site_prefix, access_point = excluded.access_point,
			switch_port = excluded.switch_port`, args...)
		if err != nil {
			return fmt.Errorf("writing orgs' site matches: %w", err)
		}
	}
	return nil
}

// parseOrgSites reads qos_sessions.org_sites ("" for none).
func parseOrgSites(js string) (map[int64]string, error) {
	if js == "" {
		return nil, nil
	}
	var m map[string]string
	if err := json.Unmarshal([]byte(js), &m); err != nil {
		return nil, fmt.Errorf("stored org sites: %w", err)
	}
	out := make(map[int64]string, len(m))
	for k, v := range m {
		id, err := strconv.ParseInt(k, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("stored org sites: org %q: %w", k, err)
		}
		out[id] = v
	}
	return out, nil
}

// orgSitesText is what parseOrgSites reads.
func orgSitesText(m map[int64]string) string {
	if len(m) == 0 {
		return ""
	}
	s := make(map[string]string, len(m))
	for k, v := range m {
		s[strconv.FormatInt(k, 10)] = v
	}
	b, _ := json.Marshal(s) // a map of strings always marshals
	return string(b)
}
