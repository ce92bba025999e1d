package cli

import (
	"github.com/spf13/cobra"
)

func newExportCommand(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "export", Short: "Export synced data"}
	var format string
	var noAccountTag bool
	graph := &cobra.Command{
		Use:   "graph",
		Short: "Export the identity graph as JupiterOne-style entities and relationships",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			a, err := g.openExisting(cmd.Context())
			if err != nil {
				return err
			}
			defer a.Close()
			out := struct {
				Entities      []map[string]any `json:"entities"`
				Relationships []map[string]any `json:"relationships"`
			}{Entities: []map[string]any{}, Relationships: []map[string]any{}}
			// JupiterOne spells these properties in camelCase.
			rename := map[string]string{"display_name": "displayName", "_from_entity_key": "_fromEntityKey", "_to_entity_key": "_toEntityKey", "zoom_account_id": "zoomAccountId"}
			collect := func(dst *[]map[string]any) func([]string, []any) error {
				return func(cols []string, row []any) error {
					m := make(map[string]any, len(cols))
					for i, c := range cols {
						if r, ok := rename[c]; ok {
							c = r
						}
						if row[i] != nil {
							m[c] = jsonValue(row[i])
						}
					}
					*dst = append(*dst, m)
					return nil
				}
			}
			if err := a.Store.Query(cmd.Context(), "SELECT * FROM entities ORDER BY _key", collect(&out.Entities)); err != nil {
				return err
			}
			if !noAccountTag {
				// JupiterOne's integrations tag every entity with the name of
				// the account they came from; ours is zoomsight's name for it.
				for _, e := range out.Entities {
					if name, ok := e["account"]; ok {
						e["tag.AccountName"] = name
					}
				}
			}
			if err := a.Store.Query(cmd.Context(), "SELECT * FROM relationships ORDER BY _key", collect(&out.Relationships)); err != nil {
				return err
			}
			return writeJSON(cmd.OutOrStdout(), out)
		},
	}
	formatFlag(graph, &format, "j1", []string{"j1"}, "JupiterOne's entities and relationships in JSON")
	graph.Flags().BoolVar(&noAccountTag, "no-account-tag", false, "leave out tag.AccountName, the linked account's name, on every entity")
	cmd.AddCommand(graph)
	cmd.AddCommand(newExportAccountsCommand(g))
	return cmd
}
