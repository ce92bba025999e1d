package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/zoomsight/zoomsight/zoomsim"
)

// newSimNetworkCommand prints a simulated tenant's network file.
func newSimNetworkCommand() *cobra.Command {
	var seed int64
	var account int
	cmd := &cobra.Command{
		Use:   "network",
		Short: "Print a simulated account's network file (sites, subnets, access points) for zoomsight network import",
		Long: `Print the network file of the simulator's account number --account (0 is the
first) for --seed: the same offices, egress addresses, subnets and access
points the simulator's participants join from. Degraded sites are not
marked; zoomsight insights qos should find them.`,
		Example: `  zoomsight sim network --seed 1 > sites.yaml
  zoomsight network import sites.yaml`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if account < 0 || account > 99 {
				return fmt.Errorf("--account must be between 0 and 99, not %d", account)
			}
			// Sites depend on the seed and the account number only.
			s, err := zoomsim.NewServer(zoomsim.Options{Seed: seed, Users: 10, Accounts: account + 1})
			if err != nil {
				return err
			}
			_, err = cmd.OutOrStdout().Write(s.Tenants()[account].NetworkFile())
			return err
		},
	}
	cmd.Flags().Int64Var(&seed, "seed", 1, "the simulator's seed")
	cmd.Flags().IntVar(&account, "account", 0, "the account's number (0 is the first)")
	return cmd
}
