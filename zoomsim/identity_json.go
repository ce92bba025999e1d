package zoomsim

import (
	"bytes"
	"encoding/json"
	"strconv"
	"time"
	"unicode/utf8"
)

// GET /users is the hot path of every sync: a 100,000-user tenant is 150
// pages of 2,000 per status. Each user's list item is encoded once by hand
// (no reflection), cached on the user, and pages are assembled by copying
// the cached bytes.

// idTimeLayout is Zoom's UTC date-time layout ("2019-06-01T07:58:03Z").
const idTimeLayout = "2006-01-02T15:04:05Z"

// idListItem returns u's GET /users item, from the cache when it is fresh.
// The caller holds t.mu (either mode); concurrent readers may both encode,
// which is harmless.
func (u *User) idListItem() []byte {
	if u.listJSON != nil {
		if p := u.listJSON.Load(); p != nil {
			return *p
		}
	}
	// Encode on the stack, keep an exact-size copy: the cache of a
	// 100,000-user tenant is then about 60 MB.
	var scratch [1024]byte
	b := bytes.Clone(appendUserListItem(scratch[:0], u))
	if u.listJSON != nil {
		u.listJSON.Store(&b)
	}
	return b
}

// appendUserListItem encodes a user as GET /users lists it. Pending users
// have no id, pmi, sign-in data or login types, as in Zoom.
func appendUserListItem(b []byte, u *User) []byte {
	b = append(b, '{')
	if u.ID != "" {
		b = append(b, `"id":`...)
		b = idAppendString(b, u.ID)
		b = append(b, ',')
	}
	b = append(b, `"first_name":`...)
	b = idAppendString(b, u.FirstName)
	b = append(b, `,"last_name":`...)
	b = idAppendString(b, u.LastName)
	b = append(b, `,"display_name":`...)
	b = idAppendString(b, u.DisplayName)
	b = append(b, `,"email":`...)
	b = idAppendString(b, u.Email)
	b = append(b, `,"type":`...)
	b = strconv.AppendInt(b, int64(u.Type), 10)
	if u.PMI != 0 {
		b = append(b, `,"pmi":`...)
		b = strconv.AppendInt(b, u.PMI, 10)
	}
	if u.Timezone != "" {
		b = append(b, `,"timezone":`...)
		b = idAppendString(b, u.Timezone)
	}
	b = append(b, `,"verified":`...)
	b = strconv.AppendInt(b, int64(u.Verified), 10)
	if u.Dept != "" {
		b = append(b, `,"dept":`...)
		b = idAppendString(b, u.Dept)
	}
	if !u.CreatedAt.IsZero() {
		b = append(b, `,"created_at":`...)
		b = idAppendTime(b, u.CreatedAt)
		b = append(b, `,"user_created_at":`...)
		b = idAppendTime(b, u.CreatedAt)
	}
	if !u.LastLoginTime.IsZero() {
		b = append(b, `,"last_login_time":`...)
		b = idAppendTime(b, u.LastLoginTime)
	}
	if u.LastClientVersion != "" {
		b = append(b, `,"last_client_version":`...)
		b = idAppendString(b, u.LastClientVersion)
	}
	b = append(b, `,"status":`...)
	b = idAppendString(b, u.Status)
	b = append(b, `,"role_id":`...)
	b = idAppendString(b, u.RoleID)
	if u.EmployeeUniqueID != "" {
		b = append(b, `,"employee_unique_id":`...)
		b = idAppendString(b, u.EmployeeUniqueID)
	}
	b = append(b, `,"group_ids":[`...)
	for i, g := range u.GroupIDs {
		if i > 0 {
			b = append(b, ',')
		}
		b = idAppendString(b, g)
	}
	b = append(b, ']')
	if len(u.LoginTypes) > 0 && u.Status != StatusPending {
		b = append(b, `,"login_types":[`...)
		for i, lt := range u.LoginTypes {
			if i > 0 {
				b = append(b, ',')
			}
			b = strconv.AppendInt(b, int64(lt), 10)
		}
		b = append(b, ']')
	}
	return append(b, '}')
}

// idAppendTime appends a quoted UTC time in Zoom's layout.
func idAppendTime(b []byte, t time.Time) []byte {
	b = append(b, '"')
	b = t.UTC().AppendFormat(b, idTimeLayout)
	return append(b, '"')
}

// idAppendString appends s as a JSON string. Printable ASCII without
// quotes or backslashes (every generated value) is copied as is; anything
// else goes through encoding/json so that names set through the admin API
// are escaped exactly as json.Marshal would.
func idAppendString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c >= utf8.RuneSelf || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			enc, _ := json.Marshal(s)
			return append(b, enc...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// idHostKey derives a user's six-digit host key; it is not stored because
// only include_fields=host_key shows it.
func idHostKey(u *User) string {
	k := hashString(u.Email) % 1_000_000
	s := strconv.FormatUint(k, 10)
	for len(s) < 6 {
		s = "0" + s
	}
	return s
}

// idEmployeeType is the value of the one custom attribute users carry,
// derived from the e-mail for the same reason as idHostKey.
func idEmployeeType(u *User) string {
	switch hashString("employee-type:"+u.Email) % 20 {
	case 0, 1:
		return "Contractor"
	case 2:
		return "Intern"
	}
	return "Full-time"
}

// idAppendListExtras re-opens a cached list item to add the include_fields
// attributes.
func (t *Tenant) idAppendListExtras(b []byte, u *User, hostKeys, custom bool) []byte {
	item := u.idListItem()
	b = append(b, item[:len(item)-1]...)
	if hostKeys && u.Status != StatusPending {
		b = append(b, `,"host_key":`...)
		b = idAppendString(b, idHostKey(u))
	}
	if custom {
		b = append(b, `,"custom_attributes":[{"key":`...)
		b = idAppendString(b, t.customAttrKey)
		b = append(b, `,"name":"Employee Type","value":`...)
		b = idAppendString(b, idEmployeeType(u))
		b = append(b, `}]`...)
	}
	return append(b, '}')
}

// idEncodeNow marshals a handler's answer while the handler still holds the
// tenant lock: answers that share maps or slices with the tenant must not
// be encoded after the pipeline releases it.
func idEncodeNow(v any) (any, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return rawJSON(b), nil
}

// idCustomAttr is an entry of a user's custom_attributes.
type idCustomAttr struct {
	Key   string `json:"key"`
	Name  string `json:"name"`
	Value string `json:"value"`
}

// idUserObject is GET /users/{userId}, in Zoom's field order.
type idUserObject struct {
	ID                 string         `json:"id,omitempty"`
	FirstName          string         `json:"first_name"`
	LastName           string         `json:"last_name"`
	DisplayName        string         `json:"display_name"`
	Email              string         `json:"email"`
	Type               int            `json:"type"`
	RoleName           string         `json:"role_name,omitempty"`
	PMI                int64          `json:"pmi,omitempty"`
	UsePMI             bool           `json:"use_pmi"`
	PersonalMeetingURL string         `json:"personal_meeting_url,omitempty"`
	Timezone           string         `json:"timezone,omitempty"`
	Verified           int            `json:"verified"`
	Dept               string         `json:"dept,omitempty"`
	CreatedAt          string         `json:"created_at,omitempty"`
	UserCreatedAt      string         `json:"user_created_at,omitempty"`
	LastLoginTime      string         `json:"last_login_time,omitempty"`
	LastClientVersion  string         `json:"last_client_version,omitempty"`
	Language           string         `json:"language,omitempty"`
	Status             string         `json:"status"`
	RoleID             string         `json:"role_id"`
	EmployeeUniqueID   string         `json:"employee_unique_id,omitempty"`
	AccountID          string         `json:"account_id"`
	AccountNumber      int64          `json:"account_number"`
	Cluster            string         `json:"cluster"`
	JobTitle           string         `json:"job_title,omitempty"`
	Company            string         `json:"company,omitempty"`
	Location           string         `json:"location,omitempty"`
	Manager            string         `json:"manager,omitempty"`
	CostCenter         string         `json:"cost_center,omitempty"`
	LoginTypes         []int          `json:"login_types,omitempty"`
	GroupIDs           []string       `json:"group_ids"`
	IMGroupIDs         []string       `json:"im_group_ids"`
	JID                string         `json:"jid,omitempty"`
	CustomAttributes   []idCustomAttr `json:"custom_attributes,omitempty"`
}

// idUserObjectOf builds GET /users/{userId}. For pending users created_at is
// the time of the call, as Zoom documents. The caller holds t.mu.
func (t *Tenant) idUserObjectOf(u *User, now time.Time) idUserObject {
	o := idUserObject{
		ID: u.ID, FirstName: u.FirstName, LastName: u.LastName, DisplayName: u.DisplayName,
		Email: u.Email, Type: u.Type, PMI: u.PMI, Timezone: u.Timezone, Verified: u.Verified,
		Dept: u.Dept, Language: u.Language, Status: u.Status, RoleID: u.RoleID,
		EmployeeUniqueID: u.EmployeeUniqueID, AccountID: t.ID, AccountNumber: t.Number, Cluster: "us06",
		JobTitle: u.JobTitle, Company: t.Name, Location: u.Location, Manager: u.Manager, CostCenter: u.CostCenter,
		GroupIDs: append([]string{}, u.GroupIDs...), IMGroupIDs: []string{},
		CustomAttributes: []idCustomAttr{{Key: t.customAttrKey, Name: "Employee Type", Value: idEmployeeType(u)}},
	}
	if r := t.idRole(u.RoleID); r != nil {
		o.RoleName = r.Name
	}
	if u.PMI != 0 {
		o.PersonalMeetingURL = "https://us06web.zoom.us/j/" + strconv.FormatInt(u.PMI, 10)
	}
	if !u.CreatedAt.IsZero() {
		o.CreatedAt = u.CreatedAt.UTC().Format(idTimeLayout)
		o.UserCreatedAt = o.CreatedAt
	}
	if u.Status == StatusPending {
		o.CreatedAt = now.UTC().Format(idTimeLayout)
	} else {
		o.LoginTypes = append([]int(nil), u.LoginTypes...)
		o.JID = idLower(u.ID) + "@xmpp.zoom.us"
	}
	if !u.LastLoginTime.IsZero() {
		o.LastLoginTime = u.LastLoginTime.UTC().Format(idTimeLayout)
	}
	o.LastClientVersion = u.LastClientVersion
	return o
}

func idLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}
