package zoomsim

import (
	"fmt"
	"slices"
	"sort"

	"github.com/getkin/kin-openapi/openapi3"
)

// specOneOf keeps the oneOf branches looseOneOf turned into anyOf.
var specOneOf = map[*openapi3.Schema]openapi3.SchemaRefs{}

// strictProblems checks what JSON Schema leaves open in Zoom's specs: an
// object may hold only the properties its schema (with its allOf parts and
// the anyOf branches that fit) defines, unless the schema itself allows
// others (additionalProperties) or defines none (a free-form object); and a
// oneOf must be answered by exactly one branch under that rule. A property
// the simulator invents, or one Zoom puts elsewhere, is a fidelity bug.
func strictProblems(s *openapi3.Schema, v any) []string {
	var out []string
	strictWalk(s, v, "$", &out)
	slices.Sort(out)
	return slices.Compact(out)
}

func strictWalk(s *openapi3.Schema, v any, path string, out *[]string) {
	views := strictViews(s, v, path, out)
	switch v := v.(type) {
	case map[string]any:
		props := map[string][]*openapi3.Schema{}
		var extra []*openapi3.Schema
		defined, open := false, false
		for _, w := range views {
			for name, p := range w.Properties {
				defined = true
				if p != nil && p.Value != nil {
					props[name] = append(props[name], p.Value)
				}
			}
			ap := w.AdditionalProperties
			if ap.Schema != nil && ap.Schema.Value != nil {
				extra = append(extra, ap.Schema.Value)
				open = true
			} else if ap.Has != nil && *ap.Has {
				open = true
			}
		}
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			defs, ok := props[k]
			if !ok {
				if defined && !open {
					*out = append(*out, fmt.Sprintf("%s.%s: not a property the spec defines", path, k))
				}
				defs = extra
			}
			for _, d := range defs {
				strictWalk(d, v[k], path+"."+k, out)
			}
		}
	case []any:
		for _, w := range views {
			if w.Items == nil || w.Items.Value == nil {
				continue
			}
			for i, e := range v {
				strictWalk(w.Items.Value, e, fmt.Sprintf("%s[%d]", path, i), out)
			}
		}
	}
}

// strictViews are the schemas whose properties apply to v: s, its allOf
// parts, the anyOf branches v fits, and the one oneOf branch v fits
// strictly (reporting when that is not exactly one).
func strictViews(s *openapi3.Schema, v any, path string, out *[]string) []*openapi3.Schema {
	if s == nil {
		return nil
	}
	views := []*openapi3.Schema{s}
	for _, p := range s.AllOf {
		if p != nil {
			views = append(views, strictViews(p.Value, v, path, out)...)
		}
	}
	oneOf := specOneOf[s]
	for _, b := range s.AnyOf {
		if b == nil || b.Value == nil || slices.Contains(oneOf, b) {
			continue
		}
		if b.Value.VisitJSON(v, openapi3.VisitAsResponse()) == nil {
			views = append(views, strictViews(b.Value, v, path, out)...)
		}
	}
	if len(oneOf) > 0 {
		var fit []*openapi3.Schema
		for _, b := range oneOf {
			if b == nil || b.Value == nil || b.Value.VisitJSON(v, openapi3.VisitAsResponse()) != nil {
				continue
			}
			var probs []string
			strictWalk(b.Value, v, path, &probs)
			if len(probs) == 0 {
				fit = append(fit, b.Value)
			}
		}
		if len(fit) != 1 {
			*out = append(*out, fmt.Sprintf("%s: fits %d of the %d oneOf branches closed to their properties, want exactly 1", path, len(fit), len(oneOf)))
			return views
		}
		views = append(views, strictViews(fit[0], v, path, out)...)
	}
	return views
}
