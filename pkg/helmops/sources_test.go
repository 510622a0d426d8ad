package helmops

import (
	"context"
	"encoding/pem"
	"errors"
	"net"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fleetapi/fleet/pkg/bundlereader/helmchart/chartserver"
)

// assertReason fails unless err is a classified repository error with reason.
func assertReason(t *testing.T, err error, reason string) {
	t.Helper()
	var re *RepositoryError
	if !errors.As(err, &re) || re.Reason != reason {
		t.Fatalf("err = %v, want a RepositoryError with reason %s", err, reason)
	}
}

func TestSourceIsSharedCachedAndSeesNewVersions(t *testing.T) {
	repo := chartserver.NewRepo(t, chartserver.MinimalChart(t, "app", "1.0.0"), chartserver.MinimalChart(t, "other", "0.1.0"))
	ss, c := newFakeSources(time.Minute)
	a, b := ss.For(repo.URL, Credentials{}), ss.For(repo.URL, Credentials{})
	if a != b || ss.Len() != 1 {
		t.Fatalf("HelmOps on one repository must share a source: %p %p, pool %d", a, b, ss.Len())
	}
	if other := ss.For(repo.URL, Credentials{Username: "u", Password: "p"}); other == a {
		t.Fatal("other credentials must get another source")
	}
	for range 3 {
		charts, err := a.Charts(context.Background(), 10*time.Second, time.Second)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(charts["app"], []string{"1.0.0"}) || !slices.Equal(charts["other"], []string{"0.1.0"}) {
			t.Fatalf("charts = %v", charts)
		}
	}
	if n := repo.IndexRequests(); n != 1 {
		t.Fatalf("3 calls within maxAge read index.yaml %d times, want 1", n)
	}
	repo.Add(t, chartserver.MinimalChart(t, "app", "1.0.1"))
	c.Step(11 * time.Second)
	charts, err := a.Charts(context.Background(), 10*time.Second, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := ResolveVersion("", charts["app"]); got != "1.0.1" || repo.IndexRequests() != 2 {
		t.Fatalf("after maxAge: versions %v (%d index reads), want 1.0.1 published", charts["app"], repo.IndexRequests())
	}
}

func TestSourceBacksOffExponentiallyUpToTheCap(t *testing.T) {
	// A port nobody listens on: connection refused.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + l.Addr().String()
	_ = l.Close()
	ss, c := newFakeSources(8 * time.Second)
	s := ss.For(url, Credentials{})
	start := c.Now()
	var waits []time.Duration
	for range 5 {
		_, err := s.Charts(context.Background(), time.Second, time.Second)
		var be *BackoffError
		if !errors.As(err, &be) {
			t.Fatalf("err = %v, want a BackoffError", err)
		}
		assertReason(t, err, ReasonRepositoryUnreachable)
		if !strings.Contains(err.Error(), "consecutive failures, next attempt at") {
			t.Fatalf("the backoff must be visible in the message: %v", err)
		}
		// Before the backoff ends, no request is made.
		c.Step(be.NextAttempt.Sub(c.Now()) - time.Millisecond)
		if _, err := s.Charts(context.Background(), time.Second, time.Second); !errors.As(err, &be) {
			t.Fatalf("err = %v during backoff", err)
		}
		waits = append(waits, be.NextAttempt.Sub(s.Attempts()[len(s.Attempts())-1]))
		c.Step(time.Millisecond)
	}
	want := []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 8 * time.Second}
	if !slices.Equal(waits, want) {
		t.Fatalf("backoff = %v, want %v", waits, want)
	}
	if n := len(s.Attempts()); n != 5 {
		t.Fatalf("%d requests in %v, want 5 (none during a backoff)", n, c.Since(start))
	}
}

func TestSourceClassifiesFailures(t *testing.T) {
	repo := chartserver.NewRepo(t, chartserver.MinimalChart(t, "app", "1.0.0"))
	repo.RequireBasicAuth("fleet", "s3cret-pw")
	reg := chartserver.NewRegistry(t, "charts", chartserver.MinimalChart(t, "app", "1.0.0"), chartserver.MinimalChart(t, "app", "1.1.0+build.1"))
	authReg := chartserver.NewRegistry(t, "charts", chartserver.MinimalChart(t, "app", "2.0.0"))
	authReg.RequireBasicAuth("fleet", "s3cret-pw")
	good := Credentials{Username: "fleet", Password: "s3cret-pw"}
	tests := []struct {
		name       string
		repo       string
		creds      Credentials
		wantReason string
		want       []string
	}{
		{name: "repository with credentials", repo: repo.URL, creds: good, want: []string{"1.0.0"}},
		{name: "repository without credentials", repo: repo.URL, wantReason: ReasonAuthenticationFailed},
		{name: "repository with a wrong password", repo: repo.URL, creds: Credentials{Username: "fleet", Password: "wrong-pw"}, wantReason: ReasonAuthenticationFailed},
		{name: "no index at that path", repo: repo.URL + "/nope", creds: good, wantReason: ReasonRepositoryUnreachable},
		{name: "not a URL", repo: "ftp://example.com/charts", wantReason: ReasonInvalidSpec},
		{name: "OCI tags, build metadata restored", repo: "oci://" + reg.Host + "/charts/app", want: []string{"1.0.0", "1.1.0+build.1"}},
		{name: "OCI repository that does not exist", repo: "oci://" + reg.Host + "/charts/nope", wantReason: ReasonChartNotFound},
		{name: "OCI with credentials", repo: "oci://" + authReg.Host + "/charts/app", creds: good, want: []string{"2.0.0"}},
		{name: "OCI without credentials", repo: "oci://" + authReg.Host + "/charts/app", wantReason: ReasonAuthenticationFailed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ss, _ := newFakeSources(time.Minute)
			charts, err := ss.For(tt.repo, tt.creds).Charts(context.Background(), time.Second, time.Second)
			if tt.wantReason != "" {
				assertReason(t, err, tt.wantReason)
				if strings.Contains(err.Error(), "pw") {
					t.Fatalf("a password leaked into the error: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			key := "app"
			if isOCI(tt.repo) {
				key = ""
			}
			got := slices.Sorted(slices.Values(charts[key]))
			if !slices.Equal(got, tt.want) {
				t.Fatalf("versions = %v, want %v", got, tt.want)
			}
		})
	}
}

// TestSourceErrorsHideTokens: a repository URL carrying a token as the user name, as a password or
// in the query names the repository with *** in the error of a failed read (url.URL.Redacted, used
// before, showed the user name).
func TestSourceErrorsHideTokens(t *testing.T) {
	repo := chartserver.NewRepo(t, chartserver.MinimalChart(t, "app", "1.0.0"))
	repo.RequireBasicAuth("fleet", "s3cret-pw")
	host := strings.TrimPrefix(repo.URL, "http://")
	reg := chartserver.NewRegistry(t, "charts", chartserver.MinimalChart(t, "app", "2.0.0"))
	reg.RequireBasicAuth("fleet", "s3cret-pw")
	const token = "glpat-T0kenT0ken"
	for _, u := range []string{
		"http://" + token + "@" + host,
		"http://oauth2:" + token + "@" + host,
		repo.URL + "?private_token=" + token,
		"oci://" + token + "@" + reg.Host + "/charts/app",
	} {
		ss, _ := newFakeSources(time.Minute)
		_, err := ss.For(u, Credentials{}).Charts(context.Background(), time.Second, time.Second)
		if err == nil || strings.Contains(err.Error(), token) || !strings.Contains(err.Error(), "***") {
			t.Errorf("reading %s: err = %v, want a failure naming the repository with ***", u, err)
		}
	}
}

func TestSourceTLS(t *testing.T) {
	repo := chartserver.NewRepo(t, chartserver.MinimalChart(t, "app", "1.0.0"))
	target, err := url.Parse(repo.URL)
	if err != nil {
		t.Fatal(err)
	}
	tlsRepo := httptest.NewTLSServer(httputil.NewSingleHostReverseProxy(target))
	t.Cleanup(tlsRepo.Close)
	ca := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: tlsRepo.Certificate().Raw})
	tests := []struct {
		name       string
		creds      Credentials
		wantReason string
	}{
		{name: "unknown certificate authority", wantReason: ReasonRepositoryUnreachable},
		{name: "insecureSkipTLSVerify", creds: Credentials{InsecureSkipTLS: true}},
		{name: "cacerts of the secret", creds: Credentials{CABundle: ca}},
		{name: "cacerts that are not PEM", creds: Credentials{CABundle: []byte("nope")}, wantReason: ReasonCredentialsUnavailable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ss, _ := newFakeSources(time.Minute)
			charts, err := ss.For(tlsRepo.URL, tt.creds).Charts(context.Background(), time.Second, time.Second)
			if tt.wantReason != "" {
				assertReason(t, err, tt.wantReason)
				return
			}
			if err != nil || !slices.Equal(charts["app"], []string{"1.0.0"}) {
				t.Fatalf("charts %v, err %v", charts, err)
			}
		})
	}
}
