package zoom

import (
	"context"
	"iter"
)

// Group is a user group (GET /groups).
type Group struct {
	ID           string `json:"id,omitempty"`
	Name         string `json:"name,omitempty"`
	TotalMembers int    `json:"total_members,omitempty"`
}

// GroupMember is a user in a group (GET /groups/{groupId}/members).
type GroupMember struct {
	ID        string `json:"id,omitempty"`
	Email     string `json:"email,omitempty"`
	FirstName string `json:"first_name,omitempty"`
	LastName  string `json:"last_name,omitempty"`
	Type      int    `json:"type,omitempty"` // UserTypeBasic or UserTypeLicensed
}

type groupsPage struct {
	pageInfo
	Groups []Group `json:"groups"`
}

// ListPages lists the account's groups a page at a time (up to 300 per
// page). Groups need a Pro or higher plan; others get ErrPaidPlan.
func (s *GroupsService) ListPages(ctx context.Context, opts *ListOptions) iter.Seq2[*Page[Group], error] {
	return listPages(ctx, s.client, Medium, "/groups", nil, opts.pageSize(300), opts.token(),
		func(p *groupsPage) ([]Group, pageInfo) { return p.Groups, p.pageInfo })
}

// List lists the account's groups one at a time.
func (s *GroupsService) List(ctx context.Context, opts *ListOptions) iter.Seq2[Group, error] {
	return All(s.ListPages(ctx, opts))
}

type groupMembersPage struct {
	pageInfo
	Members []GroupMember `json:"members"`
}

// MembersPages lists a group's members a page at a time (up to 2000 per
// page). An unknown group is ErrNotFound (code 4130).
func (s *GroupsService) MembersPages(ctx context.Context, groupID string, opts *ListOptions) iter.Seq2[*Page[GroupMember], error] {
	if err := needID("Groups.Members", "group ID", groupID); err != nil {
		return errPages[GroupMember](err)
	}
	return listPages(ctx, s.client, Medium, "/groups/"+escapeSegment(groupID)+"/members", nil, opts.pageSize(2000), opts.token(),
		func(p *groupMembersPage) ([]GroupMember, pageInfo) { return p.Members, p.pageInfo })
}

// Members lists a group's members one at a time.
func (s *GroupsService) Members(ctx context.Context, groupID string, opts *ListOptions) iter.Seq2[GroupMember, error] {
	return All(s.MembersPages(ctx, groupID, opts))
}
