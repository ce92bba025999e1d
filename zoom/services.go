package zoom

// The services group the API's endpoints by area, as Zoom's docs do.
type (
	// UsersService reads users and their settings.
	UsersService service
	// GroupsService reads groups and their members.
	GroupsService service
	// RolesService reads roles and their members.
	RolesService service
	// AccountsService reads the account, its settings, domains, plans and
	// sub-accounts.
	AccountsService service
	// ReportsService reads the report API: sign-in activity, host usage,
	// operation logs, daily usage and meeting participants.
	ReportsService service
	// DashboardService reads the dashboard (metrics) API: past meetings,
	// their participants and per-minute quality of service.
	DashboardService service
	// MeetingsService reads users' meetings and past meetings' participants.
	MeetingsService service
)
