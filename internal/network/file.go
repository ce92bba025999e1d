package network

import (
	"bytes"
	"cmp"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v4"

	"github.com/zoomsight/zoomsight/internal/store"
)

// File is a parsed network file.
type File struct {
	Network store.Network
	// Thresholds is set when the file has a thresholds section; fields it
	// leaves out keep the defaults.
	Thresholds *store.QoSThresholds
}

// Problem is one bad line of a network file.
type Problem struct {
	Line int // 1-based; 0 when the problem concerns the whole file
	Msg  string
}

// FileError lists every problem found in a network file, in line order.
// A file with any problem is refused as a whole.
type FileError struct {
	Name     string
	Problems []Problem
}

// MaxListed is how many problems FileError.Error lists; the rest are
// counted, so a file of 80,000 bad lines gives a readable answer.
const MaxListed = 100

func (e *FileError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %d problem(s), nothing imported:", e.Name, len(e.Problems))
	for _, p := range e.Problems[:min(len(e.Problems), MaxListed)] {
		if p.Line > 0 {
			fmt.Fprintf(&b, "\n  line %d: %s", p.Line, p.Msg)
		} else {
			fmt.Fprintf(&b, "\n  %s", p.Msg)
		}
	}
	if n := len(e.Problems) - MaxListed; n > 0 {
		fmt.Fprintf(&b, "\n  and %d more", n)
	}
	return b.String()
}

type simpleError string

func (e simpleError) Error() string { return string(e) }

func errf(format string, args ...any) error { return simpleError(fmt.Sprintf(format, args...)) }

// Parse reads a network file: YAML (.yaml, .yml) or CSV (.csv), chosen by
// name, or by content when the name says neither. Every problem is
// reported in one *FileError. It takes time linear in the file's size and
// returns ctx's error soon after ctx is cancelled.
func Parse(ctx context.Context, name string, data []byte) (*File, error) {
	b := builder{ctx: ctx}
	switch strings.ToLower(filepath.Ext(name)) {
	case ".csv":
		b.csv(data)
	case ".yaml", ".yml":
		b.yaml(data)
	default:
		if first := firstLine(data); strings.Contains(first, ",") && !strings.Contains(first, ":") {
			b.csv(data)
		} else {
			b.yaml(data)
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	b.check()
	if len(b.problems) > 0 {
		return nil, &FileError{Name: name, Problems: b.problems}
	}
	return &b.file, nil
}

func firstLine(data []byte) string {
	for l := range bytes.Lines(data) {
		if s := strings.TrimSpace(string(l)); s != "" && !strings.HasPrefix(s, "#") {
			return s
		}
	}
	return ""
}

// builder collects a file's contents and problems.
type builder struct {
	ctx      context.Context
	items    int // entries read, to poll ctx now and then
	file     File
	problems []Problem
	sites    map[string]int            // name → index
	prefixes map[string]prefixOwner    // kind + prefix → first site
	macs     map[string]int            // normalized MAC → line
	macSites map[int]map[string]string // line → site named by a MAC entry
	siteLine map[string]int
	badSites map[string]bool // sites with a refused prefix
}

type prefixOwner struct {
	site string
	line int
}

// cancelled reports, every 1024 entries, whether the import was cancelled.
func (b *builder) cancelled() bool {
	b.items++
	return b.items%1024 == 0 && b.ctx.Err() != nil
}

func (b *builder) add(line int, format string, args ...any) {
	b.problems = append(b.problems, Problem{Line: line, Msg: fmt.Sprintf(format, args...)})
}

func (b *builder) init() {
	if b.sites == nil {
		b.sites, b.prefixes, b.macs = map[string]int{}, map[string]prefixOwner{}, map[string]int{}
		b.macSites, b.siteLine, b.badSites = map[int]map[string]string{}, map[string]int{}, map[string]bool{}
	}
}

// site returns the index of site name, adding it if new.
func (b *builder) site(name string, line int) int {
	b.init()
	if i, ok := b.sites[name]; ok {
		return i
	}
	b.file.Network.Sites = append(b.file.Network.Sites, store.NetworkSite{Name: name})
	b.sites[name] = len(b.file.Network.Sites) - 1
	b.siteLine[name] = line
	return len(b.file.Network.Sites) - 1
}

func (b *builder) prefix(site int, kind, value string, line int) {
	b.init()
	name := b.file.Network.Sites[site].Name
	p, err := ParsePrefix(value)
	if err != nil {
		b.add(line, "%s prefix: %v", kind, err)
		b.badSites[name] = true
		return
	}
	key := kind + " " + p.String()
	if o, ok := b.prefixes[key]; ok {
		b.badSites[name] = true
		if o.site == name {
			b.add(line, "%s prefix %s of site %q is listed twice (first on line %d)", kind, p, name, o.line)
		} else {
			b.add(line, "%s prefix %s is given to site %q and to site %q (line %d); a prefix belongs to one site", kind, p, name, o.site, o.line)
		}
		return
	}
	b.prefixes[key] = prefixOwner{name, line}
	s := &b.file.Network.Sites[site]
	if kind == "internal" {
		s.Internal = append(s.Internal, p.String())
	} else {
		s.Egress = append(s.Egress, p.String())
	}
}

func (b *builder) mac(m store.NetworkMAC, line int) {
	b.init()
	n, err := NormalizeMAC(m.MAC)
	if err != nil {
		b.add(line, "mac: %v", err)
		return
	}
	if first, ok := b.macs[n]; ok {
		b.add(line, "MAC %s is listed twice (first on line %d)", n, first)
		return
	}
	b.macs[n] = line
	m.MAC = n
	if m.Site != "" {
		b.macSites[line] = map[string]string{m.Site: n}
	}
	b.file.Network.MACs = append(b.file.Network.MACs, m)
}

// check runs the checks that need the whole file.
func (b *builder) check() {
	b.init()
	for line, m := range b.macSites {
		for site, mac := range m {
			if _, ok := b.sites[site]; !ok {
				b.add(line, "MAC %s names site %q, which the file does not define", mac, site)
			}
		}
	}
	macSite := make(map[string]bool, len(b.file.Network.MACs))
	for _, m := range b.file.Network.MACs {
		macSite[m.Site] = true
	}
	for _, s := range b.file.Network.Sites {
		if len(s.Egress) == 0 && len(s.Internal) == 0 && !b.badSites[s.Name] {
			if !macSite[s.Name] {
				b.add(b.siteLine[s.Name], "site %q has no egress or internal prefixes and no MAC entries, so nothing can match it", s.Name)
			}
		}
	}
	if len(b.file.Network.Sites) == 0 && len(b.file.Network.MACs) == 0 && len(b.problems) == 0 {
		b.add(0, "no sites and no MAC entries: an empty network file would make every participant off-network")
	}
	// Stable: problems of one line keep the order they were found in.
	slices.SortStableFunc(b.problems, func(x, y Problem) int { return cmp.Compare(x.Line, y.Line) })
}

// threshold sets one threshold from its name and text value.
func (b *builder) threshold(key, value string, line int) {
	if b.file.Thresholds == nil {
		d := store.DefaultQoSThresholds()
		b.file.Thresholds = &d
	}
	t := b.file.Thresholds
	if key == "label" {
		switch v := strings.ToLower(strings.TrimSpace(value)); v {
		case "fair", "poor", "bad":
			t.Label = v
		default:
			b.add(line, "threshold label must be fair, poor or bad, not %q", value)
		}
		return
	}
	f, err := strconv.ParseFloat(strings.TrimSpace(value), 64)
	if err != nil {
		b.add(line, "threshold %s: %q is not a number", key, value)
		return
	}
	switch key {
	case "latency_ms":
		t.LatencyMS = f
	case "jitter_ms":
		t.JitterMS = f
	case "loss_pct":
		t.LossPct = f
	case "cpu_pct":
		t.CPUPct = f
	case "rssi_dbm":
		t.RSSIDBm = f
	default:
		b.add(line, "unknown threshold %q (want latency_ms, jitter_ms, loss_pct, cpu_pct, rssi_dbm or label)", key)
		return
	}
	if f < 0 && key != "rssi_dbm" || f > 0 && key == "rssi_dbm" {
		b.add(line, "threshold %s: %v is out of range", key, f)
	}
}

// ---- YAML ----

func (b *builder) yaml(data []byte) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		b.add(yamlErrorLine(err), "not valid YAML: %v", err)
		return
	}
	if len(doc.Content) == 0 {
		return
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		b.add(root.Line, "the file must be a mapping with sites, macs and thresholds")
		return
	}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		switch k.Value {
		case "sites":
			b.yamlSites(v)
		case "macs", "access_points", "mac_table":
			b.yamlMACs(v)
		case "thresholds":
			if v.Kind != yaml.MappingNode {
				b.add(v.Line, "thresholds must be a mapping (latency_ms: 150, …)")
				continue
			}
			for j := 0; j+1 < len(v.Content); j += 2 {
				b.threshold(v.Content[j].Value, v.Content[j+1].Value, v.Content[j].Line)
			}
		default:
			b.add(k.Line, "unknown section %q (want sites, macs or thresholds)", k.Value)
		}
	}
}

// yamlErrorLine reads the line of a syntax error ("yaml: line N: …").
func yamlErrorLine(err error) int {
	s := err.Error()
	if i := strings.Index(s, "line "); i >= 0 {
		n := 0
		for _, c := range s[i+5:] {
			if c < '0' || c > '9' {
				break
			}
			n = n*10 + int(c-'0')
		}
		return n
	}
	return 0
}

// yamlList returns a sequence's items, or the node itself for a scalar
// (so "egress: 203.0.113.5" works as a one-item list).
func yamlList(n *yaml.Node) []*yaml.Node {
	if n.Kind == yaml.SequenceNode {
		return n.Content
	}
	if n.Kind == yaml.ScalarNode && n.Value != "" {
		return []*yaml.Node{n}
	}
	return nil
}

func (b *builder) yamlSites(v *yaml.Node) {
	if v.Kind != yaml.SequenceNode {
		b.add(v.Line, "sites must be a list")
		return
	}
	for _, s := range v.Content {
		if b.cancelled() {
			return
		}
		if s.Kind != yaml.MappingNode {
			b.add(s.Line, "a site must be a mapping with name, egress and internal")
			continue
		}
		var name string
		var egress, internal []*yaml.Node
		nameLine := s.Line
		for j := 0; j+1 < len(s.Content); j += 2 {
			k, val := s.Content[j], s.Content[j+1]
			switch k.Value {
			case "name":
				name, nameLine = strings.TrimSpace(val.Value), val.Line
			case "egress", "public":
				egress = append(egress, yamlList(val)...)
			case "internal", "private":
				internal = append(internal, yamlList(val)...)
			default:
				b.add(k.Line, "unknown site field %q (want name, egress, internal)", k.Value)
			}
		}
		if name == "" {
			b.add(s.Line, "a site needs a name")
			continue
		}
		b.init()
		if _, dup := b.sites[name]; dup {
			b.add(nameLine, "site %q is defined twice (first on line %d)", name, b.siteLine[name])
			continue
		}
		i := b.site(name, nameLine)
		for _, e := range egress {
			b.prefix(i, "egress", e.Value, e.Line)
		}
		for _, e := range internal {
			b.prefix(i, "internal", e.Value, e.Line)
		}
	}
}

func (b *builder) yamlMACs(v *yaml.Node) {
	if v.Kind != yaml.SequenceNode {
		b.add(v.Line, "macs must be a list")
		return
	}
	for _, e := range v.Content {
		if b.cancelled() {
			return
		}
		if e.Kind != yaml.MappingNode {
			b.add(e.Line, "a MAC entry must be a mapping with mac, site, access_point, switch_port")
			continue
		}
		var m store.NetworkMAC
		bad := false
		for j := 0; j+1 < len(e.Content); j += 2 {
			k, val := e.Content[j], e.Content[j+1]
			switch k.Value {
			case "mac", "mac_prefix":
				m.MAC = val.Value
			case "site":
				m.Site = strings.TrimSpace(val.Value)
			case "access_point", "ap":
				m.AccessPoint = strings.TrimSpace(val.Value)
			case "switch_port", "port":
				m.SwitchPort = strings.TrimSpace(val.Value)
			default:
				b.add(k.Line, "unknown MAC field %q (want mac, site, access_point, switch_port)", k.Value)
				bad = true
			}
		}
		switch {
		case m.MAC == "":
			b.add(e.Line, "a MAC entry needs a mac")
		case !bad:
			b.mac(m, e.Line)
		}
	}
}

// ---- CSV ----

// csvColumns are the CSV file's columns; the header row must name them
// (in any order; access_point and switch_port may be left out).
var csvColumns = []string{"site", "kind", "value", "access_point", "switch_port"}

func (b *builder) csv(data []byte) {
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1
	r.Comment = '#'
	r.TrimLeadingSpace = true
	col := map[string]int{}
	for {
		if b.cancelled() {
			return
		}
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		line, _ := r.FieldPos(0)
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				line = pe.Line
			}
			b.add(line, "not valid CSV: %v", err)
			return
		}
		if len(col) == 0 {
			for i, h := range rec {
				col[strings.ToLower(strings.TrimSpace(h))] = i
			}
			for _, need := range csvColumns[:3] {
				if _, ok := col[need]; !ok {
					b.add(line, "the header must name the columns %s (missing %q)", strings.Join(csvColumns, ","), need)
					return
				}
			}
			continue
		}
		get := func(name string) string {
			if i, ok := col[name]; ok && i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		site, kind, value := get("site"), strings.ToLower(get("kind")), get("value")
		if value == "" {
			b.add(line, "value is empty")
			continue
		}
		switch kind {
		case "egress", "internal":
			if site == "" {
				b.add(line, "a %s prefix needs a site", kind)
				continue
			}
			b.prefix(b.site(site, line), kind, value, line)
		case "mac":
			b.mac(store.NetworkMAC{MAC: value, Site: site, AccessPoint: get("access_point"), SwitchPort: get("switch_port")}, line)
		case "threshold":
			k, v, ok := strings.Cut(value, "=")
			if !ok {
				b.add(line, "a threshold value is name=value, e.g. latency_ms=150")
				continue
			}
			b.threshold(strings.TrimSpace(k), v, line)
		default:
			b.add(line, "kind must be egress, internal, mac or threshold, not %q", kind)
		}
	}
	if len(col) == 0 {
		b.add(0, "the file is empty")
	}
}

// YAML renders a network (and thresholds, if any) as a network file that
// Parse reads back.
func YAML(n *store.Network, t *store.QoSThresholds) []byte {
	var b strings.Builder
	b.WriteString("sites:\n")
	for _, s := range n.Sites {
		fmt.Fprintf(&b, "  - name: %s\n", strconv.Quote(s.Name))
		fmt.Fprintf(&b, "    egress: [%s]\n", strings.Join(s.Egress, ", "))
		fmt.Fprintf(&b, "    internal: [%s]\n", strings.Join(s.Internal, ", "))
	}
	if len(n.MACs) > 0 {
		b.WriteString("macs:\n")
		for _, m := range n.MACs {
			fmt.Fprintf(&b, "  - {mac: %q, site: %s, access_point: %s, switch_port: %s}\n",
				m.MAC, strconv.Quote(m.Site), strconv.Quote(m.AccessPoint), strconv.Quote(m.SwitchPort))
		}
	}
	if t != nil {
		fmt.Fprintf(&b, "thresholds:\n  latency_ms: %v\n  jitter_ms: %v\n  loss_pct: %v\n  cpu_pct: %v\n  rssi_dbm: %v\n  label: %s\n",
			t.LatencyMS, t.JitterMS, t.LossPct, t.CPUPct, t.RSSIDBm, t.Label)
	}
	return []byte(b.String())
}
