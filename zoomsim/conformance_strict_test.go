package zoomsim

import (
	"fmt"
	"regexp"
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

// missingTop lists the top-level properties the schema (and its allOf
// parts) defines that the answer v lacks.
func missingTop(s *openapi3.Schema, v any) []string {
	m, ok := v.(map[string]any)
	if !ok {
		return nil
	}
	var discard []string
	var out []string
	for _, w := range strictViews(s, v, "$", &discard) {
		for name := range w.Properties {
			if _, has := m[name]; !has {
				out = append(out, name)
			}
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// mayOmit are the top-level properties of a 200 answer the simulator may
// leave out, by operation; every other property the spec defines at the
// top level must be there, so an empty or stripped answer fails. "prefix*"
// matches by prefix, "*" any.
var mayOmit = map[string][]string{
	// Zoom lists only the plans an account has.
	"GetAccountPlanInformation": {"plan_*"},
	"GetPlanUsage":              {"plan_*"},
	// An option answers one group of settings; which one is checked by
	// the oneOf rule.
	"accountSettings": {"*"},
	// Profile fields Zoom sends only when set.
	"user": {"cms_user_id", "division_ids", "employee_unique_id", "license_info_list", "manager", "phone_country", "phone_number",
		"phone_numbers", "pic_url", "plan_united_type", "pronouns", "pronouns_option", "vanity_url", "zoom_one_type"},
	// Client and recording details Zoom sends only for some clients.
	"dashboardMeetingParticipantQOS": {"browser_name", "browser_version", "client", "groupId", "harddisk_id", "has_archiving",
		"issue_list", "optional_archiving", "recording", "share_application", "share_desktop", "share_whiteboard",
		"zoom_thin_client_plugin_version"},
}

// missingRequired is missingTop less what mayOmit allows for op; an answer
// with no property at all is always wrong.
func missingRequired(op string, s *openapi3.Schema, v any) []string {
	var out []string
	for _, name := range missingTop(s, v) {
		ok := false
		for _, p := range mayOmit[op] {
			ok = ok || p == "*" || p == name || (len(p) > 1 && p[len(p)-1] == '*' && len(name) >= len(p)-1 && name[:len(p)-1] == p[:len(p)-1])
		}
		if !ok {
			out = append(out, name)
		}
	}
	if m, isObj := v.(map[string]any); isObj && len(m) == 0 {
		out = append(out, "(the answer is empty)")
	}
	return out
}

// qosFormats are the string forms CONTRACT.md §3 records for QoS values
// ("27.15 kbps", "126 ms", "0.03%", "12 fps", "1280*720", "11%").
var qosFormats = map[string]*regexp.Regexp{
	"bitrate":    regexp.MustCompile(`^\d+(\.\d+)? kbps$`),
	"latency":    regexp.MustCompile(`^\d+(\.\d+)? ms$`),
	"jitter":     regexp.MustCompile(`^\d+(\.\d+)? ms$`),
	"avg_loss":   regexp.MustCompile(`^\d+(\.\d+)?%$`),
	"max_loss":   regexp.MustCompile(`^\d+(\.\d+)?%$`),
	"frame_rate": regexp.MustCompile(`^\d+(\.\d+)? fps$`),
	"resolution": regexp.MustCompile(`^\d+\*\d+$`),
}

var (
	cpuFormat      = regexp.MustCompile(`^\d+(\.\d+)?%$`)
	pressureFormat = regexp.MustCompile(`^(normal|fair|serious|critical)$`)
)

// qosStringProblems checks every user_qos sample in a QoS answer: each
// metric a recorded format, or "" / "-" for a stream not sent (the
// simulator's assumption; CONTRACT.md records no form for absence).
func qosStringProblems(v any) []string {
	var out []string
	var samples []any
	switch m := v.(type) {
	case map[string]any:
		if ps, ok := m["participants"].([]any); ok {
			for _, p := range ps {
				if pm, ok := p.(map[string]any); ok {
					s, _ := pm["user_qos"].([]any)
					samples = append(samples, s...)
				}
			}
		}
		if s, ok := m["user_qos"].([]any); ok {
			samples = append(samples, s...)
		}
	}
	for i, s := range samples {
		sm, _ := s.(map[string]any)
		for stream, val := range sm {
			obj, ok := val.(map[string]any)
			if !ok {
				continue
			}
			for field, x := range obj {
				str, isStr := x.(string)
				at := fmt.Sprintf("user_qos[%d].%s.%s = %v", i, stream, field, x)
				switch {
				case stream == "wifi_rssi":
					if field == "rssi_unit" && str != "dBm" {
						out = append(out, at+": want dBm")
					}
				case stream == "cpu_usage":
					if !isStr || !cpuFormat.MatchString(str) {
						out = append(out, at+`: want "11%"`)
					}
				case stream == "cpu_pressure_level":
					if !isStr || !pressureFormat.MatchString(str) {
						out = append(out, at+": want normal, fair, serious or critical")
					}
				default:
					re, known := qosFormats[field]
					if !isStr || (str != "" && str != "-" && (!known || !re.MatchString(str))) {
						out = append(out, at+": not a recorded QoS format")
					}
				}
			}
		}
	}
	if len(samples) == 0 {
		out = append(out, "no user_qos samples to check")
	}
	slices.Sort(out)
	return out
}
