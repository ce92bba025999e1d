package cli

import (
	"github.com/spf13/cobra"
)

func newQueryCommand(g *globals) *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   `query "SQL"`,
		Short: "Run a read-only SQL query over the synced data",
		Long: `Run one read-only SQL statement (SELECT, WITH, VALUES, EXPLAIN) against the
documented views: zoomsight schema lists them and their columns, and
docs/schema.md says what they mean. Writes are refused. The same queries
work on SQLite and PostgreSQL. It needs no credential key. On PostgreSQL it
refuses a superuser (or a role that may read server files): connect as a
read-only role, see docs/schema.md "A read-only role for queries".`,
		Example: `  zoomsight query "SELECT status, count(*) FROM zoom_user GROUP BY status"
  zoomsight query -o csv "SELECT email, last_login_time FROM zoom_user WHERE license = 'licensed'"`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			w, err := newRowWriter(cmd.OutOrStdout(), format)
			if err != nil {
				return err
			}
			a, err := g.openExisting(cmd.Context())
			if err != nil {
				return err
			}
			defer a.Close()
			if err := a.Store.UserQuery(cmd.Context(), args[0], w.Row); err != nil {
				return err
			}
			return w.Close()
		},
	}
	formatFlag(cmd, &format, "table", rowFormats, "")
	return cmd
}
