package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
	"unicode/utf8"

	"github.com/paystep/paystep/internal/sfnapi/wire"
)

// table writes aligned columns; the first row is the header.
type table struct {
	tw *tabwriter.Writer
}

func newTable(w io.Writer, header ...string) *table {
	t := &table{tw: tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)}
	t.row(header...)
	return t
}

// row writes a row of cells and returns t, so that a one-row table is
// newTable(w, header...).row(cells...).flush().
func (t *table) row(cells ...string) *table {
	for i, c := range cells {
		// Tabs and newlines would break the columns.
		c = strings.NewReplacer("\t", " ", "\n", " ", "\r", " ").Replace(c)
		if i > 0 {
			io.WriteString(t.tw, "\t")
		}
		io.WriteString(t.tw, c)
	}
	io.WriteString(t.tw, "\n")
	return t
}

func (t *table) flush() { t.tw.Flush() }

// fields writes "Key:  value" lines, aligned.
func fields(w io.Writer, kv ...string) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == "" {
			continue
		}
		fmt.Fprintf(tw, "%s:\t%s\n", kv[i], kv[i+1])
	}
	tw.Flush()
}

// when formats a timestamp for people: local time to the second, "-" when
// unset.
func when(t wire.Time) string { return localTime(t.Time) }

// localTime is when for a time.Time.
func localTime(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.Local().Format("2006-01-02 15:04:05")
}

// whenMilli formats a history event's time with milliseconds.
func whenMilli(t wire.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.Local().Format("2006-01-02 15:04:05.000")
}

// prettyJSON indents JSON text; text that is not JSON comes back as is.
func prettyJSON(text string) string {
	var b bytes.Buffer
	if err := json.Indent(&b, []byte(text), "", "  "); err != nil {
		return text
	}
	return b.String()
}

// block writes a titled, indented block of text (a definition, an input).
func block(w io.Writer, title, text string) {
	if text == "" {
		return
	}
	fmt.Fprintf(w, "%s:\n", title)
	for line := range strings.SplitSeq(strings.TrimRight(text, "\n"), "\n") {
		fmt.Fprintf(w, "  %s\n", line)
	}
}

// clip shortens s to n runes for a table cell.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}
