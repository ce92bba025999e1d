package server

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"sort"
	"sync"
)

// The OpenAPI document is kept in parts, one file per area of the API
// (openapi/*.json, merged in name order): 0_base.json holds the document's
// head and the first endpoints; every other part holds only "paths" and
// "components" ("schemas", "parameters", "responses"). Parts may add
// operations to a path another part has; an operation or a component
// defined twice is an error, so parts never silently replace one another.
//
//go:embed openapi/*.json
var openAPIParts embed.FS

// OpenAPI returns the API's OpenAPI document.
func OpenAPI() []byte { return openAPI() }

// openAPI is merged on first use, not at package init: every zoomsight
// command links this package, and only serve's API and the tests read the
// document.
var openAPI = sync.OnceValue(func() []byte {
	b, err := mergeOpenAPI(openAPIParts)
	if err != nil {
		panic(err) // a broken embedded document is a build defect; TestOpenAPI sees it first
	}
	return b
})

func mergeOpenAPI(parts fs.FS) ([]byte, error) {
	names, err := fs.Glob(parts, "openapi/*.json")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	var doc map[string]any
	for _, name := range names {
		raw, err := fs.ReadFile(parts, name)
		if err != nil {
			return nil, err
		}
		var part map[string]any
		if err := json.Unmarshal(raw, &part); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		if doc == nil {
			doc = part
			continue
		}
		for key, v := range part {
			if key != "paths" && key != "components" {
				return nil, fmt.Errorf("%s: only paths and components belong in a part, not %q", name, key)
			}
			sub, ok := v.(map[string]any)
			if !ok {
				return nil, fmt.Errorf("%s: %s is not an object", name, key)
			}
			if key == "paths" {
				// A path another part has gains this part's operations
				// (POST /accounts beside GET /accounts); an operation
				// defined twice is an error.
				paths, _ := doc["paths"].(map[string]any)
				if paths == nil {
					paths = map[string]any{}
					doc["paths"] = paths
				}
				for path, item := range sub {
					ops, ok := item.(map[string]any)
					if !ok {
						return nil, fmt.Errorf("%s: path %q is not an object", name, path)
					}
					if err := mergeInto(paths, path, ops, name, "operation of "+path); err != nil {
						return nil, err
					}
				}
				continue
			}
			comps, _ := doc["components"].(map[string]any)
			if comps == nil {
				comps = map[string]any{}
				doc["components"] = comps
			}
			for kind, defs := range sub {
				m, ok := defs.(map[string]any)
				if !ok {
					return nil, fmt.Errorf("%s: components.%s is not an object", name, kind)
				}
				if err := mergeInto(comps, kind, m, name, "components."+kind); err != nil {
					return nil, err
				}
			}
		}
	}
	return json.MarshalIndent(doc, "", "  ")
}

func mergeInto(dst map[string]any, key string, src map[string]any, file, what string) error {
	m, _ := dst[key].(map[string]any)
	if m == nil {
		m = map[string]any{}
		dst[key] = m
	}
	for k, v := range src {
		if _, dup := m[k]; dup {
			return fmt.Errorf("%s: %s %q is defined twice", file, what, k)
		}
		m[k] = v
	}
	return nil
}
