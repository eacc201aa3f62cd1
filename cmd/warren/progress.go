package main

import (
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/term"
)

// progressBar draws one progress bar on w: redrawn in place on a terminal,
// one line per change otherwise (logs, CI). Not safe for concurrent use.
type progressBar struct {
	w      io.Writer
	tty    bool
	label  string
	last   string
	active bool
}

const barWidth = 30

func newProgressBar(w io.Writer, label string) *progressBar {
	tty := false
	if f, ok := w.(*os.File); ok {
		tty = term.IsTerminal(int(f.Fd()))
	}
	return &progressBar{w: w, tty: tty, label: label}
}

// Update shows done out of total with a short note.
func (p *progressBar) Update(done, total int, note string) {
	if total <= 0 {
		total = 1
	}
	done = min(max(done, 0), total)
	filled := barWidth * done / total
	line := fmt.Sprintf("%s [%s%s] %3d%% %s", p.label, strings.Repeat("#", filled), strings.Repeat(".", barWidth-filled), 100*done/total, note)
	if line == p.last {
		return
	}
	p.last = line
	if p.tty {
		fmt.Fprintf(p.w, "\r\033[K%s", line)
		p.active = true
		return
	}
	fmt.Fprintln(p.w, line)
}

// Done ends the bar's line.
func (p *progressBar) Done() {
	if p.active {
		fmt.Fprintln(p.w)
		p.active = false
	}
}
