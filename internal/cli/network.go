package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"sort"

	"github.com/spf13/cobra"

	"github.com/zoomsight/zoomsight/internal/network"
)

func newNetworkCommand(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "network",
		Short: "Describe your network (sites, subnets, access points) to correlate call quality with it",
	}
	cmd.AddCommand(&cobra.Command{
		Use:   "import FILE",
		Short: "Replace the network description with a YAML or CSV file and match every participant again",
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
counted.`,
		Example: `  zoomsight network import sites.yaml
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
			res, err := a.ImportNetwork(cmd.Context(), name, data)
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
				fmt.Fprintf(out, "QoS rollups of %d sessions filed under their site again, pruned days included\n", res.QoSSessions)
			}
			if res.NotReclassified > 0 {
				fmt.Fprintf(out, "the new thresholds could not be applied to %d sessions from %s to %s: their raw minutes were pruned, so their bad minutes stay as counted before\n",
					res.NotReclassified, res.NotReclassifiedPeriod[0], res.NotReclassifiedPeriod[1])
			}
			return nil
		},
	})
	cmd.AddCommand(&cobra.Command{
		Use:   "show",
		Short: "Print the stored network description as a network file",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			a, err := g.openExisting(cmd.Context())
			if err != nil {
				return err
			}
			defer a.Close()
			n, err := a.Store.Network(cmd.Context())
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
	})
	return cmd
}
