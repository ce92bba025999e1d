// Package app wires zoomsight together: configuration to store, store to
// Zoom clients, clients to syncs. The CLI and the end-to-end tests both
// start it in-process.
package app

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/zoomsight/zoomsight/internal/ingest"
	"github.com/zoomsight/zoomsight/internal/insight"
	"github.com/zoomsight/zoomsight/internal/secret"
	"github.com/zoomsight/zoomsight/internal/store"
	"github.com/zoomsight/zoomsight/internal/store/postgres"
	"github.com/zoomsight/zoomsight/internal/store/sqlite"
	"github.com/zoomsight/zoomsight/zoom"
)

// DefaultDB is the database used when neither --db nor ZOOMSIGHT_DB says.
const DefaultDB = "zoomsight.db"

// Config says where the data lives.
type Config struct {
	// DB is a SQLite file path or a postgres:// URL.
	DB string
	// KeyFile holds the credential key when ZOOMSIGHT_KEY is unset; default
	// beside a SQLite database, or in the user's config directory.
	KeyFile string
	// Getenv reads the environment (default os.Getenv).
	Getenv func(string) string
	// HTTPClient talks to Zoom (default: http.Client{}; each request has
	// its own deadline, RequestTimeout).
	HTTPClient *http.Client
	// RequestTimeout bounds each request to Zoom's API or OAuth host,
	// from sending it to reading its answer in full (default
	// zoom.DefaultRequestTimeout, 2 minutes). A request that passes it
	// is not retried; a sync that meets one fails rather than wait on a
	// stalled Zoom request after request.
	RequestTimeout time.Duration
	// SyncLockTTL is the lease of an account's sync lock, renewed three
	// times per lease while a sync runs (default 1 minute; tests shorten
	// it). A holder dead on another host is taken over after it.
	SyncLockTTL time.Duration
	// MaxBody bounds the size of one API answer (default
	// zoom.DefaultMaxBody, 64 MiB; tests lower it).
	MaxBody int64
	// Retry overrides the Zoom client's retry policy (tests shorten it).
	Retry *zoom.RetryPolicy
	// Meetings configures the meeting and QoS sync (meetings.go).
	Meetings MeetingConfig
	// InsecureHTTP lets client secrets and tokens go over plain HTTP to
	// other machines (loopback needs no permission); Warn is told once
	// per host.
	InsecureHTTP bool
	Warn         func(string)
	// ShrinkLimit is the share of a resource's stored rows a complete
	// listing may delete before the sync holds it back (default
	// ingest.DefaultShrinkLimit).
	ShrinkLimit float64
	// AcceptShrink lets syncs delete what a held-back listing would: a
	// person confirmed that Zoom is right.
	AcceptShrink bool
	// Strict makes what the plan or scopes never allow fail a sync (the
	// run is partial) instead of being reported as unavailable.
	Strict bool
	// LocalOnly keeps each Zoom account's rate budget and tokens in this
	// process even on PostgreSQL, where they are otherwise shared with
	// every process on the database (shared.go). For comparisons only:
	// two such processes together exceed Zoom's limits.
	LocalOnly bool
}

// App is a running zoomsight.
type App struct {
	Store   store.Store
	keyring keyring // credentials.go
	cfg     Config
	warned  sync.Map // hosts warned about plain HTTP
	// Activity configures the collection after each identity sync (activity.go).
	Activity ActivityOptions
	// SyncLock says whether Sync waits for another process's sync of the
	// same account (lock.go).
	SyncLock LockOptions
	host     string // this host's name, for sync locks

	mu        sync.Mutex
	afterSync []SyncObserver
	zoomObs   []ZoomObserver              // observe.go
	limiters  map[int64]*zoom.RateLimiter // one per Zoom account, shared by its clients
	pinned    map[int64]bool              // limits set by SetLimits, not by the plan
	licences  *insight.LicenceCache       // licences.go
}

// IsPostgres reports whether a --db value names a PostgreSQL database.
func IsPostgres(db string) bool {
	return strings.HasPrefix(db, "postgres://") || strings.HasPrefix(db, "postgresql://")
}

// Open opens the store (creating and migrating it if needed). The
// credential key is loaded when a credential is first sealed or unsealed.
func Open(ctx context.Context, cfg Config) (*App, error) {
	if cfg.Getenv == nil {
		cfg.Getenv = os.Getenv
	}
	if cfg.DB == "" {
		cfg.DB = DefaultDB
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{}
	}
	if cfg.RequestTimeout < 0 {
		return nil, fmt.Errorf("request timeout %s is negative; give a duration such as 2m", cfg.RequestTimeout)
	}
	if cfg.SyncLockTTL <= 0 {
		cfg.SyncLockTTL = defaultLockTTL
	}
	if cfg.RequestTimeout == 0 {
		cfg.RequestTimeout = zoom.DefaultRequestTimeout
	}
	var st store.Store
	var err error
	if IsPostgres(cfg.DB) {
		st, err = postgres.Open(ctx, cfg.DB)
		if cfg.KeyFile == "" {
			dir, derr := os.UserConfigDir()
			if derr != nil {
				dir = "."
			}
			cfg.KeyFile = filepath.Join(dir, "zoomsight", "zoomsight.key")
		}
	} else {
		st, err = sqlite.Open(ctx, cfg.DB)
		if cfg.KeyFile == "" {
			cfg.KeyFile = cfg.DB + ".key"
		}
	}
	if err != nil {
		return nil, err
	}
	host, err := os.Hostname()
	if err != nil {
		host = "unknown-host"
	}
	a := &App{Store: st, cfg: cfg, host: host, limiters: map[int64]*zoom.RateLimiter{}, pinned: map[int64]bool{}}
	a.cfg.HTTPClient = a.guardClient(cfg.HTTPClient)
	a.licences = insight.NewLicenceCache(st, nil)
	a.AfterSync(a.refreshLicences)
	return a, nil
}

// Close closes the store.
func (a *App) Close() error { return a.Store.Close() }

// LinkS2S links a Server-to-Server app's account under name, sealing the
// secret.
type LinkS2S struct {
	Name, AccountID, ClientID string
	ClientSecret              secret.String
	APIURL, OAuthURL          string
	Interval                  time.Duration
	Org                       string   // optional
	Features                  []string // nil: all parts (see ParseFeatures)
	// Replace changes the credentials of an account already linked under
	// Name; it must be the same Zoom account.
	Replace bool
	// NoVerify stores the credentials without asking Zoom (offline setup).
	NoVerify bool
}

// ErrUnknownAccount is returned for an account name that is not linked.
var ErrUnknownAccount = errors.New("no such account")

// AddS2S links a Server-to-Server account. Unless in.NoVerify it first
// mints a token and reads whose account it is, so wrong credentials fail
// here with a *VerifyError naming the wrong part. A name already linked
// fails with ErrNameTaken unless in.Replace, and is never re-pointed at
// another Zoom account (ErrOtherAccount).
func (a *App) AddS2S(ctx context.Context, in LinkS2S) (*store.Account, error) {
	if in.Name == "" || in.AccountID == "" || in.ClientID == "" || in.ClientSecret == "" {
		return nil, errors.New("an account needs a name, --account-id, --client-id and a client secret")
	}
	if err := checkAccountName(in.Name); err != nil {
		return nil, err
	}
	if err := a.checkURLs("--api-url", in.APIURL, "--oauth-url", in.OAuthURL); err != nil {
		return nil, err
	}
	old, err := a.existing(ctx, in.Name)
	if err != nil {
		return nil, err
	}
	if old != nil {
		switch {
		case !in.Replace:
			return nil, nameTaken(old)
		case old.ZoomAccountID != in.AccountID:
			return nil, otherAccount(in.Name, old.ZoomAccountID, in.AccountID)
		case old.Kind != "s2s":
			return nil, fmt.Errorf("account %q is linked through an OAuth app; replace it with: zoomsight account add %s --oauth-app --replace …, or choose another name", in.Name, in.Name)
		}
	}
	if !in.NoVerify {
		if err := a.verifyS2S(ctx, in); err != nil {
			return nil, fmt.Errorf("account %q not linked: %w", in.Name, err)
		}
	}
	sealed, err := a.sealSecret(ctx, []byte(in.ClientSecret.Reveal()))
	if err != nil {
		return nil, err
	}
	acct := &store.Account{Name: in.Name, Kind: "s2s", ZoomAccountID: in.AccountID, ClientID: in.ClientID, SealedSecret: sealed,
		APIURL: in.APIURL, OAuthURL: in.OAuthURL, Interval: in.Interval, Features: in.Features}
	if err := a.save(ctx, old, acct, in.Org); err != nil {
		return nil, err
	}
	// A changed secret or host invalidates the pacing and tokens cached
	// for the old credentials in this process.
	a.mu.Lock()
	delete(a.limiters, acct.ID)
	delete(a.pinned, acct.ID)
	a.mu.Unlock()
	return acct, nil
}

// Account returns a linked account by name.
func (a *App) Account(ctx context.Context, name string) (*store.Account, error) {
	acct, err := a.Store.Account(ctx, name)
	if errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("%w %q; see: zoomsight account list", ErrUnknownAccount, name)
	}
	return acct, err
}

// limiter returns the account's shared rate limiter, sized by the plan the
// last sync saw (Pro until one has).
func (a *App) limiter(ctx context.Context, acct *store.Account) *zoom.RateLimiter {
	a.mu.Lock()
	l := a.limiters[acct.ID]
	a.mu.Unlock()
	if l != nil {
		return l
	}
	plan := zoom.PlanPro
	if p, ok := a.storedPlan(ctx, acct); ok {
		plan = p
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if l = a.limiters[acct.ID]; l == nil {
		l = a.newLimiter(acct, zoom.DefaultLimits(plan))
		a.limiters[acct.ID] = l
	}
	return l
}

// storedPlan reads the account's plan from its last synced account record.
func (a *App) storedPlan(ctx context.Context, acct *store.Account) (zoom.Plan, bool) {
	typ, err := a.Store.AccountType(ctx, acct.ID)
	if err != nil || typ == "" {
		return 0, false
	}
	p, err := zoom.ParsePlan(typ)
	return p, err == nil
}

// observePlan paces the rest of a sync by the plan /accounts/me reported,
// unless the limits were pinned with SetLimits.
func (a *App) observePlan(acct *store.Account, info *store.AccountInfo) {
	p, err := zoom.ParsePlan(info.AccountType)
	if err != nil {
		return
	}
	a.mu.Lock()
	l, pinned := a.limiters[acct.ID], a.pinned[acct.ID]
	a.mu.Unlock()
	if l != nil && !pinned {
		l.SetLimits(zoom.DefaultLimits(p))
	}
}

// Client returns a Zoom client for a linked account. An OAuth account's
// client refreshes its tokens as they near expiry and saves each new pair
// before using it.
func (a *App) Client(ctx context.Context, acct *store.Account) (*zoom.Client, error) {
	ts, err := a.tokenSource(acct)
	if err != nil {
		return nil, err
	}
	if err := a.finishPending(ctx, acct, ts); err != nil {
		return nil, err
	}
	return a.clientWith(ctx, acct, ts)
}

// SetLimits replaces an account's rate limits (e.g. for a known plan, or
// none for a simulator without limits).
func (a *App) SetLimits(acct *store.Account, l zoom.Limits) {
	a.mu.Lock()
	a.limiters[acct.ID] = a.newLimiter(acct, l)
	a.pinned[acct.ID] = true
	a.mu.Unlock()
}

// Sync syncs one account's identity data, then collects its activity and
// meetings, all under the account's sync lock: while another process syncs
// the account it returns *BusyError, or waits if a.SyncLock says so.
func (a *App) Sync(ctx context.Context, acct *store.Account, progress func(ingest.Progress)) (*store.Run, error) {
	lock, err := a.LockAccount(ctx, acct, a.SyncLock)
	if err != nil {
		return nil, err
	}
	run, err := a.syncLocked(lock, acct, progress)
	if cause := context.Cause(lock.Context()); ctx.Err() == nil && errors.Is(cause, store.ErrLockLost) {
		err = fmt.Errorf("sync of %q stopped: another process took over its lock: %w", acct.Name, cause)
	}
	if rerr := lock.Release(); err == nil && rerr != nil {
		err = rerr
	}
	a.tell(ctx, acct, run, err)
	return run, err
}

// SyncObserver is told of every sync that ran, once it has ended: its run
// (nil if none began) and its error. Change monitoring evaluates its rules
// there. It runs on the syncing goroutine, after the account's lock is
// released; it must not block for long.
type SyncObserver func(ctx context.Context, acct *store.Account, run *store.Run, err error)

// AfterSync registers f to be told of every sync that ran.
func (a *App) AfterSync(f SyncObserver) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.afterSync = append(a.afterSync[:len(a.afterSync):len(a.afterSync)], f)
}

func (a *App) syncLocked(lock *AccountLock, acct *store.Account, progress func(ingest.Progress)) (*store.Run, error) {
	ctx := lock.Context()
	c, err := a.Client(ctx, acct)
	if err != nil {
		return nil, err
	}
	run, err := (&ingest.Identity{Store: a.Store, Client: c, Account: acct, Lock: lock.Lock(), Progress: progress,
		ShrinkLimit: a.cfg.ShrinkLimit, AcceptShrink: a.cfg.AcceptShrink,
		OnAccount: func(info *store.AccountInfo) { a.observePlan(acct, info) }}).Run(ctx)
	// Then activity, licences and usage (activity.go): their gaps never fail identity.
	if err == nil && wants(acct, "activity") {
		err = a.syncActivity(ctx, acct, c, run, progress)
	}
	// Meetings, participants and QoS, after identity; their gaps and
	// failures never fail the identity sync (see meetings.go).
	if err == nil && wants(acct, "meetings") {
		err = a.syncMeetings(ctx, acct, c, run, progress)
	}
	if err == nil && a.cfg.Strict && len(run.Unavailable) > 0 && run.Status == store.RunOK {
		run.Status = store.RunPartial
		if endErr := a.Store.EndRun(context.WithoutCancel(ctx), run); endErr != nil {
			return run, fmt.Errorf("recording the sync run: %w", endErr)
		}
	}
	return run, err
}

// Remove unlinks an account and purges everything synced from it. Server-
// to-Server tokens are minted per process and never stored, so there is
// nothing of theirs to revoke; stored OAuth tokens are revoked first, and if
// that fails nothing is deleted unless opts says Force.
func (a *App) Remove(ctx context.Context, acct *store.Account, opts RemoveOptions) error {
	if acct.Kind == "oauth" {
		if err := a.revokeOAuth(ctx, acct); err != nil && !opts.Force {
			return err
		}
	}
	return a.Store.DeleteAccount(ctx, acct.ID)
}

func (a *App) revokeOAuth(ctx context.Context, acct *store.Account) error {
	if err := a.revokeOAuthTokens(ctx, acct); err != nil {
		return fmt.Errorf("account %q: %w at Zoom, so nothing was deleted (remove with --force to delete anyway; the tokens then stay valid until the app is removed in the Zoom App Marketplace): %w",
			acct.Name, ErrRevokeFailed, err)
	}
	return nil
}

// EnsureEnvAccount is the quick path for a first sync: it links the
// account named "default" from ZOOM_ACCOUNT_ID, ZOOM_CLIENT_ID and
// ZOOM_CLIENT_SECRET when nothing is linked yet, checking the credentials
// with Zoom as account add does. When "default" is linked and the
// variables carry a new client id or secret for the same Zoom account, it
// checks and stores them; another account id is refused. It returns the
// account it linked or changed, or nil when it did nothing.
func (a *App) EnsureEnvAccount(ctx context.Context) (*store.Account, error) {
	id, cid, sec := a.cfg.Getenv("ZOOM_ACCOUNT_ID"), a.cfg.Getenv("ZOOM_CLIENT_ID"), a.cfg.Getenv("ZOOM_CLIENT_SECRET")
	if id == "" || cid == "" || sec == "" {
		return nil, nil
	}
	in := LinkS2S{Name: "default", AccountID: id, ClientID: cid, ClientSecret: secret.String(sec),
		APIURL: a.cfg.Getenv("ZOOM_API_URL"), OAuthURL: a.cfg.Getenv("ZOOM_OAUTH_URL"), Interval: time.Hour}
	old, err := a.existing(ctx, "default")
	if err != nil {
		return nil, err
	}
	if old == nil {
		accts, err := a.Store.Accounts(ctx)
		if err != nil || len(accts) > 0 {
			return nil, err
		}
		acct, err := a.AddS2S(ctx, in)
		if err != nil {
			return nil, fmt.Errorf("linking ZOOM_ACCOUNT_ID as account \"default\": %w", err)
		}
		return acct, nil
	}
	if old.Kind != "s2s" {
		return nil, nil
	}
	if old.ZoomAccountID != id {
		return nil, fmt.Errorf("ZOOM_ACCOUNT_ID is %s, but account \"default\" is linked to Zoom account %s: unset the variables, or link the other account under another name with zoomsight account add", id, old.ZoomAccountID)
	}
	stored, err := a.openSecret(old)
	if err != nil {
		return nil, err
	}
	if old.ClientID == cid && subtle.ConstantTimeCompare(stored, []byte(sec)) == 1 {
		return nil, nil
	}
	in.Replace, in.APIURL, in.OAuthURL, in.Interval, in.Features = true, old.APIURL, old.OAuthURL, old.Interval, old.Features
	acct, err := a.AddS2S(ctx, in)
	if err != nil {
		return nil, fmt.Errorf("updating account \"default\" from ZOOM_CLIENT_ID and ZOOM_CLIENT_SECRET: %w", err)
	}
	return acct, nil
}
