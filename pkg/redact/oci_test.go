package redact

import (
	"errors"
	"testing"
)

func TestCheckOCIReference(t *testing.T) {
	for ref, refused := range map[string]bool{
		"oci://" + secret + "@ghcr.io/org/chart":     true,
		"OCI://u:" + secret + "@ghcr.io/org/chart":   true,
		"oci://ghcr.io/org/chart@sha256:0123abcd":    false,
		"oci://ghcr.io/org/chart":                    false,
		"https://" + secret + "@charts.example.com/": false, // redacted as a URL, not refused
		"oci:": false,
	} {
		if err := CheckOCIReference(ref); errors.Is(err, ErrOCIUserInfo) != refused {
			t.Errorf("CheckOCIReference(%q) = %v, want refused %v", ref, err, refused)
		}
	}
}
