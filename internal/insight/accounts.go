package insight

import (
	"context"

	"github.com/zoomsight/zoomsight/internal/store"
)

// Entitlement is something an account holds: its licence, role or a group.
type Entitlement struct {
	Type  string `json:"type"` // license, role, group
	Value string `json:"value"`
}

// GovernanceAccount is one Zoom user in the shape identity-governance
// tools aggregate (SailPoint-style "account" with multi-valued
// entitlements).
type GovernanceAccount struct {
	NativeIdentity string        `json:"native_identity"` // Zoom user id; pending:<email> for invitations
	Account        string        `json:"account"`
	ZoomAccountID  string        `json:"zoom_account_id"`
	Email          string        `json:"email"`
	DisplayName    string        `json:"display_name"`
	Status         string        `json:"status"`
	Disabled       bool          `json:"disabled"`
	LicenseType    string        `json:"license_type"`
	Role           string        `json:"role"`
	Groups         []string      `json:"groups"`
	LastLogin      string        `json:"last_login,omitempty"`
	Created        string        `json:"created,omitempty"`
	Entitlements   []Entitlement `json:"entitlements"`
}

// GovernanceAccounts lists every synced user with its entitlements.
func GovernanceAccounts(ctx context.Context, st store.Store, account string) ([]GovernanceAccount, error) {
	where := ""
	if account != "" {
		where = " WHERE account = " + quote(account)
	}
	groups := map[string][]string{}
	err := st.Query(ctx, "SELECT account, user_key, group_name FROM zoom_group_member"+andWhere(where, "group_name IS NOT NULL")+" ORDER BY account, user_key, group_name", func(_ []string, r []any) error {
		k := str(r[0]) + "\x00" + str(r[1])
		groups[k] = append(groups[k], str(r[2]))
		return nil
	})
	if err != nil {
		return nil, err
	}
	var out []GovernanceAccount
	err = st.Query(ctx, `SELECT account, zoom_account_id, key, email, display_name, first_name, last_name, status, license, role_id, role_name,
			last_login_time, created_at FROM zoom_user`+where+` ORDER BY account, email`, func(_ []string, r []any) error {
		a := GovernanceAccount{NativeIdentity: str(r[2]), Account: str(r[0]), ZoomAccountID: str(r[1]), Email: str(r[3]), DisplayName: str(r[4]),
			Status: str(r[7]), LicenseType: str(r[8]), Role: str(r[10]), LastLogin: normTime(r[11]), Created: normTime(r[12])}
		if a.DisplayName == "" {
			a.DisplayName = str(r[5]) + " " + str(r[6])
		}
		if a.Role == "" {
			a.Role = str(r[9])
		}
		a.Disabled = a.Status != "active"
		a.Groups = groups[a.Account+"\x00"+str(r[2])]
		if a.Groups == nil {
			a.Groups = []string{}
		}
		a.Entitlements = []Entitlement{{"license", a.LicenseType}, {"role", a.Role}}
		for _, g := range a.Groups {
			a.Entitlements = append(a.Entitlements, Entitlement{"group", g})
		}
		out = append(out, a)
		return nil
	})
	return out, err
}
