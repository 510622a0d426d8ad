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
	for i := range entries {
		put(fmt.Sprintf("templates/zeros-%d.yaml", i), size, io.LimitReader(zeros{}, size))
	}
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
