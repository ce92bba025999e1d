package storetest

import (
	"slices"
	"testing"

	"github.com/zoomsight/zoomsight/internal/store"
)

// publicViews are the views docs/schema.md documents. Views are additive
// only: a name may join this list, never leave it.
var publicViews = []string{
	"activity_source", "entities", "licence_insight", "participant_site", "qos_by_network_type", "qos_by_site",
	"qos_by_user", "qos_session", "qos_site_hour", "qos_threshold", "relationships", "roster_match", "sync_run", "zoom_account", "zoom_account_settings", "zoom_change", "zoom_daily_usage",
	"zoom_group", "zoom_group_member", "zoom_meeting", "zoom_operation_log", "zoom_participant", "zoom_plan",
	"zoom_qos_sample", "zoom_role", "zoom_signin_event", "zoom_sub_account", "zoom_user", "zoom_user_feature",
	"zoom_user_last_activity", "zoom_user_usage",
}

// testViewsCatalog: Views names every public view, sorted, none of the
// "_" helpers, each with the columns SELECT * returns, in that order.
func testViewsCatalog(t *testing.T, open func(t *testing.T) store.Store) {
	st := open(t)
	views, err := st.Views(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, v := range views {
		names = append(names, v.Name)
	}
	if !slices.Equal(names, publicViews) {
		t.Fatalf("Views named\n %v\nwant\n %v", names, publicViews)
	}
	for _, v := range views {
		var want []string
		// Query streams columns with rows: join the view to a row that
		// always exists, so an empty view still names its columns.
		err := st.Query(t.Context(), "SELECT * FROM (SELECT 1 AS one) x LEFT JOIN (SELECT * FROM "+v.Name+" LIMIT 1) v ON true",
			func(cols []string, _ []any) error { want = cols[1:]; return nil })
		if err != nil {
			t.Fatalf("%s: %v", v.Name, err)
		}
		var got []string
		for _, c := range v.Columns {
			got = append(got, c.Name)
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s columns\n %v\nwant (SELECT *)\n %v", v.Name, got, want)
		}
	}
}
