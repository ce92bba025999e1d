package cli

import (
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/zoomsight/zoomsight/internal/store"
)

func newSchemaCommand(g *globals) *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "schema [VIEW]",
		Short: "List the SQL views you can query, or one view's columns",
		Long: `List every view zoomsight query can read, with its columns, or with VIEW
that view's columns and their types, as the database's own catalog
describes them (types differ between SQLite and PostgreSQL; SQLite leaves
computed columns untyped). docs/schema.md says what each column means.`,
		Example: `  zoomsight schema
  zoomsight schema zoom_user
  zoomsight schema -o json`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			a, err := g.openExisting(cmd.Context())
			if err != nil {
				return err
			}
			defer a.Close()
			views, err := a.Store.Views(cmd.Context())
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if len(args) == 0 {
				if format == "json" {
					type col struct {
						Name string `json:"name"`
						Type string `json:"type"`
					}
					type view struct {
						View    string `json:"view"`
						Columns []col  `json:"columns"`
					}
					list := make([]view, len(views))
					for i, v := range views {
						list[i] = view{View: v.Name, Columns: []col{}}
						for _, c := range v.Columns {
							list[i].Columns = append(list[i].Columns, col(c))
						}
					}
					return writeJSON(out, list)
				}
				w, _ := newRowWriter(out, format)
				for _, v := range views {
					names := make([]string, len(v.Columns))
					for i, c := range v.Columns {
						names[i] = c.Name
					}
					if err := w.Row([]string{"view", "columns"}, []any{v.Name, strings.Join(names, ", ")}); err != nil {
						return err
					}
				}
				return w.Close()
			}
			i := slices.IndexFunc(views, func(v store.View) bool { return v.Name == args[0] })
			if i < 0 {
				return noSuchView(args[0], views)
			}
			w, _ := newRowWriter(out, format)
			for _, c := range views[i].Columns {
				if err := w.Row([]string{"column", "type"}, []any{c.Name, c.Type}); err != nil {
					return err
				}
			}
			return w.Close()
		},
	}
	formatFlag(cmd, &format, "table", rowFormats, "")
	return cmd
}

// noSuchView names the views that look like the one asked for.
func noSuchView(name string, views []store.View) error {
	var near []string
	for _, v := range views {
		if strings.Contains(v.Name, name) || strings.Contains(name, v.Name) || levenshtein(name, v.Name) <= 2 {
			near = append(near, v.Name)
		}
	}
	if len(near) > 0 {
		return fmt.Errorf("no view named %q; did you mean %s? (zoomsight schema lists them all)", name, strings.Join(near, ", "))
	}
	return fmt.Errorf("no view named %q; zoomsight schema lists them all", name)
}

// levenshtein is the edit distance between a and b.
func levenshtein(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur := make([]int, len(rb)+1)
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(rb)]
}
