package helmops

import (
	"encoding/json"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"

	"github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
	"github.com/fleetapi/fleet/pkg/bundlereader/helmchart/chartserver"
	"github.com/fleetapi/fleet/pkg/helmops"
)

const password = "s3cret-pw"

// TestBasicAuthBehindKubeAPIServer: behind kube-apiserver, spec.helmSecretName is read from the
// core API. A missing Secret makes the HelmOp Accepted=False until it is created; the right
// credentials resolve the version on a repository that requires them; wrong ones are
// AuthenticationFailed; the password appears nowhere in the HelmOp.
func TestBasicAuthBehindKubeAPIServer(t *testing.T) {
	e := newClusterEnv(t)
	repo := chartserver.NewRepo(t, chartDir(t, "app", "1.0.0"))
	repo.RequireBasicAuth("fleet", password)

	withSecret := func(name string) v1alpha1.HelmOpSpec {
		s := spec(repo.URL, "app", "~1.0")
		s.HelmSecretName = name
		return s
	}
	basic := func(pw string) map[string][]byte {
		return map[string][]byte{"username": []byte("fleet"), "password": []byte(pw)}
	}

	e.createHelmOp("late-secret", withSecret("late"))
	e.waitCondition("late-secret", v1alpha1.ConditionAccepted, "False", helmops.ReasonCredentialsUnavailable)
	e.createSecret("late", corev1.SecretTypeBasicAuth, basic(password))
	b, op := e.waitBundleVersion("late-secret", "1.0.0")
	if o := b.Spec.HelmOpOptions; o == nil || o.SecretName != "late" {
		t.Fatalf("bundle helmOpOptions = %+v, want the secret's name for the agent", o)
	}
	if c := condition(op, v1alpha1.ConditionAccepted); c.Status != "True" {
		t.Fatalf("Accepted = %+v", c)
	}

	e.createSecret("wrong", corev1.SecretTypeBasicAuth, basic("wrong-pw"))
	e.createHelmOp("wrong-password", withSecret("wrong"))
	e.waitCondition("wrong-password", v1alpha1.ConditionReady, "False", helmops.ReasonAuthenticationFailed)

	for _, name := range []string{"late-secret", "wrong-password"} {
		data, err := json.Marshal(e.helmOp(name))
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(data), "pw") {
			t.Fatalf("a password leaked into HelmOp %s: %s", name, data)
		}
	}
	if strings.Contains(e.logs(), "s3cret") {
		t.Fatal("the password leaked into fleet-apiserver's log")
	}
}
