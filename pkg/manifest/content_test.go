package manifest

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"fmt"
	"testing"

	"github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
	"github.com/fleetapi/fleet/test/framework"
)

func TestNewResourceRoundTrip(t *testing.T) {
	tests := []struct {
		name     string
		data     []byte
		compress bool
		wantEnc  string
	}{
		{name: "text stays plain", data: []byte("a: 1\n"), wantEnc: ""},
		{name: "binary is compressed", data: []byte{0x1f, 0x8b, 0xff, 0x00}, wantEnc: "base64+gz"},
		{name: "compress forces encoding", data: []byte("a: 1\n"), compress: true, wantEnc: "base64+gz"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := NewResource("f", tt.data, tt.compress)
			if err != nil {
				t.Fatal(err)
			}
			if r.Encoding != tt.wantEnc {
				t.Errorf("encoding = %q, want %q", r.Encoding, tt.wantEnc)
			}
			got, err := Decode(r)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, tt.data) {
				t.Errorf("round trip = %q, want %q", got, tt.data)
			}
			again, _ := NewResource("f", tt.data, tt.compress)
			if again != r {
				t.Errorf("encoding is not deterministic")
			}
		})
	}
}

func TestDecodeUnknownEncoding(t *testing.T) {
	r, _ := NewResource("f", []byte("x"), false)
	r.Encoding = "zstd"
	if _, err := Decode(r); err == nil {
		t.Error("no error for an unknown encoding")
	}
}

func TestContentRoundTrip(t *testing.T) {
	res := []v1alpha1.BundleResource{{Name: "a.yaml", Content: "a"}}
	gz, sum, err := EncodeContent(res)
	if err != nil {
		t.Fatal(err)
	}
	if len(sum) != 64 {
		t.Errorf("sum %q", sum)
	}
	got, err := DecodeContent(gz)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0] != res[0] {
		t.Errorf("round trip = %v", got)
	}
}

// TestBase64GZReusesItsCompressor: encoding many small files does not allocate a compressor (some
// 800 KiB) for each, and a reused compressor writes what a new one does (no header fields, so
// Bundles keep their digest).
func TestBase64GZReusesItsCompressor(t *testing.T) {
	want := func(data []byte) string {
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		_, _ = zw.Write(data)
		_ = zw.Close()
		return base64.StdEncoding.EncodeToString(buf.Bytes())
	}
	alloc := framework.Allocated(func() {
		for i := range 1000 {
			if _, err := Base64GZ([]byte(fmt.Sprint(i))); err != nil {
				t.Fatal(err)
			}
		}
	})
	if alloc > 16<<20 {
		t.Errorf("1,000 small encodings allocated %d MiB", alloc>>20)
	}
	for _, data := range [][]byte{[]byte("a: 1\n"), bytes.Repeat([]byte("xyz"), 100_000)} {
		if got, _ := Base64GZ(data); got != want(data) {
			t.Errorf("Base64GZ of %d bytes differs from a new compressor's", len(data))
		}
	}
}
