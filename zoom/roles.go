package zoom

import (
	"context"
	"iter"
	"net/url"
)

// Role is an admin role (GET /roles).
type Role struct {
	ID           string `json:"id,omitempty"`
	Name         string `json:"name,omitempty"`
	Description  string `json:"description,omitempty"`
	Type         string `json:"type,omitempty"` // common or iq
	TotalMembers int    `json:"total_members,omitempty"`
}

// RoleMember is a user holding a role (GET /roles/{roleId}/members).
type RoleMember struct {
	ID         string `json:"id,omitempty"`
	Email      string `json:"email,omitempty"`
	FirstName  string `json:"first_name,omitempty"`
	LastName   string `json:"last_name,omitempty"`
	Type       int    `json:"type,omitempty"` // UserType*
	Department string `json:"department,omitempty"`
}

// ListRolesOptions filters GET /roles.
type ListRolesOptions struct {
	// Type is "common" (Zoom's default) or "iq" (Revenue Accelerator roles).
	Type string
}

// List returns the account's roles. The endpoint is not paginated.
func (s *RolesService) List(ctx context.Context, opts *ListRolesOptions) ([]Role, *Response, error) {
	p, err := s.ListPage(ctx, opts)
	if err != nil {
		return nil, nil, err
	}
	return p.Items, p.Response, nil
}

// ListPage returns the account's roles as the single page the endpoint
// answers, with the total_records Zoom announced beside them, so a caller
// can check that the answer is whole. Items is nil when the answer had no
// roles array at all (as opposed to an empty one).
func (s *RolesService) ListPage(ctx context.Context, opts *ListRolesOptions) (*Page[Role], error) {
	q := url.Values{}
	if opts != nil {
		setNonEmpty(q, "type", opts.Type)
	}
	var body struct {
		Roles        []Role `json:"roles"`
		TotalRecords int    `json:"total_records"`
	}
	resp, err := s.client.get(ctx, Medium, "/roles", q, &body)
	if err != nil {
		return nil, err
	}
	return &Page[Role]{Items: body.Roles, TotalRecords: body.TotalRecords, Response: resp}, nil
}

type roleMembersPage struct {
	pageInfo
	Members []RoleMember `json:"members"`
}

// MembersPages lists a role's members a page at a time (up to 300 per
// page).
func (s *RolesService) MembersPages(ctx context.Context, roleID string, opts *ListOptions) iter.Seq2[*Page[RoleMember], error] {
	if err := needID("Roles.Members", "role ID", roleID); err != nil {
		return errPages[RoleMember](err)
	}
	return listPages(ctx, s.client, Medium, "/roles/"+escapeSegment(roleID)+"/members", nil, opts.pageSize(300), opts.token(),
		func(p *roleMembersPage) ([]RoleMember, pageInfo) { return p.Members, p.pageInfo })
}

// Members lists a role's members one at a time.
func (s *RolesService) Members(ctx context.Context, roleID string, opts *ListOptions) iter.Seq2[RoleMember, error] {
	return All(s.MembersPages(ctx, roleID, opts))
}
