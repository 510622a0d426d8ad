package integration

import (
	"sort"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	"github.com/fleetapi/fleet/pkg/manifest"
	"github.com/fleetapi/fleet/test/framework"
)

// oneOfEach is a minimal valid object of every kind, with Fleet's shapes (flat kinds have no spec).
var oneOfEach = map[string]string{
	"gitrepos": `apiVersion: fleet.cattle.io/v1alpha1
kind: GitRepo
metadata: {name: one, namespace: ws}
spec: {repo: "https://git.example.com/repo"}`,
	"helmops": `apiVersion: fleet.cattle.io/v1alpha1
kind: HelmOp
metadata: {name: one, namespace: ws}
spec: {helm: {repo: "https://charts.example.com", chart: app, version: "1.0.0"}}`,
	"bundles": `apiVersion: fleet.cattle.io/v1alpha1
kind: Bundle
metadata: {name: one, namespace: ws}
spec: {resources: [{name: cm.yaml, content: "kind: ConfigMap"}]}`,
	// BundleDeployments are written by the server: the test makes one from a Bundle and a Cluster
	// (targetedDeployment) and checks that this one is refused.
	"bundledeployments": `apiVersion: fleet.cattle.io/v1alpha1
kind: BundleDeployment
metadata: {name: one, namespace: cluster-ws-one-bb5f399c840a}
spec: {deploymentID: "s-1:abc", stagedDeploymentID: "s-1:abc"}`,
	"contents": `apiVersion: fleet.cattle.io/v1alpha1
kind: Content
metadata: {name: s-one}
content: H4sIAAAAAAAA/6uuBQBDv6ajAgAAAA==
sha256sum: 44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a`,
	"clusters": `apiVersion: fleet.cattle.io/v1alpha1
kind: Cluster
metadata: {name: one, namespace: ws, labels: {env: dev}}
spec: {}`,
	"clustergroups": `apiVersion: fleet.cattle.io/v1alpha1
kind: ClusterGroup
metadata: {name: one, namespace: ws}
spec: {selector: {matchLabels: {env: dev}}}`,
	"clusterregistrations": `apiVersion: fleet.cattle.io/v1alpha1
kind: ClusterRegistration
metadata: {name: one, namespace: ws}
spec: {clientID: abc, clientRandom: xyz}`,
	"clusterregistrationtokens": `apiVersion: fleet.cattle.io/v1alpha1
kind: ClusterRegistrationToken
metadata: {name: one, namespace: ws}
spec: {ttl: 1h}`,
	"gitreporestrictions": `apiVersion: fleet.cattle.io/v1alpha1
kind: GitRepoRestriction
metadata: {name: one, namespace: ws}
allowedRepoPatterns: ["https://git.example.com/.*"]`,
	"bundlenamespacemappings": `apiVersion: fleet.cattle.io/v1alpha1
kind: BundleNamespaceMapping
metadata: {name: one, namespace: ws}
bundleSelector: {matchLabels: {team: a}}
namespaceSelector: {matchLabels: {tenant: a}}`,
	"schedules": `apiVersion: fleet.cattle.io/v1alpha1
kind: Schedule
metadata: {name: one, namespace: ws}
spec: {schedule: "0 0 22 * * *", duration: 1h, targets: {clusters: [{clusterGroup: one}]}}`,
	"imagescans": `apiVersion: fleet.cattle.io/v1alpha1
kind: ImageScan
metadata: {name: one, namespace: ws}
spec: {tagName: app, gitrepoName: one, image: registry.example.com/app, interval: 5m, policy: {semver: {range: ">=1.0.0"}}}`,
	"policies": `apiVersion: fleet.cattle.io/v1alpha1
kind: Policy
metadata: {name: one, namespace: ws}
allowedServiceAccounts: [deployer]`,
}

// targetedDeployment is a Cluster and a Bundle that targets it: the server writes their
// BundleDeployment, named after the Bundle in the Cluster's namespace.
const targetedDeployment = `apiVersion: fleet.cattle.io/v1alpha1
kind: Cluster
metadata: {name: one, namespace: ws, labels: {env: dev}}
spec: {}
---
apiVersion: fleet.cattle.io/v1alpha1
kind: Bundle
metadata: {name: one, namespace: ws}
spec:
  resources: [{name: cm.yaml, content: "kind: ConfigMap"}]
  targets: [{clusterSelector: {matchLabels: {env: dev}}}]`

// columns are Fleet's printer columns per resource (reference/fleet.md §1.1), after NAME, then AGE.
var columns = map[string]string{
	"gitrepos":                  "REPO COMMIT BUNDLEDEPLOYMENTS-READY STATUS",
	"helmops":                   "REPO CHART VERSION BUNDLEDEPLOYMENTS-READY STATUS",
	"bundles":                   "BUNDLEDEPLOYMENTS-READY STATUS",
	"bundledeployments":         "DEPLOYED MONITORED STATUS",
	"contents":                  "",
	"clusters":                  "BUNDLES-READY LAST-SEEN STATUS",
	"clustergroups":             "CLUSTERS-READY BUNDLES-READY STATUS",
	"clusterregistrations":      "CLUSTER-NAME LABELS",
	"clusterregistrationtokens": "SECRET-NAME",
	"gitreporestrictions":       "DEFAULT-SERVICEACCOUNT ALLOWED-SERVICEACCOUNTS",
	"bundlenamespacemappings":   "",
	"schedules":                 "SCHEDULE DURATION ACTIVE NEXTSTART",
	"imagescans":                "REPOSITORY LATEST",
	"policies":                  "",
}

func TestAllKindsReachable(t *testing.T) {
	s := framework.StartStandalone(t, "")

	var resources []string
	for _, line := range lines(s.Kubectl("api-resources", "--api-group=fleet.cattle.io", "--no-headers", "-o", "name")) {
		resources = append(resources, strings.TrimSuffix(line, ".fleet.cattle.io"))
	}
	sort.Strings(resources)
	var want []string
	for r := range oneOfEach {
		want = append(want, r)
	}
	sort.Strings(want)
	if !equal(resources, want) {
		t.Fatalf("api-resources = %v\nwant %v", resources, want)
	}

	// One server for all kinds; the framework's kubectl helpers fail the whole test, so no subtests here.
	for _, resource := range want {
		obj := decode(t, oneOfEach[resource])
		if resource == "bundledeployments" {
			_, stderr, err := s.KubectlResult(oneOfEach[resource], "create", "-f", "-")
			if err == nil || !strings.Contains(stderr, "written by the server") {
				t.Fatalf("create bundledeployment: err %v, stderr %q; want a refusal naming the server as the writer", err, stderr)
			}
			s.KubectlStdin(targetedDeployment, "apply", "-f", "-")
			obj.SetNamespace(manifest.ClusterNamespace("ws", "one"))
			waitFor(t, func() bool {
				_, _, err := s.KubectlResult("", "get", resource, obj.GetName(), "-n", obj.GetNamespace())
				return err == nil
			})
		} else {
			s.KubectlStdin(oneOfEach[resource], "apply", "-f", "-")
		}
		scope := []string{"-n", obj.GetNamespace()}
		if obj.GetNamespace() == "" {
			scope = nil
		}
		get := append([]string{"get", resource, obj.GetName(), "-o", "jsonpath={.kind}/{.metadata.name}"}, scope...)
		if got, want := s.Kubectl(get...), obj.GetKind()+"/"+obj.GetName(); got != want {
			t.Fatalf("%s: got %q, want %q", resource, got, want)
		}
		// Every kind lists as a table with Fleet's columns, and deletes.
		table := s.Kubectl("get", resource, "-A")
		assertContains(t, table, obj.GetName())
		want := strings.Fields("NAMESPACE NAME " + columns[resource] + " AGE")
		if obj.GetNamespace() == "" {
			want = want[1:]
		}
		if got := strings.Fields(lines(table)[0]); !equal(got, want) {
			t.Fatalf("%s columns = %v, want %v", resource, got, want)
		}
		if resource == "bundledeployments" {
			// Deleting the Bundle deletes its BundleDeployments.
			s.Kubectl("delete", "bundles", "one", "-n", "ws")
			waitFor(t, func() bool {
				return strings.TrimSpace(s.Kubectl("get", resource, "-A", "--no-headers", "--ignore-not-found")) == ""
			})
			continue
		}
		s.Kubectl(append([]string{"delete", resource, obj.GetName()}, scope...)...)
	}

	// `kubectl get fleet` lists the kinds in Fleet's category.
	s.KubectlStdin(oneOfEach["gitrepos"]+"\n---\n"+oneOfEach["clustergroups"], "apply", "-f", "-")
	assertContains(t, s.Kubectl("get", "fleet", "-A"), "gitrepo.fleet.cattle.io/one", "clustergroup.fleet.cattle.io/one")
}

func decode(t *testing.T, manifest string) *unstructured.Unstructured {
	t.Helper()
	obj := &unstructured.Unstructured{}
	if err := yaml.Unmarshal([]byte(manifest), &obj.Object); err != nil {
		t.Fatalf("manifest: %v", err)
	}
	return obj
}
