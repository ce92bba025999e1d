package server

import (
	"strings"
	"testing"
	"testing/fstest"
)

func TestOpenAPIPartsNeverReplaceEachOther(t *testing.T) {
	base := `{"openapi":"3.1.0","paths":{"/a":{"get":{}}},"components":{"schemas":{"A":{}}}}`
	for _, tc := range []struct{ part, want string }{
		{`{"paths":{"/a":{"get":{}}}}`, `operation of /a "get" is defined twice`},
		{`{"components":{"schemas":{"A":{}}}}`, `components.schemas "A" is defined twice`},
		{`{"info":{}}`, `only paths and components`},
	} {
		_, err := mergeOpenAPI(fstest.MapFS{
			"openapi/0_base.json": {Data: []byte(base)},
			"openapi/x.json":      {Data: []byte(tc.part)},
		})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("part %s: got %v, want an error with %q", tc.part, err, tc.want)
		}
	}
	b, err := mergeOpenAPI(fstest.MapFS{
		"openapi/0_base.json": {Data: []byte(base)},
		"openapi/x.json":      {Data: []byte(`{"paths":{"/b":{},"/a":{"post":{}}},"components":{"schemas":{"B":{}}}}`)},
	})
	if err != nil || !strings.Contains(string(b), `"/b"`) || !strings.Contains(string(b), `"B"`) || !strings.Contains(string(b), `"post"`) {
		t.Fatalf("merge: %v\n%s", err, b)
	}
}
