// Command shotcheck supports make draw-check, which looks at a chart the
// way a user does: rendered by a browser. With -size it prints an SVG's
// width and height as Chromium's --window-size wants them; otherwise it
// decodes a screenshot (PNG) and fails unless the chart is on it: enough
// pixels that are not the white background, the green of a Leader's band
// and the pink of the violated property's row.
//
//	go run ./internal/draw/shotcheck -size chart.svg
//	go run ./internal/draw/shotcheck shot.png
package main

import (
	"encoding/xml"
	"flag"
	"fmt"
	"image"
	"image/png"
	"io"
	"os"
	"strconv"
	"strings"
)

func main() {
	size := flag.Bool("size", false, "print the SVG's width,height")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: shotcheck [-size] FILE")
		os.Exit(2)
	}
	var err error
	if *size {
		var w, h int
		if w, h, err = svgSize(flag.Arg(0)); err == nil {
			fmt.Printf("%d,%d\n", w, h)
		}
	} else {
		var c counts
		if c, err = count(flag.Arg(0)); err == nil {
			fmt.Printf("%s: %dx%d, %.1f%% drawn, %d Leader-band pixels, %d violation-row pixels\n",
				flag.Arg(0), c.w, c.h, 100*float64(c.drawn)/float64(c.w*c.h), c.leader, c.violation)
			err = c.verdict()
		}
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "shotcheck: %v\n", err)
		os.Exit(1)
	}
}

// svgSize reads the width and height of an SVG document's root.
func svgSize(path string) (int, int, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	d := xml.NewDecoder(f)
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return 0, 0, fmt.Errorf("%s: no svg element", path)
		}
		if err != nil {
			return 0, 0, fmt.Errorf("%s: %w", path, err)
		}
		if se, ok := tok.(xml.StartElement); ok {
			if se.Name.Local != "svg" {
				return 0, 0, fmt.Errorf("%s: the root is %s, not svg", path, se.Name.Local)
			}
			var w, h int
			for _, a := range se.Attr {
				v, err := strconv.Atoi(strings.TrimSuffix(a.Value, "px"))
				switch a.Name.Local {
				case "width":
					w = v
				case "height":
					h = v
				default:
					continue
				}
				if err != nil {
					return 0, 0, fmt.Errorf("%s: svg %s=%q is not a number of pixels", path, a.Name.Local, a.Value)
				}
			}
			if w <= 0 || h <= 0 {
				return 0, 0, fmt.Errorf("%s: svg has no width and height", path)
			}
			return w, h, nil
		}
	}
}

// counts are what a screenshot shows.
type counts struct {
	w, h              int
	drawn             int // not the white background
	leader, violation int // pixels of the Leader band, of the violation row
}

// The colours the chart uses (internal/draw) for a Leader's band and the
// violated step's row, within a small tolerance for anti-aliasing.
var (
	leaderRGB    = [3]int{0x2f, 0x9e, 0x44}
	violationRGB = [3]int{0xff, 0xd8, 0xd8}
)

func near(r, g, b int, c [3]int) bool {
	d := func(x, y int) int {
		if x > y {
			return x - y
		}
		return y - x
	}
	return d(r, c[0]) <= 6 && d(g, c[1]) <= 6 && d(b, c[2]) <= 6
}

func count(path string) (counts, error) {
	f, err := os.Open(path)
	if err != nil {
		return counts{}, err
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		return counts{}, fmt.Errorf("%s: %w", path, err)
	}
	return countImage(img), nil
}

func countImage(img image.Image) counts {
	b := img.Bounds()
	c := counts{w: b.Dx(), h: b.Dy()}
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r16, g16, b16, _ := img.At(x, y).RGBA()
			r, g, bl := int(r16>>8), int(g16>>8), int(b16>>8)
			if r < 250 || g < 250 || bl < 250 {
				c.drawn++
			}
			if near(r, g, bl, leaderRGB) {
				c.leader++
			}
			if near(r, g, bl, violationRGB) {
				c.violation++
			}
		}
	}
	return c
}

// verdict fails a screenshot that is blank or does not show the chart.
func (c counts) verdict() error {
	switch {
	case c.w == 0 || c.h == 0:
		return fmt.Errorf("an empty image")
	case c.drawn*100 < 3*c.w*c.h:
		return fmt.Errorf("%d of %d pixels drawn: the screenshot is (nearly) blank", c.drawn, c.w*c.h)
	case c.leader < 200:
		return fmt.Errorf("only %d pixels of a Leader's band: no lifeline shows a leader", c.leader)
	case c.violation < 2000:
		return fmt.Errorf("only %d pixels of the violation's row: the violated step is not marked", c.violation)
	}
	return nil
}
