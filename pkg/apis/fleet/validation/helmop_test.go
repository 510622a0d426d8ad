package validation_test

import (
	"testing"
	"time"

	"github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
	"github.com/fleetapi/fleet/pkg/apis/fleet/validation"
)

func helmOp(h *v1alpha1.HelmOptions) *v1alpha1.HelmOp {
	op := &v1alpha1.HelmOp{ObjectMeta: objectMeta("podinfo")}
	op.Spec.Helm = h
	return op
}

func TestValidateHelmOpChartReference(t *testing.T) {
	tests := []struct {
		name string
		helm *v1alpha1.HelmOptions
		want []wantErr
	}{
		{name: "repo and chart", helm: &v1alpha1.HelmOptions{Repo: "https://stefanprodan.github.io/podinfo", Chart: "podinfo", Version: "6.x"}},
		{name: "repo and chart without version", helm: &v1alpha1.HelmOptions{Repo: "https://charts.example.com", Chart: "app"}},
		{name: "tgz URL", helm: &v1alpha1.HelmOptions{Chart: "https://example.com/charts/app-1.0.0.tgz"}},
		{name: "oci repo with tag", helm: &v1alpha1.HelmOptions{Repo: "oci://ghcr.io/stefanprodan/charts/podinfo", Version: "6.5.0"}},
		{name: "helm is required", helm: nil, want: []wantErr{required("spec.helm")}},
		{name: "chart is required", helm: &v1alpha1.HelmOptions{Repo: "https://charts.example.com"}, want: []wantErr{required("spec.helm.chart")}},
		{name: "empty helm", helm: &v1alpha1.HelmOptions{}, want: []wantErr{required("spec.helm.chart")}},
		{
			name: "tgz URL with repo",
			helm: &v1alpha1.HelmOptions{Chart: "https://example.com/app-1.0.0.tgz", Repo: "https://example.com"},
			want: []wantErr{forbidden("spec.helm.repo")},
		},
		{
			name: "tgz URL with version",
			helm: &v1alpha1.HelmOptions{Chart: "http://example.com/app-1.0.0.TGZ", Version: "1.0.0"},
			want: []wantErr{forbidden("spec.helm.version")},
		},
		{
			name: "tgz URL with repo and version",
			helm: &v1alpha1.HelmOptions{Chart: "https://example.com/app.tgz?raw=1", Repo: "https://example.com", Version: "1"},
			want: []wantErr{forbidden("spec.helm.repo"), forbidden("spec.helm.version")},
		},
		{
			name: "oci repo with chart",
			helm: &v1alpha1.HelmOptions{Repo: "oci://ghcr.io/charts/podinfo", Chart: "podinfo"},
			want: []wantErr{forbidden("spec.helm.chart")},
		},
		{name: "relative tgz is a chart name", helm: &v1alpha1.HelmOptions{Repo: "https://example.com", Chart: "app.tgz"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assertErrors(t, validation.ValidateHelmOp(helmOp(tt.helm)), tt.want...)
		})
	}
}

func TestValidateHelmOp(t *testing.T) {
	valid := func() *v1alpha1.HelmOp {
		return helmOp(&v1alpha1.HelmOptions{Repo: "https://charts.example.com", Chart: "app", ReleaseName: "app"})
	}
	tests := []struct {
		name   string
		mutate func(*v1alpha1.HelmOp)
		want   []wantErr
	}{
		{name: "valid", mutate: func(*v1alpha1.HelmOp) {}},
		{name: "zero polling interval", mutate: func(h *v1alpha1.HelmOp) { h.Spec.PollingInterval = duration(0) }},
		{
			name:   "negative polling interval",
			mutate: func(h *v1alpha1.HelmOp) { h.Spec.PollingInterval = duration(-time.Minute) },
			want:   []wantErr{invalid("spec.pollingInterval")},
		},
		{
			name:   "bundle spec rules apply",
			mutate: func(h *v1alpha1.HelmOp) { h.Spec.Helm.ReleaseName = "App"; h.Spec.TargetCustomizationMode = "Any" },
			want:   []wantErr{invalid("spec.helm.releaseName"), notSupported("spec.targetCustomizationMode")},
		},
		{
			name:   "labels copied to the bundle must be valid",
			mutate: func(h *v1alpha1.HelmOp) { h.Spec.Labels = map[string]string{"team": "a b"} },
			want:   []wantErr{invalid("spec.labels")},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := valid()
			tt.mutate(h)
			assertErrors(t, validation.ValidateHelmOp(h), tt.want...)
		})
	}

	t.Run("update", func(t *testing.T) {
		oldObj := valid()
		oldObj.ObjectMeta = forUpdate(oldObj.ObjectMeta)
		newObj := oldObj.DeepCopy()
		newObj.Spec.Helm.Chart = ""
		assertErrors(t, validation.ValidateHelmOpUpdate(newObj, oldObj), required("spec.helm.chart"))
	})
	t.Run("status update", func(t *testing.T) {
		oldObj := valid()
		oldObj.ObjectMeta = forUpdate(oldObj.ObjectMeta)
		newObj := oldObj.DeepCopy()
		newObj.Status.Conditions = []v1alpha1.GenericCondition{{Type: "Polled"}}
		assertErrors(t, validation.ValidateHelmOpStatusUpdate(newObj, oldObj), required("status.conditions[0].status"))
	})
}
