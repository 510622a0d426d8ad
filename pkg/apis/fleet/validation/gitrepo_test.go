package validation_test

import (
	"strings"
	"testing"
	"time"

	"github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
	"github.com/fleetapi/fleet/pkg/apis/fleet/validation"
)

func validGitRepo() *v1alpha1.GitRepo {
	return &v1alpha1.GitRepo{
		ObjectMeta: objectMeta("examples"),
		Spec: v1alpha1.GitRepoSpec{
			Repo:            "https://github.com/rancher/fleet-examples",
			Paths:           []string{"simple"},
			PollingInterval: duration(15 * time.Second),
			Targets:         []v1alpha1.GitTarget{{Name: "prod", ClusterSelector: goodSelector()}},
		},
	}
}

func TestValidateGitRepo(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*v1alpha1.GitRepo)
		want   []wantErr
	}{
		{name: "valid", mutate: func(*v1alpha1.GitRepo) {}},
		{name: "repo is required", mutate: func(g *v1alpha1.GitRepo) { g.Spec.Repo = "" }, want: []wantErr{required("spec.repo")}},
		{name: "zero polling interval is allowed", mutate: func(g *v1alpha1.GitRepo) { g.Spec.PollingInterval = duration(0) }},
		{name: "unset polling interval is allowed", mutate: func(g *v1alpha1.GitRepo) { g.Spec.PollingInterval = nil }},
		{
			name:   "negative polling interval",
			mutate: func(g *v1alpha1.GitRepo) { g.Spec.PollingInterval = duration(-time.Second) },
			want:   []wantErr{invalid("spec.pollingInterval")},
		},
		{
			name:   "negative image scan interval",
			mutate: func(g *v1alpha1.GitRepo) { g.Spec.ImageSyncInterval = duration(-time.Minute) },
			want:   []wantErr{invalid("spec.imageScanInterval")},
		},
		{
			name:   "invalid cluster selector",
			mutate: func(g *v1alpha1.GitRepo) { g.Spec.Targets[0].ClusterSelector = badSelector() },
			want:   []wantErr{invalid("spec.targets[0].clusterSelector.matchExpressions[0].operator")},
		},
		{
			name:   "invalid cluster group selector",
			mutate: func(g *v1alpha1.GitRepo) { g.Spec.Targets[0].ClusterGroupSelector = badSelector() },
			want:   []wantErr{invalid("spec.targets[0].clusterGroupSelector.matchExpressions[0].operator")},
		},
		{name: "helm repo URL regex", mutate: func(g *v1alpha1.GitRepo) { g.Spec.HelmRepoURLRegex = `^https://charts\.example\.com/` }},
		{
			name:   "helm repo URL regex that does not compile",
			mutate: func(g *v1alpha1.GitRepo) { g.Spec.HelmRepoURLRegex = "(" },
			want:   []wantErr{invalid("spec.helmRepoURLRegex")},
		},
		{
			name: "driven scan",
			mutate: func(g *v1alpha1.GitRepo) {
				g.Spec.Paths = nil
				g.Spec.Bundles = []v1alpha1.BundlePath{{Base: "driven/helm"}, {Base: "./driven/kustomize", Options: "dev.yaml"}}
			},
		},
		{
			name: "driven scan and paths",
			mutate: func(g *v1alpha1.GitRepo) {
				g.Spec.Bundles = []v1alpha1.BundlePath{{Base: "driven/helm"}}
			},
			want: []wantErr{forbidden("spec.bundles")},
		},
		{
			name: "driven scan entries that leave the repository or cannot be told apart",
			mutate: func(g *v1alpha1.GitRepo) {
				g.Spec.Paths = nil
				g.Spec.Bundles = []v1alpha1.BundlePath{{Options: "a.yaml"}, {Base: "a:b"}, {Base: "../x"}, {Base: "/etc"}, {Base: "x", Options: "y/../../z.yaml"}}
			},
			want: []wantErr{required("spec.bundles[0].base"), invalid("spec.bundles[1].base"), invalid("spec.bundles[2].base"),
				invalid("spec.bundles[3].base"), invalid("spec.bundles[4].options")},
		},
		{name: "name is required", mutate: func(g *v1alpha1.GitRepo) { g.Name = "" }, want: []wantErr{required("metadata.name")}},
		{name: "namespace is required", mutate: func(g *v1alpha1.GitRepo) { g.Namespace = "" }, want: []wantErr{required("metadata.namespace")}},
		{name: "name must be a DNS subdomain", mutate: func(g *v1alpha1.GitRepo) { g.Name = "Not_Valid" }, want: []wantErr{invalid("metadata.name")}},
		{name: "253 character name is allowed", mutate: func(g *v1alpha1.GitRepo) { g.Name = strings.Repeat("a", 253) }},
		{
			name: "errors accumulate",
			mutate: func(g *v1alpha1.GitRepo) {
				g.Spec.Repo = ""
				g.Spec.PollingInterval = duration(-time.Second)
				g.Spec.Targets[0].ClusterSelector = badSelector()
			},
			want: []wantErr{
				required("spec.repo"), invalid("spec.pollingInterval"),
				invalid("spec.targets[0].clusterSelector.matchExpressions[0].operator"),
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := validGitRepo()
			tt.mutate(g)
			assertErrors(t, validation.ValidateGitRepo(g), tt.want...)
		})
	}
}

func TestValidateGitRepoUpdate(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*v1alpha1.GitRepo)
		want   []wantErr
	}{
		{name: "spec change", mutate: func(g *v1alpha1.GitRepo) { g.Spec.Branch = "main" }},
		{name: "name is immutable", mutate: func(g *v1alpha1.GitRepo) { g.Name = "other" }, want: []wantErr{invalid("metadata.name")}},
		{name: "spec is validated", mutate: func(g *v1alpha1.GitRepo) { g.Spec.Repo = "" }, want: []wantErr{required("spec.repo")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			oldObj := validGitRepo()
			oldObj.ObjectMeta = forUpdate(oldObj.ObjectMeta)
			newObj := oldObj.DeepCopy()
			tt.mutate(newObj)
			assertErrors(t, validation.ValidateGitRepoUpdate(newObj, oldObj), tt.want...)
		})
	}
}

func TestValidateGitRepoStatusUpdate(t *testing.T) {
	tests := []struct {
		name  string
		conds []v1alpha1.GenericCondition
		want  []wantErr
	}{
		{name: "valid", conds: []v1alpha1.GenericCondition{{Type: "Ready", Status: "True"}, {Type: "Accepted", Status: "True"}}},
		{name: "type required", conds: []v1alpha1.GenericCondition{{Status: "True"}}, want: []wantErr{required("status.conditions[0].type")}},
		{name: "status required", conds: []v1alpha1.GenericCondition{{Type: "Ready"}}, want: []wantErr{required("status.conditions[0].status")}},
		{
			name:  "duplicate type",
			conds: []v1alpha1.GenericCondition{{Type: "Ready", Status: "True"}, {Type: "Ready", Status: "False"}},
			want:  []wantErr{duplicate("status.conditions[1].type")},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			oldObj := validGitRepo()
			oldObj.ObjectMeta = forUpdate(oldObj.ObjectMeta)
			newObj := oldObj.DeepCopy()
			newObj.Status.Conditions = tt.conds
			assertErrors(t, validation.ValidateGitRepoStatusUpdate(newObj, oldObj), tt.want...)
		})
	}
}
