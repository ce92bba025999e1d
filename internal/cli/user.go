package cli

import (
	"bufio"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/zoomsight/zoomsight/internal/secret"
)

// newUserCommand manages the dashboard's local admin users.
func newUserCommand(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "user", Short: "Manage the dashboard's local admin users"}
	var orgs []string
	var file, env string
	create := &cobra.Command{
		Use:   "create NAME --org ORG",
		Short: "Create a dashboard user (or set its password and add orgs)",
		Long: `Create a local admin user of the dashboard that zoomsight serve serves at /,
an admin of each --org (created if new). Running it again for the same name
sets a new password and adds the orgs. The password is read from
--password-file FILE, --password-env VAR, or the first line of standard
input, never from a flag; only its argon2id hash is stored. It needs at
least 12 characters.`,
		Example: `  printf '%s\n' "$PASSWORD" | zoomsight user create ada --org acme
  zoomsight user create ada --org acme --org globex --password-env ADA_PASSWORD`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			pw, err := readSecretFrom(g, "password", file, env)
			if err != nil {
				return err
			}
			if pw == "" {
				line, err := bufio.NewReader(cmd.InOrStdin()).ReadString('\n')
				if err != nil && line == "" {
					return errors.New("no password: give --password-file FILE or --password-env VAR, or type it on standard input")
				}
				pw = secret.String(strings.TrimRight(line, "\r\n"))
			}
			a, err := g.open(cmd.Context())
			if err != nil {
				return err
			}
			defer a.Close()
			u, err := a.CreateWebUser(cmd.Context(), args[0], pw, orgs)
			if err != nil {
				return err
			}
			names := make([]string, len(u.Orgs))
			for i, o := range u.Orgs {
				names[i] = o.Name
			}
			fmt.Fprintf(cmd.OutOrStdout(), "user %s is an admin of %s; sign in at the dashboard of zoomsight serve (http://127.0.0.1:8080/ by default)\n",
				u.Name, strings.Join(names, ", "))
			return nil
		},
	}
	create.Flags().StringSliceVar(&orgs, "org", nil, "an org the user administers (repeat for several; required)")
	create.Flags().StringVar(&file, "password-file", "", "read the password from this file")
	create.Flags().StringVar(&env, "password-env", "", "read the password from this environment variable")
	cmd.AddCommand(create)
	return cmd
}
