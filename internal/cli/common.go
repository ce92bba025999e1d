package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/zoomsight/zoomsight/internal/app"
	"github.com/zoomsight/zoomsight/zoom"
)

// globals are the flags every command shares.
type globals struct {
	db string
	// requestTimeout bounds each request to Zoom (--request-timeout).
	requestTimeout time.Duration
	getenv         func(string) string
	// meetings configures the meeting sync (sync's --meeting-* flags).
	meetings app.MeetingConfig
	// insecureHTTP is --insecure-http; warnings about it go to stderr.
	insecureHTTP bool
	stderr       io.Writer
	// guard is sync's --shrink-limit, --accept-shrink and --strict.
	guard struct {
		shrinkLimit  float64
		acceptShrink bool
		strict       bool
	}
}

func (g *globals) dbPath() string {
	if g.db != "" {
		return g.db
	}
	if v := g.getenv("ZOOMSIGHT_DB"); v != "" {
		return v
	}
	return app.DefaultDB
}

func (g *globals) open(ctx context.Context) (*app.App, error) {
	if g.requestTimeout <= 0 {
		return nil, fmt.Errorf("--request-timeout %s: want a positive duration such as 2m", g.requestTimeout)
	}
	return app.Open(ctx, app.Config{DB: g.dbPath(), Getenv: g.getenv, Meetings: g.meetings, InsecureHTTP: g.insecureHTTP,
		Warn:        func(msg string) { fmt.Fprintf(g.stderr, "zoomsight: warning: %s\n", msg) },
		ShrinkLimit: g.guard.shrinkLimit, AcceptShrink: g.guard.acceptShrink, Strict: g.guard.strict,
		RequestTimeout: g.requestTimeout})
}

// openExisting opens the database for a command that only reads: a SQLite
// file that is not there is refused, where open would create an empty
// database and a key file beside it, and the command would answer as if
// nothing had been synced.
func (g *globals) openExisting(ctx context.Context) (*app.App, error) {
	db := g.dbPath()
	if !app.IsPostgres(db) {
		if _, err := os.Stat(db); errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("no database at %s: give --db (or ZOOMSIGHT_DB) the one zoomsight sync or zoomsight demo wrote", db)
		}
	}
	return g.open(ctx)
}

// isTerminal reports whether w is an interactive terminal.
func isTerminal(w any) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

func withGlobals(cmd *cobra.Command, g *globals) {
	cmd.PersistentFlags().StringVar(&g.db, "db", "", "SQLite file or postgres:// URL (env ZOOMSIGHT_DB; default ./zoomsight.db)")
	cmd.PersistentFlags().BoolVar(&g.insecureHTTP, "insecure-http", false,
		"allow sending client secrets and tokens over plain http:// to another machine (loopback is always allowed)")
	cmd.PersistentFlags().DurationVar(&g.requestTimeout, "request-timeout", zoom.DefaultRequestTimeout,
		"how long one request to Zoom (API or token) may take to answer in full; a sync that meets a slower one fails")
}
