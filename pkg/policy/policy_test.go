package policy

import (
	"errors"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
)

func restriction(name string, mod func(*v1alpha1.GitRepoRestriction)) *v1alpha1.GitRepoRestriction {
	r := &v1alpha1.GitRepoRestriction{ObjectMeta: metav1.ObjectMeta{Name: name}}
	mod(r)
	return r
}

func policy(name string, mod func(*v1alpha1.Policy)) *v1alpha1.Policy {
	p := &v1alpha1.Policy{ObjectMeta: metav1.ObjectMeta{Name: name}}
	mod(p)
	return p
}

func TestForGitRepo(t *testing.T) {
	const repo = "https://git.example.com/acme/apps.git"
	tests := []struct {
		name         string
		spec         v1alpha1.GitRepoSpec
		restrictions []*v1alpha1.GitRepoRestriction
		policies     []*v1alpha1.Policy
		want         Effective
		wantErr      string // substring; "" for success
	}{
		{name: "nothing restricts", spec: v1alpha1.GitRepoSpec{Repo: repo, ServiceAccount: "sa"}, want: Effective{ServiceAccount: "sa"}},
		{
			name: "repo matches a pattern in full",
			spec: v1alpha1.GitRepoSpec{Repo: repo},
			restrictions: []*v1alpha1.GitRepoRestriction{restriction("r", func(r *v1alpha1.GitRepoRestriction) {
				r.AllowedRepoPatterns = []string{`https://git\.example\.com/acme/.*`}
			})},
		},
		{
			name: "repo matching only a part of a pattern is refused",
			spec: v1alpha1.GitRepoSpec{Repo: "https://evil.example/https://git.example.com/acme/x"},
			restrictions: []*v1alpha1.GitRepoRestriction{restriction("r", func(r *v1alpha1.GitRepoRestriction) {
				r.AllowedRepoPatterns = []string{`https://git\.example\.com/acme/.*`}
			})},
			wantErr: `matches no allowed repo pattern`,
		},
		{
			name: "patterns of several restrictions are a union",
			spec: v1alpha1.GitRepoSpec{Repo: repo},
			restrictions: []*v1alpha1.GitRepoRestriction{
				restriction("a", func(r *v1alpha1.GitRepoRestriction) { r.AllowedRepoPatterns = []string{"https://other/.*"} }),
				restriction("b", func(r *v1alpha1.GitRepoRestriction) { r.AllowedRepoPatterns = []string{repo} }),
			},
		},
		{
			name: "invalid pattern refuses and says so",
			spec: v1alpha1.GitRepoSpec{Repo: repo},
			restrictions: []*v1alpha1.GitRepoRestriction{restriction("r", func(r *v1alpha1.GitRepoRestriction) {
				r.AllowedRepoPatterns = []string{"("}
			})},
			wantErr: `not a valid regular expression`,
		},
		{
			name: "defaults come from the first restriction by name",
			spec: v1alpha1.GitRepoSpec{Repo: repo},
			restrictions: []*v1alpha1.GitRepoRestriction{
				restriction("b", func(r *v1alpha1.GitRepoRestriction) {
					r.DefaultServiceAccount, r.DefaultClientSecretName = "sa-b", "s-b"
				}),
				restriction("a", func(r *v1alpha1.GitRepoRestriction) { r.DefaultServiceAccount = "sa-a" }),
			},
			want: Effective{ServiceAccount: "sa-a", ClientSecretName: "s-b"},
		},
		{
			name: "service account outside the allow-list",
			spec: v1alpha1.GitRepoSpec{Repo: repo, ServiceAccount: "root"},
			restrictions: []*v1alpha1.GitRepoRestriction{restriction("r", func(r *v1alpha1.GitRepoRestriction) {
				r.AllowedServiceAccounts = []string{"deployer"}
			})},
			wantErr: `serviceAccount "root" is not allowed (allowed: deployer) (GitRepoRestriction r)`,
		},
		{
			name: "client secret outside the allow-list",
			spec: v1alpha1.GitRepoSpec{Repo: repo, ClientSecretName: "other-team"},
			restrictions: []*v1alpha1.GitRepoRestriction{restriction("r", func(r *v1alpha1.GitRepoRestriction) {
				r.AllowedClientSecretNames = []string{"ours"}
			})},
			wantErr: `clientSecretName "other-team" is not allowed`,
		},
		{
			name: "target namespace required when restricted",
			spec: v1alpha1.GitRepoSpec{Repo: repo},
			restrictions: []*v1alpha1.GitRepoRestriction{restriction("r", func(r *v1alpha1.GitRepoRestriction) {
				r.AllowedTargetNamespaces = []string{"team-a"}
			})},
			wantErr: `targetNamespace must be set`,
		},
		{
			name: "target namespace outside the list",
			spec: v1alpha1.GitRepoSpec{Repo: repo, TargetNamespace: "kube-system"},
			restrictions: []*v1alpha1.GitRepoRestriction{restriction("r", func(r *v1alpha1.GitRepoRestriction) {
				r.AllowedTargetNamespaces = []string{"team-a"}
			})},
			wantErr: `targetNamespace "kube-system" is not allowed`,
		},
		{
			name: "target namespace left to the agent's selector check",
			spec: v1alpha1.GitRepoSpec{Repo: repo, TargetNamespace: "team-b"},
			restrictions: []*v1alpha1.GitRepoRestriction{restriction("r", func(r *v1alpha1.GitRepoRestriction) {
				r.AllowedTargetNamespaces = []string{"team-a"}
				r.AllowedTargetNamespaceSelector = &metav1.LabelSelector{MatchLabels: map[string]string{"team": "b"}}
			})},
		},
		{
			name:     "policy requires a service account",
			spec:     v1alpha1.GitRepoSpec{Repo: repo},
			policies: []*v1alpha1.Policy{policy("p", func(p *v1alpha1.Policy) { p.RequireServiceAccount = true })},
			wantErr:  `a serviceAccount is required (Policy p)`,
		},
		{
			name: "policy default satisfies the requirement",
			spec: v1alpha1.GitRepoSpec{Repo: repo},
			policies: []*v1alpha1.Policy{policy("p", func(p *v1alpha1.Policy) {
				p.RequireServiceAccount = true
				p.GitRepo = &v1alpha1.GitRepoPolicySpec{DefaultServiceAccount: "deployer", DefaultClientSecretName: "creds"}
			})},
			want: Effective{ServiceAccount: "deployer", ClientSecretName: "creds"},
		},
		{
			name: "policy repo patterns",
			spec: v1alpha1.GitRepoSpec{Repo: repo},
			policies: []*v1alpha1.Policy{policy("p", func(p *v1alpha1.Policy) {
				p.GitRepo = &v1alpha1.GitRepoPolicySpec{AllowedRepoPatterns: []string{"https://github.com/.*"}}
			})},
			wantErr: `matches no allowed repo pattern`,
		},
		{
			name: "restriction then policy: both must pass",
			spec: v1alpha1.GitRepoSpec{Repo: repo},
			restrictions: []*v1alpha1.GitRepoRestriction{restriction("r", func(r *v1alpha1.GitRepoRestriction) {
				r.DefaultServiceAccount = "from-restriction"
			})},
			policies: []*v1alpha1.Policy{policy("p", func(p *v1alpha1.Policy) {
				p.AllowedServiceAccounts = []string{"deployer"}
			})},
			wantErr: `serviceAccount "from-restriction" is not allowed (allowed: deployer) (Policy p)`,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ForGitRepo(&tc.spec, tc.restrictions, tc.policies)
			if tc.wantErr != "" {
				var pe *Error
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) || !errors.As(err, &pe) {
					t.Fatalf("error = %v, want a *policy.Error containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			if tc.want == (Effective{}) {
				tc.want = Effective{ServiceAccount: tc.spec.ServiceAccount, ClientSecretName: tc.spec.ClientSecretName}
			}
			if got != tc.want {
				t.Fatalf("effective = %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestForHelmOp(t *testing.T) {
	const repo = "https://charts.example.com/stable"
	spec := func(repo, chart, sa, secret string) v1alpha1.HelmOpSpec {
		s := v1alpha1.HelmOpSpec{HelmSecretName: secret}
		s.Helm = &v1alpha1.HelmOptions{Repo: repo, Chart: chart}
		s.ServiceAccount = sa
		return s
	}
	helmOp := func(name string, h v1alpha1.HelmOpPolicySpec) *v1alpha1.Policy {
		return policy(name, func(p *v1alpha1.Policy) { p.HelmOp = &h })
	}
	tests := []struct {
		name     string
		spec     v1alpha1.HelmOpSpec
		policies []*v1alpha1.Policy
		want     HelmOpEffective
		wantErr  string // substring; "" for success
	}{
		{name: "no policy", spec: spec(repo, "app", "sa", "creds"), want: HelmOpEffective{ServiceAccount: "sa", HelmSecretName: "creds"}},
		{
			name: "GitRepo-only parts do not apply",
			spec: spec(repo, "app", "", ""),
			policies: []*v1alpha1.Policy{policy("p", func(p *v1alpha1.Policy) {
				p.GitRepo = &v1alpha1.GitRepoPolicySpec{DefaultServiceAccount: "git-sa", AllowedRepoPatterns: []string{"nothing"}}
			})},
		},
		{
			name: "defaults, the first by name",
			spec: spec(repo, "app", "", ""),
			policies: []*v1alpha1.Policy{
				helmOp("b", v1alpha1.HelmOpPolicySpec{DefaultServiceAccount: "b-sa", DefaultHelmSecretName: "b-creds"}),
				helmOp("a", v1alpha1.HelmOpPolicySpec{DefaultServiceAccount: "a-sa"}),
			},
			want: HelmOpEffective{ServiceAccount: "a-sa", HelmSecretName: "b-creds"},
		},
		{
			name:     "repo matches a pattern in full",
			spec:     spec(repo, "app", "", ""),
			policies: []*v1alpha1.Policy{helmOp("p", v1alpha1.HelmOpPolicySpec{AllowedHelmRepoPatterns: []string{`https://charts\.example\.com/.*`}})},
		},
		{
			name:     "repo matching a part only is refused",
			spec:     spec("https://evil.example/https://charts.example.com/x", "app", "", ""),
			policies: []*v1alpha1.Policy{helmOp("p", v1alpha1.HelmOpPolicySpec{AllowedHelmRepoPatterns: []string{`https://charts\.example\.com/.*`}})},
			wantErr:  `helm.repo "https://evil.example/https://charts.example.com/x" matches no allowed Helm repo pattern`,
		},
		{
			name:     "a chart URL without a repo is checked against the repo patterns",
			spec:     spec("", "https://evil.example/app-1.0.0.tgz", "", ""),
			policies: []*v1alpha1.Policy{helmOp("p", v1alpha1.HelmOpPolicySpec{AllowedHelmRepoPatterns: []string{`https://charts\.example\.com/.*`}})},
			wantErr:  `helm.chart "https://evil.example/app-1.0.0.tgz" matches no allowed Helm repo pattern`,
		},
		{
			name:     "chart patterns",
			spec:     spec(repo, "other", "", ""),
			policies: []*v1alpha1.Policy{helmOp("p", v1alpha1.HelmOpPolicySpec{AllowedChartPatterns: []string{"app", "web-.*"}})},
			wantErr:  `helm.chart "other" matches no allowed chart pattern (app, web-.*) (Policy p)`,
		},
		{
			name:     "chart patterns apply to the chart of an OCI reference",
			spec:     spec("oci://registry.example.com/team/app", "", "", ""),
			policies: []*v1alpha1.Policy{helmOp("p", v1alpha1.HelmOpPolicySpec{AllowedChartPatterns: []string{"app"}, AllowedHelmRepoPatterns: []string{`oci://registry\.example\.com/team/.*`}})},
		},
		{
			name:     "chart patterns refuse another OCI chart",
			spec:     spec("oci://registry.example.com/team/other", "", "", ""),
			policies: []*v1alpha1.Policy{helmOp("p", v1alpha1.HelmOpPolicySpec{AllowedChartPatterns: []string{"app"}})},
			wantErr:  `the chart of helm.repo "other" matches no allowed chart pattern`,
		},
		{
			name:     "service account required after defaulting",
			spec:     spec(repo, "app", "", ""),
			policies: []*v1alpha1.Policy{policy("p", func(p *v1alpha1.Policy) { p.RequireServiceAccount = true })},
			wantErr:  "a serviceAccount is required",
		},
		{
			name: "allowed service accounts are top-level and apply to the defaulted one",
			spec: spec(repo, "app", "", ""),
			policies: []*v1alpha1.Policy{policy("p", func(p *v1alpha1.Policy) {
				p.AllowedServiceAccounts = []string{"deployer"}
				p.HelmOp = &v1alpha1.HelmOpPolicySpec{DefaultServiceAccount: "root"}
			})},
			wantErr: `serviceAccount "root" is not allowed (allowed: deployer)`,
		},
		{
			name: "helm secrets: allowed, union of the lists",
			spec: spec(repo, "app", "", "team-b"),
			policies: []*v1alpha1.Policy{
				helmOp("a", v1alpha1.HelmOpPolicySpec{AllowedHelmSecretNames: []string{"team-a"}}),
				helmOp("b", v1alpha1.HelmOpPolicySpec{AllowedHelmSecretNames: []string{"team-b"}}),
			},
			want: HelmOpEffective{HelmSecretName: "team-b"},
		},
		{
			name:     "helm secrets: refused",
			spec:     spec(repo, "app", "", "database"),
			policies: []*v1alpha1.Policy{helmOp("p", v1alpha1.HelmOpPolicySpec{AllowedHelmSecretNames: []string{"charts"}})},
			wantErr:  `helmSecretName "database" is not allowed (allowed: charts)`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ForHelmOp(&tt.spec, tt.policies)
			if tt.wantErr != "" {
				var pe *Error
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !errors.As(err, &pe) {
					t.Fatalf("err = %v, want a policy.Error containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}
