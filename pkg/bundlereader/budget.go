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
	// MaxBundleYAMLSize bounds the YAML one bundle parses: its fleet.yaml and the values files it
	// names (each time it names one), together. Parsing costs memory: up to some 200 times the
	// size of the document for one built of tiny values. 1 MiB is what Fleet allows the values of
	// a bundle, which it keeps in a Secret.
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
	// maxIgnoreFileSize bounds a .fleetignore file (its lines become match rules).
	maxIgnoreFileSize = 1 << 20
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
	// Size is its size (in bytes, or entries when Entries); AtLeast when reading stopped at the
	// budget, so that the size is more than Size.
	Size    int64
	AtLeast bool
	// Detail, when set, follows the size: "once encoded", "(at entry x/big)".
	Detail string
	// Limit is the budget, and Budget what it bounds: "the files of one bundle".
	Limit  int64
	Budget string
	// Entries: Size and Limit count entries, not bytes.
	Entries bool
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
	if e.Entries {
		return fmt.Sprintf("%d entries", n)
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
		yaml:  counter{limit: MaxBundleYAMLSize, budget: "the fleet.yaml and values files of one bundle"},
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
	data, over, err := readLimited(path, tightest.limit-tightest.used)
	if err != nil {
		return nil, err
	}
	if over != nil {
		return nil, tightest.over(name, over.size, over.atLeast)
	}
	for _, c := range counters {
		c.used += int64(len(data))
	}
	return data, nil
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

// oversize is the size of a file that did not fit: its size, or (atLeast) where reading stopped.
type oversize struct {
	size    int64
	atLeast bool
}

// readLimited reads the file at path if it holds at most left bytes, and returns what did not
// fit otherwise. The size is checked before the file is read, and it is read through a limited
// reader, so a file that grows, or is not a regular file, stops there too.
func readLimited(path string, left int64) ([]byte, *oversize, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, nil, err
	}
	if st.Size() > left {
		return nil, &oversize{size: st.Size()}, nil
	}
	var buf bytes.Buffer
	buf.Grow(int(st.Size()) + bytes.MinRead)
	if _, err := buf.ReadFrom(io.LimitReader(f, left+1)); err != nil {
		return nil, nil, err
	}
	if int64(buf.Len()) > left {
		return nil, &oversize{size: left, atLeast: true}, nil
	}
	return buf.Bytes(), nil, nil
}
