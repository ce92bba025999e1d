package alert

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/zoomsight/zoomsight/internal/config"
	"github.com/zoomsight/zoomsight/internal/secret"
	"github.com/zoomsight/zoomsight/internal/store"
)

// An org's notifiers (registered through the REST API) receive the
// alerts of the org's rules, and nothing else; the operator's (the
// configuration file's) receive the alerts of the operator's rules
// (configured, built in), and never an org's. In the outbox and in
// /metrics an org's notifier is named OrgNotifierKey(org, name): "/"
// never appears in an operator's notifier's name, so the two cannot be
// confused, and the dispatcher checks every item's org against its
// notifier's before sending it.

// NoOrg is the org of the alerts of a rule stored through the API whose
// org is gone (store.AlertRule.OrgID 0): they go to no notifier at all.
const NoOrg = -1

// OrgNotifierKey names org's notifier name in the outbox.
func OrgNotifierKey(orgID int64, name string) string {
	return strconv.FormatInt(orgID, 10) + "/" + name
}

// ParseOrgNotifierKey splits an OrgNotifierKey; ok is false for an
// operator's notifier.
func ParseOrgNotifierKey(key string) (orgID int64, name string, ok bool) {
	id, name, found := strings.Cut(key, "/")
	if !found {
		return 0, key, false
	}
	n, err := strconv.ParseInt(id, 10, 64)
	if err != nil || n <= 0 {
		return 0, key, false
	}
	return n, name, true
}

// NotifierTarget is where an org's notifier sends: what is sealed in
// store.AlertNotifier.Sealed, as JSON.
type NotifierTarget struct {
	URL      string        `json:"url,omitempty"`    // webhook, slack
	Secret   secret.String `json:"secret,omitempty"` // webhook: signs bodies
	SMTP     string        `json:"smtp,omitempty"`   // email: host:port
	From     string        `json:"from,omitempty"`
	To       []string      `json:"to,omitempty"`
	Username string        `json:"username,omitempty"`
	Password secret.String `json:"password,omitempty"`
	Insecure bool          `json:"insecure,omitempty"` // email: plain SMTP, no STARTTLS
}

// MarshalTarget is t as sealed: secret.String marshals as "<secret>",
// so its fields are written revealed here, and only here.
func MarshalTarget(t NotifierTarget) ([]byte, error) {
	type plain struct {
		NotifierTarget
		Secret   string `json:"secret,omitempty"`
		Password string `json:"password,omitempty"`
	}
	return json.Marshal(plain{t, t.Secret.Reveal(), t.Password.Reveal()})
}

// UnmarshalTarget reads what MarshalTarget wrote.
func UnmarshalTarget(b []byte) (NotifierTarget, error) {
	var p struct {
		NotifierTarget
		Secret   string `json:"secret"`
		Password string `json:"password"`
	}
	if err := json.Unmarshal(b, &p); err != nil {
		return NotifierTarget{}, err
	}
	t := p.NotifierTarget
	t.Secret, t.Password = secret.String(p.Secret), secret.String(p.Password)
	return t, nil
}

// CheckTarget says what is wrong with a notifier of type typ sending to
// t, as the configuration file's notifiers are checked.
func CheckTarget(name, typ string, t NotifierTarget) error {
	if !config.RuleName.MatchString(name) {
		return fmt.Errorf("name %q: a name is 1 to 63 lower-case letters, digits or _, starting with a letter", name)
	}
	switch typ {
	case "webhook", "slack":
		u, err := url.Parse(t.URL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return errors.New("url: want an http(s) URL")
		}
		if typ == "webhook" && t.Secret == "" {
			return errors.New("secret: a webhook needs a secret to sign its bodies with (any long random text)")
		}
	case "email":
		if _, port, err := net.SplitHostPort(t.SMTP); err != nil || port == "" {
			return fmt.Errorf("smtp %q: want host:port, such as mail.example.com:587", t.SMTP)
		}
		if t.From == "" || len(t.To) == 0 {
			return errors.New("an email notifier needs from and to")
		}
	default:
		return fmt.Errorf("type %q: want webhook, slack or email", typ)
	}
	return nil
}

// ErrPrivateAddress is an org's notifier that would connect to an address
// that is not public: loopback, private, link-local (cloud metadata),
// unspecified or multicast.
var ErrPrivateAddress = errors.New("refusing to connect an org's notifier to an address that is not public (alerts.org_notifiers_private allows it)")

// publicOnly is a net.Dialer Control refusing addresses that are not
// public. It checks the address actually dialled, after DNS, so a name
// that resolves to 127.0.0.1 or 169.254.169.254 is refused too.
func publicOnly(_, address string, _ syscall.RawConn) error {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return err
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return fmt.Errorf("%w: %s", ErrPrivateAddress, host)
	}
	ip = ip.Unmap()
	if ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() || ip.IsUnspecified() ||
		ip.IsMulticast() || ip.IsInterfaceLocalMulticast() || cgnat.Contains(ip) {
		return fmt.Errorf("%w: %s", ErrPrivateAddress, ip)
	}
	return nil
}

// cgnat is the shared address space of RFC 6598, not public either.
var cgnat = netip.MustParsePrefix("100.64.0.0/10")

// notifierFor builds the Notifier of type typ sending to t. Unless
// allowPrivate, it connects only to public addresses: an org's admin must
// not be able to make serve post to the operator's internal services or
// the cloud's metadata endpoint.
func notifierFor(typ string, t NotifierTarget, allowPrivate bool) (Notifier, error) {
	dialer := &net.Dialer{Timeout: 30 * time.Second}
	var client *http.Client
	if !allowPrivate {
		dialer.Control = publicOnly
		// No proxy from the environment: the check is on the address
		// dialled, which would be the proxy's.
		client = &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{DialContext: dialer.DialContext,
			TLSHandshakeTimeout: 10 * time.Second, ForceAttemptHTTP2: true,
			// A notifier is built per send: kept-alive connections of a
			// transport no one uses again would stay open.
			DisableKeepAlives: true}}
	}
	switch typ {
	case "webhook":
		return &Webhook{URL: t.URL, Secret: t.Secret, Client: client}, nil
	case "slack":
		return &Slack{URL: t.URL, Client: client}, nil
	case "email":
		return &Email{Addr: t.SMTP, From: t.From, To: t.To, Username: t.Username, Password: t.Password, Insecure: t.Insecure,
			Dialer: dialer}, nil
	}
	return nil, fmt.Errorf("type %q: want webhook, slack or email", typ)
}

// ErrNoNotifier means the org has no notifier of that name (any more):
// its notifications stay in the outbox until one is made again.
var ErrNoNotifier = errors.New("no such notifier")

// OrgNotifiers returns a Dispatcher.OrgNotifier that reads the org's
// notifier from st and opens where it sends with open (the credential
// key's, app.OpenOrgNotifier). Unless allowPrivate (the configuration's
// alerts.org_notifiers_private), the notifiers connect only to public
// addresses.
func OrgNotifiers(st store.Store, open func([]byte) ([]byte, error), allowPrivate bool) func(ctx context.Context, orgID int64, name string) (Notifier, error) {
	return func(ctx context.Context, orgID int64, name string) (Notifier, error) {
		ns, err := st.AlertNotifiers(ctx, orgID)
		if err != nil {
			return nil, err
		}
		i := slices.IndexFunc(ns, func(n *store.AlertNotifier) bool { return n.OrgID == orgID && n.Name == name })
		if i < 0 {
			return nil, ErrNoNotifier
		}
		b, err := open(ns[i].Sealed)
		if err != nil {
			return nil, fmt.Errorf("opening where notifier %s sends: %w", name, err)
		}
		t, err := UnmarshalTarget(b)
		if err != nil {
			return nil, fmt.Errorf("notifier %s: %w", name, err)
		}
		return notifierFor(ns[i].Type, t, allowPrivate)
	}
}

// orgRoutes reads the orgs' notifiers as routes, by org.
func (e *Engine) orgRoutes(ctx context.Context) (map[int64][]Route, error) {
	ns, err := e.Store.AlertNotifiers(ctx, 0)
	if err != nil {
		return nil, fmt.Errorf("reading the orgs' notifiers: %w", err)
	}
	out := map[int64][]Route{}
	for _, n := range ns {
		out[n.OrgID] = append(out[n.OrgID], Route{Notifier: OrgNotifierKey(n.OrgID, n.Name), Match: n.Match, SendResolved: n.SendResolved})
	}
	return out, nil
}

// ruleOrg is the org recorded on r's alerts.
func ruleOrg(r *Rule) int64 {
	switch {
	case r.Source != SourceAPI:
		return r.OrgID // 0, or the org of a built-in site rule's copy (orgsites.go)
	case r.OrgID == 0:
		return NoOrg
	}
	return r.OrgID
}
