package manifest

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"

	"github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
)

// EncodeContent returns the payload of a Content object for resources: gzip of the JSON
// manifest ({"resources": …}), and the hex sha256 of that JSON.
func EncodeContent(resources []v1alpha1.BundleResource) ([]byte, string, error) {
	data, err := json.Marshal(wireManifest{Resources: resources})
	if err != nil {
		return nil, "", fmt.Errorf("content: %w", err)
	}
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(data); err != nil {
		return nil, "", fmt.Errorf("content: %w", err)
	}
	if err := zw.Close(); err != nil {
		return nil, "", fmt.Errorf("content: %w", err)
	}
	sum := sha256.Sum256(data)
	return buf.Bytes(), hex.EncodeToString(sum[:]), nil
}

// DecodeContent returns the resources of a Content payload made by EncodeContent.
func DecodeContent(gz []byte) ([]v1alpha1.BundleResource, error) {
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		return nil, fmt.Errorf("content: %w", err)
	}
	defer zr.Close()
	data, err := io.ReadAll(io.LimitReader(zr, maxDecodedSize+1))
	if err != nil {
		return nil, fmt.Errorf("content: %w", err)
	}
	if len(data) > maxDecodedSize {
		return nil, fmt.Errorf("content: larger than %d bytes once decoded", maxDecodedSize)
	}
	var m wireManifest
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("content: %w", err)
	}
	return m.Resources, nil
}
