package cli

import (
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"
)

// Set by the linker where the build has no VCS stamp (CI builds with
// -buildvcs=false):
//
//	go build -ldflags "-X github.com/zoomsight/zoomsight/internal/cli.version=v1.2.0 -X github.com/zoomsight/zoomsight/internal/cli.commit=$(git rev-parse HEAD)"
var (
	version string
	commit  string
)

func readBuildInfo() *debug.BuildInfo {
	info, _ := debug.ReadBuildInfo()
	return info
}

// buildVersion describes this binary: its version, commit and Go release.
// The linker's values win; else the module version and VCS stamp that the
// go command records (info may be nil); else "devel" and "unknown".
func buildVersion(version, commit string, info *debug.BuildInfo) string {
	v, c, modified := version, commit, false
	if info != nil {
		if v == "" && info.Main.Version != "" && info.Main.Version != "(devel)" {
			v = info.Main.Version
		}
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				if c == "" {
					c = s.Value
				}
			case "vcs.modified":
				modified = s.Value == "true" && commit == ""
			}
		}
	}
	if v == "" {
		v = "devel"
	}
	if c == "" {
		c = "unknown"
	} else if len(c) > 12 {
		c = c[:12]
	}
	if modified {
		c += "-dirty"
	}
	return fmt.Sprintf("%s (commit %s, %s)", v, c, runtime.Version())
}

func newVersionCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print zoomsight's version and commit",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, err := fmt.Fprintln(cmd.OutOrStdout(), "zoomsight "+cmd.Root().Version)
			return err
		},
	}
}
