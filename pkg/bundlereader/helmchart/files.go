package helmchart

import (
	"archive/tar"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/fleetapi/fleet/pkg/bundlereader"
)

// Budgets of one chart. Its files become resources of a bundle, which holds at most
// bundlereader.MaxBundleFilesSize, so a chart may not expand to more. They are checked while an
// archive is expanded (a small archive of highly compressible entries stops at the budget, not
// when the disk is full) and before a chart directory is read or loaded by Helm (chartcheck.go).
// Past them the error is a *bundlereader.TooLargeError.
const (
	// MaxChartSize bounds the decompressed tar stream of a chart archive (file contents, headers
	// and padding), and the files of a chart directory together with the decompressed streams of
	// the chart archives nested in its charts/ directories, which Helm's loader expands in memory.
	MaxChartSize = bundlereader.MaxBundleFilesSize
	// MaxChartEntries bounds the entries of a chart archive, of any type (regular files,
	// directories, links; the extended headers that tar.Reader folds into the entry they describe
	// count towards MaxChartSize only), and the files of a chart directory with the entries of its
	// nested archives.
	MaxChartEntries = 10_000
	// MaxChartYAMLSize bounds what Helm parses to load a chart: the Chart.yaml, Chart.lock,
	// values.yaml, requirements.yaml, requirements.lock and .helmignore of the chart and of every
	// sub-chart, nested archives included, together. Parsing YAML costs up to some 200 times its
	// size in memory; the values of the largest public charts with all their sub-charts add up to a
	// few hundred KiB.
	MaxChartYAMLSize = 2 << 20
	// maxChartNesting bounds how deep chart archives nest in charts/ directories (an umbrella
	// chart's sub-chart with sub-charts of its own is 2): each level holds a decompressor while
	// it is checked.
	maxChartNesting = 8
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
	stream := &limitedStream{r: zr, n: new(int64), limit: MaxChartSize}
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

// limitedStream fails reads once *n, which streams read at once may share, is past limit bytes.
type limitedStream struct {
	r     io.Reader
	n     *int64
	limit int64
}

var errStreamLimit = errors.New("stream limit reached")

func (s *limitedStream) Read(p []byte) (int, error) {
	if s.exceeded() {
		return 0, errStreamLimit
	}
	if left := s.limit - *s.n + 1; int64(len(p)) > left {
		p = p[:left]
	}
	n, err := s.r.Read(p)
	*s.n += int64(n)
	if s.exceeded() {
		return n, errStreamLimit
	}
	return n, err
}

func (s *limitedStream) exceeded() bool { return *s.n > s.limit }

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
		data, err := bundlereader.ReadLimited(p, left)
		var over *bundlereader.TooLargeError
		if errors.As(err, &over) { // it grew after checkChartDir
			over.What, over.Size, over.Limit, over.Budget = p, over.Size+MaxChartSize-left, MaxChartSize, "one chart"
			over.Detail = "with the files of the chart read before it"
		}
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
