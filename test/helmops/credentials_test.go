package helmops

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"

	"github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
	"github.com/fleetapi/fleet/pkg/bundlereader/helmchart/chartserver"
	"github.com/fleetapi/fleet/pkg/helmops"
)

const password = "s3cret-pw"

// TestBasicAuthBehindKubeAPIServer: behind kube-apiserver, spec.helmSecretName is read from the
// core API. A missing Secret makes the HelmOp Accepted=False until it is created; the right
// credentials resolve the version on a repository that requires them; wrong ones are
// AuthenticationFailed; a Secret of another type than kubernetes.io/basic-auth is refused without a
// request to the repository; no secret value appears in the HelmOps, the Bundle, the namespace's
// core Events or the server's log.
func TestBasicAuthBehindKubeAPIServer(t *testing.T) {
	e := newClusterEnv(t)
	repo := chartserver.NewRepo(t, chartserver.MinimalChart(t, "app", "1.0.0"))
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

	// A Secret of another type is not used, even with username and password keys: a HelmOp
	// author must not be able to send any credential of the namespace to a URL of their choosing.
	dbRepo := chartserver.NewRepo(t, chartserver.MinimalChart(t, "app", "1.0.0"))
	dbRepo.RequireBasicAuth("fleet", "db-pw-value")
	e.createSecret("database", corev1.SecretTypeOpaque, map[string][]byte{"username": []byte("fleet"), "password": []byte("db-pw-value")})
	opaque := spec(dbRepo.URL, "app", "~1.0")
	opaque.HelmSecretName = "database"
	e.createHelmOp("opaque-secret", opaque)
	c := e.waitCondition("opaque-secret", v1alpha1.ConditionAccepted, "False", helmops.ReasonCredentialsUnavailable)
	if !strings.Contains(c.Message, `"database"`) || !strings.Contains(c.Message, `type "Opaque"`) {
		t.Fatalf("the message must name the secret and its type: %q", c.Message)
	}
	if n := dbRepo.IndexRequests(); n != 0 || e.bundle("opaque-secret") != nil {
		t.Fatalf("a refused Secret reached the repository (%d requests) or produced a bundle", n)
	}

	// Events are recorded as core/v1 Events behind kube-apiserver: wait for the ones these
	// HelmOps produce, so that the leak check below looks at real events.
	e.waitEvent("late-secret", "Normal", "ChartVersionChanged")
	e.waitEvent("wrong-password", "Warning", helmops.ReasonAuthenticationFailed)
	e.waitEvent("opaque-secret", "Warning", helmops.ReasonCredentialsUnavailable)

	secretValues := []string{password, "wrong-pw", "db-pw-value"}
	var texts []string
	for _, name := range []string{"late-secret", "wrong-password", "opaque-secret"} {
		data, err := json.Marshal(e.helmOp(name))
		if err != nil {
			t.Fatal(err)
		}
		texts = append(texts, "HelmOp "+name+": "+string(data))
	}
	if b := e.bundle("late-secret"); b != nil {
		data, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		texts = append(texts, "Bundle late-secret: "+string(data))
	} else {
		t.Fatal("the bundle of late-secret is gone")
	}
	events, err := e.kube.CoreV1().Events(e.ns).List(e.ctx(), metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, ev := range events.Items {
		texts = append(texts, "Event "+ev.Reason+": "+ev.Message)
	}
	texts = append(texts, "log: "+e.logs())
	for _, text := range texts {
		for _, v := range secretValues {
			if strings.Contains(text, v) {
				t.Fatalf("secret value %q leaked into %s", v, text)
			}
		}
	}
}

// waitEvent waits for a core/v1 Event of type and reason about HelmOp name.
func (e *env) waitEvent(name, typ, reason string) {
	e.t.Helper()
	e.waitFor(fmt.Sprintf("%s event %s about %s", typ, reason, name), func() bool {
		list, err := e.kube.CoreV1().Events(e.ns).List(e.ctx(), metav1.ListOptions{
			FieldSelector: fields.Set{"involvedObject.name": name, "involvedObject.kind": "HelmOp"}.String(),
		})
		if err != nil {
			e.t.Fatalf("list events: %v", err)
		}
		for _, ev := range list.Items {
			if ev.Type == typ && ev.Reason == reason && ev.InvolvedObject.APIVersion == v1alpha1.SchemeGroupVersion.String() {
				return true
			}
		}
		return false
	}, func() string { return e.describe(name) })
}
