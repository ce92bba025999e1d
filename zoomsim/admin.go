package zoomsim

import (
	"encoding/json"
	"fmt"
	"net/http"
)

// The admin API under /_sim/ drives the simulator from tests and demos. It
// has no authentication: never expose a simulator beyond loopback.
func (s *Server) registerAdmin() {
	m := s.mux
	m.HandleFunc("GET /_sim/accounts", func(w http.ResponseWriter, r *http.Request) {
		adminJSON(w, http.StatusOK, map[string]any{"api_url": s.APIURL, "oauth_url": s.OAuthURL, "accounts": s.Credentials()})
	})
	m.HandleFunc("GET /_sim/stats", func(w http.ResponseWriter, r *http.Request) {
		id := r.URL.Query().Get("account_id")
		if id == "" && len(s.tenants) > 0 {
			id = s.tenants[0].ID
		}
		adminJSON(w, http.StatusOK, s.Stats(id))
	})
	m.HandleFunc("POST /_sim/stats/reset", func(w http.ResponseWriter, r *http.Request) {
		s.ResetStats()
		w.WriteHeader(http.StatusNoContent)
	})
	m.HandleFunc("GET /_sim/faults", func(w http.ResponseWriter, r *http.Request) {
		adminJSON(w, http.StatusOK, faultsJSON(s.Faults()))
	})
	m.HandleFunc("PUT /_sim/faults", func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			Spec string `json:"spec"`
		}
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
			adminError(w, http.StatusBadRequest, "body must be {\"spec\":\"5xx=0.05,429=0.1,html429,truncate=0.01,latency=20ms\"}")
			return
		}
		f, err := ParseFaults(in.Spec)
		if err != nil {
			adminError(w, http.StatusBadRequest, err.Error())
			return
		}
		s.SetFaults(f)
		adminJSON(w, http.StatusOK, faultsJSON(f))
	})
	m.HandleFunc("POST /_sim/faults/next", func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			Match  string          `json:"match"`
			Count  int             `json:"count"`
			Status int             `json:"status"`
			Body   json.RawMessage `json:"body"` // a JSON null arrives as "null"
		}
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil || in.Count <= 0 {
			adminError(w, http.StatusBadRequest, "body must be {\"match\":\"/users\",\"count\":2,\"status\":502} (status 0 truncates), or {\"match\":\"status=active\",\"count\":1,\"body\":{}} to answer 200 with that body")
			return
		}
		if in.Body != nil {
			s.AnswerNext(in.Match, in.Count, in.Body)
		} else {
			s.FailNext(in.Match, in.Count, in.Status)
		}
		w.WriteHeader(http.StatusNoContent)
	})
	m.HandleFunc("POST /_sim/accounts/{accountId}/revoke-tokens", func(w http.ResponseWriter, r *http.Request) {
		id := r.PathValue("accountId")
		if s.byID[id] == nil {
			adminError(w, http.StatusNotFound, fmt.Sprintf("no account %q", id))
			return
		}
		adminJSON(w, http.StatusOK, map[string]int{"revoked": s.RevokeTokens(id)})
	})
	m.HandleFunc("PUT /_sim/apps/{clientId}/scopes", func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			Scopes []string `json:"scopes"`
		}
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
			adminError(w, http.StatusBadRequest, "body must be {\"scopes\":[\"user:read:admin\", …]} (null grants all)")
			return
		}
		if !s.SetScopes(r.PathValue("clientId"), in.Scopes) {
			adminError(w, http.StatusNotFound, "no app with that client id")
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	m.HandleFunc("POST /_sim/webhooks", func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			URL         string         `json:"url"`
			SecretToken string         `json:"secret_token"`
			Event       string         `json:"event"`
			Payload     map[string]any `json:"payload"`
		}
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil || in.URL == "" || in.Event == "" || in.SecretToken == "" {
			adminError(w, http.StatusBadRequest, "body must be {\"url\":…, \"secret_token\":…, \"event\":\"user.deactivated\", \"payload\":{…}}")
			return
		}
		res, err := s.SendWebhook(r.Context(), in.URL, in.SecretToken, WebhookEvent{Event: in.Event, Payload: in.Payload})
		if err != nil {
			adminError(w, http.StatusBadGateway, err.Error())
			return
		}
		adminJSON(w, http.StatusOK, res)
	})
	s.registerTenantAdmin(m)
}

func faultsJSON(f Faults) map[string]any {
	return map[string]any{"server_errors": f.ServerErrors, "rate_limits": f.RateLimits, "html_429": f.HTML429, "truncate": f.Truncate, "revoke": f.Revoke, "latency": f.Latency.String()}
}

func adminJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

func adminError(w http.ResponseWriter, status int, msg string) {
	adminJSON(w, status, map[string]string{"error": msg})
}
