package bundlereader

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
)

// Byte budgets of what the reader holds in memory. The controllers run in fleet-apiserver, so a
// repository must not be able to make the server hold more than these, whatever its files: each
// file is checked against what is left of its budget before it is read, and read through a limited
// reader (a file that grows, or a symlink to /dev/zero in a `fleet apply` directory, stops there).
// Past a budget Read fails with a *TooLargeError (errors.Is(err, ErrTooLarge)) naming what was too
// large, its size and the budget. The controllers stall the commit on it.
const (
	// MaxBundleFilesSize bounds the bytes one bundle reads, before any encoding: its files, its
	// fleet.yaml and values files, and the charts and chart dependencies fetched into it. The
	// Bundle must in any case fit MaxBundleSize once compressed; this bounds what is held to get
	// there (raw files, then their gzip and base64 copies).
	MaxBundleFilesSize = 64 << 20
	// MaxBundleYAMLSize bounds the YAML one bundle parses: its fleet.yaml, the values files it
	// names (each time it names one) and the Chart.yaml of its own chart, together. Parsing costs
	// memory: up to some 200 times the size of the document for one built of tiny values. 1 MiB
	// is what Fleet allows the values of a bundle, which it keeps in a Secret.
	MaxBundleYAMLSize = 1 << 20
	// MaxBundleSize bounds the JSON encoding of one Bundle (its resources compressed when they are
	// 1,000,000 bytes or more, as Fleet does): a Bundle is written in one request, and the API
	// server refuses request bodies over 3 MiB (k8s.io/apiserver's MaxRequestBodyBytes). 64 KiB
	// are left for what the controllers add (a digest annotation) and for the request's framing.
	MaxBundleSize = 3<<20 - 64<<10
	// MaxBundlesSize bounds the JSON encoding of all the bundles of one Read together: they are held
	// until every bundle is read (Read returns all of them or an error), so a repository of many
	// bundles that each fetch a chart cannot add up to more.
	MaxBundlesSize = 256 << 20
	// maxIgnoreSize and maxIgnoreRules bound the .fleetignore files in effect in a directory (its
	// own and its parents' up to the scanned root) together: their bytes, and the rules their
	// lines become. The rules of a parent are shared by its sub-directories, not copied, so what a
	// walk holds is bounded by these whatever the depth. Every file below is matched against every
	// rule in effect, so the rules also bound the walk's CPU. A .fleetignore holds a few lines; the
	// longest .gitignore templates (copied as .fleetignore) hold a few hundred.
	maxIgnoreSize  = 1 << 20
	maxIgnoreRules = 1000
)

// maxBundlesSize is MaxBundlesSize, a variable so that tests can lower it (reaching the constant
// takes gzipping 256 MiB).
var maxBundlesSize = MaxBundlesSize

// ErrTooLarge is wrapped by every error of a budget: errors.Is(err, ErrTooLarge).
var ErrTooLarge = errors.New("over budget")

// TooLargeError says what was over which budget.
type TooLargeError struct {
	// What names what was too large: a file path, `bundle "app"`; empty when the error is wrapped
	// by one that names it.
	What string
	// Size is its size (in bytes, or in Unit); AtLeast when reading stopped at the budget, so
	// that the size is more than Size.
	Size    int64
	AtLeast bool
	// Detail, when set, follows the size: "once encoded", "(at entry x/big)".
	Detail string
	// Limit is the budget, and Budget what it bounds: "the files of one bundle".
	Limit  int64
	Budget string
	// Unit, when set, is what Size and Limit count instead of bytes: "entries", "rules",
	// "objects".
	Unit string
}

// Error reads "<what>: <size> <detail> is over the budget of <limit> for <budget>" (without
// "<what>: " when What is empty: the caller names it).
func (e *TooLargeError) Error() string {
	size := e.amount(e.Size)
	if e.AtLeast {
		size = "more than " + size
	}
	if e.Detail != "" {
		size += " " + e.Detail
	}
	msg := fmt.Sprintf("%s is over the budget of %s for %s", size, e.amount(e.Limit), e.Budget)
	if e.What == "" {
		return msg
	}
	return e.What + ": " + msg
}

// Is makes errors.Is(err, ErrTooLarge) true.
func (e *TooLargeError) Is(target error) bool { return target == ErrTooLarge }

func (e *TooLargeError) amount(n int64) string {
	if e.Unit != "" {
		return fmt.Sprintf("%d %s", n, e.Unit)
	}
	return FormatSize(n)
}

// FormatSize writes n bytes for a message: "64 MiB", "2.94 MiB (3080192 bytes)", "512 bytes".
func FormatSize(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<20:
		return fmt.Sprintf("%.2f MiB (%d bytes)", float64(n)/(1<<20), n)
	default:
		return fmt.Sprintf("%d bytes", n)
	}
}

// filesBudget is what one bundle has read of its budgets: MaxBundleFilesSize for every file,
// MaxBundleYAMLSize for the YAML it parses.
type filesBudget struct {
	files, yaml counter
}

func newFilesBudget() *filesBudget {
	return &filesBudget{
		files: counter{limit: MaxBundleFilesSize, budget: "the files of one bundle"},
		yaml:  counter{limit: MaxBundleYAMLSize, budget: "the YAML one bundle parses (fleet.yaml, values files, Chart.yaml)"},
	}
}

// counter is the use of one budget.
type counter struct {
	used, limit int64
	budget      string
}

// over is the error for name, of n bytes (more when atLeast), that does not fit.
func (c *counter) over(name string, n int64, atLeast bool) error {
	e := &TooLargeError{What: name, Size: n, AtLeast: atLeast, Limit: c.limit, Budget: c.budget}
	if c.used > 0 && n <= c.limit {
		e.Size, e.Detail = c.used+n, fmt.Sprintf("with the %s read before it", FormatSize(c.used))
	}
	return e
}

// read reads the file at path, charged to the files budget; name is how errors call it.
func (b *filesBudget) read(path, name string) ([]byte, error) {
	return readCharged(path, name, &b.files)
}

// readYAML reads a YAML file the reader parses (fleet.yaml, a values file), charged to both budgets.
func (b *filesBudget) readYAML(path string) ([]byte, error) {
	return readCharged(path, path, &b.files, &b.yaml)
}

// readCharged reads the file at path if it fits every counter, and charges them.
func readCharged(path, name string, counters ...*counter) ([]byte, error) {
	tightest := counters[0]
	for _, c := range counters[1:] {
		if c.limit-c.used < tightest.limit-tightest.used {
			tightest = c
		}
	}
	data, err := ReadLimited(path, tightest.limit-tightest.used)
	var over *TooLargeError
	if errors.As(err, &over) {
		return nil, tightest.over(name, over.Size, over.AtLeast)
	}
	if err != nil {
		return nil, err
	}
	for _, c := range counters {
		c.used += int64(len(data))
	}
	return data, nil
}

// chargeYAML counts n bytes of a file already read (and charged to the files budget) that the
// reader is about to parse against the YAML budget; name is the file.
func (b *filesBudget) chargeYAML(name string, n int64) error {
	if b.yaml.used+n > b.yaml.limit {
		return b.yaml.over(name, n, false)
	}
	b.yaml.used += n
	return nil
}

// charge counts n more bytes (the files of a fetched chart) against the files budget; name is
// what they are.
func (b *filesBudget) charge(name string, n int64) error {
	if b.files.used+n > b.files.limit {
		return b.files.over(name, n, false)
	}
	b.files.used += n
	return nil
}

// ReadLimited reads the file at path if it holds at most limit bytes. Past them it reads nothing
// more and returns a *TooLargeError with the file's size (Size; AtLeast when reading stopped at
// the limit) and Limit, for the caller to name the file and the budget (What, Budget). The size is
// checked before the file is read, and it is read through a limited reader, so a file that grows,
// or is not a regular file (a symlink to /dev/zero), stops there too. It is the one bounded read
// of the bundle reader and of package helmchart.
func ReadLimited(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if st.Size() > limit {
		return nil, &TooLargeError{Size: st.Size(), Limit: limit}
	}
	var buf bytes.Buffer
	buf.Grow(int(st.Size()) + bytes.MinRead)
	if _, err := buf.ReadFrom(io.LimitReader(f, limit+1)); err != nil {
		return nil, err
	}
	if int64(buf.Len()) > limit {
		return nil, &TooLargeError{Size: limit, AtLeast: true, Limit: limit}
	}
	return buf.Bytes(), nil
}
