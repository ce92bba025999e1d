package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"reflect"
	"slices"
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

// configFlagPath adds --config (env ZOOMSIGHT_CONFIG) and returns its
// path, for commands that read it over an org's stored settings.
func configFlagPath(cmd *cobra.Command, g *globals) func() string {
	var path string
	cmd.Flags().StringVar(&path, "config", "", "JSON config file: prices, roster columns and alias domains, over the org's settings (env ZOOMSIGHT_CONFIG; see docs/schema.md)")
	return func() string {
		if path == "" {
			path = g.getenv("ZOOMSIGHT_CONFIG")
		}
		return path
	}
}

// writeItems prints a slice of structs as rows, columns named by their
// json tags. A table leaves out the columns named in narrow, which -o wide
// and the other formats keep.
func writeItems(w io.Writer, format string, items any, narrow ...string) error {
	rw, err := newRowWriter(w, format)
	if err != nil {
		return err
	}
	v := reflect.ValueOf(items)
	var cols []string
	var fields []int
	if v.Len() > 0 {
		t := v.Index(0).Type()
		for i := range t.NumField() {
			name := strings.Split(t.Field(i).Tag.Get("json"), ",")[0]
			if format == "table" && slices.Contains(narrow, name) {
				continue
			}
			cols = append(cols, name)
			fields = append(fields, i)
		}
	}
	for i := range v.Len() {
		e := v.Index(i)
		vals := make([]any, len(fields))
		for j, fi := range fields {
			f := e.Field(fi).Interface()
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
