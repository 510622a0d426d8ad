package manifest

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"sync"
	"unicode/utf8"

	"github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
)

// maxDecodedSize bounds what one base64+gz resource may expand to (zip bombs).
const maxDecodedSize = 256 << 20

// NewResource returns a BundleResource for a file: the content as is when it is valid UTF-8 and
// compress is false, otherwise gzipped and base64-encoded (encoding "base64+gz"), as Fleet does.
func NewResource(name string, data []byte, compress bool) (v1alpha1.BundleResource, error) {
	if !compress && utf8.Valid(data) {
		return v1alpha1.BundleResource{Name: name, Content: string(data)}, nil
	}
	enc, err := Base64GZ(data)
	if err != nil {
		return v1alpha1.BundleResource{}, fmt.Errorf("%s: %w", name, err)
	}
	return v1alpha1.BundleResource{Name: name, Content: enc, Encoding: v1alpha1.ContentEncodingBase64Gzip}, nil
}

// gzipWriters are the compressors of Base64GZ: one costs some 800 KiB, so a bundle of many small
// files encoded with a new one each allocated hundreds of KiB per file (44 GB for 100,000).
var gzipWriters = sync.Pool{New: func() any { return gzip.NewWriter(io.Discard) }}

// Base64GZ gzips data (without a timestamp, so the result is deterministic) and base64-encodes it.
func Base64GZ(data []byte) (string, error) {
	var buf bytes.Buffer
	zw := gzipWriters.Get().(*gzip.Writer)
	defer gzipWriters.Put(zw)
	zw.Reset(&buf) // as from gzip.NewWriter: an empty header
	if _, err := zw.Write(data); err != nil {
		return "", fmt.Errorf("gzip: %w", err)
	}
	if err := zw.Close(); err != nil {
		return "", fmt.Errorf("gzip: %w", err)
	}
	return base64.StdEncoding.EncodeToString(buf.Bytes()), nil
}

// Decode returns the bytes of a resource, undoing its encoding.
func Decode(r v1alpha1.BundleResource) ([]byte, error) {
	switch r.Encoding {
	case v1alpha1.ContentEncodingNone:
		return []byte(r.Content), nil
	case v1alpha1.ContentEncodingBase64Gzip:
		raw, err := base64.StdEncoding.DecodeString(r.Content)
		if err != nil {
			return nil, fmt.Errorf("resource %s: base64: %w", r.Name, err)
		}
		zr, err := gzip.NewReader(bytes.NewReader(raw))
		if err != nil {
			return nil, fmt.Errorf("resource %s: gzip: %w", r.Name, err)
		}
		defer zr.Close()
		data, err := io.ReadAll(io.LimitReader(zr, maxDecodedSize+1))
		if err != nil {
			return nil, fmt.Errorf("resource %s: gzip: %w", r.Name, err)
		}
		if len(data) > maxDecodedSize {
			return nil, fmt.Errorf("resource %s: larger than %d bytes once decoded", r.Name, maxDecodedSize)
		}
		return data, nil
	default:
		return nil, fmt.Errorf("resource %s: unknown encoding %q", r.Name, r.Encoding)
	}
}

// Files decodes every resource into a map from name to content.
func Files(resources []v1alpha1.BundleResource) (map[string][]byte, error) {
	out := make(map[string][]byte, len(resources))
	for _, r := range resources {
		data, err := Decode(r)
		if err != nil {
			return nil, err
		}
		out[r.Name] = data
	}
	return out, nil
}

// ChartDirPrefix is the directory under which charts fetched at apply time are stored in a bundle.
const ChartDirPrefix = ".chart/"

// ChartPath returns the directory, inside a bundle, of a chart fetched at apply time:
// ".chart/" + hex(sha256(chart + ":" + repo + ":" + version)), as Fleet does.
func ChartPath(h *v1alpha1.HelmOptions) string {
	if h == nil {
		return ""
	}
	sum := sha256.Sum256([]byte(h.Chart + ":" + h.Repo + ":" + h.Version))
	return ChartDirPrefix + hex.EncodeToString(sum[:])
}
