package invite

import "rsc.io/qr/coding"

// penalty scores a code by the four rules of ISO/IEC 18004:2015 §7.8.3.1
// (runs, 2x2 blocks, finder-like patterns, dark/light balance); lower is
// easier to scan.
func penalty(c *coding.Code) int {
	n := c.Size
	row := func(i, j int) bool { return c.Black(j, i) }
	col := func(i, j int) bool { return c.Black(i, j) }
	s := 0
	for i := range n {
		s += lineRuns(n, i, row) + lineRuns(n, i, col)
		s += finderLike(n, i, row) + finderLike(n, i, col)
	}
	return s + blocks(c) + balance(c)
}

// lineRuns: N1 + (k-5) for each run of k >= 5 same-colour modules.
func lineRuns(n, i int, at func(i, j int) bool) int {
	s, run := 0, 1
	for j := 1; j <= n; j++ {
		if j < n && at(i, j) == at(i, j-1) {
			run++
			continue
		}
		if run >= 5 {
			s += 3 + run - 5
		}
		run = 1
	}
	return s
}

// finderLike: N3 for each 1:1:3:1:1 dark pattern with 4 light modules on
// either side (outside the symbol counts as light).
func finderLike(n, i int, at func(i, j int) bool) int {
	pat := [...]bool{true, false, true, true, true, false, true}
	s := 0
	for j := 0; j+len(pat) <= n; j++ {
		ok := true
		for k, d := range pat {
			ok = ok && at(i, j+k) == d
		}
		if ok && (lightRun(n, i, j-4, at) || lightRun(n, i, j+len(pat), at)) {
			s += 40
		}
	}
	return s
}

func lightRun(n, i, from int, at func(i, j int) bool) bool {
	for j := from; j < from+4; j++ {
		if j >= 0 && j < n && at(i, j) {
			return false
		}
	}
	return true
}

// blocks: N2 for each 2x2 block of one colour.
func blocks(c *coding.Code) int {
	s := 0
	for y := 0; y+1 < c.Size; y++ {
		for x := 0; x+1 < c.Size; x++ {
			b := c.Black(x, y)
			if c.Black(x+1, y) == b && c.Black(x, y+1) == b && c.Black(x+1, y+1) == b {
				s += 3
			}
		}
	}
	return s
}

// balance: N4 for each 5% the dark share strays from 50%.
func balance(c *coding.Code) int {
	dark := 0
	for y := range c.Size {
		for x := range c.Size {
			if c.Black(x, y) {
				dark++
			}
		}
	}
	pct := dark * 100 / (c.Size * c.Size)
	d := pct - 50
	if d < 0 {
		d = -d
	}
	return d / 5 * 10
}
