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
)

// maxArchiveFile bounds the size of one file extracted from a chart archive.
const maxArchiveFile = 64 << 20

// untar expands a chart archive into dir and returns the chart's top directory name.
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
	tr := tar.NewReader(zr)
	top := ""
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return "", err
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
		data, err := io.ReadAll(io.LimitReader(tr, maxArchiveFile+1))
		if err != nil {
			return "", err
		}
		if len(data) > maxArchiveFile {
			return "", fmt.Errorf("archive entry %q is larger than %d bytes", hdr.Name, maxArchiveFile)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			return "", err
		}
	}
	if top == "" {
		return "", errors.New("empty chart archive")
	}
	return top, nil
}

// readDir reads every regular file under dir, keyed "<prefix>/<slash path>".
func readDir(dir, prefix string) (map[string][]byte, error) {
	out := map[string][]byte{}
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
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		out[prefix+"/"+filepath.ToSlash(rel)] = data
		return nil
	})
	if errors.Is(err, os.ErrNotExist) {
		return out, nil
	}
	return out, err
}

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
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(target, data, 0o644)
	})
}
