package web

import (
	"crypto/subtle"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/zoomsight/zoomsight/internal/app"
	"github.com/zoomsight/zoomsight/internal/secret"
	"github.com/zoomsight/zoomsight/internal/store"
)

// preCookie carries the sign-in form's CSRF token before there is a
// session (double submit): a page of another site cannot read it, so it
// cannot sign a browser in to an account of its choosing.
const preCookie = "zs_presignin"

// cookie is one of the dashboard's cookies: Secure when the request came
// over TLS or the public URL is https (TLS ends at a proxy in front).
// X-Forwarded-Proto is not read: any client may send it.
func (h *Handler) cookie(r *http.Request, name, value string, maxAge int) *http.Cookie {
	secure := r.TLS != nil || (h.opts.PublicURL != nil && h.opts.PublicURL.Scheme == "https")
	return &http.Cookie{Name: name, Value: value, Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode,
		Secure: secure, MaxAge: maxAge}
}

type signInData struct {
	CSRF, Next, Error string
}

func (h *Handler) signInPage(w http.ResponseWriter, r *http.Request) {
	h.signInForm(w, r, http.StatusOK, "")
}

func (h *Handler) signInForm(w http.ResponseWriter, r *http.Request, status int, msg string) {
	tok := randomID()
	http.SetCookie(w, h.cookie(r, preCookie, tok, 3600))
	h.render(w, r, status, "signin", "Sign in", signInData{CSRF: tok, Next: safeNext(r.FormValue("next")), Error: msg})
}

// safeNext keeps a post-sign-in target on this site.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		return "/"
	}
	return next
}

// signIn opens a session for an API token or a dashboard user. A new
// session id is made at every sign-in, and any session the browser
// brought is ended: a session id planted before sign-in is worth nothing.
func (h *Handler) signIn(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	pre, err := r.Cookie(preCookie)
	if err != nil || pre.Value == "" || subtle.ConstantTimeCompare([]byte(pre.Value), []byte(r.PostFormValue("csrf"))) != 1 {
		http.Error(w, "the sign-in form is out of date or was not sent by this dashboard (CSRF check failed): reload the page and sign in again", http.StatusForbidden)
		return
	}
	ctx := r.Context()
	now := h.opts.Now().UTC()
	s := &store.Session{CSRF: randomID(), Created: now, Expires: now.Add(h.opts.SessionTTL)}
	if tok := strings.TrimSpace(r.PostFormValue("token")); tok != "" {
		t, err := h.app.Authenticate(ctx, tok)
		if errors.Is(err, app.ErrBadToken) {
			h.signInForm(w, r, http.StatusUnauthorized, "That API token is unknown or was revoked. Create one with: zoomsight token create --org ORG")
			return
		}
		if err != nil {
			h.signInForm(w, r, http.StatusServiceUnavailable, "Cannot check the token: the database does not answer.")
			return
		}
		s.TokenID, s.OrgID = t.ID, t.OrgID
	} else {
		u, err := h.app.SignInUser(ctx, strings.TrimSpace(r.PostFormValue("user")), secret.String(r.PostFormValue("password")))
		if errors.Is(err, app.ErrBadPassword) {
			h.signInForm(w, r, http.StatusUnauthorized, "Unknown user or wrong password. An admin creates users with: zoomsight user create NAME --org ORG")
			return
		}
		if err != nil {
			h.signInForm(w, r, http.StatusServiceUnavailable, "Cannot check the password: the database does not answer.")
			return
		}
		if len(u.Orgs) == 0 {
			h.signInForm(w, r, http.StatusForbidden, "User "+u.Name+" belongs to no org: add one with zoomsight user create "+u.Name+" --org ORG")
			return
		}
		s.UserID, s.OrgID = u.ID, u.Orgs[0].ID
	}
	id := randomID()
	s.Hash = hashID(id)
	old, _ := r.Cookie(sessionCookie)
	if old != nil && old.Value != "" && len(old.Value) < 100 {
		_ = h.app.Store.DeleteSession(ctx, hashID(old.Value), now)
	}
	if err := h.app.Store.CreateSession(ctx, s); err != nil {
		h.signInForm(w, r, http.StatusServiceUnavailable, "Cannot open a session: the database does not answer.")
		return
	}
	http.SetCookie(w, h.cookie(r, sessionCookie, id, int(h.opts.SessionTTL.Seconds())))
	http.SetCookie(w, h.cookie(r, preCookie, "", -1))
	http.Redirect(w, r, safeNext(r.PostFormValue("next")), http.StatusSeeOther)
}

func (h *Handler) signOut(w http.ResponseWriter, r *http.Request) {
	_ = h.app.Store.DeleteSession(r.Context(), session(r).Hash, h.opts.Now())
	http.SetCookie(w, h.cookie(r, sessionCookie, "", -1))
	http.Redirect(w, r, "/signin", http.StatusSeeOther)
}

// switchOrg shows another org of the signed-in user.
func (h *Handler) switchOrg(w http.ResponseWriter, r *http.Request) {
	s := session(r)
	id, _ := strconv.ParseInt(r.PostFormValue("org"), 10, 64)
	for _, o := range s.Orgs {
		if o.ID == id {
			if err := h.app.Store.SetSessionOrg(r.Context(), s.Hash, id); err != nil {
				h.failErr(w, r, err)
				return
			}
			back(w, r, "/", "Showing org "+o.Name)
			return
		}
	}
	h.fail(w, r, http.StatusForbidden, "you are not a member of that org")
}
