package alert

import (
	"fmt"
	"time"
)

// Builtin returns the built-in pack (docs/monitoring.md lists it), with
// eventWindow: how long a change event keeps its alert firing.
func Builtin(eventWindow time.Duration) []*Rule {
	if eventWindow <= 0 {
		eventWindow = 24 * time.Hour
	}
	window := fmt.Sprintf("%q", eventWindow.String())
	rules := []*Rule{
		{Name: "new_owner_or_admin", Severity: "critical", Key: []string{"account", "change_id"},
			Summary: "{{.user}} was granted {{.after}} in {{.account}} (was {{.before}})",
			SQL: `SELECT account, id AS change_id, subject AS user, subject_key AS user_key, kind, before, after, at, source
FROM zoom_change
WHERE security IS TRUE AND subject_type = 'user' AND at >= {{ago ` + window + `}}`},
		{Name: "security_setting_weakened", Severity: "critical", Key: []string{"account", "change_id"},
			Summary: "{{.setting}} weakened in {{.account}}: {{.before}} → {{.after}}",
			SQL: `SELECT account, id AS change_id, subject AS setting, kind, before, after, at, source
FROM zoom_change
WHERE security IS TRUE AND subject_type <> 'user' AND at >= {{ago ` + window + `}}`},
		{Name: "leaver_active", Severity: "warning", Key: []string{"account", "user_key"},
			Summary: "{{.email}} left ({{.employee_status}} {{.termination_date}}) but is {{.status}} and {{.license}} in {{.account}}",
			SQL: `SELECT account, user_key, email, status, license, employee_id, employee_status, termination_date
FROM roster_match
WHERE user_key IS NOT NULL AND employee_id IS NOT NULL
  AND (status = 'active' OR license = 'licensed')
  AND (lower(employee_status) IN ('terminated', 'inactive', 'left', 'leaver', 'withdrawn')
       OR (termination_date IS NOT NULL AND termination_date <> '' AND termination_date <= {{date "0s"}}))`},
		{Name: "licensed_inactive", Severity: "info", Key: []string{"account", "key"},
			Summary: "{{.email}} holds a licence in {{.account}} but has not signed in or hosted for {{.inactive_days}} days",
			SQL: `SELECT account, key, email, last_sign_in, last_hosted_date, {{.InactiveDays}} AS inactive_days
FROM licence_insight
WHERE status = 'active' AND license = 'licensed' AND created_at < {{ago "1h"}}
  AND (last_sign_in IS NULL OR last_sign_in < {{ago (printf "%dh" (mul .InactiveDays 24))}})
  AND (last_hosted_date IS NULL OR last_hosted_date < {{date (printf "%dh" (mul .InactiveDays 24))}})`},
		{Name: "site_degraded", Severity: "warning", Key: []string{"account", "site"}, For: 15 * time.Minute,
			Summary: "site {{.site}} of {{.account}}: {{.bad_minutes}} of {{.participant_minutes}} participant-minutes bad in the last hour",
			SQL: `SELECT account, site, sum(bad_minutes) AS bad_minutes, sum(participant_minutes) AS participant_minutes
FROM qos_site_hour
WHERE hour >= {{hour "1h"}} AND site <> '' AND site <> 'off-network'
GROUP BY account, site
HAVING sum(participant_minutes) >= 30 AND sum(bad_minutes) * 5 >= sum(participant_minutes)`},
		{Name: "sync_stale", Severity: "critical", Key: []string{"account"}, Internal: true,
			Summary: "{{.account}} has had no successful sync for two intervals ({{.interval_seconds}} s each); last ok {{.last_ok}}, last status {{.last_status}}",
			ByDriver: map[string]string{
				"sqlite": `SELECT a.name AS account, a.interval_seconds,
  (SELECT max(finished_at) FROM sync_runs s WHERE s.account_id = a.id AND s.status = 'ok') AS last_ok,
  (SELECT status FROM sync_runs s WHERE s.account_id = a.id ORDER BY s.id DESC LIMIT 1) AS last_status
FROM accounts a
WHERE a.interval_seconds > 0
  AND a.created_at < strftime('%Y-%m-%dT%H:%M:%SZ', {{now}}, '-' || (2 * a.interval_seconds) || ' seconds')
  AND NOT EXISTS (SELECT 1 FROM sync_runs s WHERE s.account_id = a.id AND s.status = 'ok'
                  AND s.finished_at >= strftime('%Y-%m-%dT%H:%M:%SZ', {{now}}, '-' || (2 * a.interval_seconds) || ' seconds'))`,
				"postgres": `SELECT a.name AS account, a.interval_seconds,
  (SELECT max(finished_at) FROM sync_runs s WHERE s.account_id = a.id AND s.status = 'ok') AS last_ok,
  (SELECT status FROM sync_runs s WHERE s.account_id = a.id ORDER BY s.id DESC LIMIT 1) AS last_status
FROM accounts a
WHERE a.interval_seconds > 0
  AND a.created_at < {{now}}::timestamptz - make_interval(secs => 2 * a.interval_seconds)
  AND NOT EXISTS (SELECT 1 FROM sync_runs s WHERE s.account_id = a.id AND s.status = 'ok'
                  AND s.finished_at >= {{now}}::timestamptz - make_interval(secs => 2 * a.interval_seconds))`},
		},
		{Name: "daily_budget_nearly_spent", Severity: "warning", Key: []string{"account"},
			Summary: "{{.account}} spent {{.used}} of its {{.cap}} Heavy and Resource-intensive requests today (zoomsight's own; other apps share the cap)",
			ByDriver: map[string]string{
				"sqlite": `SELECT r.account, p.cap,
  sum(COALESCE(json_extract(r.requests, '$.Heavy'), 0) + COALESCE(json_extract(r.requests, '$."Resource-intensive"'), 0)) AS used
FROM sync_run r
JOIN (SELECT account, CASE lower(account_type) WHEN 'pro' THEN 30000 WHEN 'free' THEN 0 WHEN 'basic' THEN 0 ELSE 60000 END AS cap FROM zoom_account) p
  ON p.account = r.account
WHERE r.started_at >= {{today}} AND p.cap > 0
GROUP BY r.account, p.cap
HAVING sum(COALESCE(json_extract(r.requests, '$.Heavy'), 0) + COALESCE(json_extract(r.requests, '$."Resource-intensive"'), 0)) >= 0.8 * p.cap`,
				"postgres": `SELECT r.account, p.cap,
  sum(COALESCE((r.requests::jsonb ->> 'Heavy')::bigint, 0) + COALESCE((r.requests::jsonb ->> 'Resource-intensive')::bigint, 0)) AS used
FROM sync_run r
JOIN (SELECT account, CASE lower(account_type) WHEN 'pro' THEN 30000 WHEN 'free' THEN 0 WHEN 'basic' THEN 0 ELSE 60000 END AS cap FROM zoom_account) p
  ON p.account = r.account
WHERE r.started_at >= {{today}} AND p.cap > 0
GROUP BY r.account, p.cap
HAVING sum(COALESCE((r.requests::jsonb ->> 'Heavy')::bigint, 0) + COALESCE((r.requests::jsonb ->> 'Resource-intensive')::bigint, 0)) >= 0.8 * p.cap`},
		},
	}
	for _, r := range rules {
		r.Source = SourceBuiltin
		if r.SQL == "" {
			r.SQL = r.ByDriver["sqlite"]
		}
	}
	return rules
}
