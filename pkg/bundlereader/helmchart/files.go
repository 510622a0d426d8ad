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

// Budgets of one chart. Its files become resources of a bundle, which holds at most
// bundlereader.MaxBundleFilesSize, so a chart may not expand to more. They are checked while an
// archive is expanded (a small archive of highly compressible entries stops at the budget, not
// when the disk is full) and before a chart directory is read. Past them the error is a
// *bundlereader.TooLargeError.
const (
	// MaxChartSize bounds the decompressed tar stream of a chart archive (file contents, headers
	// and padding) and the files of a chart directory.
	MaxChartSize = bundlereader.MaxBundleFilesSize
	// MaxChartEntries bounds the entries of a chart archive, of any type (directories, links and
	// extended headers count too), and the files of a chart directory.
	MaxChartEntries = 10_000
)

// untar expands a chart archive into dir and returns the chart's top directory name. The
// decompressed stream is bounded by MaxChartSize and the entries by MaxChartEntries; entries are
// streamed to disk, never held in memory.
func untar(archive, dir string) (string, error) {
	fh, err := os.Open(archive)
	if err != nil {
		return "", err
	}
	defer fh.Close()
	zr, err := gzip.NewReader(fh)
	if err != nil {
		return "", err
	}
	stream := &limitedStream{r: zr, limit: MaxChartSize}
	tr := tar.NewReader(stream)
	top, entry := "", ""
	buf := make([]byte, 32<<10)
	over := func(err error) error {
		if !stream.exceeded() {
			return err
		}
		return &bundlereader.TooLargeError{Size: MaxChartSize, AtLeast: true, Detail: fmt.Sprintf("once decompressed (at entry %q)", entry),
			Limit: MaxChartSize, Budget: "one chart"}
	}
	for entries := 1; ; entries++ {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return "", over(err)
		}
		entry = hdr.Name
		if entries > MaxChartEntries {
			return "", &bundlereader.TooLargeError{Size: MaxChartEntries, AtLeast: true, Unit: "entries",
				Detail: fmt.Sprintf("(at entry %q)", hdr.Name), Limit: MaxChartEntries, Budget: "one chart"}
		}
		if hdr.Typeflag != tar.TypeReg {
			continue
		}
		name := path.Clean(strings.TrimPrefix(hdr.Name, "/"))
		if name == "." || strings.HasPrefix(name, "../") || name == ".." {
			return "", fmt.Errorf("archive entry %q escapes the chart", hdr.Name)
		}
		first, _, _ := strings.Cut(name, "/")
		if top == "" {
			top = first
		}
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return "", err
		}
		if err := writeFrom(p, tr, buf); err != nil {
			return "", over(err)
		}
	}
	if top == "" {
		return "", errors.New("empty chart archive")
	}
	return top, nil
}

// limitedStream fails reads past limit bytes.
type limitedStream struct {
	r        io.Reader
	n, limit int64
}

var errStreamLimit = errors.New("stream limit reached")

func (s *limitedStream) Read(p []byte) (int, error) {
	if s.exceeded() {
		return 0, errStreamLimit
	}
	if left := s.limit - s.n + 1; int64(len(p)) > left {
		p = p[:left]
	}
	n, err := s.r.Read(p)
	s.n += int64(n)
	if s.exceeded() {
		return n, errStreamLimit
	}
	return n, err
}

func (s *limitedStream) exceeded() bool { return s.n > s.limit }

// writeFrom writes what r yields into a new file at p, through buf (nil: a new one).
func writeFrom(p string, r io.Reader, buf []byte) error {
	f, err := os.OpenFile(p, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	// Hide the file's ReadFrom, which would allocate a buffer of its own for every file.
	if _, err := io.CopyBuffer(struct{ io.Writer }{f}, r, buf); err != nil {
		_ = f.Close()
		return err
	}
	return f.Close()
}

// checkChartDir checks, without reading them, that the files under dir fit MaxChartSize and
// MaxChartEntries, before Helm's loader reads them all into memory. It refuses symlinks to
// directories: Helm's loader follows them, and one pointing at its own directory would make it
// walk forever.
func checkChartDir(dir string) error {
	size, files := int64(0), 0
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
		files++
		size += st.Size()
		switch {
		case files > MaxChartEntries:
			return &bundlereader.TooLargeError{What: dir, Size: MaxChartEntries, AtLeast: true, Unit: "entries",
				Detail: fmt.Sprintf("(at %s)", p), Limit: MaxChartEntries, Budget: "one chart"}
		case size > MaxChartSize:
			return &bundlereader.TooLargeError{What: dir, Size: size, AtLeast: true, Detail: fmt.Sprintf("of files (at %s)", p),
				Limit: MaxChartSize, Budget: "one chart"}
		}
		return nil
	})
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	return err
}

// readDir reads every regular file under dir, keyed "<prefix>/<slash path>", after checkChartDir.
func readDir(dir, prefix string) (map[string][]byte, error) {
	if err := checkChartDir(dir); err != nil {
		return nil, err
	}
	out := map[string][]byte{}
	left := int64(MaxChartSize)
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.Type().IsRegular() {
			return nil
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		data, err := readAtMost(p, left)
		if err != nil {
			return err
		}
		left -= int64(len(data))
		out[prefix+"/"+filepath.ToSlash(rel)] = data
		return nil
	})
	if errors.Is(err, os.ErrNotExist) {
		return out, nil
	}
	return out, err
}

// readAtMost reads the file at p through a reader limited to left bytes, failing past them (the
// file grew after checkChartDir).
func readAtMost(p string, left int64) ([]byte, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, left+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > left {
		return nil, &bundlereader.TooLargeError{What: p, Size: left, AtLeast: true, Limit: MaxChartSize, Budget: "one chart"}
	}
	return data, nil
}

// copyDir copies the regular files under src to dst, streaming them.
func copyDir(src, dst string) error {
	return filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		if !d.Type().IsRegular() {
			return nil
		}
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		return writeFrom(target, f, nil)
	})
}
