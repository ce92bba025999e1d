// Package insight turns synced Zoom data into answers for IT-asset,
// identity and HR teams: licences that go unused and what they cost,
// leavers that still have Zoom, and client and sign-in activity. It reads
// the public SQL views (docs/schema.md) through store.Store.Query, so every
// answer is the same on SQLite and PostgreSQL.
package insight

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"strings"
)

// Config is the insights' configuration: prices, roster columns and alias
// domains, and what counts as usual in activity. Zero fields take the
// defaults (DefaultConfig); a config file overrides what it names.
type Config struct {
	Prices   Prices         `json:"prices"`
	Roster   RosterConfig   `json:"roster"`
	Activity ActivityConfig `json:"activity"`
}

// Prices are monthly list prices per licence or add-on, used to estimate
// what reclaiming them saves.
type Prices struct {
	Currency string `json:"currency"`
	// License is the price of one licensed user by plan (the account type
	// in lower case: "pro", "business", "business plus", "enterprise").
	// Keys are spelt "license" everywhere (docs/schema.md); "licence" is
	// still read from files written before that was settled.
	License      map[string]float64 `json:"license"`
	LicenceOlder map[string]float64 `json:"licence,omitempty"`
	// LargeMeeting and Webinar price one host's add-on by capacity ("500").
	LargeMeeting map[string]float64 `json:"large_meeting"`
	Webinar      map[string]float64 `json:"webinar"`
}

// RosterConfig says how to read an HR roster.
type RosterConfig struct {
	// Columns maps zoomsight's fields (email, employee_id, name,
	// department, manager, status, termination_date) to the file's
	// column names.
	Columns map[string]string `json:"columns"`
	// AliasDomains maps an alias mail domain to the canonical one:
	// ann@corp.example.com is ann@example.com.
	AliasDomains map[string]string `json:"alias_domains"`
	// TerminatedStatuses are status values that mean the employee left
	// (case-insensitive); a termination date that has passed means it too.
	TerminatedStatuses []string `json:"terminated_statuses"`
	// ServiceAccountPrefixes mark Zoom users that are service accounts
	// rather than people, by the e-mail's local part.
	ServiceAccountPrefixes []string `json:"service_account_prefixes"`
}

// ActivityConfig tunes the activity insight.
type ActivityConfig struct {
	// UsualClientTypes are client types sign-ins normally come from; others
	// are reported as unusual (case-insensitive).
	UsualClientTypes []string `json:"usual_client_types"`
	// OutdatedBehind: a client this many releases behind the newest one
	// seen is outdated.
	OutdatedBehind int `json:"outdated_behind"`
}

// DefaultConfig returns the documented defaults. Prices are approximate
// US list prices for monthly billing; set your own.
func DefaultConfig() Config {
	return Config{
		Prices: Prices{
			Currency:     "USD",
			License:      map[string]float64{"free": 0, "pro": 15.99, "business": 21.99, "business plus": 26.99, "enterprise": 21.99, "education": 15.99},
			LargeMeeting: map[string]float64{"500": 50, "1000": 90},
			Webinar:      map[string]float64{"500": 79, "1000": 340},
		},
		Roster: RosterConfig{
			Columns:                map[string]string{},
			AliasDomains:           map[string]string{},
			TerminatedStatuses:     []string{"terminated", "inactive", "left", "leaver", "withdrawn"},
			ServiceAccountPrefixes: []string{"admin", "noreply", "no-reply", "zoom", "room", "svc", "service", "bot", "api"},
		},
		Activity: ActivityConfig{
			UsualClientTypes: []string{"Windows", "Mac", "Linux", "iOS", "Android"},
			OutdatedBehind:   2,
		},
	}
}

// LoadConfig reads a JSON config file over the defaults. Unknown fields are
// an error, so a typo does not silently fall back to a default. An empty
// path returns the defaults.
func LoadConfig(path string) (Config, error) {
	c := DefaultConfig()
	if path == "" {
		return c, nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return c, fmt.Errorf("reading config: %w", err)
	}
	if err := c.Overlay(b); err != nil {
		return c, fmt.Errorf("config %s: %w", path, err)
	}
	return c, nil
}

// Overlay reads a JSON config document over c: what it names replaces or
// adds to c's values. Unknown fields are an error.
func (c *Config) Overlay(b []byte) error {
	var f Config
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return err
	}
	if f.Prices.Currency != "" {
		c.Prices.Currency = f.Prices.Currency
	}
	for k, v := range f.Prices.LicenceOlder {
		c.Prices.License[strings.ToLower(k)] = v
	}
	for k, v := range f.Prices.License {
		c.Prices.License[strings.ToLower(k)] = v
	}
	for k, v := range f.Prices.LargeMeeting {
		c.Prices.LargeMeeting[k] = v
	}
	for k, v := range f.Prices.Webinar {
		c.Prices.Webinar[k] = v
	}
	for k, v := range f.Roster.Columns {
		c.Roster.Columns[k] = v
	}
	for k, v := range f.Roster.AliasDomains {
		c.Roster.AliasDomains[strings.ToLower(k)] = strings.ToLower(v)
	}
	if f.Roster.TerminatedStatuses != nil {
		c.Roster.TerminatedStatuses = f.Roster.TerminatedStatuses
	}
	if f.Roster.ServiceAccountPrefixes != nil {
		c.Roster.ServiceAccountPrefixes = f.Roster.ServiceAccountPrefixes
	}
	if f.Activity.UsualClientTypes != nil {
		c.Activity.UsualClientTypes = f.Activity.UsualClientTypes
	}
	if f.Activity.OutdatedBehind > 0 {
		c.Activity.OutdatedBehind = f.Activity.OutdatedBehind
	}
	return nil
}
