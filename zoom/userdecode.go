package zoom

import (
	"encoding/binary"
	"encoding/json"
	"math/bits"
	"reflect"
	"strings"
	"time"
	"unicode/utf16"
	"unicode/utf8"
)

// GET /users is the hot path of every sync (a 100,000-user tenant is 50
// pages of 2,000), and encoding/json spent ~10 µs per user on it.
// The decoder below handles the shapes Zoom sends without reflection. It is
// all-or-nothing: on anything it does not reproduce exactly (a type
// mismatch, a key that only matches case-insensitively or is escaped, a
// repeated list key, malformed JSON, ...) it gives up and json.Unmarshal
// decodes the same bytes, so results and errors never depend on how
// complete the fast path is.

// decodeJSON decodes a GET /users page into p exactly as json.Unmarshal
// would. Decoded strings never alias b, which the caller reuses.
func (p *usersPage) decodeJSON(b []byte) error {
	if p.decodeFast(b) {
		return nil
	}
	return json.Unmarshal(b, p)
}

// decodeFast decodes b with the hand-written decoder and reports whether it
// could; when it could not, p is untouched.
func (p *usersPage) decodeFast(b []byte) bool {
	if p.pageInfo != (pageInfo{}) || p.Users != nil {
		// json.Unmarshal merges into existing values; the client always
		// decodes into a fresh page, so that is not worth replicating.
		return false
	}
	var q usersPage
	d := userDecoder{b: b}
	if !d.page(&q) {
		return false
	}
	*p = q
	return true
}

// maxUsersHint bounds the capacity reserved from page_size: Zoom's largest
// GET /users page is 2000, and a lying page_size must not allocate much.
const maxUsersHint = 2000

// maxSkipDepth bounds the nesting of skipped unknown values; deeper input
// goes to encoding/json, which has its own (larger) limit.
const maxSkipDepth = 64

// Bits of userDecoder.user's "seen" set, one per list field: json.Unmarshal
// merges a repeated list key into the first list, which the fast path does
// not reproduce.
const (
	seenLicenses = 1 << iota
	seenGroups
	seenIMGroups
	seenDivisions
	seenCustom
	seenLoginTypes
	seenPhones
)

// The shared-string cache has 1<<sharedBits slots: a page's repeated values
// (a few hundred at most) rarely collide in it.
const (
	sharedBits  = 10
	sharedSlots = 1 << sharedBits
)

// userDecoder is a strict, single-pass JSON reader specialised to
// usersPage. Every method reports false when the fast path must give up.
type userDecoder struct {
	b     []byte
	i     int
	depth int    // nesting of skipped values
	buf   []byte // scratch for unescaping strings

	// Scratch for decodeList.
	strBuf   []string
	intBuf   []int
	licBuf   []LicenseInfo
	attrBuf  []CustomAttribute
	phoneBuf []PhoneNumber

	// shared holds recent values of fields that repeat across users
	// (status, time zone, group IDs, ...), so that a page allocates each
	// such value once: a direct-mapped cache keyed by a hash of the bytes.
	shared [sharedSlots]string

	// follows[f] is the field that last followed field f in a user (0:
	// at the start), to predict keys.
	follows [numUserFields]userField
}

// Field names of each decoded type, as encoding/json matches them: in
// lower case (keys with upper case never reach the lookup). A key the fast
// path does not decode is skipped only if it matches none of these, so that
// a field added to the types but not to the fast path makes it give up
// rather than drop the field.
var (
	pageFieldNames        = jsonFieldNames(reflect.TypeFor[usersPage]())
	userFieldNames        = jsonFieldNames(reflect.TypeFor[User]())
	licenseFieldNames     = jsonFieldNames(reflect.TypeFor[LicenseInfo]())
	customAttrFieldNames  = jsonFieldNames(reflect.TypeFor[CustomAttribute]())
	phoneNumberFieldNames = jsonFieldNames(reflect.TypeFor[PhoneNumber]())
)

// jsonFieldNames lists the lower-cased JSON names of t's fields, including
// those of embedded structs.
func jsonFieldNames(t reflect.Type) map[string]bool {
	names := map[string]bool{}
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		name, _, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" && f.Type.Kind() == reflect.Struct {
			for n := range jsonFieldNames(f.Type) {
				names[n] = true
			}
			continue
		}
		if tag == "-" {
			continue
		}
		if name == "" {
			name = f.Name
		}
		names[strings.ToLower(name)] = true
	}
	return names
}

// unknown skips the value of a key the decoder has no case for. The key
// must be one encoding/json ignores too: one that matches no field, even
// case-insensitively. Keys with upper case or non-ASCII bytes give up
// rather than replicate its folding.
func (d *userDecoder) unknown(key []byte, fields map[string]bool) bool {
	for _, c := range key {
		if c >= utf8.RuneSelf || 'A' <= c && c <= 'Z' {
			return false
		}
	}
	if fields[string(key)] {
		return false
	}
	return d.skip()
}

func (d *userDecoder) ws() {
	if d.i < len(d.b) && d.b[d.i] > ' ' {
		return // compact JSON, the common case
	}
	for d.i < len(d.b) {
		switch d.b[d.i] {
		case ' ', '\t', '\n', '\r':
			d.i++
		default:
			return
		}
	}
}

// peek returns the next byte, or 0 at the end.
func (d *userDecoder) peek() byte {
	if d.i < len(d.b) {
		return d.b[d.i]
	}
	return 0
}

// next skips white space and returns the next byte, or 0 at the end.
func (d *userDecoder) next() byte {
	d.ws()
	return d.peek()
}

func (d *userDecoder) literal(lit string) bool {
	if len(d.b)-d.i < len(lit) || string(d.b[d.i:d.i+len(lit)]) != lit {
		return false
	}
	d.i += len(lit)
	return true
}

// openObject consumes '{' and reports whether a member follows.
func (d *userDecoder) openObject() (more, ok bool) {
	if d.next() != '{' {
		return false, false
	}
	d.i++
	switch d.next() {
	case '}':
		d.i++
		return false, true
	case '"':
		return true, true
	}
	return false, false
}

// nextMember consumes ',' or '}' after a member's value.
func (d *userDecoder) nextMember() (more, ok bool) {
	switch d.next() {
	case ',':
		d.i++
		return true, d.next() == '"'
	case '}':
		d.i++
		return false, true
	}
	return false, false
}

// openArray consumes '[' and reports whether an element follows.
func (d *userDecoder) openArray() (more, ok bool) {
	if d.next() != '[' {
		return false, false
	}
	d.i++
	if d.next() == ']' {
		d.i++
		return false, true
	}
	return true, true
}

// nextElem consumes ',' or ']' after an element.
func (d *userDecoder) nextElem() (more, ok bool) {
	switch d.next() {
	case ',':
		d.i++
		d.ws()
		return true, true
	case ']':
		d.i++
		return false, true
	}
	return false, false
}

// key reads a member's key and its colon, leaving d at the value. Escaped
// and non-ASCII keys give up: encoding/json matches them after unescaping
// and folding.
func (d *userDecoder) key() ([]byte, bool) {
	start := d.i + 1
	i := plainRun(d.b, start)
	if i >= len(d.b) || d.b[i] != '"' {
		return nil, false
	}
	d.i = i + 1
	if d.next() != ':' {
		return nil, false
	}
	d.i++
	d.ws()
	return d.b[start:i], true
}

// end reports whether only white space is left.
func (d *userDecoder) end() bool {
	d.ws()
	return d.i == len(d.b)
}

func (d *userDecoder) page(p *usersPage) bool {
	more, ok := d.openObject()
	seenUsers := false
	for ok && more {
		var key []byte
		if key, ok = d.key(); !ok {
			return false
		}
		switch string(key) {
		case "next_page_token":
			ok = d.str(&p.NextPageToken)
		case "page_count":
			ok = d.intField(&p.PageCount)
		case "page_size":
			ok = d.intField(&p.PageSize)
		case "total_records":
			ok = d.intField(&p.TotalRecords)
		case "users":
			ok = !seenUsers && d.users(&p.Users, p.PageSize)
			seenUsers = true
		default:
			ok = d.unknown(key, pageFieldNames)
		}
		if ok {
			more, ok = d.nextMember()
		}
	}
	return ok && d.end()
}

// users decodes the users list. hint is the page_size seen so far, which
// Zoom sends before the list; it saves growing a slice of large structs.
func (d *userDecoder) users(dst *[]User, hint int) bool {
	if d.peek() == 'n' {
		*dst = nil
		return d.literal("null")
	}
	more, ok := d.openArray()
	var us []User
	if more && hint > 0 {
		// Each element takes at least 3 bytes ("{},").
		us = make([]User, 0, min(hint, maxUsersHint, (len(d.b)-d.i)/3+1))
	}
	for ok && more {
		if len(us) < cap(us) {
			// The spare capacity of a slice from make or append is zeroed;
			// this saves copying in an 800-byte zero User.
			us = us[:len(us)+1]
		} else {
			us = append(us, User{})
		}
		switch d.peek() {
		case '{':
			ok = d.user(&us[len(us)-1])
		case 'n':
			ok = d.literal("null")
		default:
			ok = false
		}
		if ok {
			more, ok = d.nextElem()
		}
	}
	if !ok {
		return false
	}
	switch {
	case us == nil:
		us = []User{} // encoding/json makes [] an empty, non-nil slice
	case cap(us)-len(us) > cap(us)/4:
		// A short last page: do not pin the unused part of the hint.
		us = append([]User(nil), us...)
	}
	*dst = us
	return true
}

// userField numbers the User fields the fast path decodes; 0 is none.
type userField uint8

const (
	uID userField = iota + 1
	uEmail
	uFirstName
	uLastName
	uDisplayName
	uEmployeeUniqueID
	uPMI
	uUsePMI
	uHostKey
	uType
	uStatus
	uVerified
	uPlanUnitedType
	uZoomOneType
	uLicenseInfoList
	uRoleID
	uRoleName
	uDept
	uGroupIDs
	uIMGroupIDs
	uDivisionIDs
	uCustomAttributes
	uUserCreatedAt
	uCreatedAt
	uLastLoginTime
	uLastClientVersion
	uLoginTypes
	uTimezone
	uLanguage
	uAccountID
	uAccountNumber
	uCMSUserID
	uJID
	uCompany
	uJobTitle
	uCostCenter
	uLocation
	uManager
	uPronouns
	uPronounsOption
	uPicURL
	uPersonalMeetingURL
	uVanityURL
	uCluster
	uPhoneNumbers
	uPhoneCountry
	uPhoneNumber
	numUserFields
)

// userKeys are the fields' JSON names.
var userKeys = [numUserFields]string{
	uID:                 "id",
	uEmail:              "email",
	uFirstName:          "first_name",
	uLastName:           "last_name",
	uDisplayName:        "display_name",
	uEmployeeUniqueID:   "employee_unique_id",
	uPMI:                "pmi",
	uUsePMI:             "use_pmi",
	uHostKey:            "host_key",
	uType:               "type",
	uStatus:             "status",
	uVerified:           "verified",
	uPlanUnitedType:     "plan_united_type",
	uZoomOneType:        "zoom_one_type",
	uLicenseInfoList:    "license_info_list",
	uRoleID:             "role_id",
	uRoleName:           "role_name",
	uDept:               "dept",
	uGroupIDs:           "group_ids",
	uIMGroupIDs:         "im_group_ids",
	uDivisionIDs:        "division_ids",
	uCustomAttributes:   "custom_attributes",
	uUserCreatedAt:      "user_created_at",
	uCreatedAt:          "created_at",
	uLastLoginTime:      "last_login_time",
	uLastClientVersion:  "last_client_version",
	uLoginTypes:         "login_types",
	uTimezone:           "timezone",
	uLanguage:           "language",
	uAccountID:          "account_id",
	uAccountNumber:      "account_number",
	uCMSUserID:          "cms_user_id",
	uJID:                "jid",
	uCompany:            "company",
	uJobTitle:           "job_title",
	uCostCenter:         "cost_center",
	uLocation:           "location",
	uManager:            "manager",
	uPronouns:           "pronouns",
	uPronounsOption:     "pronouns_option",
	uPicURL:             "pic_url",
	uPersonalMeetingURL: "personal_meeting_url",
	uVanityURL:          "vanity_url",
	uCluster:            "cluster",
	uPhoneNumbers:       "phone_numbers",
	uPhoneCountry:       "phone_country",
	uPhoneNumber:        "phone_number",
}

var (
	// userKeyPrefixes are the keys as they start a member in compact JSON.
	userKeyPrefixes [numUserFields]string
	userKeyFields   = map[string]userField{}
)

func init() {
	for f, k := range userKeys[1:] {
		userKeyPrefixes[f+1] = `"` + k + `":`
		userKeyFields[k] = userField(f + 1)
	}
}

// userKey reads the key of a user's member that follows a member of field
// prev (0 at the start) and returns its field. Zoom sends the fields of
// every user in the same order, so the key that followed prev last time is
// tried first, which saves scanning the key and looking it up.
func (d *userDecoder) userKey(prev userField) (f userField, key []byte, ok bool) {
	if f := d.follows[prev]; f != 0 {
		p := userKeyPrefixes[f]
		if len(d.b)-d.i >= len(p) && string(d.b[d.i:d.i+len(p)]) == p {
			d.i += len(p)
			d.ws()
			return f, nil, true
		}
	}
	if key, ok = d.key(); !ok {
		return 0, nil, false
	}
	f = userKeyFields[string(key)]
	d.follows[prev] = f
	return f, key, true
}

func (d *userDecoder) user(u *User) bool {
	more, ok := d.openObject()
	var seen uint
	var f userField
	for ok && more {
		var key []byte
		if f, key, ok = d.userKey(f); !ok {
			return false
		}
		switch f {
		case uID:
			ok = d.str(&u.ID)
		case uEmail:
			ok = d.str(&u.Email)
		case uFirstName:
			ok = d.str(&u.FirstName)
		case uLastName:
			ok = d.str(&u.LastName)
		case uDisplayName:
			ok = d.str(&u.DisplayName)
		case uEmployeeUniqueID:
			ok = d.str(&u.EmployeeUniqueID)
		case uPMI:
			ok = d.int64Field(&u.PMI)
		case uUsePMI:
			ok = d.boolField(&u.UsePMI)
		case uHostKey:
			ok = d.str(&u.HostKey)
		case uType:
			ok = d.intField(&u.Type)
		case uStatus:
			ok = d.strShared(&u.Status)
		case uVerified:
			ok = d.intField(&u.Verified)
		case uPlanUnitedType:
			ok = d.strShared(&u.PlanUnitedType)
		case uZoomOneType:
			ok = d.intField(&u.ZoomOneType)
		case uLicenseInfoList:
			ok = d.once(&seen, seenLicenses) && decodeList(d, &u.LicenseInfoList, &d.licBuf, d.license)
		case uRoleID:
			ok = d.strShared(&u.RoleID)
		case uRoleName:
			ok = d.strShared(&u.RoleName)
		case uDept:
			ok = d.strShared(&u.Dept)
		case uGroupIDs:
			ok = d.once(&seen, seenGroups) && d.sharedStrings(&u.GroupIDs)
		case uIMGroupIDs:
			ok = d.once(&seen, seenIMGroups) && d.sharedStrings(&u.IMGroupIDs)
		case uDivisionIDs:
			ok = d.once(&seen, seenDivisions) && d.sharedStrings(&u.DivisionIDs)
		case uCustomAttributes:
			ok = d.once(&seen, seenCustom) && decodeList(d, &u.CustomAttributes, &d.attrBuf, d.customAttribute)
		case uUserCreatedAt:
			ok = d.stdTime(&u.UserCreatedAt)
		case uCreatedAt:
			ok = d.stdTime(&u.CreatedAt)
		case uLastLoginTime:
			ok = d.zoomTime(&u.LastLoginTime)
		case uLastClientVersion:
			ok = d.strShared(&u.LastClientVersion)
		case uLoginTypes:
			ok = d.once(&seen, seenLoginTypes) && decodeList(d, &u.LoginTypes, &d.intBuf, d.intField)
		case uTimezone:
			ok = d.strShared(&u.Timezone)
		case uLanguage:
			ok = d.strShared(&u.Language)
		case uAccountID:
			ok = d.strShared(&u.AccountID)
		case uAccountNumber:
			ok = d.int64Field(&u.AccountNumber)
		case uCMSUserID:
			ok = d.str(&u.CMSUserID)
		case uJID:
			ok = d.str(&u.JID)
		case uCompany:
			ok = d.strShared(&u.Company)
		case uJobTitle:
			ok = d.strShared(&u.JobTitle)
		case uCostCenter:
			ok = d.strShared(&u.CostCenter)
		case uLocation:
			ok = d.strShared(&u.Location)
		case uManager:
			ok = d.strShared(&u.Manager)
		case uPronouns:
			ok = d.strShared(&u.Pronouns)
		case uPronounsOption:
			ok = d.intField(&u.PronounsOption)
		case uPicURL:
			ok = d.str(&u.PicURL)
		case uPersonalMeetingURL:
			ok = d.str(&u.PersonalMeetingURL)
		case uVanityURL:
			ok = d.str(&u.VanityURL)
		case uCluster:
			ok = d.strShared(&u.Cluster)
		case uPhoneNumbers:
			ok = d.once(&seen, seenPhones) && decodeList(d, &u.PhoneNumbers, &d.phoneBuf, d.phoneNumber)
		case uPhoneCountry:
			ok = d.strShared(&u.PhoneCountry)
		case uPhoneNumber:
			ok = d.str(&u.PhoneNumber)
		default:
			ok = d.unknown(key, userFieldNames)
		}
		if !ok {
			return false
		}
		more, ok = d.nextMember()
	}
	return ok
}

// once records a list field in seen and reports whether it is new.
func (d *userDecoder) once(seen *uint, bit uint) bool {
	if *seen&bit != 0 {
		return false
	}
	*seen |= bit
	return true
}

// decodeList decodes a JSON array into *dst with elem, as encoding/json
// does: null makes the list nil, [] an empty non-nil list, and a null
// element the zero element. Elements are gathered in *scratch and copied
// out at their exact length, in one allocation.
func decodeList[T any](d *userDecoder, dst, scratch *[]T, elem func(*T) bool) bool {
	if d.peek() == 'n' {
		*dst = nil
		return d.literal("null")
	}
	more, ok := d.openArray()
	list := (*scratch)[:0]
	for ok && more {
		var zero T
		list = append(list, zero)
		if d.peek() == 'n' {
			ok = d.literal("null")
		} else {
			ok = elem(&list[len(list)-1])
		}
		if ok {
			more, ok = d.nextElem()
		}
	}
	*scratch = list
	*dst = append([]T{}, list...)
	return ok
}

func (d *userDecoder) sharedStrings(dst *[]string) bool {
	return decodeList(d, dst, &d.strBuf, d.strShared)
}

func (d *userDecoder) license(l *LicenseInfo) bool {
	more, ok := d.openObject()
	for ok && more {
		var key []byte
		if key, ok = d.key(); !ok {
			return false
		}
		switch string(key) {
		case "license_type":
			ok = d.strShared(&l.LicenseType)
		case "license_option":
			ok = d.int64Field(&l.LicenseOption)
		case "subscription_id":
			ok = d.strShared(&l.SubscriptionID)
		default:
			ok = d.unknown(key, licenseFieldNames)
		}
		if ok {
			more, ok = d.nextMember()
		}
	}
	return ok
}

func (d *userDecoder) customAttribute(a *CustomAttribute) bool {
	more, ok := d.openObject()
	for ok && more {
		var key []byte
		if key, ok = d.key(); !ok {
			return false
		}
		switch string(key) {
		case "key":
			ok = d.strShared(&a.Key)
		case "name":
			ok = d.strShared(&a.Name)
		case "value":
			ok = d.strShared(&a.Value)
		default:
			ok = d.unknown(key, customAttrFieldNames)
		}
		if ok {
			more, ok = d.nextMember()
		}
	}
	return ok
}

func (d *userDecoder) phoneNumber(n *PhoneNumber) bool {
	more, ok := d.openObject()
	for ok && more {
		var key []byte
		if key, ok = d.key(); !ok {
			return false
		}
		switch string(key) {
		case "code":
			ok = d.strShared(&n.Code)
		case "country":
			ok = d.strShared(&n.Country)
		case "label":
			ok = d.strShared(&n.Label)
		case "number":
			ok = d.str(&n.Number)
		case "verified":
			ok = d.boolField(&n.Verified)
		default:
			ok = d.unknown(key, phoneNumberFieldNames)
		}
		if ok {
			more, ok = d.nextMember()
		}
	}
	return ok
}

// The scalar decoders leave the destination alone on null, as
// encoding/json does, and give up on any other JSON type.

// str decodes a string field whose values are mostly distinct (IDs,
// names, e-mails).
func (d *userDecoder) str(dst *string) bool { return d.strField(dst, false) }

// strShared decodes a string field whose values repeat across users.
func (d *userDecoder) strShared(dst *string) bool { return d.strField(dst, true) }

func (d *userDecoder) strField(dst *string, shared bool) bool {
	switch d.peek() {
	case '"':
		b, ok := d.stringBytes()
		if !ok {
			return false
		}
		if shared {
			*dst = d.sharedString(b)
		} else {
			*dst = string(b)
		}
		return true
	case 'n':
		return d.literal("null")
	}
	return false
}

// sharedString returns b as a string, reusing an earlier equal one.
func (d *userDecoder) sharedString(b []byte) string {
	h := hashBytes(b)
	if s := d.shared[h]; s == string(b) {
		return s
	}
	s := string(b)
	d.shared[h] = s
	return s
}

// hashBytes is a cheap hash of b's length and first and last 8 bytes.
func hashBytes(b []byte) uint {
	h := uint64(len(b))
	if len(b) >= 8 {
		h ^= binary.LittleEndian.Uint64(b) * 0x9e3779b97f4a7c15
		h ^= binary.LittleEndian.Uint64(b[len(b)-8:]) * 0xc2b2ae3d27d4eb4f
	} else {
		for _, c := range b {
			h = h<<8 ^ uint64(c)
		}
	}
	h *= 0x9e3779b97f4a7c15
	return uint(h >> (64 - sharedBits))
}

func (d *userDecoder) boolField(dst *bool) bool {
	switch d.peek() {
	case 't':
		*dst = true
		return d.literal("true")
	case 'f':
		*dst = false
		return d.literal("false")
	case 'n':
		return d.literal("null")
	}
	return false
}

func (d *userDecoder) intField(dst *int) bool {
	n, null, ok := d.integer()
	if !ok || int64(int(n)) != n { // out of range for a 32-bit int
		return false
	}
	if !null {
		*dst = int(n)
	}
	return true
}

func (d *userDecoder) int64Field(dst *int64) bool {
	n, null, ok := d.integer()
	if ok && !null {
		*dst = n
	}
	return ok
}

// integer reads null or a JSON integer that fits in an int64. Fractions,
// exponents and overflow give up: encoding/json rejects them for integer
// fields.
func (d *userDecoder) integer() (n int64, null, ok bool) {
	b, i := d.b, d.i
	if i < len(b) && b[i] == 'n' {
		return 0, true, d.literal("null")
	}
	neg := i < len(b) && b[i] == '-'
	if neg {
		i++
	}
	start := i
	var u uint64
	for i < len(b) && '0' <= b[i] && b[i] <= '9' {
		u = u*10 + uint64(b[i]-'0')
		i++
	}
	digits := i - start
	switch {
	case digits == 0 || digits > 19 || digits > 1 && b[start] == '0':
		return 0, false, false
	case i < len(b) && (b[i] == '.' || b[i] == 'e' || b[i] == 'E'):
		return 0, false, false
	case neg && u > 1<<63, !neg && u > 1<<63-1:
		return 0, false, false
	}
	d.i = i
	if neg {
		return int64(-u), false, true
	}
	return int64(u), false, true
}

// stdTime and zoomTime hand the raw value to the types' own UnmarshalJSON,
// as encoding/json does, so that their semantics (null, "", layouts) are
// the same by construction.
func (d *userDecoder) stdTime(t *time.Time) bool {
	raw, ok := d.rawStringOrNull()
	if !ok {
		return false
	}
	if tt, ok := parseUTCSeconds(raw); ok {
		*t = tt
		return true
	}
	return t.UnmarshalJSON(raw) == nil
}

func (d *userDecoder) zoomTime(t *Time) bool {
	raw, ok := d.rawStringOrNull()
	if !ok {
		return false
	}
	if tt, ok := parseUTCSeconds(raw); ok {
		t.Time = tt
		return true
	}
	return t.UnmarshalJSON(raw) == nil
}

// parseUTCSeconds parses the quoted form Zoom sends, "2006-01-02T15:04:05Z",
// to what Time.UnmarshalJSON and time.Time.UnmarshalJSON give (both end in
// the time package's RFC 3339 fast path, which builds the same time.Date),
// faster and without the string the former allocates. Anything else, out
// of range values included, reports false.
func parseUTCSeconds(b []byte) (time.Time, bool) {
	if len(b) != len(`"2006-01-02T15:04:05Z"`) || b[0] != '"' || b[5] != '-' || b[8] != '-' || b[11] != 'T' ||
		b[14] != ':' || b[17] != ':' || b[20] != 'Z' || b[21] != '"' {
		return time.Time{}, false
	}
	num := func(s []byte) int {
		n := 0
		for _, c := range s {
			if c < '0' || c > '9' {
				return -1
			}
			n = n*10 + int(c-'0')
		}
		return n
	}
	year, month, day := num(b[1:5]), num(b[6:8]), num(b[9:11])
	hour, minute, sec := num(b[12:14]), num(b[15:17]), num(b[18:20])
	if year < 0 || month < 1 || month > 12 || day < 1 || day > daysIn(month, year) ||
		hour < 0 || hour > 23 || minute < 0 || minute > 59 || sec < 0 || sec > 59 {
		return time.Time{}, false
	}
	return time.Date(year, time.Month(month), day, hour, minute, sec, 0, time.UTC), true
}

func daysIn(month, year int) int {
	if month == 2 {
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	}
	return 30 + (month+month/8)&1
}

func (d *userDecoder) rawStringOrNull() ([]byte, bool) {
	start := d.i
	switch d.peek() {
	case '"':
		ok := d.skipString()
		return d.b[start:d.i], ok
	case 'n':
		ok := d.literal("null")
		return d.b[start:d.i], ok
	}
	return nil, false
}

const (
	lsb = 0x0101010101010101
	msb = 0x8080808080808080
)

// special8 returns a mask with the top bit set of the first of the 8
// bytes in x (little-endian) that is '"', '\\', a control character or
// non-ASCII, and possibly of later ones; 0 if there is none. (v-lsb*n)&^v
// flags the bytes of v below n, exactly up to the first one.
func special8(x uint64) uint64 {
	q := x ^ (lsb * '"')
	bs := x ^ (lsb * '\\')
	return (x | (x-lsb*' ')&^x | (q-lsb)&^q | (bs-lsb)&^bs) & msb
}

// plainRun returns the index of the first byte from i on that is '"', '\\',
// a control character or non-ASCII, or len(b). It reads 8 bytes at a time:
// the strings Zoom sends are plain ASCII.
func plainRun(b []byte, i int) int {
	for ; i+8 <= len(b); i += 8 {
		if m := special8(binary.LittleEndian.Uint64(b[i:])); m != 0 {
			return i + bits.TrailingZeros64(m)>>3
		}
	}
	for ; i < len(b); i++ {
		if c := b[i]; c == '"' || c == '\\' || c < ' ' || c >= utf8.RuneSelf {
			break
		}
	}
	return i
}

// stringBytes reads a JSON string and returns its unescaped bytes, which
// alias d.b or d.buf: callers copy them.
func (d *userDecoder) stringBytes() ([]byte, bool) {
	start := d.i + 1
	i := plainRun(d.b, start)
	if i >= len(d.b) {
		return nil, false
	}
	if d.b[i] == '"' {
		d.i = i + 1
		return d.b[start:i], true
	}
	return d.unquote(start, i)
}

// unquote finishes a string with escapes or non-ASCII bytes the way
// encoding/json does: invalid UTF-8 and unpaired surrogates become U+FFFD.
// b[start:i] is plain ASCII already scanned.
func (d *userDecoder) unquote(start, i int) ([]byte, bool) {
	b := d.b
	out := append(d.buf[:0], b[start:i]...)
	defer func() { d.buf = out }()
	for i < len(b) {
		switch c := b[i]; {
		case c == '"':
			d.i = i + 1
			return out, true
		case c == '\\':
			if i+1 >= len(b) {
				return nil, false
			}
			switch b[i+1] {
			case '"', '\\', '/':
				out = append(out, b[i+1])
			case 'b':
				out = append(out, '\b')
			case 'f':
				out = append(out, '\f')
			case 'n':
				out = append(out, '\n')
			case 'r':
				out = append(out, '\r')
			case 't':
				out = append(out, '\t')
			case 'u':
				r := hex4(b[i+2:])
				if r < 0 {
					return nil, false
				}
				i += 6
				if utf16.IsSurrogate(r) {
					r1 := rune(-1)
					if i+1 < len(b) && b[i] == '\\' && b[i+1] == 'u' {
						r1 = hex4(b[i+2:])
					}
					if dec := utf16.DecodeRune(r, r1); dec != utf8.RuneError {
						out = utf8.AppendRune(out, dec)
						i += 6
						continue
					}
					r = utf8.RuneError
				}
				out = utf8.AppendRune(out, r)
				continue
			default:
				return nil, false
			}
			i += 2
		case c < ' ':
			return nil, false
		case c < utf8.RuneSelf:
			out = append(out, c)
			i++
		default:
			r, size := utf8.DecodeRune(b[i:])
			out = utf8.AppendRune(out, r)
			i += size
		}
	}
	return nil, false
}

// hex4 decodes the 4 hex digits at the start of b, or returns -1.
func hex4(b []byte) rune {
	if len(b) < 4 {
		return -1
	}
	var r rune
	for _, c := range b[:4] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c -= 'a' - 10
		case 'A' <= c && c <= 'F':
			c -= 'A' - 10
		default:
			return -1
		}
		r = r*16 + rune(c)
	}
	return r
}

// skip validates and skips any JSON value.
func (d *userDecoder) skip() bool {
	switch c := d.peek(); c {
	case '"':
		return d.skipString()
	case '{':
		if d.depth++; d.depth > maxSkipDepth {
			return false
		}
		more, ok := d.openObject()
		for ok && more {
			if !d.skipString() || d.next() != ':' {
				return false
			}
			d.i++
			d.ws()
			if ok = d.skip(); ok {
				more, ok = d.nextMember()
			}
		}
		d.depth--
		return ok
	case '[':
		if d.depth++; d.depth > maxSkipDepth {
			return false
		}
		more, ok := d.openArray()
		for ok && more {
			if ok = d.skip(); ok {
				more, ok = d.nextElem()
			}
		}
		d.depth--
		return ok
	case 't':
		return d.literal("true")
	case 'f':
		return d.literal("false")
	case 'n':
		return d.literal("null")
	default:
		if c == '-' || '0' <= c && c <= '9' {
			return d.skipNumber()
		}
	}
	return false
}

// skipString validates and skips a string.
func (d *userDecoder) skipString() bool {
	b := d.b
	for i := d.i + 1; ; {
		if i = plainRun(b, i); i >= len(b) {
			return false
		}
		switch c := b[i]; {
		case c == '"':
			d.i = i + 1
			return true
		case c == '\\':
			if i+1 >= len(b) {
				return false
			}
			switch b[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if hex4(b[i+2:]) < 0 {
					return false
				}
				i += 6
			default:
				return false
			}
		case c < ' ':
			return false
		default: // non-ASCII: encoding/json takes any bytes
			i++
		}
	}
}

// skipNumber validates and skips a number:
// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func (d *userDecoder) skipNumber() bool {
	b, i := d.b, d.i
	digits := func() int {
		start := i
		for i < len(b) && '0' <= b[i] && b[i] <= '9' {
			i++
		}
		return i - start
	}
	if i < len(b) && b[i] == '-' {
		i++
	}
	if i < len(b) && b[i] == '0' {
		i++
	} else if digits() == 0 {
		return false
	}
	if i < len(b) && b[i] == '.' {
		i++
		if digits() == 0 {
			return false
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if digits() == 0 {
			return false
		}
	}
	d.i = i
	return true
}
