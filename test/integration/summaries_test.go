package integration

import (
	"strings"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
	"github.com/fleetapi/fleet/pkg/conditions"
	"github.com/fleetapi/fleet/pkg/manifest"
	"github.com/fleetapi/fleet/test/framework"
)

// summaryFixture is two Clusters and a Bundle that targets both.
const summaryFixture = `apiVersion: fleet.cattle.io/v1alpha1
kind: Cluster
metadata: {name: c1, namespace: ws, labels: {env: dev}}
spec: {}
---
apiVersion: fleet.cattle.io/v1alpha1
kind: Cluster
metadata: {name: c2, namespace: ws, labels: {env: dev}}
spec: {}
---
apiVersion: fleet.cattle.io/v1alpha1
kind: Bundle
metadata: {name: app, namespace: ws}
spec:
  resources: [{name: cm.yaml, content: "kind: ConfigMap"}]
  targets: [{clusterSelector: {matchLabels: {env: dev}}}]`

// TestServerComputedStatus: the server sums the BundleDeployments into their Bundle's and their
// Clusters' status, follows what the agents report through the API, and no client write changes
// what it computes.
func TestServerComputedStatus(t *testing.T) {
	s := framework.StartStandalone(t, "")
	ctx := testContext(t)
	fleet := s.Clientset().FleetV1alpha1()
	s.KubectlStdin(summaryFixture, "apply", "-f", "-")

	bundleStatus := func(name string) v1alpha1.BundleStatus {
		b, err := fleet.Bundles("ws").Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return b.Status
	}
	waitFor(t, func() bool { return bundleStatus("app").Display.ReadyClusters == "0/2" })
	st := bundleStatus("app")
	if st.Summary.WaitApplied != 2 || st.Display.State != string(v1alpha1.WaitApplied) || st.ObservedGeneration != 1 {
		t.Fatalf("before the agents report: %+v", st)
	}
	ready := conditions.Find(st.Conditions, v1alpha1.ConditionReady)
	if want := "WaitApplied(2) [Cluster ws/c1]"; ready == nil || ready.Status != "False" || ready.Message != want {
		t.Fatalf("Ready %+v, want False %q", ready, want)
	}
	assertContains(t, s.Kubectl("get", "bundles", "-n", "ws"), "0/2")
	assertContains(t, s.Kubectl("get", "clusters", "-n", "ws", "c1"), "0/1")

	// A client cannot write a computed field: the server keeps what it computed.
	s.Kubectl("patch", "bundles", "app", "-n", "ws", "--subresource=status", "--type=merge",
		"-p", `{"status":{"summary":{"ready":2},"display":{"readyClusters":"2/2"}}}`)
	if st := bundleStatus("app"); st.Summary.Ready != 0 || st.Display.ReadyClusters != "0/2" {
		t.Fatalf("a client's status patch changed the summary: %+v", st.Summary)
	}
	s.Kubectl("patch", "clusters", "c1", "-n", "ws", "--subresource=status", "--type=merge",
		"-p", `{"status":{"display":{"readyBundles":"1/1"}}}`)
	assertContains(t, s.Kubectl("get", "clusters", "-n", "ws", "c1"), "0/1")

	// The agents report through the API (bundledeployments/status); the summaries follow.
	report := func(cluster string) {
		ns := manifest.ClusterNamespace("ws", cluster)
		bd, err := fleet.BundleDeployments(ns).Get(ctx, "app", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		bd.Status = v1alpha1.BundleDeploymentStatus{AppliedDeploymentID: bd.Spec.DeploymentID, Ready: true, NonModified: true,
			Display: v1alpha1.BundleDeploymentDisplay{Deployed: "True", Monitored: "True", State: "Ready"}}
		if _, err := fleet.BundleDeployments(ns).UpdateStatus(ctx, bd, metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	report("c1")
	waitFor(t, func() bool { return bundleStatus("app").Display.ReadyClusters == "1/2" })
	if want := "WaitApplied(1) [Cluster ws/c2]"; conditions.Find(bundleStatus("app").Conditions, v1alpha1.ConditionReady).Message != want {
		t.Errorf("Ready after one report: %+v", bundleStatus("app").Conditions)
	}
	report("c2")
	waitFor(t, func() bool {
		st := bundleStatus("app")
		r := conditions.Find(st.Conditions, v1alpha1.ConditionReady)
		return st.Display.ReadyClusters == "2/2" && r != nil && r.Status == "True"
	})
	c1, err := fleet.Clusters("ws").Get(ctx, "c1", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool {
		c1, err = fleet.Clusters("ws").Get(ctx, "c1", metav1.GetOptions{})
		return err == nil && c1.Status.Display.ReadyBundles == "1/1"
	})
	if c1.Status.Display.State != v1alpha1.StateWaitCheckIn {
		t.Errorf("a cluster whose agent never checked in shows %q", c1.Status.Display.State)
	}

	// A Bundle whose targets cannot be evaluated is Ready=False with the reason; the others are
	// unaffected. (An invalid selector is refused by validation before it is stored.)
	badSelector := strings.Replace(summaryFixture[strings.LastIndex(summaryFixture, "---"):], "name: app", "name: bad", 1)
	badSelector = strings.Replace(badSelector, "{matchLabels: {env: dev}}", "{matchExpressions: [{key: env, operator: Nope}]}", 1)
	if _, stderr, err := s.KubectlResult(badSelector, "apply", "-f", "-"); err == nil || !strings.Contains(stderr, "spec.targets[0].clusterSelector") {
		t.Fatalf("an invalid selector: err %v, stderr %q; want a refusal naming the field", err, stderr)
	}
	broken := &v1alpha1.Bundle{ObjectMeta: metav1.ObjectMeta{Name: "broken", Namespace: "ws"}, Spec: v1alpha1.BundleSpec{
		Resources: []v1alpha1.BundleResource{{Name: "cm.yaml", Content: "kind: ConfigMap"}},
		BundleDeploymentOptions: v1alpha1.BundleDeploymentOptions{Helm: &v1alpha1.HelmOptions{
			Values: &v1alpha1.GenericMap{Data: map[string]any{"env": "${ .ClusterLabels.env | nosuchfunction }"}}}},
		Targets: []v1alpha1.BundleTarget{{ClusterSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"env": "dev"}}}}}}
	if _, err := fleet.Bundles("ws").Create(ctx, broken, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool {
		r := conditions.Find(bundleStatus("broken").Conditions, v1alpha1.ConditionReady)
		return r != nil && r.Status == "False" && r.Reason == "InvalidTargets"
	})
	if r := conditions.Find(bundleStatus("broken").Conditions, v1alpha1.ConditionReady); !strings.Contains(r.Message, "nosuchfunction") {
		t.Errorf("the reason does not name what is wrong: %+v", r)
	}
	if st := bundleStatus("app"); st.Display.ReadyClusters != "2/2" {
		t.Errorf("another Bundle was affected: %+v", st.Display)
	}
	if _, err := fleet.BundleDeployments(manifest.ClusterNamespace("ws", "c1")).Get(ctx, "broken", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("a Bundle that cannot be targeted has a BundleDeployment: %v", err)
	}

	// Fixed, it deploys and its Ready follows its BundleDeployments.
	patch := []byte(`{"spec":{"helm":{"values":{"env":"${ .ClusterLabels.env }"}}}}`)
	if _, err := fleet.Bundles("ws").Patch(ctx, "broken", types.MergePatchType, patch, metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { return bundleStatus("broken").Display.ReadyClusters == "0/2" })
	if r := conditions.Find(bundleStatus("broken").Conditions, v1alpha1.ConditionReady); r.Reason != "" || !strings.HasPrefix(r.Message, "WaitApplied(2)") {
		t.Errorf("Ready after the fix: %+v", r)
	}
	if got := bundleStatus("broken").ObservedGeneration; got != 2 {
		t.Errorf("observedGeneration %d, want 2", got)
	}

	// A GitRepo's summary sums its Bundles' (those labelled fleet.cattle.io/repo-name with its
	// name): `kubectl get gitrepos` shows its BundleDeployments ready.
	s.KubectlStdin(`apiVersion: fleet.cattle.io/v1alpha1
kind: GitRepo
metadata: {name: repo, namespace: ws}
spec: {repo: "https://git.invalid/repo", disablePolling: true}`, "apply", "-f", "-")
	s.Kubectl("label", "bundles", "app", "-n", "ws", v1alpha1.RepoLabel+"=repo")
	waitFor(t, func() bool {
		gr, err := fleet.GitRepos("ws").Get(ctx, "repo", metav1.GetOptions{})
		return err == nil && gr.Status.Display.ReadyBundleDeployments == "2/2" && gr.Status.Summary.Ready == 2
	})
	assertContains(t, s.Kubectl("get", "gitrepos", "-n", "ws"), "2/2")

	// A ClusterGroup sums its clusters: both have one Bundle ready of two.
	s.KubectlStdin(`apiVersion: fleet.cattle.io/v1alpha1
kind: ClusterGroup
metadata: {name: dev, namespace: ws}
spec: {selector: {matchLabels: {env: dev}}}`, "apply", "-f", "-")
	waitFor(t, func() bool {
		g, err := fleet.ClusterGroups("ws").Get(ctx, "dev", metav1.GetOptions{})
		return err == nil && g.Status.ClusterCount == 2 && g.Status.Display.ReadyBundles == "2/4"
	})
	assertContains(t, s.Kubectl("get", "clustergroups", "-n", "ws"), "0/2 (c1,c2)", "2/4", "WaitApplied(2) [Bundle broken]")
	s.Kubectl("label", "clusters", "c2", "-n", "ws", "env=prod", "--overwrite")
	waitFor(t, func() bool {
		g, err := fleet.ClusterGroups("ws").Get(ctx, "dev", metav1.GetOptions{})
		return err == nil && g.Status.ClusterCount == 1 && g.Status.Display.ReadyClusters == "0/1 (c1)"
	})
	t.Log(s.Kubectl("get", "gitrepos,bundles,clusters,clustergroups", "-n", "ws"))
}
