package qr

import (
	"math/rand/v2"
	"testing"
)

// naivePenalty is ISO/IEC 18004 §7.8.3.1 written as plainly as possible,
// to check the packed implementation against.
func naivePenalty(d []bool, n int) int {
	at := func(x, y int, vertical bool) bool {
		if vertical {
			return d[x*n+y]
		}
		return d[y*n+x]
	}
	score := 0
	for _, vertical := range []bool{false, true} {
		for y := 0; y < n; y++ {
			run := 0
			for x := 0; x < n; x++ {
				if x > 0 && at(x, y, vertical) == at(x-1, y, vertical) {
					run++
				} else {
					if run >= 5 {
						score += 3 + run - 5
					}
					run = 1
				}
			}
			if run >= 5 {
				score += 3 + run - 5
			}
			for x := 0; x+11 <= n; x++ {
				var p [11]bool
				for i := range p {
					p[i] = at(x+i, y, vertical)
				}
				finder := p[0] && !p[1] && p[2] && p[3] && p[4] && !p[5] && p[6]
				if finder && !p[7] && !p[8] && !p[9] && !p[10] {
					score += 40
				}
				finder = p[4] && !p[5] && p[6] && p[7] && p[8] && !p[9] && p[10]
				if finder && !p[0] && !p[1] && !p[2] && !p[3] {
					score += 40
				}
			}
		}
	}
	dark := 0
	for y := 0; y < n; y++ {
		for x := 0; x < n; x++ {
			if d[y*n+x] {
				dark++
			}
			if x+1 < n && y+1 < n {
				m := d[y*n+x]
				if m == d[y*n+x+1] && m == d[(y+1)*n+x] && m == d[(y+1)*n+x+1] {
					score += 3
				}
			}
		}
	}
	k := dark*100/(n*n) - 50
	if k < 0 {
		k = -k
	}
	return score + k/5*10
}

func TestPenalty(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{21, 25, 63, 64, 65, 77, 127, 128, 129, 177} {
		for _, density := range []int{2, 50, 90} {
			d := make([]bool, n*n)
			for i := range d {
				d[i] = r.IntN(100) < density
			}
			if got, want := penalty(pack(d, n), n), naivePenalty(d, n); got != want {
				t.Errorf("n=%d density=%d%%: penalty %d, want %d", n, density, got, want)
			}
		}
	}
	// Real codes too: every mask of a certificate-sized code.
	c, err := Encode("HTTPS://VERIFY.EXAMPLE.GOV.CN/C/" + "0123456789876543210"[:19])
	if err != nil {
		t.Fatal(err)
	}
	if got, want := penalty(pack(c.dark, c.size), c.size), naivePenalty(c.dark, c.size); got != want {
		t.Errorf("code: penalty %d, want %d", got, want)
	}
}

func pack(d []bool, n int) []line {
	rows := make([]line, n)
	for y := range rows {
		for x := 0; x < n; x++ {
			if d[y*n+x] {
				rows[y][x>>6] |= 1 << (x & 63)
			}
		}
	}
	return rows
}
