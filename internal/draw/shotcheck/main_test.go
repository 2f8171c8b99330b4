package main

import (
	"image"
	"image/color"
	"image/draw"
	"strings"
	"testing"
)

// A blank screenshot, one with the chart's ink but no leader, and one
// without the violation's row all fail; one with all of them passes.
func TestVerdict(t *testing.T) {
	paint := func(ink, leader, violation bool) image.Image {
		img := image.NewRGBA(image.Rect(0, 0, 400, 300))
		draw.Draw(img, img.Bounds(), image.NewUniform(color.White), image.Point{}, draw.Src)
		fill := func(r image.Rectangle, c color.RGBA) { draw.Draw(img, r, image.NewUniform(c), image.Point{}, draw.Src) }
		if ink {
			fill(image.Rect(0, 0, 400, 20), color.RGBA{0x22, 0x22, 0x22, 255})
		}
		if leader {
			fill(image.Rect(100, 50, 110, 250), color.RGBA{0x2f, 0x9e, 0x44, 255})
		}
		if violation {
			fill(image.Rect(0, 260, 400, 294), color.RGBA{0xff, 0xd8, 0xd8, 255})
		}
		return img
	}
	for _, c := range []struct {
		ink, leader, violation bool
		want                   string
	}{
		{false, false, false, "blank"},
		{true, false, true, "leader"},
		{true, true, false, "violation"},
		{true, true, true, ""},
	} {
		err := countImage(paint(c.ink, c.leader, c.violation)).verdict()
		if c.want == "" && err != nil || c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)) {
			t.Errorf("ink %v leader %v violation %v: %v, want %q", c.ink, c.leader, c.violation, err, c.want)
		}
	}
}
