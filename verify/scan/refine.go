package scan

import (
	"math"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode/decoder"
	"github.com/makiuchi-d/gozxing/qrcode/detector"
)

// readRefined is a detector for codes in perspective. gozxing maps the
// code with the three finder patterns and one alignment pattern; on a
// large code (ours are versions 15-20, 77-97 modules, with up to 25
// alignment patterns) seen at an angle, small errors in those four points
// make the sampling grid drift by a module in the far corner. Here the
// first mapping only predicts where every alignment pattern is; each is
// then located in the image, and the grid is sampled through the
// least-squares homography of all of them, twice over.
func readRefined(m *gozxing.BitMatrix) (string, bool) {
	info, err := detector.NewFinderPatternFinder(m, nil).Find(hints)
	if err != nil {
		return "", false
	}
	tl, tr, bl := info.GetTopLeft(), info.GetTopRight(), info.GetBottomLeft()
	module := (tl.GetEstimatedModuleSize() + tr.GetEstimatedModuleSize() + bl.GetEstimatedModuleSize()) / 3
	if module < 1 {
		return "", false
	}
	dist := func(a, b gozxing.ResultPoint) float64 { return math.Hypot(a.GetX()-b.GetX(), a.GetY()-b.GetY()) }
	est := ((dist(tl, tr)+dist(tl, bl))/2/module + 7)
	base := int(math.Round((est-17)/4))*4 + 17
	for _, dim := range []int{base, base + 4, base - 4} {
		if dim < 25 || dim > 177 {
			continue
		}
		version, err := decoder.Version_GetProvisionalVersionForDimension(dim)
		if err != nil {
			continue
		}
		d := float64(dim)
		src := [][2]float64{{3.5, 3.5}, {d - 3.5, 3.5}, {3.5, d - 3.5}}
		dst := [][2]float64{{tl.GetX(), tl.GetY()}, {tr.GetX(), tr.GetY()}, {bl.GetX(), bl.GetY()}}
		// the first mapping: an affine one from the finder patterns
		h := fitHomography(append(src, [2]float64{d - 3.5, d - 3.5}), append(dst, [2]float64{tr.GetX() - tl.GetX() + bl.GetX(), tr.GetY() - tl.GetY() + bl.GetY()}))
		if h == nil {
			continue
		}
		centers := version.GetAlignmentPatternCenters()
		for pass := 0; pass < 2; pass++ {
			s, t := append([][2]float64(nil), src...), append([][2]float64(nil), dst...)
			for _, cy := range centers {
				for _, cx := range centers {
					if cx < 10 && cy < 10 || cx < 10 && cy > dim-10 || cx > dim-10 && cy < 10 {
						continue // under a finder pattern
					}
					u, v := float64(cx)+0.5, float64(cy)+0.5
					x, y := h.apply(u, v)
					r := 4 * module
					if pass == 1 {
						r = 2.5 * module
					}
					x0, y0 := int(x-r), int(y-r)
					x1, y1 := int(x+r), int(y+r)
					if x0 < 0 || y0 < 0 || x1 >= m.GetWidth() || y1 >= m.GetHeight() {
						continue
					}
					ap, err := detector.NewAlignmentPatternFinder(m, x0, y0, x1-x0, y1-y0, module, nil).Find()
					if err != nil {
						continue
					}
					s = append(s, [2]float64{u, v})
					t = append(t, [2]float64{ap.GetX(), ap.GetY()})
				}
			}
			if len(s) < 4 {
				break
			}
			if nh := fitHomography(s, t); nh != nil {
				h = nh
			}
			if text, ok := sampleAndDecode(m, h, dim); ok {
				return text, true
			}
		}
	}
	return "", false
}

// sampleAndDecode reads the module at the centre of each cell through h.
func sampleAndDecode(m *gozxing.BitMatrix, h *homography, dim int) (string, bool) {
	bits, err := gozxing.NewSquareBitMatrix(dim)
	if err != nil {
		return "", false
	}
	for y := 0; y < dim; y++ {
		for x := 0; x < dim; x++ {
			px, py := h.apply(float64(x)+0.5, float64(y)+0.5)
			ix, iy := int(px), int(py)
			if ix < 0 || iy < 0 || ix >= m.GetWidth() || iy >= m.GetHeight() {
				return "", false
			}
			if m.Get(ix, iy) {
				bits.Set(x, y)
			}
		}
	}
	res, err := decoder.NewDecoder().Decode(bits, hints)
	if err != nil || res.GetText() == "" {
		return "", false
	}
	return res.GetText(), true
}

// homography maps (u, v) to (x, y) projectively; h[8] is 1.
type homography [9]float64

func (h *homography) apply(u, v float64) (float64, float64) {
	w := h[6]*u + h[7]*v + h[8]
	return (h[0]*u + h[1]*v + h[2]) / w, (h[3]*u + h[4]*v + h[5]) / w
}

// fitHomography returns the least-squares homography that maps src to
// dst (at least four pairs), or nil when they are degenerate.
func fitHomography(src, dst [][2]float64) *homography {
	if len(src) < 4 || len(src) != len(dst) {
		return nil
	}
	// scaled to about 1 for the conditioning of the normal equations
	su, sx := 0.0, 0.0
	for i := range src {
		su = math.Max(su, math.Max(math.Abs(src[i][0]), math.Abs(src[i][1])))
		sx = math.Max(sx, math.Max(math.Abs(dst[i][0]), math.Abs(dst[i][1])))
	}
	if su == 0 || sx == 0 {
		return nil
	}
	// normal equations of the linearised system, h8 = 1
	var a [8][9]float64
	add := func(row [8]float64, rhs float64) {
		for i := 0; i < 8; i++ {
			for j := 0; j < 8; j++ {
				a[i][j] += row[i] * row[j]
			}
			a[i][8] += row[i] * rhs
		}
	}
	for i := range src {
		u, v, x, y := src[i][0]/su, src[i][1]/su, dst[i][0]/sx, dst[i][1]/sx
		add([8]float64{u, v, 1, 0, 0, 0, -u * x, -v * x}, x)
		add([8]float64{0, 0, 0, u, v, 1, -u * y, -v * y}, y)
	}
	// Gaussian elimination with partial pivoting
	for c := 0; c < 8; c++ {
		p := c
		for r := c + 1; r < 8; r++ {
			if math.Abs(a[r][c]) > math.Abs(a[p][c]) {
				p = r
			}
		}
		if math.Abs(a[p][c]) < 1e-12 {
			return nil
		}
		a[c], a[p] = a[p], a[c]
		for r := 0; r < 8; r++ {
			if r == c {
				continue
			}
			f := a[r][c] / a[c][c]
			for k := c; k < 9; k++ {
				a[r][k] -= f * a[c][k]
			}
		}
	}
	var n [8]float64
	for i := range n {
		n[i] = a[i][8] / a[i][i]
	}
	return &homography{sx * n[0] / su, sx * n[1] / su, sx * n[2], sx * n[3] / su, sx * n[4] / su, sx * n[5], n[6] / su, n[7] / su, 1}
}
