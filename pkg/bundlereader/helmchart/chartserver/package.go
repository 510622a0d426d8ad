package chartserver

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chart/loader"
)

// archiveTime is the modification time of every archive entry, so archives are reproducible
// (helm package stamps the current time, which would make golden files change on every run).
var archiveTime = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)

// Packaged is a chart archive.
type Packaged struct {
	Metadata *chart.Metadata
	// File is the archive name, "<name>-<version>.tgz".
	File string
	Data []byte
}

// Package packages the chart in dir like `helm package`, but reproducibly.
func Package(t testing.TB, dir string) Packaged {
	t.Helper()
	ch, err := loader.LoadDir(dir)
	if err != nil {
		t.Fatalf("loading chart %s: %v", dir, err)
	}
	var names []string
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() {
			names = append(names, p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(names)
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for _, p := range names {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		rel, _ := filepath.Rel(dir, p)
		hdr := &tar.Header{Name: ch.Name() + "/" + filepath.ToSlash(rel), Mode: 0o644, Size: int64(len(data)),
			ModTime: archiveTime, Typeflag: tar.TypeReg}
		if err := tw.WriteHeader(hdr); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write(data); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return Packaged{Metadata: ch.Metadata, File: ch.Name() + "-" + ch.Metadata.Version + ".tgz", Data: buf.Bytes()}
}
