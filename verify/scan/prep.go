package scan

import "math"

// Image transformations the fallbacks of decodeQR use. Each returns a new
// image, or nil when it would make one larger than maxWorkPixels.

// upscaler returns a transformation that enlarges by factor k with
// bilinear interpolation, which gives the detector more pixels per module
// on small codes.
func upscaler(k int) func(*gray) *gray {
	return func(g *gray) *gray {
		if g.w*g.h*k*k > maxWorkPixels {
			return nil
		}
		out := newGray(g.w*k, g.h*k)
		inv := 1 / float64(k)
		for y := 0; y < out.h; y++ {
			sy := (float64(y)+0.5)*inv - 0.5
			for x := 0; x < out.w; x++ {
				out.pix[y*out.w+x] = g.bilinear((float64(x)+0.5)*inv-0.5, sy)
			}
		}
		return out
	}
}

// bilinear samples g at (x, y), white outside.
func (g *gray) bilinear(x, y float64) byte {
	if x < -0.5 || y < -0.5 || x > float64(g.w)-0.5 || y > float64(g.h)-0.5 {
		return 255
	}
	x = math.Max(0, math.Min(x, float64(g.w-1)))
	y = math.Max(0, math.Min(y, float64(g.h-1)))
	x0, y0 := int(x), int(y)
	x1, y1 := min(x0+1, g.w-1), min(y0+1, g.h-1)
	fx, fy := x-float64(x0), y-float64(y0)
	a := float64(g.pix[y0*g.w+x0])*(1-fx) + float64(g.pix[y0*g.w+x1])*fx
	b := float64(g.pix[y1*g.w+x0])*(1-fx) + float64(g.pix[y1*g.w+x1])*fx
	return byte(a*(1-fy) + b*fy + 0.5)
}

// rotator returns a transformation that rotates by deg degrees about the
// centre, on a canvas large enough for the whole image. The detector
// scans rows for the 1:1:3:1:1 finder pattern; near 45° its checks are at
// their weakest, so turning the image brings the code back near upright.
func rotator(deg float64) func(*gray) *gray {
	return func(g *gray) *gray {
		s, c := math.Sincos(deg * math.Pi / 180)
		w := int(math.Ceil(math.Abs(float64(g.w)*c) + math.Abs(float64(g.h)*s)))
		h := int(math.Ceil(math.Abs(float64(g.w)*s) + math.Abs(float64(g.h)*c)))
		if w*h > maxWorkPixels {
			return nil
		}
		out := newGray(w, h)
		cx, cy := float64(g.w)/2, float64(g.h)/2
		ox, oy := float64(w)/2, float64(h)/2
		for y := 0; y < h; y++ {
			dy := float64(y) + 0.5 - oy
			for x := 0; x < w; x++ {
				dx := float64(x) + 0.5 - ox
				// inverse rotation
				sx := c*dx + s*dy + cx - 0.5
				sy := -s*dx + c*dy + cy - 0.5
				out.pix[y*w+x] = g.bilinear(sx, sy)
			}
		}
		return out
	}
}

// flatten evens out uneven lighting (a shadow, a desk lamp): it estimates
// the brightness of the paper in blocks (the brightest pixel of each block
// and its neighbours, so that a block inside a dark module still sees
// paper), interpolates it, and divides it out; then it stretches the
// contrast to the full range.
func flatten(g *gray) *gray {
	bs := max(8, min(g.w, g.h)/24)
	bw, bh := (g.w+bs-1)/bs, (g.h+bs-1)/bs
	peak := make([]float64, bw*bh)
	for by := 0; by < bh; by++ {
		for bx := 0; bx < bw; bx++ {
			// the 95th percentile rather than the maximum, to ignore specks
			var hist [256]int
			n := 0
			for y := by * bs; y < min((by+1)*bs, g.h); y++ {
				for x := bx * bs; x < min((bx+1)*bs, g.w); x++ {
					hist[g.pix[y*g.w+x]]++
					n++
				}
			}
			k, v := n/20, 255
			for ; v > 0; v-- {
				k -= hist[v]
				if k < 0 {
					break
				}
			}
			peak[by*bw+bx] = float64(v)
		}
	}
	// dilate over neighbouring blocks
	white := make([]float64, bw*bh)
	for by := 0; by < bh; by++ {
		for bx := 0; bx < bw; bx++ {
			m := 0.0
			for y := max(0, by-1); y <= min(bh-1, by+1); y++ {
				for x := max(0, bx-1); x <= min(bw-1, bx+1); x++ {
					m = math.Max(m, peak[y*bw+x])
				}
			}
			white[by*bw+bx] = math.Max(m, 16)
		}
	}
	out := newGray(g.w, g.h)
	var hist [256]int
	for y := 0; y < g.h; y++ {
		fy := math.Max(0, math.Min(float64(bh-1), (float64(y)+0.5)/float64(bs)-0.5))
		y0 := int(fy)
		y1 := min(y0+1, bh-1)
		ty := fy - float64(y0)
		for x := 0; x < g.w; x++ {
			fx := math.Max(0, math.Min(float64(bw-1), (float64(x)+0.5)/float64(bs)-0.5))
			x0 := int(fx)
			x1 := min(x0+1, bw-1)
			tx := fx - float64(x0)
			wv := (white[y0*bw+x0]*(1-tx)+white[y0*bw+x1]*tx)*(1-ty) + (white[y1*bw+x0]*(1-tx)+white[y1*bw+x1]*tx)*ty
			v := math.Min(255, float64(g.pix[y*g.w+x])*255/wv)
			out.pix[y*g.w+x] = byte(v)
			hist[byte(v)]++
		}
	}
	// stretch: the darkest 1 % to black
	k, lo := len(out.pix)/100, 0
	for ; lo < 255; lo++ {
		k -= hist[lo]
		if k < 0 {
			break
		}
	}
	if lo < 250 {
		scale := 255 / float64(255-lo)
		for i, v := range out.pix {
			out.pix[i] = byte(math.Max(0, float64(int(v)-lo)) * scale)
		}
	}
	return out
}

// sharpen applies an unsharp mask (the image plus its difference from a
// 3×3 box blur), which restores module edges a blurred photo smeared.
func sharpen(g *gray) *gray {
	out := newGray(g.w, g.h)
	for y := 0; y < g.h; y++ {
		for x := 0; x < g.w; x++ {
			sum, n := 0, 0
			for yy := max(0, y-1); yy <= min(g.h-1, y+1); yy++ {
				for xx := max(0, x-1); xx <= min(g.w-1, x+1); xx++ {
					sum += int(g.pix[yy*g.w+xx])
					n++
				}
			}
			p := int(g.pix[y*g.w+x])
			v := p + 3*(p-sum/n)/2
			out.pix[y*g.w+x] = byte(max(0, min(255, v)))
		}
	}
	return out
}
