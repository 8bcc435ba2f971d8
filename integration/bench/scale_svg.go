package main

import (
	"fmt"
	"html"
	"math"
	"slices"
	"strings"
)

// The scale section's picture: small line charts drawn as SVG with fmt, no
// plotting library (two panels of a few points do not need one).

// chartPoint is one point of a series.
type chartPoint struct{ X, Y float64 }

// chartSeries is one line of a chart; Dash draws it dashed (a goal).
type chartSeries struct {
	Name   string
	Color  string
	Dash   bool
	Points []chartPoint
}

// lineChart is one panel: axes, ticks, the series and their legend. LogX
// spaces the x axis by powers of ten (1, 10, 100, 1000 tables).
type lineChart struct {
	Title, XLabel, YLabel string
	LogX                  bool
	Series                []chartSeries
}

// svgDoc lays the charts out side by side in one SVG document.
func svgDoc(title string, charts ...lineChart) string {
	const w, h = 460, 340
	var s strings.Builder
	fmt.Fprintf(&s, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="12">`+"\n",
		w*len(charts), h+30, w*len(charts), h+30)
	fmt.Fprintf(&s, `<rect width="100%%" height="100%%" fill="white"/>`+"\n")
	fmt.Fprintf(&s, `<text x="%d" y="20" font-size="14" text-anchor="middle">%s</text>`+"\n", w*len(charts)/2, html.EscapeString(title))
	for i, c := range charts {
		c.render(&s, float64(i*w), 30, w, h)
	}
	s.WriteString("</svg>\n")
	return s.String()
}

// render draws the chart in the box at (x0, y0) of size w × h.
func (c lineChart) render(s *strings.Builder, x0, y0 float64, w, h int) {
	const left, right, top, bottom = 60, 20, 30, 80
	pw, ph := float64(w-left-right), float64(h-top-bottom)
	ox, oy := x0+left, y0+top+ph // the origin, bottom left of the plot
	xmin, xmax, ymax := math.Inf(1), math.Inf(-1), 0.0
	for _, se := range c.Series {
		for _, p := range se.Points {
			xmin, xmax, ymax = math.Min(xmin, p.X), math.Max(xmax, p.X), math.Max(ymax, p.Y)
		}
	}
	if math.IsInf(xmin, 0) { // no points
		xmin, xmax = 0, 1
	}
	fx := func(x float64) float64 { return x }
	if c.LogX {
		xmin = math.Max(xmin, 1)
		fx = func(x float64) float64 { return math.Log10(math.Max(x, 1)) }
	}
	if !c.LogX {
		xmin = 0
	}
	lo, hi := fx(xmin), fx(xmax)
	if hi <= lo {
		hi = lo + 1
	}
	ytop := niceCeil(ymax)
	px := func(x float64) float64 { return ox + (fx(x)-lo)/(hi-lo)*pw }
	py := func(y float64) float64 { return oy - y/ytop*ph }

	fmt.Fprintf(s, `<text x="%.1f" y="%.1f" font-size="13" text-anchor="middle">%s</text>`+"\n", ox+pw/2, y0+top-12, html.EscapeString(c.Title))
	fmt.Fprintf(s, `<path d="M%.1f %.1fV%.1fH%.1f" fill="none" stroke="#333"/>`+"\n", ox, oy-ph, oy, ox+pw)
	for i := 0; i <= 4; i++ { // y ticks and grid
		y := ytop * float64(i) / 4
		fmt.Fprintf(s, `<path d="M%.1f %.1fH%.1f" stroke="#ddd"/><text x="%.1f" y="%.1f" text-anchor="end">%s</text>`+"\n",
			ox, py(y), ox+pw, ox-6, py(y)+4, tickLabel(y))
	}
	lastTick := math.Inf(-1)
	for _, x := range c.xTicks(xmin, xmax) {
		if px(x)-lastTick < 24 { // too close to the last label to read
			continue
		}
		lastTick = px(x)
		fmt.Fprintf(s, `<path d="M%.1f %.1fv5" stroke="#333"/><text x="%.1f" y="%.1f" text-anchor="middle">%s</text>`+"\n",
			px(x), oy, px(x), oy+18, tickLabel(x))
	}
	fmt.Fprintf(s, `<text x="%.1f" y="%.1f" text-anchor="middle">%s</text>`+"\n", ox+pw/2, oy+36, html.EscapeString(c.XLabel))
	fmt.Fprintf(s, `<text transform="translate(%.1f %.1f) rotate(-90)" text-anchor="middle">%s</text>`+"\n", x0+16, oy-ph/2, html.EscapeString(c.YLabel))
	for i, se := range c.Series {
		dash := ""
		if se.Dash {
			dash = ` stroke-dasharray="6 4"`
		}
		var d strings.Builder
		for j, p := range se.Points {
			cmd := "L"
			if j == 0 {
				cmd = "M"
			}
			fmt.Fprintf(&d, "%s%.1f %.1f", cmd, px(p.X), py(p.Y))
		}
		if len(se.Points) > 0 {
			fmt.Fprintf(s, `<path d="%s" fill="none" stroke="%s" stroke-width="2"%s/>`+"\n", d.String(), se.Color, dash)
		}
		if !se.Dash {
			for _, p := range se.Points {
				fmt.Fprintf(s, `<circle cx="%.1f" cy="%.1f" r="3.5" fill="%s"/>`+"\n", px(p.X), py(p.Y), se.Color)
			}
		}
		ly := oy + 54 + float64(i/2)*16 // the legend, two entries a line
		lx := ox + float64(i%2)*pw/2
		fmt.Fprintf(s, `<path d="M%.1f %.1fh20" stroke="%s" stroke-width="2"%s/><text x="%.1f" y="%.1f">%s</text>`+"\n",
			lx, ly-4, se.Color, dash, lx+26, ly, html.EscapeString(se.Name))
	}
}

// xTicks are the x values labelled: the powers of ten on a log axis, else
// the distinct x values of the points, ascending.
func (c lineChart) xTicks(xmin, xmax float64) []float64 {
	if c.LogX {
		var t []float64
		for x := 1.0; x <= xmax*1.0001; x *= 10 {
			if x >= xmin/1.0001 {
				t = append(t, x)
			}
		}
		return t
	}
	seen := map[float64]bool{}
	var t []float64
	for _, se := range c.Series {
		for _, p := range se.Points {
			if !seen[p.X] {
				seen[p.X] = true
				t = append(t, p.X)
			}
		}
	}
	slices.Sort(t)
	return t
}

// niceCeil rounds v up to 1, 2 or 5 times a power of ten (1 for v <= 0).
func niceCeil(v float64) float64 {
	if v <= 0 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*p >= v*(1-1e-9) {
			return m * p
		}
	}
	return 10 * p
}

// tickLabel prints a tick value briefly.
func tickLabel(v float64) string {
	if v == math.Trunc(v) {
		return fmt.Sprintf("%.0f", v)
	}
	return strings.TrimRight(strings.TrimRight(fmt.Sprintf("%.2f", v), "0"), ".")
}
