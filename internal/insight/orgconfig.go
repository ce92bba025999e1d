package insight

import (
	"context"
	"fmt"
	"os"

	"github.com/zoomsight/zoomsight/internal/store"
)

// OrgConfig is an org's insights configuration: the defaults, then the
// org's stored settings (zoomsight org settings --set), then the config
// file at path, if any, which a person running the CLI names last and so
// wins. orgID 0 (no org) has no stored settings.
func OrgConfig(ctx context.Context, st store.OrgData, orgID int64, path string) (Config, error) {
	c, err := LoadConfig("")
	if err != nil {
		return c, err
	}
	if orgID != 0 {
		doc, err := st.OrgSettings(ctx, orgID)
		if err != nil {
			return c, err
		}
		if doc != nil {
			if err := c.Overlay(doc); err != nil {
				return c, fmt.Errorf("the org's stored settings: %w; store them again with zoomsight org settings --set", err)
			}
		}
	}
	if path == "" {
		return c, nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return c, fmt.Errorf("reading config: %w", err)
	}
	if err := c.Overlay(b); err != nil {
		return c, fmt.Errorf("config %s: %w", path, err)
	}
	return c, nil
}
