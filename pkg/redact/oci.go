package redact

import (
	"errors"
	"strings"
)

// ErrOCIUserInfo refuses an oci:// reference with user information (oci://user:token@host/…). The
// registry client quotes such a reference in its errors without the scheme (host/path), where URL
// and Text cannot tell a user name from anything else, so the credential would be shown: an OCI
// registry's credentials go in the Secret of helmSecretName instead.
var ErrOCIUserInfo = errors.New("an oci:// reference takes no user information; credentials go in the Secret of helmSecretName")

// CheckOCIReference returns ErrOCIUserInfo when ref is an oci:// reference whose host part carries
// user information, and nil for anything else (a digest, ref@sha256:…, is in the path, not the host).
func CheckOCIReference(ref string) error {
	const scheme = "oci://"
	if len(ref) < len(scheme) || !strings.EqualFold(ref[:len(scheme)], scheme) {
		return nil
	}
	host, _, _ := strings.Cut(ref[len(scheme):], "/")
	if strings.Contains(host, "@") {
		return ErrOCIUserInfo
	}
	return nil
}
