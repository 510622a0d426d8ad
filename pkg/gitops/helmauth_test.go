package gitops

import (
	"context"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	clocktesting "k8s.io/utils/clock/testing"

	"github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
	"github.com/fleetapi/fleet/pkg/bundlereader/helmchart"
	"github.com/fleetapi/fleet/pkg/bundlereader/helmchart/chartserver"
	"github.com/fleetapi/fleet/pkg/controller"
	"github.com/fleetapi/fleet/pkg/manifest"
	"github.com/fleetapi/fleet/test/gitserver"
)

const chartFixtures = "../../test/fixtures/charts"

func helmGitRepo(mutate func(*v1alpha1.GitRepoSpec)) *v1alpha1.GitRepo {
	gr := &v1alpha1.GitRepo{ObjectMeta: metav1.ObjectMeta{Name: "r", Namespace: "ns"}, Spec: v1alpha1.GitRepoSpec{Repo: httpsURL}}
	mutate(&gr.Spec)
	return gr
}

// TestResolveHelmCredentials: which Secrets and specs give chart credentials, and how the others
// are refused (never with a value in the message).
func TestResolveHelmCredentials(t *testing.T) {
	tlsServer := httptest.NewTLSServer(http.NotFoundHandler())
	tlsServer.Close()
	caPEM := string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: tlsServer.Certificate().Raw}))
	caB64 := base64.StdEncoding.EncodeToString([]byte(caPEM))
	secrets := fakeSecrets{secrets: map[string]*corev1.Secret{}}
	for _, s := range []*corev1.Secret{
		secret("helm", corev1.SecretTypeBasicAuth, map[string]string{"username": "reader", "password": testPassword}),
		secret("opaque", corev1.SecretTypeOpaque, map[string]string{"username": "reader", "password": testPassword}),
		secret("paths", corev1.SecretTypeOpaque, map[string]string{HelmSecretsPathKey: "apps/one:\n  username: one\n  password: " + testPassword + "\n" +
			"./apps/two/:\n  username: two\n  password: p2\n  caBundle: " + caB64 + "\n  insecureSkipVerify: true\n" +
			"teams/*:\n  username: team\n  password: p3\n"}),
		secret("paths-unknown-key", corev1.SecretTypeOpaque, map[string]string{HelmSecretsPathKey: "apps/one:\n  username: one\n  passwd: " + testPassword + "\n"}),
		secret("paths-missing", corev1.SecretTypeOpaque, map[string]string{"other": "x"}),
		secret("paths-bad-ca", corev1.SecretTypeOpaque, map[string]string{HelmSecretsPathKey: "apps/one:\n  caBundle: " + base64.StdEncoding.EncodeToString([]byte("not PEM")) + "\n"}),
		secret("helm-bad-ca", corev1.SecretTypeBasicAuth, map[string]string{"username": "reader", "password": testPassword, "cacerts": "not PEM"}),
	} {
		secrets.secrets["ns/"+s.Name] = s
	}
	r := &Reconciler{secrets: secrets}
	const regex = `^http://127\.0\.0\.1:\d+`

	t.Run("none", func(t *testing.T) {
		hc, err := r.resolveHelmCredentials(context.Background(), helmGitRepo(func(*v1alpha1.GitRepoSpec) {}))
		if hc != nil || err != nil {
			t.Fatalf("= %v, %v; want nil, nil", hc, err)
		}
	})
	t.Run("helmSecretName for every bundle", func(t *testing.T) {
		hc, err := r.resolveHelmCredentials(context.Background(), helmGitRepo(func(s *v1alpha1.GitRepoSpec) {
			s.HelmSecretName, s.HelmRepoURLRegex = "helm", regex
		}))
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range []string{"", "apps/one", "x/y/z"} {
			if a := hc.ForBundle(p); a == nil || a.Username != "reader" || a.Password != testPassword {
				t.Errorf("forBundle(%q) = %v", p, a)
			}
		}
	})
	t.Run("helmSecretNameForPaths wins, exact paths then patterns", func(t *testing.T) {
		hc, err := r.resolveHelmCredentials(context.Background(), helmGitRepo(func(s *v1alpha1.GitRepoSpec) {
			s.HelmSecretName, s.HelmSecretNameForPaths, s.HelmRepoURLRegex = "helm", "paths", regex
		}))
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]string{"apps/one": "one", "./apps/one/": "one", "apps/two": "two", "teams/blue": "team", "teams/blue/x": "", "apps/three": "", "": ""}
		for p, user := range want {
			a := hc.ForBundle(p)
			switch {
			case user == "" && a != nil:
				t.Errorf("forBundle(%q) = %v, want none", p, a)
			case user != "" && (a == nil || a.Username != user):
				t.Errorf("forBundle(%q) = %v, want %s's", p, a, user)
			}
		}
		if a := hc.ForBundle("apps/two"); string(a.CABundle) != caPEM || !a.InsecureSkipTLSVerify {
			t.Errorf("apps/two: caBundle %q (base64 in the YAML), insecureSkipVerify %t", a.CABundle, a.InsecureSkipTLSVerify)
		}
	})
	refused := []struct {
		name   string
		spec   func(*v1alpha1.GitRepoSpec)
		reason string
		msg    string
	}{
		{"no regex", func(s *v1alpha1.GitRepoSpec) { s.HelmSecretName = "helm" }, ReasonInvalidSpec, "helmRepoURLRegex is empty"},
		{"bad regex", func(s *v1alpha1.GitRepoSpec) { s.HelmSecretName, s.HelmRepoURLRegex = "helm", "(" }, ReasonInvalidSpec, "helmRepoURLRegex"},
		{"missing Secret", func(s *v1alpha1.GitRepoSpec) { s.HelmSecretName, s.HelmRepoURLRegex = "nope", regex }, ReasonCredentialsUnavailable, `helmSecretName "nope": secret ns/nope not found`},
		{"Opaque Secret", func(s *v1alpha1.GitRepoSpec) { s.HelmSecretName, s.HelmRepoURLRegex = "opaque", regex }, ReasonCredentialsUnavailable, `only Secrets of type "kubernetes.io/basic-auth"`},
		{"no secrets-path.yaml", func(s *v1alpha1.GitRepoSpec) { s.HelmSecretNameForPaths, s.HelmRepoURLRegex = "paths-missing", regex }, ReasonCredentialsUnavailable, `no key "secrets-path.yaml"`},
		{"caBundle that is not PEM", func(s *v1alpha1.GitRepoSpec) { s.HelmSecretNameForPaths, s.HelmRepoURLRegex = "paths-bad-ca", regex }, ReasonCredentialsUnavailable, `entry "apps/one": caBundle: the CA bundle holds no PEM certificate`},
		{"cacerts that is not PEM", func(s *v1alpha1.GitRepoSpec) { s.HelmSecretName, s.HelmRepoURLRegex = "helm-bad-ca", regex }, ReasonCredentialsUnavailable, `key "cacerts": the CA bundle holds no PEM certificate`},
		{"unknown field", func(s *v1alpha1.GitRepoSpec) {
			s.HelmSecretNameForPaths, s.HelmRepoURLRegex = "paths-unknown-key", regex
		}, ReasonCredentialsUnavailable, `passwd`},
	}
	for _, tt := range refused {
		t.Run(tt.name, func(t *testing.T) {
			_, err := r.resolveHelmCredentials(context.Background(), helmGitRepo(tt.spec))
			if !controller.IsStalling(err) || controller.ReasonOf(err) != tt.reason || !strings.Contains(err.Error(), tt.msg) {
				t.Fatalf("err = %v; want a stalling %s error containing %q", err, tt.reason, tt.msg)
			}
			if strings.Contains(err.Error(), testPassword) {
				t.Fatalf("the message shows a password: %v", err)
			}
		})
	}
	t.Run("standalone", func(t *testing.T) {
		r := &Reconciler{secrets: controller.NoSecrets{}}
		_, err := r.resolveHelmCredentials(context.Background(), helmGitRepo(func(s *v1alpha1.GitRepoSpec) { s.HelmSecretName, s.HelmRepoURLRegex = "helm", regex }))
		if controller.ReasonOf(err) != ReasonCredentialsUnavailable || !errors.Is(err, controller.ErrNoSecretsAPI) {
			t.Fatalf("err = %v", err)
		}
	})
}

// TestPrivateChartsOfACommit: a commit whose bundles use charts from a repository that requires
// basic auth is read with the credentials of its path; without them, or when helmRepoURLRegex
// does not allow the repository, the commit is Waiting (retried), not Stalled, and the message
// says why.
func TestPrivateChartsOfACommit(t *testing.T) {
	repo := chartserver.NewRepo(t, filepath.Join(chartFixtures, "guestbook"))
	repo.RequireBasicAuth("reader", testPassword)
	dir := t.TempDir()
	for _, app := range []string{"apps/one", "apps/two"} {
		writeFile(t, filepath.Join(dir, app, "fleet.yaml"), "helm:\n  repo: "+repo.URL+"\n  chart: guestbook\n  version: 0.0.1\n")
	}
	gr := helmGitRepo(func(s *v1alpha1.GitRepoSpec) { s.Paths = []string{"apps"} })
	read := func(hc *helmchart.Credentials) ([]*v1alpha1.Bundle, error) {
		return readBundles(context.Background(), gr, dir, "0123456789abcdef", hc, 7*time.Second)
	}

	byPath := map[string]*helmchart.Auth{"apps/one": {Username: "reader", Password: testPassword}, "apps/two": {Username: "reader", Password: testPassword}}
	allowed := &helmchart.Credentials{URLRegex: mustRegexp(t, `^http://127\.0\.0\.1:\d+`), ByPath: byPath}
	bundles, err := read(allowed)
	if err != nil {
		t.Fatal(err)
	}
	if len(bundles) != 2 {
		t.Fatalf("%d bundles, want 2", len(bundles))
	}
	for _, b := range bundles {
		found := false
		for _, r := range b.Spec.Resources {
			found = found || r.Name == manifest.ChartPath(b.Spec.Helm)+"/guestbook/Chart.yaml"
		}
		if !found {
			t.Errorf("bundle %s does not hold the downloaded chart", b.Name)
		}
	}

	onlyOne := &helmchart.Credentials{URLRegex: allowed.URLRegex, ByPath: map[string]*helmchart.Auth{"apps/one": byPath["apps/one"]}}
	notAllowed := &helmchart.Credentials{URLRegex: mustRegexp(t, `^https://charts\.example\.com/`), ByPath: byPath}
	for name, tt := range map[string]struct {
		hc  *helmchart.Credentials
		msg string
	}{
		"no credentials":                   {nil, "apps/"},
		"credentials for another path":     {onlyOne, "apps/two"},
		"the regex does not allow the URL": {notAllowed, "Helm credentials were not sent to " + repo.URL + ": helmRepoURLRegex does not match"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := read(tt.hc)
			var w *controller.Waiting
			if !errors.As(err, &w) || controller.ReasonOf(err) != ReasonChartUnavailable || w.RequeueAfter != 7*time.Second {
				t.Fatalf("err = %#v; want Waiting %s retried after the polling interval", err, ReasonChartUnavailable)
			}
			if !strings.Contains(err.Error(), tt.msg) || strings.Contains(err.Error(), dir) || strings.Contains(err.Error(), testPassword) {
				t.Fatalf("message %q: want it to contain %q, and neither the checkout path nor a password", err, tt.msg)
			}
		})
	}
}

// TestDrivenScanOfACommit: spec.bundles builds exactly the listed bundles, with the options file
// relative to base.
func TestDrivenScanOfACommit(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "driven", "simple", "cm.yaml"), configMap)
	writeFile(t, filepath.Join(dir, "driven", "kustomize", "cm.yaml"), configMap)
	writeFile(t, filepath.Join(dir, "driven", "kustomize", "dev.yaml"), "defaultNamespace: dev\n")
	writeFile(t, filepath.Join(dir, "driven", "kustomize", "fleet.yaml"), "defaultNamespace: default-ns\n")
	writeFile(t, filepath.Join(dir, "other", "cm.yaml"), configMap)
	gr := helmGitRepo(func(s *v1alpha1.GitRepoSpec) {
		s.Bundles = []v1alpha1.BundlePath{{Base: "driven/simple"}, {Base: "driven/kustomize", Options: "dev.yaml"}}
	})
	bundles, err := readBundles(context.Background(), gr, dir, "0123456789abcdef", nil, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, b := range bundles {
		got[b.Name] = b.Spec.DefaultNamespace
	}
	if len(got) != 2 || got["r-driven-simple"] != "" {
		t.Fatalf("bundles (name: namespace) = %v; want r-driven-simple and the kustomize one only", got)
	}
	for name, ns := range got {
		if name != "r-driven-simple" && ns != "dev" {
			t.Errorf("bundle %s has namespace %q; want dev from the options file dev.yaml", name, ns)
		}
	}
	gr.Spec.Bundles = []v1alpha1.BundlePath{{Base: "driven/missing"}}
	if _, err := readBundles(context.Background(), gr, dir, "0123456789abcdef", nil, time.Second); !controller.IsStalling(err) ||
		!strings.Contains(err.Error(), "driven/missing") || strings.Contains(err.Error(), dir) {
		t.Fatalf("a missing base: err = %v; want a stalling error naming driven/missing relative to the repository", err)
	}
}

func mustRegexp(t *testing.T, s string) *regexp.Regexp {
	t.Helper()
	re, err := regexp.Compile(s)
	if err != nil {
		t.Fatal(err)
	}
	return re
}

// TestDrivenPathsStayInTheCheckout: spec.bundles entries that the API would refuse (a GitRepo stored
// before the validation existed) cannot name a directory outside the checkout.
func TestDrivenPathsStayInTheCheckout(t *testing.T) {
	dir := t.TempDir()
	for _, b := range []v1alpha1.BundlePath{{Base: "..:"}, {Base: "a:b"}, {Base: ""}} {
		if _, err := drivenPaths(dir, []v1alpha1.BundlePath{b}); err == nil {
			t.Errorf("base %q accepted", b.Base)
		}
	}
	got, err := drivenPaths(dir, []v1alpha1.BundlePath{{Base: "../../etc", Options: "../../passwd"}, {Base: "/abs/x"}})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{filepath.Join(dir, "etc") + ":passwd", filepath.Join(dir, "abs", "x")}; strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("drivenPaths = %v, want %v (cleaned under the checkout)", got, want)
	}
}

// TestChartUnavailableBacksOff: a commit whose chart cannot be downloaded is retried after the
// polling interval, then twice as long each time; the polls (and webhooks) in between get the
// failure back without downloading; a new commit, or a success, starts again from the interval.
func TestChartUnavailableBacksOff(t *testing.T) {
	clk := clocktesting.NewFakeClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	r := &Reconciler{clock: clk}
	key := types.NamespacedName{Namespace: "ns", Name: "r"}
	s := &syncState{GitRepo: helmGitRepo(func(*v1alpha1.GitRepoSpec) {}), interval: 10 * time.Second, target: target{commit: "c1"}}
	fail := controller.NewWaiting(ReasonChartUnavailable, errors.New("401"), s.interval)
	requeue := func(err error) time.Duration {
		t.Helper()
		var w *controller.Waiting
		if !errors.As(err, &w) || w.Reason != ReasonChartUnavailable {
			t.Fatalf("err = %v, want Waiting %s", err, ReasonChartUnavailable)
		}
		return w.RequeueAfter
	}
	var delays []time.Duration
	for range 4 {
		if err := r.chartWait(key, s); err != nil {
			t.Fatalf("attempt due, but chartWait = %v", err)
		}
		d := requeue(r.chartBackoff(key, s, fail))
		delays = append(delays, d)
		// A poll half-way: the failure again, with the time left, and no attempt.
		clk.Step(d / 2)
		if left := requeue(r.chartWait(key, s)); left != d-d/2 {
			t.Fatalf("half-way through %v: retry in %v, want %v", d, left, d-d/2)
		}
		clk.Step(d - d/2)
	}
	if got := fmt.Sprint(delays); got != "[10s 20s 40s 1m20s]" {
		t.Fatalf("delays %s", got)
	}
	s.target.commit = "c2"
	if err := r.chartWait(key, s); err != nil {
		t.Fatalf("a new commit waits: %v", err)
	}
	if d := requeue(r.chartBackoff(key, s, fail)); d != 10*time.Second {
		t.Fatalf("a new commit: delay %s, want the polling interval", d)
	}
	r.forget(key)
	if err := r.chartWait(key, s); err != nil {
		t.Fatalf("after a success: %v", err)
	}
}

// TestSyncWaitsForTheChartBackoff: while a commit's chart backoff runs, the sync step returns the
// failure without cloning (the repository sees no request).
func TestSyncWaitsForTheChartBackoff(t *testing.T) {
	srv := gitserver.NewHTTP(t)
	repo := srv.NewRepo(t, "charts")
	commit := repo.Commit("one", map[string]string{"app/fleet.yaml": "helm:\n  chart: oci://127.0.0.1:1/x\n"})
	clk := clocktesting.NewFakeClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	r := &Reconciler{clock: clk, failed: map[types.NamespacedName]failedSync{}}
	s := &syncState{GitRepo: helmGitRepo(func(sp *v1alpha1.GitRepoSpec) { sp.Repo = repo.URL }), interval: 10 * time.Second,
		target: target{ref: "refs/heads/main", commit: commit}}
	_ = r.chartBackoff(types.NamespacedName{Namespace: "ns", Name: "r"}, s,
		controller.NewWaiting(ReasonChartUnavailable, errors.New("503"), s.interval))
	clk.Step(3 * time.Second)
	_, err := r.sync(context.Background(), s)
	var w *controller.Waiting
	if !errors.As(err, &w) || w.Reason != ReasonChartUnavailable || w.RequeueAfter != 7*time.Second {
		t.Fatalf("sync = %v; want the chart failure again, due in 7s", err)
	}
	if n := len(srv.RefAdvertisements("charts")); n != 0 {
		t.Fatalf("the repository saw %d requests during the backoff", n)
	}
}
