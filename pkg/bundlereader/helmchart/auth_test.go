package helmchart

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
	"github.com/fleetapi/fleet/pkg/bundlereader"
	"github.com/fleetapi/fleet/pkg/bundlereader/helmchart/chartserver"
)

// TestFetchChartWithAuth: a chart repository and an OCI registry that require basic auth serve the
// chart with the credentials Fetcher.Auth gives for that bundle and URL, and refuse it without;
// the refusal is ErrChartUnavailable (retried by the controllers) and names no password.
func TestFetchChartWithAuth(t *testing.T) {
	repo := chartserver.NewRepo(t, filepath.Join(chartsDir, "guestbook"))
	repo.RequireBasicAuth("reader", "s3cret-repo")
	reg := chartserver.NewRegistry(t, "charts", filepath.Join(chartsDir, "guestbook"))
	reg.RequireBasicAuth("puller", "s3cret-oci")
	bundleDir := filepath.Join(chartsDir, "redis")

	creds := map[string]*Auth{
		repo.URL: {Username: "reader", Password: "s3cret-repo"},
		"oci://" + reg.Host + "/charts/guestbook": {Username: "puller", Password: "s3cret-oci"},
	}
	type asked struct{ dir, url string }
	var calls []asked
	withAuth := &Fetcher{Auth: func(dir, url string) *Auth {
		calls = append(calls, asked{dir, url})
		return creds[url]
	}}
	wrongAuth := &Fetcher{Auth: func(string, string) *Auth { return &Auth{Username: "reader", Password: "wrong"} }}

	for _, h := range []v1alpha1.HelmOptions{
		{Repo: repo.URL, Chart: "guestbook", Version: "0.0.1"},
		{Repo: "oci://" + reg.Host + "/charts/guestbook", Version: "0.0.1"},
	} {
		t.Run(h.Repo, func(t *testing.T) {
			calls = nil
			files, err := withAuth.FetchChart(context.Background(), bundleDir, &h)
			if err != nil {
				t.Fatal(err)
			}
			assertHasFile(t, files, "guestbook/Chart.yaml", "name: guestbook")
			if len(calls) != 1 || calls[0].dir != bundleDir || creds[calls[0].url] == nil {
				t.Errorf("Auth was asked %v; want once, for bundle %s and the repository URL", calls, bundleDir)
			}
			for name, f := range map[string]*Fetcher{"no credentials": {}, "wrong password": wrongAuth} {
				_, err := f.FetchChart(context.Background(), bundleDir, &h)
				if !errors.Is(err, bundlereader.ErrChartUnavailable) {
					t.Fatalf("%s: err = %v, want ErrChartUnavailable", name, err)
				}
				if strings.Contains(err.Error(), "s3cret") || strings.Contains(err.Error(), "wrong") {
					t.Errorf("%s: the error shows a password: %v", name, err)
				}
			}
		})
	}
}

// TestAuthPrintsNoSecret: an Auth in a log line or an error shows what it holds, not the values.
func TestAuthPrintsNoSecret(t *testing.T) {
	a := &Auth{Username: "u", Password: "p4ssw0rd", CABundle: []byte("-----BEGIN CERTIFICATE-----")}
	for _, s := range []string{fmt.Sprint(a), fmt.Sprintf("%v %+v %#v %s", a, a, a, a)} {
		if strings.Contains(s, "p4ssw0rd") || strings.Contains(s, "BEGIN") || !strings.Contains(s, "basic=true") {
			t.Errorf("printed %q", s)
		}
	}
}

// TestCredentialsByPath: secrets-path.yaml entries by exact path (cleaned) or pattern; errors
// name the entry, not a value.
func TestCredentialsByPath(t *testing.T) {
	byPath, err := ParseCredentialsByPath([]byte("./apps/one/:\n  username: one\n  password: p1\napps/*:\n  username: any\n  password: p2\n"))
	if err != nil {
		t.Fatal(err)
	}
	c := &Credentials{ByPath: byPath}
	for rel, want := range map[string]string{"apps/one": "one", "apps/two": "any", "apps/two/nested": "", "other": ""} {
		a := c.ForBundle(rel)
		if (want == "") != (a == nil) || (a != nil && a.Username != want) {
			t.Errorf("ForBundle(%q) = %v, want %q", rel, a, want)
		}
	}
	for _, bad := range []string{"apps/[:\n  password: s3cret-x\n", "apps/one:\n  passwd: s3cret-x\n", "apps/one: s3cret-x\n"} {
		_, err := ParseCredentialsByPath([]byte(bad))
		if err == nil || strings.Contains(err.Error(), "s3cret-x") {
			t.Errorf("ParseCredentialsByPath(%q) = %v; want an error without the value", bad, err)
		}
	}
}
