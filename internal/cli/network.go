package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"

	"github.com/spf13/cobra"

	"github.com/zoomsight/zoomsight/internal/app"
	"github.com/zoomsight/zoomsight/internal/network"
	"github.com/zoomsight/zoomsight/internal/store"
)

func newNetworkCommand(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "network",
		Short: "Describe your network (sites, subnets, access points) to correlate call quality with it",
	}
	var org string
	var operator bool
	imp := &cobra.Command{
		Use:   "import FILE",
		Short: "Replace an org's network description with a YAML or CSV file and match its accounts' participants again",
		Long: `Import the customer's network: sites with their public egress IPs/CIDRs and
internal CIDRs, and optionally a MAC table exported from a NAC, DHCP server
or wireless controller (MAC or MAC prefix → site, access point, switch port),
and optionally QoS thresholds. "-" reads standard input.

YAML:
  sites:
    - name: HQ
      egress: [203.0.113.5, 198.51.100.0/28]
      internal: [10.10.0.0/16]
  macs:
    - {mac: "3c:22:fb", site: HQ, access_point: HQ-AP-01, switch_port: "sw1/0/12"}
  thresholds: {latency_ms: 150, jitter_ms: 30, loss_pct: 2, cpu_pct: 90, rssi_dbm: -75, label: poor}

CSV (header required; kind is egress, internal, mac or threshold):
  site,kind,value,access_point,switch_port
  HQ,egress,203.0.113.5,,
  HQ,internal,10.10.0.0/16,,
  HQ,mac,3c:22:fb,HQ-AP-01,sw1/0/12
  ,threshold,latency_ms=150,,

Participants match by longest prefix on internal IPs first, then the public
IP, then the MAC; those that match nothing are off-network. A file with any
bad line is refused whole, with the first 100 bad lines listed and the rest
counted.

The network belongs to an org (--org, default: the only org). An account is
matched against the network of the first org linked to it that has one, else
the operator default (--operator-default: for accounts linked to no org and
orgs that have imported none); importing one org's network re-matches only
the accounts it decides. QoS thresholds are database-wide.`,
		Example: `  zoomsight network import sites.yaml
  zoomsight network import --org acme sites.csv
  zoomsight sim network --seed 1 | zoomsight network import -`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var data []byte
			var err error
			name := args[0]
			if name == "-" {
				data, err = io.ReadAll(cmd.InOrStdin())
				name = "stdin"
			} else {
				data, err = os.ReadFile(name)
			}
			if err != nil {
				return err
			}
			a, err := g.open(cmd.Context())
			if err != nil {
				return err
			}
			defer a.Close()
			id, err := networkOrg(cmd.Context(), a.Store, org, operator)
			if err != nil {
				return err
			}
			res, err := a.ImportNetwork(cmd.Context(), app.NetworkOptions{OrgID: id, Thresholds: true}, name, data)
			if err != nil {
				if fe := (*network.FileError)(nil); errors.As(err, &fe) {
					// The first bad lines on stderr; the command's one-line error last.
					fmt.Fprintln(cmd.ErrOrStderr(), fe.Error())
					return fmt.Errorf("%s: %d problem(s), nothing imported", fe.Name, len(fe.Problems))
				}
				return err
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "imported %d sites, %d prefixes, %d MAC entries", res.Sites, res.Prefixes, res.MACs)
			if res.Thresholds != nil {
				fmt.Fprint(out, " and QoS thresholds")
			}
			fmt.Fprintf(out, "\nmatched %d participants:\n", res.Participants)
			sites := make([]string, 0, len(res.BySite))
			for s := range res.BySite {
				sites = append(sites, s)
			}
			sort.Strings(sites)
			for _, s := range sites {
				fmt.Fprintf(out, "  %-20s %d\n", s, res.BySite[s])
			}
			if res.QoSSessions > 0 {
				fmt.Fprintf(out, "QoS rollups of %d sessions from %s to %s filed under their site again, pruned days included\n", res.QoSSessions, res.Period[0], res.Period[1])
			}
			if res.NotReclassified > 0 {
				fmt.Fprintf(out, "the new thresholds could not be applied to %d sessions from %s to %s: their raw minutes were pruned, so their bad minutes stay as counted before\n",
					res.NotReclassified, res.NotReclassifiedPeriod[0], res.NotReclassifiedPeriod[1])
			}
			return nil
		},
	}
	networkOrgFlags(imp, &org, &operator)
	cmd.AddCommand(imp)
	var showOrg string
	var showOperator bool
	show := &cobra.Command{
		Use:     "show",
		Aliases: []string{"export"},
		Short:   "Print an org's stored network description as a network file (with the database-wide QoS thresholds)",
		Example: `  zoomsight network show --org acme > sites.yaml`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			a, err := g.openExisting(cmd.Context())
			if err != nil {
				return err
			}
			defer a.Close()
			id, err := networkOrg(cmd.Context(), a.Store, showOrg, showOperator)
			if err != nil {
				return err
			}
			n, err := a.Store.Network(cmd.Context(), id)
			if err != nil {
				return err
			}
			t, err := a.Store.QoSThresholds(cmd.Context())
			if err != nil {
				return err
			}
			_, err = cmd.OutOrStdout().Write(network.YAML(n, &t))
			return err
		},
	}
	networkOrgFlags(show, &showOrg, &showOperator)
	cmd.AddCommand(show)
	return cmd
}

func networkOrgFlags(cmd *cobra.Command, org *string, operator *bool) {
	orgFlag(cmd, org)
	cmd.Flags().BoolVar(operator, "operator-default", false, "the operator default network: for accounts linked to no org and orgs without a network of their own")
}

// networkOrg is the org whose network a command works on: --org, the
// only org, or with --operator-default (or no org at all) the operator
// default, 0.
func networkOrg(ctx context.Context, st store.Store, org string, operator bool) (int64, error) {
	if operator {
		if org != "" {
			return 0, errors.New("--org and --operator-default: choose one")
		}
		return 0, nil
	}
	o, err := resolveOrg(ctx, st, org)
	if err != nil {
		return 0, fmt.Errorf("%w (or --operator-default for the network of accounts linked to no org)", err)
	}
	return orgID(o), nil
}
