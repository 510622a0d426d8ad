package chartserver

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"testing"

	"helm.sh/helm/v3/pkg/chart"
)

// Bomb returns a chart archive that is small but expands to much more: a Chart.yaml, then
// entries files of size bytes of zeros each (templates/zeros-N.yaml), which gzip compresses about
// 1000 to 1. Bomb(t, "bomb", "1.0.0", 4, 256<<20) is a 1 MiB archive of 1 GiB; Bomb(t, "many",
// "1.0.0", 100_000, 0) an archive of 100,000 empty files.
func Bomb(t testing.TB, name, version string, entries int, size int64) Packaged {
	t.Helper()
	return archive(t, name, version, func(put func(string, int64, io.Reader)) {
		for i := range entries {
			put(fmt.Sprintf("templates/zeros-%d.yaml", i), size, io.LimitReader(zeros{}, size))
		}
	})
}

// Nested returns a chart archive holding copies of inner in its charts/ directory, as
// charts/<inner name>-<i>.tgz: sub-charts as `helm dependency update` vendors them, which Helm's
// loader expands in memory (up to 100 MiB each). Nested(t, "nest", "1.0.0", Bomb(t, "zeros",
// "1.0.0", 19, 5<<20), 12) is an archive of about 1 MiB holding 1.1 GiB.
func Nested(t testing.TB, name, version string, inner Packaged, copies int) Packaged {
	t.Helper()
	return archive(t, name, version, func(put func(string, int64, io.Reader)) {
		for i := range copies {
			put(fmt.Sprintf("charts/%s-%d.tgz", inner.Metadata.Name, i), int64(len(inner.Data)), bytes.NewReader(inner.Data))
		}
	})
}

// archive returns the archive of chart name at version: a Chart.yaml, then what fill puts (path
// under the chart's directory, size, content).
func archive(t testing.TB, name, version string, fill func(put func(file string, size int64, r io.Reader))) Packaged {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	put := func(file string, size int64, r io.Reader) {
		hdr := &tar.Header{Name: name + "/" + file, Mode: 0o644, Size: size, ModTime: archiveTime, Typeflag: tar.TypeReg}
		if err := tw.WriteHeader(hdr); err != nil {
			t.Fatal(err)
		}
		if _, err := io.Copy(tw, r); err != nil {
			t.Fatal(err)
		}
	}
	meta := fmt.Sprintf("apiVersion: v2\nname: %s\nversion: %s\n", name, version)
	put("Chart.yaml", int64(len(meta)), bytes.NewReader([]byte(meta)))
	fill(put)
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return Packaged{Metadata: &chart.Metadata{APIVersion: "v2", Name: name, Version: version},
		File: name + "-" + version + ".tgz", Data: buf.Bytes()}
}

// zeros reads as an endless run of zero bytes.
type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}
