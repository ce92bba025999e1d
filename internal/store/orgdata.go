package store

import "context"

// OrgData is what the REST API's account management and per-org insights
// need beyond Access: who else an account serves, an org's own insight
// settings, and one run with its progress.
type OrgData interface {
	// AccountOrgs lists the orgs an account is linked to, by name.
	AccountOrgs(ctx context.Context, accountID int64) ([]*Org, error)
	// OrgSettings returns an org's stored insight settings (the JSON of an
	// insights config file), or nil when it has none.
	OrgSettings(ctx context.Context, orgID int64) ([]byte, error)
	// PutOrgSettings replaces an org's insight settings.
	PutOrgSettings(ctx context.Context, orgID int64, doc []byte) error
	// Run returns one run by id, or an error wrapping ErrNotFound.
	Run(ctx context.Context, id int64) (*Run, error)
	// RunProgress lists a run's checkpoints, by resource: what a running
	// sync has done so far.
	RunProgress(ctx context.Context, runID int64) ([]*Checkpoint, error)
}
