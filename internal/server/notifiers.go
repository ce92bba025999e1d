package server

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/zoomsight/zoomsight/internal/alert"
	"github.com/zoomsight/zoomsight/internal/secret"
	"github.com/zoomsight/zoomsight/internal/store"
)

// notifiersRoutes serve an org's own alert notifiers: the alerts of the
// org's rules (POST /api/v1/rules) go to them, and only to them; the
// operator's notifiers of the configuration file get the alerts of the
// operator's rules. Where a notifier sends (URL, secret, SMTP server and
// credentials) is sealed with the credential key and never shown again,
// like an account's client secret. Admin tokens only; another org's
// notifiers are not there (404).
func (s *Server) notifiersRoutes() {
	s.handle("GET /api/v1/notifiers", true, s.listNotifiers)
	s.handle("POST /api/v1/notifiers", true, s.createNotifier)
	s.handle("DELETE /api/v1/notifiers/{name}", true, s.deleteNotifier)
}

func notifierJSON(n *store.AlertNotifier) map[string]any {
	match := make([]string, len(n.Match))
	for i, m := range n.Match {
		match[i] = m.Name + m.Op + m.Value
	}
	return map[string]any{"name": n.Name, "type": n.Type, "match": match, "send_resolved": n.SendResolved, "created_by": n.CreatedBy,
		"created_at": apiTime(n.CreatedAt)}
}

func (s *Server) listNotifiers(w http.ResponseWriter, r *http.Request) {
	if !admin(w, r, "reading notifiers") {
		return
	}
	ns, err := s.app.Store.AlertNotifiers(r.Context(), caller(r).OrgID)
	if err != nil {
		writeError(w, http.StatusServiceUnavailable, "unavailable", "reading the notifiers failed")
		return
	}
	items := []map[string]any{}
	for _, n := range ns {
		if n.OrgID == caller(r).OrgID { // AlertNotifiers(0) would list every org's
			items = append(items, notifierJSON(n))
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": items})
}

func (s *Server) createNotifier(w http.ResponseWriter, r *http.Request) {
	if !admin(w, r, "changing notifiers") {
		return
	}
	var in struct {
		Name         string   `json:"name"`
		Type         string   `json:"type"`
		URL          string   `json:"url"`
		Secret       string   `json:"secret"`
		SMTP         string   `json:"smtp"`
		From         string   `json:"from"`
		To           []string `json:"to"`
		Username     string   `json:"username"`
		Password     string   `json:"password"`
		Insecure     bool     `json:"insecure"`
		Match        []string `json:"match"`
		SendResolved *bool    `json:"send_resolved"`
	}
	if !decodeObject(w, r, &in, "name, type, url, secret, smtp, from, to, username, password, insecure, match, send_resolved") {
		return
	}
	if caller(r).OrgID <= 0 {
		writeError(w, http.StatusForbidden, "forbidden", "this token's org is gone; make a token of an org (zoomsight token create --org)")
		return
	}
	target := alert.NotifierTarget{URL: in.URL, Secret: secret.String(in.Secret), SMTP: in.SMTP, From: in.From, To: in.To,
		Username: in.Username, Password: secret.String(in.Password), Insecure: in.Insecure}
	if err := alert.CheckTarget(in.Name, in.Type, target); err != nil {
		writeError(w, http.StatusBadRequest, "bad_request", fmt.Sprintf("notifier %s: %v", in.Name, err))
		return
	}
	match, err := alert.ParseMatchers(in.Match)
	if err != nil {
		writeError(w, http.StatusBadRequest, "bad_request", fmt.Sprintf("notifier %s: match: %v", in.Name, err))
		return
	}
	plain, err := alert.MarshalTarget(target)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "internal", "encoding the notifier failed")
		return
	}
	sealed, err := s.app.SealOrgNotifier(r.Context(), plain)
	if err != nil {
		writeError(w, http.StatusServiceUnavailable, "unavailable", "sealing the notifier failed: the credential key is not available")
		return
	}
	n := &store.AlertNotifier{OrgID: caller(r).OrgID, Name: in.Name, Type: in.Type, Sealed: sealed, Match: match,
		SendResolved: in.SendResolved == nil || *in.SendResolved, CreatedBy: caller(r).Org + "/" + caller(r).Name}
	err = s.app.Store.CreateAlertNotifier(r.Context(), n)
	if errors.Is(err, store.ErrDuplicate) {
		writeError(w, http.StatusConflict, "conflict", fmt.Sprintf("the org has a notifier %s; delete it first, or pick another name", in.Name))
		return
	}
	if err != nil {
		writeError(w, http.StatusServiceUnavailable, "unavailable", "storing the notifier failed")
		return
	}
	writeJSON(w, http.StatusCreated, notifierJSON(n))
}

func (s *Server) deleteNotifier(w http.ResponseWriter, r *http.Request) {
	if !admin(w, r, "changing notifiers") {
		return
	}
	name := r.PathValue("name")
	err := s.app.Store.DeleteAlertNotifier(r.Context(), caller(r).OrgID, name)
	if errors.Is(err, store.ErrNotFound) {
		writeError(w, http.StatusNotFound, "not_found", fmt.Sprintf("the org has no notifier %q", name))
		return
	}
	if err != nil {
		writeError(w, http.StatusServiceUnavailable, "unavailable", "deleting the notifier failed")
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"deleted": name})
}

// orgNotifierStatus says whose a notifier of the outbox is, as the caller
// may see it: its own org's (by its short name), the operator's, or
// another org's (hidden).
func orgNotifierStatus(key string, orgID int64) (name, owner string, visible bool) {
	org, short, isOrg := alert.ParseOrgNotifierKey(key)
	switch {
	case !isOrg:
		return key, "operator", true
	case org == orgID:
		return short, "org", true
	}
	return "", "", false
}
