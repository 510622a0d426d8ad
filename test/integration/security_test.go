package integration

import (
	"crypto/tls"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/fleetapi/fleet/test/framework"
)

// TestStandaloneAccess: without credentials only the health endpoints answer; a wrong token is refused
// (401), not treated as anonymous; the credentials on disk are owner-only.
func TestStandaloneAccess(t *testing.T) {
	s := framework.StartStandalone(t, "")
	server := s.RESTConfig().Host
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}} //nolint:gosec // the test inspects status codes only

	cases := []struct {
		name, path, token string
		want              int
	}{
		{"anonymous readyz", "/readyz", "", http.StatusOK},
		{"anonymous livez", "/livez", "", http.StatusOK},
		{"anonymous list", "/apis/fleet.cattle.io/v1alpha1/gitrepos", "", http.StatusForbidden},
		{"anonymous discovery", "/apis", "", http.StatusForbidden},
		{"wrong token", "/apis/fleet.cattle.io/v1alpha1/gitrepos", "not-the-token", http.StatusUnauthorized},
		{"admin token", "/apis/fleet.cattle.io/v1alpha1/gitrepos", s.RESTConfig().BearerToken, http.StatusOK},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req, err := http.NewRequestWithContext(testContext(t), http.MethodGet, server+tc.path, nil)
			if err != nil {
				t.Fatal(err)
			}
			if tc.token != "" {
				req.Header.Set("Authorization", "Bearer "+tc.token)
			}
			resp, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			_ = resp.Body.Close()
			if resp.StatusCode != tc.want {
				t.Fatalf("GET %s = %d, want %d", tc.path, resp.StatusCode, tc.want)
			}
		})
	}

	for _, name := range []string{"admin-token", "admin.kubeconfig", "fleet.db", filepath.Join("certs", "apiserver.key")} {
		info, err := os.Stat(filepath.Join(s.DataDir, name))
		if err != nil {
			t.Fatal(err)
		}
		if perm := info.Mode().Perm(); perm&0o077 != 0 {
			t.Errorf("%s has mode %v; want no access for group and others", name, perm)
		}
	}
}
