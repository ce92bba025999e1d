package web

import (
	"fmt"
	"html"
	"html/template"
	"math"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/zoomsight/zoomsight/internal/insight"
)

// Charts are drawn on the server as SVG: no chart library, no script,
// nothing fetched. Each point is a <circle> with a <title>, so a reader
// (or a test) finds every value and a screen reader can tell them.

const (
	chartW, chartH = 720, 170
	padL, padR     = 52, 12
	padT, padB     = 14, 28
)

// series is a line of a chart.
type series struct {
	x      []float64 // 0..1 across the plot
	y      []float64
	labels []string // one per point
	bad    []bool   // points drawn as bad; nil for none
}

// lineChart draws s with its title and y unit; a point's y of NaN is left
// out.
func lineChart(title, unit string, s series, xFirst, xLast string) template.HTML {
	maxY := 0.0
	for _, v := range s.y {
		if !math.IsNaN(v) {
			maxY = math.Max(maxY, v)
		}
	}
	if maxY == 0 {
		maxY = 1
	}
	maxY = niceCeil(maxY)
	pw, ph := float64(chartW-padL-padR), float64(chartH-padT-padB)
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="chart" viewBox="0 0 %d %d" role="img" aria-label="%s" xmlns="http://www.w3.org/2000/svg">`, chartW, chartH, html.EscapeString(title))
	fmt.Fprintf(&b, `<title>%s</title>`, html.EscapeString(title))
	for i := 0; i <= 4; i++ {
		y := float64(padT) + ph*float64(i)/4
		v := maxY * float64(4-i) / 4
		fmt.Fprintf(&b, `<line class="grid" x1="%d" x2="%d" y1="%.1f" y2="%.1f"/>`, padL, chartW-padR, y, y)
		fmt.Fprintf(&b, `<text class="axis" x="%d" y="%.1f" text-anchor="end">%s</text>`, padL-6, y+4, html.EscapeString(fmtNum(v)+unit))
	}
	fmt.Fprintf(&b, `<text class="axis" x="%d" y="%d">%s</text>`, padL, chartH-8, html.EscapeString(xFirst))
	fmt.Fprintf(&b, `<text class="axis" x="%d" y="%d" text-anchor="end">%s</text>`, chartW-padR, chartH-8, html.EscapeString(xLast))
	var pts []string
	var dots strings.Builder
	for i := range s.x {
		if math.IsNaN(s.y[i]) {
			continue
		}
		x := float64(padL) + pw*s.x[i]
		y := float64(padT) + ph*(1-s.y[i]/maxY)
		pts = append(pts, fmt.Sprintf("%.1f,%.1f", x, y))
		cls, r := "pt", 2.5
		if s.bad != nil && s.bad[i] {
			cls, r = "pt bad", 3.5
		}
		fmt.Fprintf(&dots, `<circle class="%s" cx="%.1f" cy="%.1f" r="%.1f"><title>%s</title></circle>`, cls, x, y, r, html.EscapeString(s.labels[i]))
	}
	if len(pts) > 1 {
		fmt.Fprintf(&b, `<polyline class="line" points="%s"/>`, strings.Join(pts, " "))
	}
	b.WriteString(dots.String())
	b.WriteString(`</svg>`)
	return template.HTML(b.String()) // built from numbers and escaped text only
}

func fmtNum(v float64) string {
	if v >= 10 || v == 0 {
		return fmt.Sprintf("%.0f", v)
	}
	return fmt.Sprintf("%.2g", v)
}

// niceCeil rounds v up to 1, 2 or 5 times a power of ten.
func niceCeil(v float64) float64 {
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 5, 10} {
		if v <= m*p {
			return m * p
		}
	}
	return 10 * p
}

// chart is a drawn chart with its caption.
type chart struct {
	Title string
	SVG   template.HTML
}

// siteCharts draws a site's hourly latency, jitter, loss and bad-minute
// share: one point per hour with data, placed on a time axis so that
// hours without data show as gaps.
func siteCharts(hours []insight.TrendHour) []chart {
	if len(hours) == 0 {
		return nil
	}
	parse := func(h string) time.Time { t, _ := time.Parse("2006-01-02T15", h); return t }
	first, last := parse(hours[0].Hour), parse(hours[len(hours)-1].Hour)
	span := last.Sub(first).Hours()
	xs := make([]float64, len(hours))
	for i, h := range hours {
		if span > 0 {
			xs[i] = parse(h.Hour).Sub(first).Hours() / span
		} else {
			xs[i] = 0.5
		}
	}
	mk := func(f func(h insight.TrendHour) (float64, bool), unit string) series {
		s := series{x: xs}
		for _, h := range hours {
			v, ok := f(h)
			if !ok {
				v = math.NaN()
			}
			s.y = append(s.y, v)
			s.labels = append(s.labels, fmt.Sprintf("%s:00 UTC: %s%s (%d participant-minutes)", strings.Replace(h.Hour, "T", " ", 1), fmtNum(v), unit, h.Minutes))
		}
		return s
	}
	a, z := strings.Replace(hours[0].Hour, "T", " ", 1)+":00", strings.Replace(hours[len(hours)-1].Hour, "T", " ", 1)+":00"
	out := []chart{
		{Title: "Latency, p95 per hour (ms)"}, {Title: "Minutes with high jitter, share per hour"},
		{Title: "Packet loss, p95 per hour (%)"}, {Title: "Bad minutes, share per hour"}}
	out[0].SVG = lineChart(out[0].Title, " ms", mk(func(h insight.TrendHour) (float64, bool) { return h.P95Latency, h.HasLatency }, " ms"), a, z)
	out[1].SVG = lineChart(out[1].Title, "%", mk(func(h insight.TrendHour) (float64, bool) { return h.JitterShare * 100, true }, "%"), a, z)
	out[2].SVG = lineChart(out[2].Title, "%", mk(func(h insight.TrendHour) (float64, bool) { return h.P95Loss, h.HasLoss }, "%"), a, z)
	out[3].SVG = lineChart(out[3].Title, "%", mk(func(h insight.TrendHour) (float64, bool) { return h.BadShare * 100, true }, "%"), a, z)
	return out
}

// minuteChart draws one participant's per-minute latency, its bad
// minutes (HH:MM) marked.
func minuteChart(name string, mins []insight.Minute, badTimes []string) template.HTML {
	if len(mins) == 0 {
		return ""
	}
	s := series{}
	for i, m := range mins {
		x := 0.5
		if len(mins) > 1 {
			x = float64(i) / float64(len(mins)-1)
		}
		v := math.NaN()
		if m.HasLatency {
			v = m.Latency
		}
		s.x, s.y = append(s.x, x), append(s.y, v)
		s.bad = append(s.bad, len(m.Time) >= 16 && slices.Contains(badTimes, m.Time[11:16]))
		s.labels = append(s.labels, fmt.Sprintf("%s: latency %s ms, jitter %s ms, loss %s%%", m.Time, fmtNum(m.Latency), fmtNum(m.Jitter), fmtNum(m.Loss)))
	}
	return lineChart("latency per minute of "+name+" (ms)", " ms", s, mins[0].Time[11:16], mins[len(mins)-1].Time[11:16])
}

// graphSVG draws an entity in the middle and its neighbours on a circle,
// each edge labelled with its relationship class.
func graphSVG(c *insight.Entity, nodes []insight.Entity, edges []insight.Edge) template.HTML {
	const w, hgt = 760, 560
	cx, cy, rad := float64(w)/2, float64(hgt)/2, 220.0
	pos := map[string][2]float64{c.Key: {cx, cy}}
	for i, n := range nodes {
		a := 2 * math.Pi * float64(i) / float64(max(len(nodes), 1))
		pos[n.Key] = [2]float64{cx + rad*math.Cos(a), cy + rad*0.85*math.Sin(a)}
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="graph" viewBox="0 0 %d %d" role="img" aria-label="%s" xmlns="http://www.w3.org/2000/svg">`, w, hgt,
		html.EscapeString(fmt.Sprintf("%s and %d related entities", c.Name, len(nodes))))
	for _, e := range edges {
		p, q := pos[e.From], pos[e.To]
		if p == [2]float64{} || q == [2]float64{} {
			continue
		}
		fmt.Fprintf(&b, `<line class="edge" x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f"><title>%s</title></line>`, p[0], p[1], q[0], q[1], html.EscapeString(e.Type))
	}
	node := func(n insight.Entity, center bool) {
		p := pos[n.Key]
		cls := "node " + strings.ToLower(n.Class)
		if center {
			cls += " center"
		}
		label := n.Name
		if len([]rune(label)) > 24 {
			label = string([]rune(label)[:23]) + "…"
		}
		fmt.Fprintf(&b, `<a href="/graph?key=%s"><g class="%s"><circle cx="%.1f" cy="%.1f" r="%d"><title>%s</title></circle><text x="%.1f" y="%.1f" text-anchor="middle">%s</text></g></a>`,
			html.EscapeString(urlQuery(n.Key)), html.EscapeString(cls), p[0], p[1], map[bool]int{true: 14, false: 9}[center],
			html.EscapeString(n.Class+": "+n.Name), p[0], p[1]+24, html.EscapeString(label))
	}
	for _, n := range nodes {
		node(n, false)
	}
	node(*c, true)
	b.WriteString(`</svg>`)
	return template.HTML(b.String()) // built from numbers and escaped text only
}

func urlQuery(s string) string { return url.QueryEscape(s) }
