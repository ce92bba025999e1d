package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/zoomsight/zoomsight/internal/insight"
	"github.com/zoomsight/zoomsight/internal/store"
)

// resolveOrg finds the org a command works for: the one named, or when
// none is named the only org there is. It returns nil when the database
// has no org (the roster and settings are then the global ones), and an
// error naming the choices when there are several and none was named.
func resolveOrg(ctx context.Context, st store.Store, name string) (*store.Org, error) {
	orgs, err := st.Orgs(ctx)
	if err != nil {
		return nil, err
	}
	names := make([]string, len(orgs))
	for i, o := range orgs {
		names[i] = o.Name
		if name != "" && o.Name == name {
			return o, nil
		}
	}
	switch {
	case name != "" && len(orgs) == 0:
		return nil, fmt.Errorf("--org %q: there is no org yet; account add --org or token create --org makes one", name)
	case name != "":
		return nil, fmt.Errorf("--org %q: no such org; orgs: %s", name, strings.Join(names, ", "))
	case len(orgs) == 1:
		return orgs[0], nil
	case len(orgs) > 1:
		return nil, fmt.Errorf("there are %d orgs (%s): choose one with --org", len(orgs), strings.Join(names, ", "))
	}
	return nil, nil
}

func orgID(o *store.Org) int64 {
	if o == nil {
		return 0
	}
	return o.ID
}

func orgName(o *store.Org) string {
	if o == nil {
		return ""
	}
	return o.Name
}

// orgFlag adds --org to a command whose data belongs to an org.
func orgFlag(cmd *cobra.Command, org *string) {
	cmd.Flags().StringVar(org, "org", "", "the org whose data this is (default: the only org, if there is one)")
}

func newOrgCommand(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "org", Short: "Orgs: the customers whose accounts, roster and settings zoomsight keeps apart"}
	list := &cobra.Command{
		Use:   "list",
		Short: "List the orgs and their accounts",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			a, err := g.openExisting(cmd.Context())
			if err != nil {
				return err
			}
			defer a.Close()
			orgs, err := a.Store.Orgs(cmd.Context())
			if err != nil {
				return err
			}
			for _, o := range orgs {
				accts, err := a.Store.OrgAccounts(cmd.Context(), o.ID)
				if err != nil {
					return err
				}
				names := make([]string, len(accts))
				for i, ac := range accts {
					names[i] = ac.Name
				}
				fmt.Fprintf(cmd.OutOrStdout(), "%s\t%s\n", o.Name, strings.Join(names, ","))
			}
			return nil
		},
	}
	var org, set string
	settings := &cobra.Command{
		Use:   "settings",
		Short: "Show or store an org's insight settings (prices, roster and activity settings)",
		Long: `Show an org's insight settings as JSON (the defaults with the org's own over
them), or with --set store a JSON file in the format of the insights
--config file as the org's own: insights and the REST API use them for that
org. A --config file given to a command still applies over them.`,
		Example: `  zoomsight org settings --org Acme --set prices.json`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			a, err := g.openExisting(cmd.Context())
			if err != nil {
				return err
			}
			defer a.Close()
			o, err := resolveOrg(cmd.Context(), a.Store, org)
			if err != nil {
				return err
			}
			if o == nil {
				return fmt.Errorf("there is no org; without orgs, give insights a --config file instead")
			}
			if set != "" {
				b, err := os.ReadFile(set)
				if err != nil {
					return err
				}
				check := insight.DefaultConfig()
				if err := check.Overlay(b); err != nil {
					return fmt.Errorf("%s: %w; nothing stored", set, err)
				}
				var compact bytes.Buffer
				if err := json.Compact(&compact, b); err != nil {
					return fmt.Errorf("%s: %w; nothing stored", set, err)
				}
				if err := a.Store.PutOrgSettings(cmd.Context(), o.ID, compact.Bytes()); err != nil {
					return err
				}
				fmt.Fprintf(cmd.ErrOrStderr(), "stored the settings of org %s from %s\n", o.Name, set)
				return nil
			}
			cfg, err := insight.OrgConfig(cmd.Context(), a.Store, o.ID, "")
			if err != nil {
				return err
			}
			return writeJSON(cmd.OutOrStdout(), cfg)
		},
	}
	orgFlag(settings, &org)
	settings.Flags().StringVar(&set, "set", "", "store this JSON file as the org's settings")
	cmd.AddCommand(list, settings)
	return cmd
}

// orgAccountNames lists the names of an org's accounts (never nil).
func orgAccountNames(ctx context.Context, st store.Store, o *store.Org) ([]string, error) {
	accts, err := st.OrgAccounts(ctx, o.ID)
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(accts))
	for _, a := range accts {
		names = append(names, a.Name)
	}
	return names, nil
}
