package helmchart

import (
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/url"
	"regexp"
	"strings"

	"oras.land/oras-go/v2/errdef"
	orasauth "oras.land/oras-go/v2/registry/remote/auth"

	"github.com/fleetapi/fleet/pkg/bundlereader"
	"github.com/fleetapi/fleet/pkg/redact"
)

// Validate checks what can be checked before a request: a CA bundle must hold a PEM certificate.
func (a *Auth) Validate() error {
	if a != nil && len(a.CABundle) > 0 && !x509.NewCertPool().AppendCertsFromPEM(a.CABundle) {
		return errors.New("the CA bundle holds no PEM certificate")
	}
	return nil
}

// checkRemote refuses remote chart references that no retry can fix: only http(s):// chart
// repositories and archives and oci:// registries are fetched (no go-getter "git::" or "s3::", no
// plugin schemes).
func checkRemote(ref, repoURL string) error {
	for _, u := range []string{ref, repoURL} {
		if u == "" || (u == ref && repoURL != "") {
			continue // a chart name in a repository
		}
		if strings.Contains(u, "::") {
			return fmt.Errorf("go-getter references (%q) are not supported; use an http(s):// chart repository or archive, or oci://", redact.URL(u))
		}
		p, err := url.Parse(u)
		if err != nil {
			return fmt.Errorf("not a URL: %w", redact.Error(err))
		}
		switch p.Scheme {
		case "http", "https", "oci":
		default:
			return fmt.Errorf("the %q scheme is not supported; use http(s):// or oci://", p.Scheme)
		}
		if p.Host == "" {
			return fmt.Errorf("%q has no host", redact.URL(u))
		}
		if err := redact.CheckOCIReference(u); err != nil {
			return err
		}
	}
	return nil
}

// transientStatus matches the HTTP statuses of Helm's getters (": 503 Service Unavailable") and of
// the OCI client ("response status code 401: Unauthorized") that a retry may get past.
var transientStatus = regexp.MustCompile(`(?: : |status code )(401|403|404|408|429|5\d\d)\b`)

// notPublished matches Helm's messages for a chart or version that is not (yet) published: "chart
// "x" (version "y") not found in URL repository" for chart repositories, "Could not locate a version
// matching" for an OCI constraint.
var notPublished = regexp.MustCompile(`not found in .* repository|Could not locate a version matching`)

// chartError marks err with bundlereader.ErrChartUnavailable when a retry may succeed without a
// change to the bundle: the server could not be reached, refused the credentials, failed, or (for
// the chart itself, pulled is true) does not list the chart or version yet. Anything else (a
// malformed reference or archive, a missing local dependency) is the bundle's to fix.
func chartError(err error, pulled bool) error {
	var ue *url.Error
	var ne net.Error
	if errors.As(err, &ue) || errors.As(err, &ne) || transientStatus.MatchString(err.Error()) ||
		errors.Is(err, orasauth.ErrBasicCredentialNotFound) || strings.Contains(err.Error(), orasauth.ErrBasicCredentialNotFound.Error()) ||
		(pulled && (notPublished.MatchString(err.Error()) || errors.Is(err, errdef.ErrNotFound) || strings.HasSuffix(err.Error(), ": not found"))) {
		return fmt.Errorf("%w: %w", bundlereader.ErrChartUnavailable, err)
	}
	return err
}

// hostOf returns the host[:port] of a URL or oci:// reference ("" when it has none).
func hostOf(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return ""
	}
	return p.Host
}

// sameOrigin reports whether two URLs have the same scheme and host[:port].
func sameOrigin(a, b string) bool {
	pa, err1 := url.Parse(a)
	pb, err2 := url.Parse(b)
	return err1 == nil && err2 == nil && pa.Host != "" && strings.EqualFold(pa.Scheme, pb.Scheme) && strings.EqualFold(pa.Host, pb.Host)
}
