package zoomsim

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/zoomsight/zoomsight/zoom"
)

// identityRoutes are the user, group, role and account endpoints. Scopes
// are the operation's x-macro-scopes and x-granular-scopes (the union of
// both spec files where an operation is in two); labels and plan
// prerequisites come from the operation's description.
func identityRoutes() []route {
	var h identityAPI
	return []route{
		{method: "GET", path: "/users", op: "users", label: zoom.Medium,
			scopes: idScopes("user:read user:write user:read:admin user:write:admin", "user:read:list_users:admin"), handle: h.users},
		{method: "GET", path: "/users/summary", op: "userSummary", label: zoom.Medium,
			scopes: idScopes("user:read user:write user:read:admin user:write:admin", "user:read:summary:admin"), handle: h.summary},
		{method: "GET", path: "/users/{userId}", op: "user", label: zoom.Light,
			scopes: idScopes("user:read user:write user:read:admin user:write:admin user_profile user_info:read", "user:read:user user:read:user:admin"), handle: h.user},
		{method: "GET", path: "/users/{userId}/settings", op: "userSettings", label: zoom.Medium,
			scopes: idScopes("user:read user:write user:read:admin user:write:admin", "user:read:settings user:read:settings:admin"), handle: h.idUserSettings},
		{method: "GET", path: "/groups", op: "groups", label: zoom.Medium, minPlan: zoom.PlanPro,
			scopes: idScopes("group:read:admin group:write:admin", "group:read:list_groups:admin"), handle: h.groups},
		{method: "GET", path: "/groups/{groupId}/members", op: "groupMembers", label: zoom.Medium, minPlan: zoom.PlanPro,
			scopes: idScopes("group:read:admin group:write:admin", "group:read:list_members:admin"), handle: h.groupMembers},
		{method: "GET", path: "/roles", op: "roles", label: zoom.Medium, minPlan: zoom.PlanPro,
			scopes: idScopes("role:read:admin role:write:admin", "role:read:list_roles role:read:list_roles:admin"), handle: h.roles},
		{method: "GET", path: "/roles/{roleId}/members", op: "roleMembers", label: zoom.Medium, minPlan: zoom.PlanPro,
			scopes: idScopes("role:read:admin role:write:admin", "role:read:list_members role:read:list_members:admin"), handle: h.roleMembers},
		{method: "GET", path: "/accounts", op: "accounts", label: zoom.Medium, minPlan: zoom.PlanPro, master: true,
			scopes: idScopes("account:master account:write:master account:read:master", "account:read:list_sub_accounts:master"), handle: h.accounts},
		{method: "GET", path: "/accounts/{accountId}", op: "GetSubAccountDetails", label: zoom.Light, minPlan: zoom.PlanPro,
			scopes: idScopes("account:master", "account:read:sub_account:master account:read:sub_account:admin"), handle: h.account},
		{method: "GET", path: "/accounts/{accountId}/settings", op: "accountSettings", label: zoom.Medium, minPlan: zoom.PlanPro,
			scopes: idScopes("account:read:admin account:write:admin", "account:read:settings:admin account:read:settings:master"), handle: h.accountSettings},
		{method: "GET", path: "/accounts/{accountId}/lock_settings", op: "getAccountLockSettings", label: zoom.Medium, minPlan: zoom.PlanPro,
			scopes: idScopes("account:read:admin account:write:admin", "account:read:lock_settings:master"), handle: h.lockSettings},
		{method: "GET", path: "/accounts/{accountId}/managed_domains", op: "accountManagedDomain", label: zoom.Light, minPlan: zoom.PlanPro,
			scopes: idScopes("account:read:admin account:master account:write:master account:read:master", "account:read:managed_domains:master"), handle: h.managedDomains},
		{method: "GET", path: "/accounts/{accountId}/trusted_domains", op: "accountTrustedDomain", label: zoom.Light, minPlan: zoom.PlanPro,
			scopes: idScopes("account:read:admin account:master account:write:master account:read:master", "account:read:trusted_domains:master"), handle: h.trustedDomains},
		{method: "GET", path: "/accounts/{accountId}/plans", op: "GetAccountPlanInformation", label: zoom.Medium, minPlan: zoom.PlanPro, master: true,
			scopes: idScopes("billing:master", "billing:read:plan_information:master billing:read:plan_information:admin"), handle: h.plans},
		{method: "GET", path: "/accounts/{accountId}/plans/usage", op: "GetPlanUsage", label: zoom.Heavy, minPlan: zoom.PlanPro,
			scopes: idScopes("billing:master account:master account:read:admin", "billing:read:plan_usage:master billing:read:plan_usage:admin"), handle: h.planUsage},
	}
}

// idScopes joins an operation's classic and granular scope lists.
func idScopes(classic, granular string) []string {
	return append(strings.Fields(classic), strings.Fields(granular)...)
}

// identityAPI holds the identity handlers; a method set keeps their names
// out of the package namespace. Handlers run under the caller's t.mu.RLock.
type identityAPI struct{}

// idInvalidField is Zoom's validation error for a bad query parameter.
func idInvalidField(field string) error {
	return &apiError{Status: http.StatusBadRequest, Code: 300, Message: "Validation Failed.",
		Errors: []fieldError{{Field: field, Message: "Invalid field."}}}
}

func idUserNotFound(id string) error {
	return errorf(http.StatusNotFound, 1001, "User does not exist: %s.", id)
}

// idInvitationTTL is how long an invitation stays valid; GET on a pending
// user invited longer ago answers code 1120.
const idInvitationTTL = 30 * 24 * time.Hour

func (identityAPI) users(c *call) (any, error) {
	q := c.r.URL.Query()
	status := q.Get("status")
	switch status {
	case "":
		status = StatusActive
	case StatusActive, StatusInactive, StatusPending:
	default:
		return nil, idInvalidField("status")
	}
	var hostKeys, custom bool
	if v := q.Get("include_fields"); v != "" {
		for _, f := range strings.Split(v, ",") {
			switch strings.TrimSpace(f) {
			case "host_key":
				hostKeys = true
			case "custom_attributes":
				custom = true
			default:
				return nil, idInvalidField("include_fields")
			}
		}
	}
	t := c.t
	list := t.idIndex().byStatus(status)
	if rid := q.Get("role_id"); rid != "" {
		var f []*User
		for _, u := range list {
			if u.RoleID == rid {
				f = append(f, u)
			}
		}
		list = f
	}
	switch q.Get("license") {
	case "":
	case "zoom_workforce_management", "zoom_compliance_management", "zoom_compliance_manager_for_contact_center":
		list = nil // nobody holds these licences
	default:
		return nil, idInvalidField("license")
	}
	pr, err := c.paginate(len(list), 30, 2000)
	if err != nil {
		return nil, err
	}
	page := list[pr.Lo:pr.Hi]
	size := 160 + len(pr.Next)
	for _, u := range page {
		size += len(u.idListItem()) + 1
	}
	if hostKeys || custom {
		size += len(page) * 128
	}
	b := make([]byte, 0, size)
	b = append(b, `{"page_count":`...)
	b = strconv.AppendInt(b, int64(pr.Count), 10)
	b = append(b, `,"page_number":`...)
	b = strconv.AppendInt(b, int64(pr.Number), 10)
	b = append(b, `,"page_size":`...)
	b = strconv.AppendInt(b, int64(pr.Size), 10)
	b = append(b, `,"total_records":`...)
	b = strconv.AppendInt(b, int64(len(list)), 10)
	b = append(b, `,"next_page_token":`...)
	b = idAppendString(b, pr.Next)
	b = append(b, `,"users":[`...)
	for i, u := range page {
		if i > 0 {
			b = append(b, ',')
		}
		if hostKeys || custom {
			b = t.idAppendListExtras(b, u, hostKeys, custom)
		} else {
			b = append(b, u.idListItem()...)
		}
	}
	b = append(b, "]}"...)
	return rawJSON(b), nil
}

// idFindUser resolves {userId} for the user endpoints, answering Zoom's
// errors for unknown users and expired invitations.
func idFindUser(c *call) (*User, error) {
	key := c.PathValue("userId")
	var u *User
	if c.Query("search_by_unique_id") == "true" {
		for _, x := range c.t.Users {
			if x.EmployeeUniqueID == key {
				u = x
				break
			}
		}
	} else {
		u = c.t.idLookup(key)
	}
	if u == nil {
		return nil, idUserNotFound(key)
	}
	if u.Status == StatusPending && c.now.Sub(u.CreatedAt) > idInvitationTTL {
		return nil, errorf(http.StatusBadRequest, 1120, "A valid invitation to join the Zoom account was not found for this user.")
	}
	return u, nil
}

func (identityAPI) user(c *call) (any, error) {
	u, err := idFindUser(c)
	if err != nil {
		return nil, err
	}
	return c.t.idUserObjectOf(u, c.now), nil
}

func (identityAPI) idUserSettings(c *call) (any, error) {
	u, err := idFindUser(c)
	if err != nil {
		return nil, err
	}
	opt := c.Query("option")
	switch opt {
	case "", "meeting_authentication", "recording_authentication", "meeting_security":
	default:
		return nil, idInvalidField("option")
	}
	f := idCustomFields(c.Query("custom_query_fields"))
	if opt == "" && f != nil {
		if out, ok := c.t.idUserFeatureFields(u, f); ok {
			return idEncodeNow(out) // the same answer, without building every section
		}
	}
	out := c.t.idUserSettings(u, opt)
	if f != nil {
		out = idPickFields(out, f)
	}
	return idEncodeNow(out)
}

// summary is GET /users/summary. Counts are of active users by type, plus
// pending invitations; total_users_count is active plus pending (inactive
// users hold no seat in Zoom's summary).
func (identityAPI) summary(c *call) (any, error) {
	ix := c.t.idIndex()
	var lic, basic, onPrem, joinOnly int
	for _, u := range ix.active {
		switch u.Type {
		case 1:
			basic++
		case 2:
			lic++
		case 3:
			onPrem++
		case 4:
			joinOnly++
		}
	}
	return struct {
		Licensed int `json:"licensed_users_count"`
		Basic    int `json:"basic_users_count"`
		OnPrem   int `json:"on_prem_users_count"`
		Room     int `json:"room_users_count"`
		Pending  int `json:"pending_users_count"`
		JoinOnly int `json:"join_only_users_count"`
		Total    int `json:"total_users_count"`
	}{lic, basic, onPrem, 0, len(ix.pending), joinOnly, len(ix.active) + len(ix.pending)}, nil
}

func (identityAPI) groups(c *call) (any, error) {
	t := c.t
	pr, err := c.paginate(len(t.Groups), 30, 300)
	if err != nil {
		return nil, err
	}
	ix := t.idIndex()
	type group struct {
		ID           string `json:"id"`
		Name         string `json:"name"`
		TotalMembers int    `json:"total_members"`
	}
	// The spec defines no page_size in this answer, so none is sent.
	out := struct {
		Groups        []group `json:"groups"`
		TotalRecords  int     `json:"total_records"`
		NextPageToken string  `json:"next_page_token"`
	}{Groups: []group{}, TotalRecords: len(t.Groups), NextPageToken: pr.Next}
	for _, g := range t.Groups[pr.Lo:pr.Hi] {
		out.Groups = append(out.Groups, group{g.ID, g.Name, len(ix.groupMembers[g.ID])})
	}
	return out, nil
}

// idMemberPage is the paging envelope of the member listings.
type idMemberPage[T any] struct {
	Members       []T    `json:"members"`
	PageCount     int    `json:"page_count"`
	PageNumber    int    `json:"page_number"`
	PageSize      int    `json:"page_size"`
	TotalRecords  int    `json:"total_records"`
	NextPageToken string `json:"next_page_token"`
}

// groupMembers lists a group's active and inactive members: pending users
// carry the group in group_ids but have no id to be listed by.
func (identityAPI) groupMembers(c *call) (any, error) {
	t := c.t
	id := c.PathValue("groupId")
	if t.idGroup(id) == nil {
		return nil, errorf(http.StatusNotFound, 4130, "Group does not exist: %s.", id)
	}
	ms := t.idIndex().groupMembers[id]
	pr, err := c.paginate(len(ms), 30, 2000)
	if err != nil {
		return nil, err
	}
	type member struct {
		ID        string `json:"id"`
		Email     string `json:"email"`
		FirstName string `json:"first_name"`
		LastName  string `json:"last_name"`
		Type      int    `json:"type"`
	}
	out := idMemberPage[member]{Members: make([]member, 0, pr.Hi-pr.Lo), PageCount: pr.Count, PageNumber: pr.Number,
		PageSize: pr.Size, TotalRecords: len(ms), NextPageToken: pr.Next}
	for _, u := range ms[pr.Lo:pr.Hi] {
		out.Members = append(out.Members, member{u.ID, u.Email, u.FirstName, u.LastName, u.Type})
	}
	return out, nil
}

func (identityAPI) roles(c *call) (any, error) {
	t := c.t
	type role struct {
		ID           string `json:"id"`
		Name         string `json:"name"`
		Description  string `json:"description"`
		Type         string `json:"type"`
		TotalMembers int    `json:"total_members"`
	}
	out := struct {
		Roles        []role `json:"roles"`
		TotalRecords int    `json:"total_records"`
	}{Roles: []role{}}
	switch c.Query("type") {
	case "", "common":
		ix := t.idIndex()
		for _, r := range t.Roles {
			out.Roles = append(out.Roles, role{r.ID, r.Name, r.Description, r.Type, len(ix.roleMembers[r.ID])})
		}
	case "iq":
		// No Zoom Revenue Accelerator roles in simulated tenants.
	default:
		return nil, idInvalidField("type")
	}
	out.TotalRecords = len(out.Roles)
	return out, nil
}

// roleMembers lists the active and inactive holders of a role.
func (identityAPI) roleMembers(c *call) (any, error) {
	t := c.t
	id := c.PathValue("roleId")
	if t.idRole(id) == nil {
		return nil, errorf(http.StatusBadRequest, 1034, "Role does not exist: %s.", id)
	}
	ms := t.idIndex().roleMembers[id]
	pr, err := c.paginate(len(ms), 30, 300)
	if err != nil {
		return nil, err
	}
	type member struct {
		ID         string `json:"id"`
		Email      string `json:"email"`
		FirstName  string `json:"first_name"`
		LastName   string `json:"last_name"`
		Type       int    `json:"type"`
		Department string `json:"department"`
	}
	out := idMemberPage[member]{Members: make([]member, 0, pr.Hi-pr.Lo), PageCount: pr.Count, PageNumber: pr.Number,
		PageSize: pr.Size, TotalRecords: len(ms), NextPageToken: pr.Next}
	for _, u := range ms[pr.Lo:pr.Hi] {
		out.Members = append(out.Members, member{u.ID, u.Email, u.FirstName, u.LastName, u.Type, u.Dept})
	}
	return out, nil
}

// idResolveAccount maps {accountId} to a tenant: "me" or the caller's own id
// is the caller; a sub-account id works for its master only.
func idResolveAccount(c *call) (*Tenant, string, bool) {
	id := c.PathValue("accountId")
	if id == "me" || id == c.t.ID {
		return c.t, id, true
	}
	for _, s := range c.t.SubAccounts {
		if s.ID == id {
			return s, id, true
		}
	}
	return nil, id, false
}

// idWithAccount runs fn on the {accountId} tenant under its read lock (the
// pipeline holds only the caller's). fn must encode its answer itself.
func idWithAccount(c *call, notFound func(id string) error, fn func(t *Tenant) (any, error)) (any, error) {
	t, id, ok := idResolveAccount(c)
	if !ok {
		return nil, notFound(id)
	}
	if t != c.t {
		t.mu.RLock()
		defer t.mu.RUnlock()
	}
	return fn(t)
}

func idAccountNotFound(id string) error {
	return errorf(http.StatusNotFound, 2001, "Account does not exist: %s.", id)
}

func idDate(t time.Time) string { return t.UTC().Format("2006-01-02") }

func (t *Tenant) idSubEnd() time.Time { return t.subStart.AddDate(1, 0, 0) }

// idNextInvoice is the first billing date after now.
func (t *Tenant) idNextInvoice(now time.Time) time.Time {
	if t.Plans.BaseType == "yearly" {
		return t.idSubEnd()
	}
	d := t.subStart
	for !d.After(now) {
		d = d.AddDate(0, 1, 0)
	}
	return d
}

type idSubAccount struct {
	ID                    string  `json:"id"`
	AccountName           string  `json:"account_name"`
	AccountNumber         float64 `json:"account_number"`
	AccountType           string  `json:"account_type"`
	OwnerEmail            string  `json:"owner_email"`
	CreatedAt             string  `json:"created_at"`
	Seats                 int     `json:"seats"`
	SubscriptionStartTime string  `json:"subscription_start_time"`
	SubscriptionEndTime   string  `json:"subscription_end_time"`
	Reseller              bool    `json:"reseller"`
	BulkLicense           bool    `json:"bulk_license"`
}

// accounts lists the caller's sub-accounts. Their listed fields never
// change after generation, so no sub-account lock is needed.
func (identityAPI) accounts(c *call) (any, error) {
	subs := c.t.SubAccounts
	if e := c.Query("email"); e != "" {
		var f []*Tenant
		for _, s := range subs {
			if strings.EqualFold(s.OwnerEmail, e) {
				f = append(f, s)
			}
		}
		subs = f
	}
	pr, err := c.paginate(len(subs), 30, 300)
	if err != nil {
		return nil, err
	}
	out := struct {
		NextPageToken string         `json:"next_page_token"`
		PageCount     int            `json:"page_count"`
		PageNumber    int            `json:"page_number"`
		PageSize      int            `json:"page_size"`
		TotalRecords  int            `json:"total_records"`
		Accounts      []idSubAccount `json:"accounts"`
	}{pr.Next, pr.Count, pr.Number, pr.Size, len(subs), []idSubAccount{}}
	for _, s := range subs[pr.Lo:pr.Hi] {
		out.Accounts = append(out.Accounts, idSubAccount{
			ID: s.ID, AccountName: s.Name, AccountNumber: float64(s.Number), AccountType: s.AccountType,
			OwnerEmail: s.OwnerEmail, CreatedAt: s.CreatedAt.UTC().Format(idTimeLayout), Seats: s.Seats,
			SubscriptionStartTime: s.subStart.Format(idTimeLayout), SubscriptionEndTime: s.idSubEnd().Format(idTimeLayout),
		})
	}
	return out, nil
}

// account is GET /accounts/{accountId}. The spec puts it in the master
// account API; the simulator also answers "me" for standard accounts,
// since the integration needs the account's own record.
func (identityAPI) account(c *call) (any, error) {
	return idWithAccount(c, idAccountNotFound, func(t *Tenant) (any, error) {
		type options struct {
			ShareRC            bool     `json:"share_rc"`
			RoomConnectorList  []string `json:"room_connector_list"`
			ShareMC            bool     `json:"share_mc"`
			MeetingConnectors  []string `json:"meeting_connector_list"`
			PayMode            string   `json:"pay_mode"`
			BillingAutoRenew   bool     `json:"billing_auto_renew"`
			ResourceShareMC    bool     `json:"resource_share_mc"`
			ResourceShareMH    bool     `json:"resource_share_mh"`
			ResourceHybridList []string `json:"resource_meeting_hybrid_list"`
		}
		out := struct {
			ID                    string  `json:"id"`
			AccountName           string  `json:"account_name"`
			AccountNumber         int64   `json:"account_number"`
			AccountType           string  `json:"account_type"`
			OwnerID               string  `json:"owner_id"`
			OwnerEmail            string  `json:"owner_email"`
			CreatedAt             string  `json:"created_at"`
			Seats                 int     `json:"seats"`
			SubscriptionStartTime string  `json:"subscription_start_time"`
			SubscriptionEndTime   string  `json:"subscription_end_time"`
			VanityURL             string  `json:"vanity_url,omitempty"`
			Reseller              bool    `json:"reseller"`
			Options               options `json:"options"`
		}{
			ID: t.ID, AccountName: t.Name, AccountNumber: t.Number, AccountType: t.AccountType,
			OwnerID: t.OwnerID, OwnerEmail: t.OwnerEmail, CreatedAt: t.CreatedAt.UTC().Format(idTimeLayout), Seats: t.Seats,
			SubscriptionStartTime: t.subStart.Format(idTimeLayout), SubscriptionEndTime: t.idSubEnd().Format(idTimeLayout),
			VanityURL: t.VanityURL,
			Options: options{RoomConnectorList: []string{}, MeetingConnectors: []string{}, ResourceHybridList: []string{},
				PayMode: "master", BillingAutoRenew: true},
		}
		return out, nil
	})
}

func (identityAPI) accountSettings(c *call) (any, error) {
	return idWithAccount(c, idAccountNotFound, func(t *Tenant) (any, error) {
		opt := c.Query("option")
		var out map[string]any
		switch opt {
		case "":
			out = defaultSettingsView(t.Settings)
		case "security", "meeting_security":
			out = map[string]any{opt: t.Settings[opt]}
		case "meeting_authentication", "recording_authentication":
			out, _ = t.Settings[opt].(map[string]any)
		default:
			return nil, idInvalidField("option")
		}
		if f := idCustomFields(c.Query("custom_query_fields")); f != nil {
			out = idPickFields(out, f)
		}
		return idEncodeNow(out)
	})
}

func (identityAPI) lockSettings(c *call) (any, error) {
	notFound := func(id string) error {
		return errorf(http.StatusBadRequest, 2001, "Account does not exist: %s.", id)
	}
	return idWithAccount(c, notFound, func(t *Tenant) (any, error) {
		var out map[string]any
		if c.Query("option") == "meeting_security" {
			out = map[string]any{"meeting_security": t.LockSettings["meeting_security"]}
		} else {
			out = make(map[string]any, len(t.LockSettings))
			for k, v := range t.LockSettings {
				if k != "meeting_security" {
					out[k] = v
				}
			}
		}
		if f := idCustomFields(c.Query("custom_query_fields")); f != nil {
			out = idPickFields(out, f)
		}
		return idEncodeNow(out)
	})
}

func (identityAPI) managedDomains(c *call) (any, error) {
	return idWithAccount(c, idAccountNotFound, func(t *Tenant) (any, error) {
		type domain struct {
			Domain string `json:"domain"`
			Status string `json:"status"`
		}
		out := struct {
			Domains      []domain `json:"domains"`
			TotalRecords int      `json:"total_records"`
		}{Domains: []domain{}}
		for _, d := range t.ManagedDomains {
			out.Domains = append(out.Domains, domain(d))
		}
		out.TotalRecords = len(out.Domains)
		return out, nil
	})
}

func (identityAPI) trustedDomains(c *call) (any, error) {
	return idWithAccount(c, idAccountNotFound, func(t *Tenant) (any, error) {
		return struct {
			TrustedDomains []string `json:"trusted_domains"`
		}{append([]string{}, t.TrustedDomains...)}, nil
	})
}

// idPlanItem is a dated plan entry of GET /accounts/{id}/plans.
type idPlanItem struct {
	Type                 string `json:"type"`
	Hosts                int    `json:"hosts,omitempty"`
	ActiveHosts          int    `json:"active_hosts,omitempty"`
	Status               string `json:"status"`
	ServiceEffectiveDate string `json:"service_effective_date"`
	NextInvoiceDate      string `json:"next_invoice_date"`
}

// idPlanCounts are the usage figures of a tenant's plan. usage counts active
// licensed users, pending licensed invitations, and active_hosts the
// licensed users who signed in within 30 days.
type idPlanCounts struct {
	usage, pending, activeHosts, phone int
	large, webinar                     map[int]int // holders by capacity
}

func (t *Tenant) idPlanCounts(now time.Time) idPlanCounts {
	pc := idPlanCounts{large: map[int]int{}, webinar: map[int]int{}}
	for _, u := range t.Users {
		if u.Type == 2 {
			switch u.Status {
			case StatusActive:
				pc.usage++
				if !u.LastLoginTime.IsZero() && now.Sub(u.LastLoginTime) <= 30*24*time.Hour {
					pc.activeHosts++
				}
			case StatusPending:
				pc.pending++
			}
		}
		if u.Features.LargeMeeting {
			pc.large[u.Features.LargeMeetingCapacity]++
		}
		if u.Features.Webinar {
			pc.webinar[u.Features.WebinarCapacity]++
		}
		if u.Features.ZoomPhone {
			pc.phone++
		}
	}
	return pc
}

func (identityAPI) plans(c *call) (any, error) {
	return idWithAccount(c, idAccountNotFound, func(t *Tenant) (any, error) {
		pc := t.idPlanCounts(c.now)
		eff, next := idDate(t.CreatedAt), idDate(t.idNextInvoice(c.now))
		item := func(typ string, hosts int) idPlanItem {
			return idPlanItem{Type: typ, Hosts: hosts, Status: "active", ServiceEffectiveDate: eff, NextInvoiceDate: next}
		}
		out := map[string]any{}
		base := item(t.Plans.BaseType, t.Plans.BaseHosts)
		base.ActiveHosts = pc.activeHosts
		out["plan_base"] = base
		large, web := []idPlanItem{}, []idPlanItem{}
		for _, a := range t.Plans.LargeMeeting {
			large = append(large, item(a.Type, a.Hosts))
		}
		for _, a := range t.Plans.Webinar {
			web = append(web, item(a.Type, a.Hosts))
		}
		out["plan_large_meeting"] = large
		out["plan_webinar"] = web
		if t.Plans.Recording != "" {
			out["plan_recording"] = t.Plans.Recording
			out["plan_recording_status"] = "active"
			out["plan_recording_service_effective_date"] = eff
			out["plan_recording_next_invoice_date"] = next
		}
		if t.Plans.Phone {
			pb := item("phone_monthly", 0)
			out["plan_phone"] = map[string]any{
				"plan_base":    map[string]any{"type": pb.Type, "status": pb.Status, "service_effective_date": eff, "next_invoice_date": next},
				"plan_calling": []idPlanItem{item("US_CA_METERED_CALLING", pc.phone)},
				"plan_number":  []idPlanItem{},
			}
		}
		return out, nil
	})
}

func (identityAPI) planUsage(c *call) (any, error) {
	return idWithAccount(c, idAccountNotFound, func(t *Tenant) (any, error) {
		pc := t.idPlanCounts(c.now)
		type usage struct {
			Type        string `json:"type"`
			Hosts       int    `json:"hosts"`
			Usage       int    `json:"usage"`
			ActiveHosts int    `json:"active_hosts,omitempty"`
			Pending     int    `json:"pending"`
		}
		out := map[string]any{
			"plan_base": usage{Type: t.Plans.BaseType, Hosts: t.Plans.BaseHosts, Usage: pc.usage, ActiveHosts: pc.activeHosts, Pending: pc.pending},
		}
		large, web := []usage{}, []usage{}
		for _, a := range t.Plans.LargeMeeting {
			large = append(large, usage{Type: a.Type, Hosts: a.Hosts, Usage: pc.large[a.Capacity]})
		}
		for _, a := range t.Plans.Webinar {
			web = append(web, usage{Type: a.Type, Hosts: a.Hosts, Usage: pc.webinar[a.Capacity]})
		}
		out["plan_large_meeting"] = large
		out["plan_webinar"] = web
		if t.Plans.Recording != "" {
			total := 1000
			if strings.HasSuffix(t.Plans.Recording, "_40") {
				total = 100
			}
			used := int(hashString(t.ID) % uint64(total))
			out["plan_recording"] = map[string]string{
				"type": t.Plans.Recording, "free_storage": "0 GB", "free_storage_usage": "0 GB",
				"plan_storage": strconv.Itoa(total) + " GB", "plan_storage_usage": strconv.Itoa(used) + " GB",
				"plan_storage_exceed": "0",
			}
		}
		return out, nil
	})
}
