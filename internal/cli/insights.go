package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"reflect"
	"strings"

	"github.com/spf13/cobra"

	"github.com/zoomsight/zoomsight/internal/insight"
)

func newInsightsCommand(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "insights",
		Short: "Answers from the synced data: licences, HR roster, activity, call quality",
	}
	cmd.AddCommand(newInsightsLicencesCommand(g), newInsightsRosterCommand(g), newInsightsActivityCommand(g), newInsightsQoSCommand(g))
	return cmd
}

// configFlag adds --config (env ZOOMSIGHT_CONFIG) and returns a loader.
func configFlag(cmd *cobra.Command, g *globals) func() (insight.Config, error) {
	var path string
	cmd.Flags().StringVar(&path, "config", "", "JSON config file: prices, roster columns and alias domains (env ZOOMSIGHT_CONFIG; see docs/schema.md)")
	return func() (insight.Config, error) {
		if path == "" {
			path = g.getenv("ZOOMSIGHT_CONFIG")
		}
		return insight.LoadConfig(path)
	}
}

// writeItems prints a slice of structs as rows, columns named by their
// json tags.
func writeItems(w io.Writer, format string, items any) error {
	rw, err := newRowWriter(w, format)
	if err != nil {
		return err
	}
	v := reflect.ValueOf(items)
	var cols []string
	if v.Len() > 0 {
		t := v.Index(0).Type()
		for i := range t.NumField() {
			cols = append(cols, strings.Split(t.Field(i).Tag.Get("json"), ",")[0])
		}
	}
	for i := range v.Len() {
		e := v.Index(i)
		vals := make([]any, e.NumField())
		for j := range vals {
			f := e.Field(j).Interface()
			switch x := f.(type) {
			case []string:
				f = strings.Join(x, "|")
			case float64:
				f = fmt.Sprintf("%.2f", x)
			}
			vals[j] = f
		}
		if err := rw.Row(cols, vals); err != nil {
			return err
		}
	}
	return rw.Close()
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
