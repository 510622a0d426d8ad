package gitops

import (
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"

	"github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
	"github.com/fleetapi/fleet/pkg/bundlereader/helmchart/chartserver"
	"github.com/fleetapi/fleet/pkg/gitops"
	"github.com/fleetapi/fleet/test/framework"
	"github.com/fleetapi/fleet/test/gitserver"
)

// TestRemoteChartsInGitRepos: a fleet.yaml naming a chart in a chart repository gets the chart into
// its Bundle, as `fleet apply` does; a fleet.yaml pointing a local chart outside the repository
// (../../ up into the server's file system) or a values file outside it is refused as InvalidBundle
// and reads nothing.
func TestRemoteChartsInGitRepos(t *testing.T) {
	e := newEnv(t)
	charts := filepath.Join(framework.RepoRoot(), "test", "fixtures", "charts")
	chartRepo := chartserver.NewRepo(t, filepath.Join(charts, "guestbook"))
	git := gitserver.NewHTTP(t)
	repo := git.NewRepo(t, "charts")
	repo.Commit("remote chart", map[string]string{
		"remote/fleet.yaml": "helm:\n  repo: " + chartRepo.URL + "\n  chart: guestbook\n  version: 0.0.1\n",
	})
	e.createGitRepo("charts", v1alpha1.GitRepoSpec{Repo: repo.URL, Branch: "main", Paths: []string{"remote"}})
	b := e.waitBundles("charts", "charts-remote")["charts-remote"]
	found := false
	for _, r := range b.Spec.Resources {
		found = found || strings.HasSuffix(r.Name, "guestbook/Chart.yaml")
	}
	if !found {
		t.Fatalf("the chart's files must be in the Bundle; resources: %d", len(b.Spec.Resources))
	}

	escape := "helm:\n  chart: ../../../../../../../../../../" + strings.TrimPrefix(charts, "/") + "/guestbook\n"
	repo.Commit("escape", map[string]string{"remote/fleet.yaml": escape})
	c := e.waitCondition("charts", v1alpha1.ConditionReady, "False", gitops.ReasonInvalidBundle)
	if !strings.Contains(c.Message, "inside the repository") || !strings.Contains(c.Message, "remote") {
		t.Fatalf("Ready message must refuse the chart outside the repository and name the bundle: %q", c.Message)
	}

	// A values file outside the repository: the server's own admin kubeconfig is YAML.
	kubeconfig := "../../../../../../../../../../" + strings.TrimPrefix(e.srv.Kubeconfig, "/")
	repo.Commit("values escape", map[string]string{"remote/fleet.yaml": "helm:\n  chart: ./chart\n  valuesFiles: [" + kubeconfig + "]\n",
		"remote/chart/Chart.yaml": "apiVersion: v2\nname: c\nversion: 0.1.0\n"})
	e.waitFor("values file refused", func() (bool, error) {
		c := condition(e.gitRepo("charts"), v1alpha1.ConditionReady)
		return c.Reason == gitops.ReasonInvalidBundle && strings.Contains(c.Message, "valuesFiles"), nil
	}, func() string { return e.describe("charts") })
	if c := condition(e.gitRepo("charts"), v1alpha1.ConditionReady); !strings.Contains(c.Message, "inside the repository") || strings.Contains(c.Message, "token") {
		t.Fatalf("Ready message: %q", c.Message)
	}
}

// TestPrivateChartsFromHelmSecrets: charts from a repository that requires basic auth reach the
// Bundles with the credentials of spec.helmSecretName (for every bundle) or
// spec.helmSecretNameForPaths (per bundle path), sent only where spec.helmRepoURLRegex allows. A
// missing Secret, or credentials for another path, show in the status and are retried: creating
// or fixing the Secret is enough. Behind the real kube-apiserver, where the Secrets are.
func TestPrivateChartsFromHelmSecrets(t *testing.T) {
	e := newClusterEnv(t)
	const password = "ch4rt-pa55"
	charts := filepath.Join(framework.RepoRoot(), "test", "fixtures", "charts")
	chartRepo := chartserver.NewRepo(t, filepath.Join(charts, "guestbook"))
	chartRepo.RequireBasicAuth("reader", password)
	git := gitserver.NewHTTP(t)
	repo := git.NewRepo(t, "private-charts")
	private := "helm:\n  repo: " + chartRepo.URL + "\n  chart: guestbook\n  version: 0.0.1\n"
	repo.Commit("two apps with a private chart", map[string]string{"apps/one/fleet.yaml": private, "apps/two/fleet.yaml": private})
	regex := "^" + regexp.QuoteMeta(chartRepo.URL) + "(/|$)"
	hasChart := func(b v1alpha1.Bundle) bool {
		for _, r := range b.Spec.Resources {
			if strings.HasSuffix(r.Name, "guestbook/Chart.yaml") {
				return true
			}
		}
		return false
	}

	t.Run("helmSecretName, created after the GitRepo", func(t *testing.T) {
		e := e.with(t)
		e.createGitRepo("all", v1alpha1.GitRepoSpec{Repo: repo.URL, Branch: "main", Paths: []string{"apps"},
			HelmSecretName: "chart-creds", HelmRepoURLRegex: regex})
		c := e.waitCondition("all", v1alpha1.ConditionAccepted, "False", gitops.ReasonCredentialsUnavailable)
		if !strings.Contains(c.Message, `helmSecretName "chart-creds"`) {
			t.Fatalf("Accepted message must name the Secret: %q", c.Message)
		}
		e.createSecret("chart-creds", corev1.SecretTypeBasicAuth, map[string][]byte{"username": []byte("reader"), "password": []byte(password)})
		for name, b := range e.waitBundles("all", "all-apps-one,all-apps-two") {
			if !hasChart(b) {
				t.Errorf("bundle %s does not hold the private chart", name)
			}
		}
		e.assertNoSecrets("all", []string{password})
	})

	t.Run("helmSecretNameForPaths, one path missing until the Secret is fixed", func(t *testing.T) {
		e := e.with(t)
		entry := func(p string) string { return p + ":\n  username: reader\n  password: " + password + "\n" }
		e.createSecret("by-path", corev1.SecretTypeOpaque, map[string][]byte{gitops.HelmSecretsPathKey: []byte(entry("apps/one"))})
		e.createGitRepo("paths", v1alpha1.GitRepoSpec{Repo: repo.URL, Branch: "main", Paths: []string{"apps"},
			HelmSecretNameForPaths: "by-path", HelmRepoURLRegex: regex})
		c := e.waitCondition("paths", v1alpha1.ConditionReady, "False", gitops.ReasonChartUnavailable)
		if !strings.Contains(c.Message, "apps/two") {
			t.Fatalf("Ready message must name the bundle whose chart was refused: %q", c.Message)
		}
		e.updateSecret("by-path", map[string][]byte{gitops.HelmSecretsPathKey: []byte(entry("apps/one") + entry("apps/*"))})
		for name, b := range e.waitBundles("paths", "paths-apps-one,paths-apps-two") {
			if !hasChart(b) {
				t.Errorf("bundle %s does not hold the private chart", name)
			}
		}
		e.assertNoSecrets("paths", []string{password})
	})

	t.Run("the regex does not allow the chart repository", func(t *testing.T) {
		e := e.with(t)
		e.createSecret("elsewhere", corev1.SecretTypeBasicAuth, map[string][]byte{"username": []byte("reader"), "password": []byte(password)})
		e.createGitRepo("elsewhere", v1alpha1.GitRepoSpec{Repo: repo.URL, Branch: "main", Paths: []string{"apps"},
			HelmSecretName: "elsewhere", HelmRepoURLRegex: `^https://charts\.example\.com/`})
		c := e.waitCondition("elsewhere", v1alpha1.ConditionReady, "False", gitops.ReasonChartUnavailable)
		if !strings.Contains(c.Message, "helmRepoURLRegex does not match") {
			t.Fatalf("Ready message must say the credentials were withheld: %q", c.Message)
		}
		if n := len(e.bundles("elsewhere")); n != 0 {
			t.Fatalf("%d bundles created", n)
		}
	})
}

// TestDrivenScanInGitRepos: spec.bundles lists the bundles (base, and an options file relative to
// it); the options file's name is part of the bundle name, so one base can be listed once per
// environment. Nothing else of the repository becomes a Bundle.
func TestDrivenScanInGitRepos(t *testing.T) {
	e := newEnv(t)
	git := gitserver.NewHTTP(t)
	repo := git.NewRepo(t, "driven")
	repo.Commit("driven layout", map[string]string{
		"driven/simple/cm.yaml":       cm,
		"driven/kustomize/cm.yaml":    cm,
		"driven/kustomize/dev.yaml":   "defaultNamespace: dev\n",
		"driven/kustomize/prod.yaml":  "defaultNamespace: prod\n",
		"driven/kustomize/fleet.yaml": "defaultNamespace: unused\n",
		"other/cm.yaml":               cm,
	})
	e.createGitRepo("driven", v1alpha1.GitRepoSpec{Repo: repo.URL, Branch: "main", Bundles: []v1alpha1.BundlePath{
		{Base: "driven/simple"}, {Base: "driven/kustomize", Options: "dev.yaml"}, {Base: "driven/kustomize", Options: "prod.yaml"},
	}})
	got := e.waitBundles("driven", "driven-driven-kustomize-dev,driven-driven-kustomize-prod,driven-driven-simple")
	for name, want := range map[string]string{"driven-driven-kustomize-dev": "dev", "driven-driven-kustomize-prod": "prod", "driven-driven-simple": ""} {
		if ns := got[name].Spec.DefaultNamespace; ns != want {
			t.Errorf("%s: defaultNamespace %q, want %q (from its options file)", name, ns, want)
		}
	}
}
