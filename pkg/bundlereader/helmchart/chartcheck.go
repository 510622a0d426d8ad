package helmchart

import (
	"archive/tar"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/fleetapi/fleet/pkg/bundlereader"
)

// checkChartDir checks, without holding them, that the files under dir fit the budgets of one
// chart before Helm's loader reads them all into memory: their sizes and number, the chart
// archives nested in charts/ directories (which the loader expands in memory, recursively),
// decompressed as a stream and counted with them, and the YAML the loader parses
// (MaxChartYAMLSize). It refuses symlinks to directories: Helm's loader follows them, and one
// pointing at its own directory would make it walk forever.
func checkChartDir(dir string) error {
	c := &chartCheck{dir: dir, read: new(int64)}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		st, err := os.Stat(p) // what Helm reads: symlinks followed
		if err != nil {
			return nil // dangling: the loader names it
		}
		if st.IsDir() {
			return fmt.Errorf("%s: a symlink to a directory in a chart is not followed", p)
		}
		if err := c.entry(p, d.Name(), st.Size()); err != nil {
			return err
		}
		if *c.read += st.Size(); *c.read > MaxChartSize {
			return &bundlereader.TooLargeError{What: dir, Size: *c.read, AtLeast: true, Detail: fmt.Sprintf("of files (at %s)", p),
				Limit: MaxChartSize, Budget: "one chart"}
		}
		if !nestedArchive(filepath.ToSlash(p)) {
			return nil
		}
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		return c.archive(f, p, 1)
	})
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	return err
}

// chartCheck is what checkChartDir has counted of one chart.
type chartCheck struct {
	dir string
	// read counts the bytes of files and of the decompressed streams of nested archives.
	read          *int64
	entries       int
	yaml          int64
	lastYAMLEntry string
}

// entry counts one file or archive entry, named where, of size bytes; base is its base name.
func (c *chartCheck) entry(where, base string, size int64) error {
	if c.entries++; c.entries > MaxChartEntries {
		return &bundlereader.TooLargeError{What: c.dir, Size: MaxChartEntries, AtLeast: true, Unit: "entries",
			Detail: fmt.Sprintf("(at %s)", where), Limit: MaxChartEntries, Budget: "one chart"}
	}
	if !parsedByHelm(base) {
		return nil
	}
	if c.yaml+size > MaxChartYAMLSize {
		e := &bundlereader.TooLargeError{What: where, Size: c.yaml + size, Limit: MaxChartYAMLSize,
			Budget: "the YAML Helm parses to load one chart (Chart.yaml, values.yaml, … of the chart and its sub-charts)"}
		if c.yaml > 0 {
			e.Detail = fmt.Sprintf("with the %s before it", bundlereader.FormatSize(c.yaml))
		}
		return e
	}
	c.yaml += size
	return nil
}

// archive checks the chart archive r (named where) nested depth levels deep: its entries, its
// decompressed stream against what is left of MaxChartSize, and the archives nested in it. What
// is not a gzipped tar stream is left to Helm's loader to refuse.
func (c *chartCheck) archive(r io.Reader, where string, depth int) error {
	if depth > maxChartNesting {
		return &bundlereader.TooLargeError{What: where, Size: int64(depth), Unit: "levels of chart archives nested in charts/",
			Limit: maxChartNesting, Budget: "one chart"}
	}
	zr, err := gzip.NewReader(r)
	if err != nil {
		return nil
	}
	stream := &limitedStream{r: zr, n: c.read, limit: MaxChartSize}
	tr := tar.NewReader(stream)
	var last *tar.Header // Next reads the rest of the entry before it
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return c.over(stream, where, last, err)
		}
		last = hdr
		name := where + " entry " + fmt.Sprintf("%q", hdr.Name)
		if err := c.entry(name, path.Base(hdr.Name), hdr.Size); err != nil {
			return err
		}
		if hdr.Typeflag == tar.TypeReg && nestedArchive(hdr.Name) {
			if err := c.archive(tr, name, depth+1); err != nil {
				return c.over(stream, where, hdr, err)
			}
		}
	}
}

// over is the error of the archive named where at entry hdr (nil before the first): a budget's,
// the chart's size when the stream went past it, or none when the archive is not a tar stream
// (Helm's loader names that).
func (c *chartCheck) over(stream *limitedStream, where string, hdr *tar.Header, err error) error {
	var tl *bundlereader.TooLargeError
	switch {
	case errors.As(err, &tl):
		return err
	case !stream.exceeded():
		return nil
	}
	at := where
	if hdr != nil {
		at = fmt.Sprintf("%s entry %q", where, hdr.Name)
	}
	return &bundlereader.TooLargeError{What: c.dir, Size: MaxChartSize, AtLeast: true,
		Detail: fmt.Sprintf("of files and nested chart archives once decompressed (at %s)", at), Limit: MaxChartSize, Budget: "one chart"}
}

// nestedArchive reports whether the slash-separated path names a chart archive that Helm's loader
// expands as a sub-chart: a .tgz in a charts/ directory.
func nestedArchive(p string) bool {
	return strings.HasSuffix(p, ".tgz") && path.Base(path.Dir(p)) == "charts"
}

// parsedByHelm reports whether Helm's loader parses a file of this base name when it loads a chart
// (wherever it is: counting one that Helm only keeps is the safe side).
func parsedByHelm(base string) bool {
	switch base {
	case "Chart.yaml", "Chart.lock", "values.yaml", "requirements.yaml", "requirements.lock", ".helmignore":
		return true
	}
	return false
}
