package helmchart

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
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

	// The repository's credentials for its URL and what lies under it (the archive is asked for
	// by its own URL too).
	creds := map[string]*Auth{
		repo.URL: {Username: "reader", Password: "s3cret-repo"},
		"oci://" + reg.Host + "/charts/guestbook": {Username: "puller", Password: "s3cret-oci"},
	}
	type asked struct{ dir, url string }
	var calls []asked
	withAuth := &Fetcher{Auth: func(dir, url string) *Auth {
		calls = append(calls, asked{dir, url})
		for prefix, a := range creds {
			if strings.HasPrefix(url, prefix) {
				return a
			}
		}
		return nil
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
			if len(calls) == 0 || calls[0].dir != bundleDir || creds[calls[0].url] == nil {
				t.Errorf("Auth was asked %v; want first for bundle %s and the repository URL", calls, bundleDir)
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

// TestCredentialsStayWithTheRepository: the credentials for a chart repository are not sent to an
// archive that its index.yaml places on another host, nor to the registry of an OCI chart's
// dependency.
func TestCredentialsStayWithTheRepository(t *testing.T) {
	bundleDir := filepath.Join(chartsDir, "redis")
	t.Run("an archive on another host", func(t *testing.T) {
		pkg := chartserver.Package(t, filepath.Join(chartsDir, "guestbook"))
		var sent []string
		other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			sent = append(sent, r.Header.Get("Authorization"))
			_, _ = w.Write(pkg.Data)
		}))
		t.Cleanup(other.Close)
		repo := chartserver.NewRepo(t, filepath.Join(chartsDir, "guestbook"))
		repo.RequireBasicAuth("reader", "s3cret-repo")
		repo.ListArchivesAt(t, other.URL)
		f := &Fetcher{Auth: func(string, string) *Auth { return &Auth{Username: "reader", Password: "s3cret-repo"} }}
		files, err := f.FetchChart(context.Background(), bundleDir, &v1alpha1.HelmOptions{Repo: repo.URL, Chart: "guestbook", Version: "0.0.1"})
		if err != nil {
			t.Fatal(err)
		}
		assertHasFile(t, files, "guestbook/Chart.yaml", "name: guestbook")
		if len(sent) != 1 || sent[0] != "" {
			t.Fatalf("the archive's host got Authorization headers %q; want one request without", sent)
		}
	})
	t.Run("the registry of an OCI dependency", func(t *testing.T) {
		deps := chartserver.NewRegistry(t, "deps", filepath.Join(chartsDir, "redis"))
		deps.RequireBasicAuth("puller", "s3cret-oci")
		app := appWithOCIDependency(t, deps.Host)
		reg := chartserver.NewRegistry(t, "charts", app)
		reg.RequireBasicAuth("puller", "s3cret-oci")
		ref := "oci://" + reg.Host + "/charts/app"
		// PlainHTTP: every registry speaks HTTP, so the dependency is resolved with the environment
		// of the chart rather than a separate loopback one.
		f := &Fetcher{PlainHTTP: true, Auth: func(_, url string) *Auth {
			if url != ref {
				t.Errorf("Auth asked for %s", url)
			}
			return &Auth{Username: "puller", Password: "s3cret-oci"}
		}}
		_, err := f.FetchChart(context.Background(), bundleDir, &v1alpha1.HelmOptions{Chart: ref, Version: "1.0.0"})
		if err == nil || !strings.Contains(err.Error(), "dependencies of chart app") || !errors.Is(err, bundlereader.ErrChartUnavailable) {
			t.Fatalf("err = %v; want the dependency's registry to refuse (no credentials sent there), as ErrChartUnavailable", err)
		}
		// The same dependency from a registry that needs no credentials is fetched into charts/,
		// which the pulled archive did not have.
		deps.RequireBasicAuth("", "")
		files, err := f.FetchChart(context.Background(), bundleDir, &v1alpha1.HelmOptions{Chart: ref, Version: "1.0.0"})
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := files["app/charts/redis-0.1.0.tgz"]; !ok {
			t.Fatalf("the dependency is missing from the chart's files")
		}
	})
}

// TestWhichFailuresAreRetried: ErrChartUnavailable marks what may pass without a change to the
// bundle (network, refused credentials, server errors, a version not published yet), not what the
// bundle must fix.
func TestWhichFailuresAreRetried(t *testing.T) {
	repo := chartserver.NewRepo(t, filepath.Join(chartsDir, "guestbook"))
	reg := chartserver.NewRegistry(t, "charts", filepath.Join(chartsDir, "guestbook"))
	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusServiceUnavailable) }))
	t.Cleanup(down.Close)
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	f := &Fetcher{}
	for _, tt := range []struct {
		name      string
		h         v1alpha1.HelmOptions
		retried   bool
		errSubstr string
	}{
		{"server error", v1alpha1.HelmOptions{Repo: down.URL, Chart: "guestbook"}, true, "503"},
		{"connection refused", v1alpha1.HelmOptions{Repo: closed.URL, Chart: "guestbook"}, true, "connection refused"},
		{"version not published yet", v1alpha1.HelmOptions{Repo: repo.URL, Chart: "guestbook", Version: "9.9.9"}, true, "9.9.9"},
		{"archive URL answering 404", v1alpha1.HelmOptions{Chart: repo.URL + "/guestbook-9.9.9.tgz"}, true, "404"},
		{"s3 scheme", v1alpha1.HelmOptions{Repo: "s3://bucket/charts", Chart: "guestbook"}, false, `"s3" scheme is not supported`},
		{"go-getter reference", v1alpha1.HelmOptions{Chart: "git::https://example.com/charts.git//guestbook"}, false, "go-getter"},
		{"invalid OCI reference", v1alpha1.HelmOptions{Chart: "oci://127.0.0.1:1/UPPER/Case:::", Version: "1.0.0"}, false, ""},
		{"OCI version not published yet", v1alpha1.HelmOptions{Chart: "oci://" + reg.Host + "/charts/guestbook", Version: "9.9.9"}, true, "9.9.9"},
		{"OCI constraint nothing satisfies yet", v1alpha1.HelmOptions{Chart: "oci://" + reg.Host + "/charts/guestbook", Version: "^9.0.0"}, true, "9.0.0"},
		{"OCI repository that does not exist yet", v1alpha1.HelmOptions{Chart: "oci://" + reg.Host + "/charts/nope", Version: "1.0.0"}, true, "nope"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := f.FetchChart(context.Background(), filepath.Join(chartsDir, "redis"), &tt.h)
			if err == nil || errors.Is(err, bundlereader.ErrChartUnavailable) != tt.retried || !strings.Contains(err.Error(), tt.errSubstr) {
				t.Fatalf("err = %v; want ErrChartUnavailable=%t and %q in the message", err, tt.retried, tt.errSubstr)
			}
		})
	}
}

// TestFetchErrorsHideTokens: a chart repository, archive or OCI reference carrying a token as the
// user name, as a password or in the query fails with a message that shows *** where the token was
// (url.URL.Redacted, used before, showed a user name and every query).
func TestFetchErrorsHideTokens(t *testing.T) {
	repo := chartserver.NewRepo(t, filepath.Join(chartsDir, "guestbook"))
	repo.RequireBasicAuth("reader", "s3cret-repo")
	host := strings.TrimPrefix(repo.URL, "http://")
	reg := chartserver.NewRegistry(t, "charts", filepath.Join(chartsDir, "guestbook"))
	const token = "glpat-T0kenT0ken"
	for _, h := range []v1alpha1.HelmOptions{
		{Repo: "http://" + token + "@" + host, Chart: "guestbook"},
		{Repo: "http://oauth2:" + token + "@" + host, Chart: "guestbook"},
		{Repo: repo.URL + "/?private_token=" + token, Chart: "guestbook"},
		{Chart: "http://" + token + "@" + host + "/guestbook-0.0.1.tgz"},
		{Chart: repo.URL + "/guestbook-0.0.1.tgz?sig=" + token},
		{Repo: "oci://" + token + "@" + reg.Host + "/charts/guestbook", Version: "0.0.1"},
	} {
		_, err := (&Fetcher{}).FetchChart(context.Background(), filepath.Join(chartsDir, "redis"), &h)
		if err == nil || strings.Contains(err.Error(), token) || !strings.Contains(err.Error(), "***") {
			t.Errorf("repo %q chart %q: err = %v; want a failure that shows *** for the token", h.Repo, h.Chart, err)
		}
	}
	// A dependency's repository, from a chart's Chart.yaml.
	_, err := (&Fetcher{}).Dependencies(context.Background(), appWithOCIDependency(t, token+"@"+reg.Host))
	if err == nil || strings.Contains(err.Error(), token) {
		t.Errorf("a dependency on oci://<token>@host: err = %v; want a failure without the token", err)
	}
}

// TestCredentialsURLRule: the regex must match from the start through the host, and URLs that a
// server could resolve differently from the regex get no credentials.
func TestCredentialsURLRule(t *testing.T) {
	a := &Auth{Username: "u", Password: "p"}
	for _, tt := range []struct {
		regex, url string
		sent       bool
	}{
		{`^https://charts\.example\.com/`, "https://charts.example.com/stable", true},
		{`https://charts\.example\.com/*`, "https://charts.example.com/stable", true}, // Fleet's documented form
		{`https://charts\.example\.com`, "https://charts.example.com", true},
		{`https://charts\.example\.com`, "https://charts.example.com.evil.net/stable", false},
		{`charts\.example\.com`, "https://evil.net/?charts.example.com", false},
		{`charts\.example\.com`, "https://charts.example.com/stable", false}, // no scheme: not from the start
		{`^http://host/team-a/`, "http://host/team-a/../team-b", false},
		{`^http://host/team-a/`, "http://host/team-a/%2e%2e/team-b", false},
		{`^https://charts\.example\.com/`, "https://user:pw@charts.example.com/", false},
		{`^oci://registry\.example\.com/team/`, "oci://registry.example.com/team/app", true},
		{`^oci://registry\.example\.com/team/`, "oci://registry.example.com:5000/team/app", false},
	} {
		c := &Credentials{URLRegex: regexp.MustCompile(tt.regex), All: a}
		got := c.AuthFunc("/repo")("/repo/app", tt.url) != nil
		if got != tt.sent {
			t.Errorf("regex %q, URL %q: sent = %t, want %t", tt.regex, tt.url, got, tt.sent)
		}
	}
}

// TestDependenciesKeepTheTLSSettings: an OCI chart and its dependency on a registry with a
// certificate the system does not trust: insecureSkipTLSVerify (no credentials) reaches the
// dependency's download too.
func TestDependenciesKeepTheTLSSettings(t *testing.T) {
	reg, _ := chartserver.NewTLSRegistry(t, "deps", filepath.Join(chartsDir, "redis"))
	app := appWithOCIDependency(t, reg.Host)
	reg.Add(t, "charts", app)
	ref := "oci://" + reg.Host + "/charts/app"
	insecure := &Fetcher{Auth: func(string, string) *Auth { return &Auth{InsecureSkipTLSVerify: true} }}
	files, err := insecure.FetchChart(context.Background(), filepath.Join(chartsDir, "redis"), &v1alpha1.HelmOptions{Chart: ref, Version: "1.0.0"})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := files["app/charts/redis-0.1.0.tgz"]; !ok {
		t.Fatal("the dependency is missing")
	}
	if _, err := (&Fetcher{}).FetchChart(context.Background(), filepath.Join(chartsDir, "redis"), &v1alpha1.HelmOptions{Chart: ref, Version: "1.0.0"}); err == nil ||
		!strings.Contains(err.Error(), "certificate") {
		t.Fatalf("without insecureSkipTLSVerify: err = %v, want a certificate error", err)
	}
}

// TestRegistryCredentialIsForOneHost: the OCI client gets the credentials for the chart's
// registry only (Docker Hub's docker.io is served from registry-1.docker.io).
func TestRegistryCredentialIsForOneHost(t *testing.T) {
	a := &Auth{Username: "u", Password: "p"}
	for _, tt := range []struct {
		host, asked string
		want        bool
	}{
		{"registry.example.com:5000", "registry.example.com:5000", true},
		{"registry.example.com:5000", "other.example.com:5000", false},
		{"docker.io", "registry-1.docker.io", true},
		{"docker.io", "ghcr.io", false},
	} {
		cred, err := registryCredential(a, tt.host)(context.Background(), tt.asked)
		if err != nil {
			t.Fatal(err)
		}
		if got := cred.Username == "u"; got != tt.want {
			t.Errorf("credential for %s asked as %s: %t, want %t", tt.host, tt.asked, got, tt.want)
		}
	}
	if cred, _ := registryCredential(nil, "x")(context.Background(), "x"); cred.Username != "" {
		t.Error("credentials without an Auth")
	}
}

// TestArchiveCredentialsFollowTheirOwnURL: the archive of a chart repository gets the credentials
// only when Auth allows its own URL (a path-scoped rule), not because the index was allowed.
func TestArchiveCredentialsFollowTheirOwnURL(t *testing.T) {
	repo := chartserver.NewRepo(t, filepath.Join(chartsDir, "guestbook"))
	repo.RequireBasicAuth("reader", "s3cret-repo")
	indexOnly := &Fetcher{Auth: func(_, url string) *Auth {
		if url == repo.URL {
			return &Auth{Username: "reader", Password: "s3cret-repo"}
		}
		return nil
	}}
	_, err := indexOnly.FetchChart(context.Background(), filepath.Join(chartsDir, "redis"), &v1alpha1.HelmOptions{Repo: repo.URL, Chart: "guestbook", Version: "0.0.1"})
	if err == nil || !strings.Contains(err.Error(), "guestbook-0.0.1.tgz") || !strings.Contains(err.Error(), "401") {
		t.Fatalf("err = %v; want the archive download refused without credentials", err)
	}
}

// appWithOCIDependency writes chart app 1.0.0 depending on redis 0.1.0 at oci://host/deps, without
// the dependency in charts/, and returns its directory.
func appWithOCIDependency(t *testing.T, host string) string {
	t.Helper()
	app := filepath.Join(t.TempDir(), "app")
	chartserver.WriteTree(t, app, map[string]string{
		"Chart.yaml":        "apiVersion: v2\nname: app\nversion: 1.0.0\ndependencies:\n- name: redis\n  version: 0.1.0\n  repository: oci://" + host + "/deps\n",
		"templates/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\n",
	})
	return app
}

// TestNoDockerConfigFallback: the credentials of the server's user for a registry
// (~/.docker/config.json, here through DOCKER_CONFIG) are never used for a chart: a repository
// could name that registry.
func TestNoDockerConfigFallback(t *testing.T) {
	reg := chartserver.NewRegistry(t, "charts", filepath.Join(chartsDir, "guestbook"))
	reg.RequireBasicAuth("puller", "s3cret-docker")
	dockerDir := t.TempDir()
	chartserver.WriteTree(t, dockerDir, map[string]string{"config.json": `{"auths":{"` + reg.Host + `":{"auth":"` +
		base64.StdEncoding.EncodeToString([]byte("puller:s3cret-docker")) + `"}}}`})
	t.Setenv("DOCKER_CONFIG", dockerDir)
	_, err := (&Fetcher{}).FetchChart(context.Background(), filepath.Join(chartsDir, "redis"),
		&v1alpha1.HelmOptions{Chart: "oci://" + reg.Host + "/charts/guestbook", Version: "0.0.1"})
	if !errors.Is(err, bundlereader.ErrChartUnavailable) {
		t.Fatalf("err = %v; want the registry to refuse the request (no credentials from the Docker config)", err)
	}
}
