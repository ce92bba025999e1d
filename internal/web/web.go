// Package web is zoomsight's dashboard: server-rendered pages
// (html/template, templates and static files embedded in the binary, a
// little plain JavaScript) on the same query layer as the REST API
// (internal/insight, internal/app). Every page is of one org, the one the
// session shows; every form carries the session's CSRF token; every answer
// carries a strict Content-Security-Policy.
package web

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"embed"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/zoomsight/zoomsight/internal/app"
	"github.com/zoomsight/zoomsight/internal/store"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Options configure the dashboard.
type Options struct {
	// SyncNow asks the scheduler to sync an account soon; without it the
	// dashboard's "Sync now" says the worker is not running here.
	SyncNow func(account string) bool
	// SessionTTL is how long a sign-in lasts (default 12 hours).
	SessionTTL time.Duration
	// Now is the clock (default time.Now).
	Now func() time.Time
	// PublicURL is the dashboard's address as browsers reach it, when a
	// proxy stands in front (https://zoomsight.example.com): an https one
	// makes every cookie Secure though the proxy speaks plain HTTP to us,
	// and Zoom's OAuth redirect goes to its callback. Without it the
	// request itself decides; X-Forwarded-* headers are never read.
	PublicURL *url.URL
}

// Handler serves the dashboard.
type Handler struct {
	app   *app.App
	opts  Options
	mux   *http.ServeMux
	pages map[string]*template.Template

	// postRoutes lists every form target, so a test can walk them all.
	// Sign-in is not among them: it checks its own CSRF token before a
	// session exists.
	postRoutes []string
}

// csp allows only the dashboard's own scripts, styles and forms: no inline
// script or style, no framing, no plugins.
const csp = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
	"form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// New returns the dashboard's handler.
func New(a *app.App, opts Options) *Handler {
	if opts.SessionTTL <= 0 {
		opts.SessionTTL = 12 * time.Hour
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	h := &Handler{app: a, opts: opts, mux: http.NewServeMux(), pages: parsePages()}
	h.routes()
	return h
}

func (h *Handler) routes() {
	static, _ := fs.Sub(staticFS, "static")
	files := http.FileServerFS(static)
	h.mux.Handle("GET /static/", http.StripPrefix("/static/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		files.ServeHTTP(w, r)
	})))
	h.mux.HandleFunc("GET /signin", h.signInPage)
	h.mux.HandleFunc("POST /signin", h.signIn)
	h.mux.HandleFunc("GET /accounts/oauth/callback", h.oauthCallback)
	h.post("/signout", false, h.signOut)
	h.post("/org", false, h.switchOrg)

	h.get("/{$}", h.overview)
	h.get("/accounts", h.accounts)
	h.get("/accounts/{name}", h.account)
	h.get("/accounts/{name}/unlink", h.unlinkPage)
	h.post("/accounts/link/s2s", true, h.linkS2S)
	h.post("/accounts/link/oauth", true, h.linkOAuth)
	h.post("/accounts/oauth/paste", true, h.oauthPaste)
	h.post("/accounts/{name}/test", true, h.testAccount)
	h.post("/accounts/{name}/settings", true, h.accountSettings)
	h.post("/accounts/{name}/sync", true, h.syncNow)
	h.post("/accounts/{name}/unlink", true, h.unlink)

	h.get("/users", h.users)
	h.get("/users/{account}/{key}", h.user)
	h.get("/groups", h.groups)
	h.get("/graph", h.graph)

	h.get("/network", h.network)
	h.post("/network", true, h.networkUpload) // network.go
	h.get("/network/{account}/{site}", h.site)
	h.get("/meetings/{account}/{uuid}", h.meeting)

	h.get("/licences", h.licences)
	h.get("/licences.csv", h.licencesCSV)
	h.post("/roster", true, h.rosterUpload)

	h.get("/runs", h.runs)
	h.get("/runs/live", h.runsLive)
}

// ServeHTTP serves a request of the dashboard.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hd := w.Header()
	hd.Set("Content-Security-Policy", csp)
	hd.Set("X-Frame-Options", "DENY")
	hd.Set("Referrer-Policy", "same-origin")
	hd.Set("X-Content-Type-Options", "nosniff")
	if !strings.HasPrefix(r.URL.Path, "/static/") {
		hd.Set("Cache-Control", "no-store")
	}
	h.mux.ServeHTTP(w, r)
}

type sessionKey struct{}

// session is the signed-in session of a request.
func session(r *http.Request) *store.Session { return r.Context().Value(sessionKey{}).(*store.Session) }

// get registers a page that needs a session.
func (h *Handler) get(path string, fn http.HandlerFunc) {
	h.mux.HandleFunc("GET "+path, func(w http.ResponseWriter, r *http.Request) {
		s, ok := h.signedIn(w, r)
		if !ok {
			return
		}
		fn(w, r.WithContext(context.WithValue(r.Context(), sessionKey{}, s)))
	})
}

// post registers a form's target: it needs a session and the session's
// CSRF token, and with admin, an admin of the org.
func (h *Handler) post(path string, admin bool, fn http.HandlerFunc) {
	h.postRoutes = append(h.postRoutes, path)
	h.mux.HandleFunc("POST "+path, func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, 32<<20)
		s, ok := h.signedIn(w, r)
		if !ok {
			return
		}
		// multipart forms (the roster upload) are parsed whole first.
		if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/") {
			if err := r.ParseMultipartForm(32 << 20); err != nil {
				h.fail(w, r, http.StatusBadRequest, "the upload could not be read: "+err.Error())
				return
			}
		}
		if got := r.PostFormValue("csrf"); subtle.ConstantTimeCompare([]byte(got), []byte(s.CSRF)) != 1 || got == "" {
			http.Error(w, "the form is out of date or was not sent by this dashboard (CSRF check failed): reload the page and try again", http.StatusForbidden)
			return
		}
		if admin && s.Role != store.RoleAdmin {
			http.Error(w, "this needs an admin of org "+s.Org+": sign in with an admin token or user", http.StatusForbidden)
			return
		}
		fn(w, r.WithContext(context.WithValue(r.Context(), sessionKey{}, s)))
	})
}

const sessionCookie = "zs_session"

// signedIn returns the request's session, or sends the browser to sign in.
func (h *Handler) signedIn(w http.ResponseWriter, r *http.Request) (*store.Session, bool) {
	s, err := h.session(r)
	if err == nil {
		return s, true
	}
	if !errors.Is(err, store.ErrNotFound) {
		http.Error(w, "cannot check the sign-in: the database does not answer", http.StatusServiceUnavailable)
		return nil, false
	}
	if r.Method == http.MethodGet {
		http.Redirect(w, r, "/signin?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
	} else {
		http.Error(w, "not signed in, or the sign-in expired: sign in again", http.StatusUnauthorized)
	}
	return nil, false
}

// session returns the live session of the request's cookie, or
// store.ErrNotFound.
func (h *Handler) session(r *http.Request) (*store.Session, error) {
	c, err := r.Cookie(sessionCookie)
	if err != nil || c.Value == "" || len(c.Value) >= 100 {
		return nil, store.ErrNotFound
	}
	return h.app.Store.Session(r.Context(), hashID(c.Value), h.opts.Now())
}

func hashID(id string) string {
	sum := sha256.Sum256([]byte(id))
	return hex.EncodeToString(sum[:])
}

func randomID() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	return base64.RawURLEncoding.EncodeToString(b)
}

// orgAccounts are the accounts of the session's org, by name.
func (h *Handler) orgAccounts(r *http.Request) ([]*store.Account, error) {
	return h.app.Store.OrgAccounts(r.Context(), session(r).OrgID)
}

// orgAccount returns the named account if the session's org has it.
func (h *Handler) orgAccount(r *http.Request, name string) (*store.Account, error) {
	accts, err := h.orgAccounts(r)
	if err != nil {
		return nil, err
	}
	i := slices.IndexFunc(accts, func(a *store.Account) bool { return a.Name == name })
	if i < 0 {
		return nil, store.ErrNotFound
	}
	return accts[i], nil
}

func names(accts []*store.Account) []string {
	out := make([]string, len(accts))
	for i, a := range accts {
		out[i] = a.Name
	}
	return out
}

// page is what every template gets.
type page struct {
	Title   string
	Nav     string
	Session *store.Session
	Flash   string
	Error   string
	Data    any
}

// render writes a page of the named template.
func (h *Handler) render(w http.ResponseWriter, r *http.Request, status int, name, title string, data any) {
	t := h.pages[name]
	p := page{Title: title, Nav: name, Data: data, Flash: r.URL.Query().Get("done")}
	if s, ok := r.Context().Value(sessionKey{}).(*store.Session); ok {
		p.Session = s
	}
	var b strings.Builder
	if err := t.ExecuteTemplate(&b, "layout", p); err != nil {
		http.Error(w, "rendering the page failed: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(b.String()))
}

// fail shows an error page.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, status int, msg string) {
	h.render(w, r, status, "error", "Error", msg)
}

// failErr shows err; a missing row is a 404.
func (h *Handler) failErr(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, store.ErrNotFound) {
		h.fail(w, r, http.StatusNotFound, "not found in org "+session(r).Org)
		return
	}
	h.fail(w, r, http.StatusServiceUnavailable, "reading the data failed: "+err.Error())
}

// back redirects to path with a message shown on arrival.
func back(w http.ResponseWriter, r *http.Request, path, msg string) {
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	http.Redirect(w, r, path+sep+"done="+url.QueryEscape(msg), http.StatusSeeOther)
}

var funcs = template.FuncMap{
	"pct":   func(f float64) string { return fmt.Sprintf("%.1f%%", f*100) },
	"num":   func(f float64) string { return fmt.Sprintf("%.1f", f) },
	"money": func(f float64) string { return fmt.Sprintf("%.2f", f) },
	"ago": func(t time.Time) string {
		if t.IsZero() {
			return "never"
		}
		return t.UTC().Format("2006-01-02 15:04 UTC")
	},
	"join": strings.Join,
	"list": func(v ...any) []any { return v },
	"dict": func(kv ...any) map[string]any {
		m := map[string]any{}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1]
		}
		return m
	},
	"pathEscape": url.PathEscape,
}

// parsePages parses each page template with the layout.
func parsePages() map[string]*template.Template {
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		panic(err)
	}
	out := map[string]*template.Template{}
	for _, n := range names {
		base := strings.TrimSuffix(strings.TrimPrefix(n, "templates/"), ".html")
		if base == "layout" || strings.HasPrefix(base, "_") {
			continue
		}
		out[base] = template.Must(template.New(base).Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/_*.html", n))
	}
	return out
}
