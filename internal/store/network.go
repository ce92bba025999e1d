package store

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
