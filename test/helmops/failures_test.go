package helmops

import (
	"net"
	"strings"
	"testing"

	"github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
	"github.com/fleetapi/fleet/pkg/bundlereader/helmchart/chartserver"
	"github.com/fleetapi/fleet/pkg/helmops"
)

// TestFailuresAreReported: what cannot be resolved sets Ready=False (and Polled or Accepted) with
// a reason, and produces no Bundle.
func TestFailuresAreReported(t *testing.T) {
	e := newEnv(t)
	repo := chartserver.NewRepo(t, chartserver.MinimalChart(t, "app", "1.0.0"))
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + l.Addr().String()
	_ = l.Close()

	tests := []struct {
		name    string
		spec    v1alpha1.HelmOpSpec
		reason  string
		typ     string // the condition besides Ready that carries the reason
		message string // a part of the Ready message
	}{
		{name: "unknown-chart", spec: spec(repo.URL, "nope", ""), reason: helmops.ReasonChartNotFound, typ: v1alpha1.ConditionPolled, message: `no chart named "nope"`},
		{name: "no-version-matches", spec: spec(repo.URL, "app", "^5"), reason: helmops.ReasonNoVersionMatches, typ: v1alpha1.ConditionPolled, message: `"^5"`},
		{name: "bad-constraint", spec: spec(repo.URL, "app", "one point two"), reason: helmops.ReasonInvalidSpec, typ: v1alpha1.ConditionReady, message: "spec.helm.version"},
		{name: "unreachable", spec: spec(closed, "app", ""), reason: helmops.ReasonRepositoryUnreachable, typ: v1alpha1.ConditionPolled, message: "consecutive failures, next attempt at"},
		{
			name: "secret-in-standalone", reason: helmops.ReasonCredentialsUnavailable, typ: v1alpha1.ConditionAccepted, message: "no Secrets API",
			spec: func() v1alpha1.HelmOpSpec { s := spec(repo.URL, "app", ""); s.HelmSecretName = "creds"; return s }(),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := e.with(t)
			e.createHelmOp(tt.name, tt.spec)
			c := e.waitCondition(tt.name, tt.typ, "False", tt.reason)
			ready := e.waitCondition(tt.name, v1alpha1.ConditionReady, "False", tt.reason)
			if !strings.Contains(ready.Message, tt.message) || c.Message == "" {
				t.Fatalf("Ready message %q, want it to contain %q; %s message %q", ready.Message, tt.message, tt.typ, c.Message)
			}
			if op := e.helmOp(tt.name); !op.Status.Display.Error || op.Status.Display.Message != ready.Message || op.Status.Version != "" {
				t.Fatalf("display %+v, version %q", op.Status.Display, op.Status.Version)
			}
			if b := e.bundle(tt.name); b != nil {
				t.Fatalf("a HelmOp that cannot be resolved produced a bundle: %+v", b.Spec.Helm)
			}
		})
	}
}

func spec(repo, chart, version string) v1alpha1.HelmOpSpec {
	return v1alpha1.HelmOpSpec{
		BundleSpec: v1alpha1.BundleSpec{BundleDeploymentOptions: v1alpha1.BundleDeploymentOptions{
			Helm: &v1alpha1.HelmOptions{Repo: repo, Chart: chart, Version: version},
		}},
		PollingInterval: everySecond(),
	}
}
