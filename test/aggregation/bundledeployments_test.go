package aggregation

import (
	"bufio"
	"context"
	"sort"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
	clientset "github.com/fleetapi/fleet/pkg/generated/clientset/versioned"
	"github.com/fleetapi/fleet/pkg/manifest"
)

// pairsFixture is three Clusters and two Bundles: web targets every cluster, db the dev ones.
const pairsFixture = `apiVersion: fleet.cattle.io/v1alpha1
kind: Cluster
metadata: {name: a1, labels: {env: dev}}
spec: {}
---
apiVersion: fleet.cattle.io/v1alpha1
kind: Cluster
metadata: {name: a2, labels: {env: dev}}
spec: {}
---
apiVersion: fleet.cattle.io/v1alpha1
kind: Cluster
metadata: {name: a3, labels: {env: prod}}
spec: {}
---
apiVersion: fleet.cattle.io/v1alpha1
kind: Bundle
metadata: {name: web}
spec:
  resources: [{name: cm.yaml, content: "kind: ConfigMap"}]
  targets: [{clusterSelector: {}}]
---
apiVersion: fleet.cattle.io/v1alpha1
kind: Bundle
metadata: {name: db}
spec:
  resources: [{name: cm.yaml, content: "kind: Secret"}]
  targets: [{clusterSelector: {matchLabels: {env: dev}}}]
`

// TestBundleDeploymentsThroughAggregator: through kube-apiserver, `kubectl get bd -A -l
// fleet.cattle.io/bundle-name=X` lists that Bundle's BundleDeployments with Fleet's columns, and
// a `kubectl get -w` of Bundles and one of Clusters, running in the background, each print a line
// when the agents' reports make a Bundle ready. (kubectl watches one resource type at a time:
// `kubectl get bundles,clusters -w` is refused by kubectl itself, "you may only specify a single
// resource type", whatever the server.)
func TestBundleDeploymentsThroughAggregator(t *testing.T) {
	const ws = "pairs-walk"
	createNamespace(t, ws)
	kubectlStdin(t, pairsFixture, "apply", "-n", ws, "-f", "-")
	nsOf := func(clusters ...string) []string {
		var out []string
		for _, c := range clusters {
			out = append(out, manifest.ClusterNamespace(ws, c))
		}
		sort.Strings(out)
		return out
	}
	for bundle, want := range map[string][]string{"web": nsOf("a1", "a2", "a3"), "db": nsOf("a1", "a2")} {
		var rows []string
		eventually(t, "the BundleDeployments of "+bundle, func(context.Context) (bool, error) {
			rows = tableLines(kubectl(t, "get", "bd", "-A", "-l", v1alpha1.BundleLabel+"="+bundle))
			return len(rows) == len(want)+1, nil
		})
		if got, header := strings.Fields(rows[0]), strings.Fields("NAMESPACE NAME DEPLOYED MONITORED STATUS AGE"); strings.Join(got, " ") != strings.Join(header, " ") {
			t.Fatalf("columns %v, want %v", got, header)
		}
		var got []string
		for _, row := range rows[1:] {
			f := strings.Fields(row)
			if f[1] != bundle {
				t.Fatalf("-l %s=%s lists %s", v1alpha1.BundleLabel, bundle, row)
			}
			got = append(got, f[0])
		}
		if strings.Join(got, " ") != strings.Join(want, " ") {
			t.Fatalf("-l %s=%s lists the namespaces %v, want %v", v1alpha1.BundleLabel, bundle, got, want)
		}
	}

	bundles := watchLines(t, "get", "bundles", "-A", "-w")
	clusters := watchLines(t, "get", "clusters", "-A", "-w")
	bundles.expect(t, ws, "web", "0/3")
	clusters.expect(t, ws, "a1", "0/2")

	// The agents of the three clusters report web deployed, through the aggregator.
	cfg, err := kube.RESTConfig()
	if err != nil {
		t.Fatal(err)
	}
	fleetClient := clientset.NewForConfigOrDie(cfg).FleetV1alpha1()
	ctx := testContext(t)
	for _, ns := range nsOf("a1", "a2", "a3") {
		bd, err := fleetClient.BundleDeployments(ns).Get(ctx, "web", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		bd.Status = v1alpha1.BundleDeploymentStatus{AppliedDeploymentID: bd.Spec.DeploymentID, Ready: true, NonModified: true,
			Conditions: []v1alpha1.GenericCondition{{Type: v1alpha1.ConditionDeployed, Status: "True"}, {Type: v1alpha1.ConditionMonitored, Status: "True"}}}
		if _, err := fleetClient.BundleDeployments(ns).UpdateStatus(ctx, bd, metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	bundles.expect(t, ws, "web", "3/3")
	clusters.expect(t, ws, "a3", "1/1")
	for _, row := range tableLines(kubectl(t, "get", "bd", "-A", "-l", v1alpha1.BundleLabel+"=web"))[1:] {
		if f := strings.Fields(row); f[2] != "True" || f[3] != "True" {
			t.Fatalf("a reported BundleDeployment shows DEPLOYED %s MONITORED %s, want True True: %s", f[2], f[3], row)
		}
	}
}

// tableLines returns the non-empty lines of a kubectl table.
func tableLines(out string) []string {
	var lines []string
	for _, l := range strings.Split(out, "\n") {
		if strings.TrimSpace(l) != "" {
			lines = append(lines, l)
		}
	}
	return lines
}

// watchOutput is a kubectl watch running in the background until the test ends.
type watchOutput struct {
	lines chan string
}

// watchLines starts kubectl with args (a `get -w`) and hands its lines over as they come.
func watchLines(t *testing.T, args ...string) *watchOutput {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	cmd := kube.KubectlCommand(ctx, args...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); _ = cmd.Wait() })
	w := &watchOutput{lines: make(chan string, 100)}
	go func() {
		defer close(w.lines)
		s := bufio.NewScanner(stdout)
		for s.Scan() {
			w.lines <- s.Text()
		}
	}()
	return w
}

// expect reads lines until one has the namespace, the name and the ready count in their columns.
func (w *watchOutput) expect(t *testing.T, namespace, name, ready string) {
	t.Helper()
	timeout := time.After(2 * time.Minute)
	var seen []string
	for {
		select {
		case line, ok := <-w.lines:
			if !ok {
				t.Fatalf("kubectl get -w ended before a line for %s/%s with %s; it printed:\n%s", namespace, name, ready, strings.Join(seen, "\n"))
			}
			seen = append(seen, line)
			if f := strings.Fields(line); len(f) >= 3 && f[0] == namespace && f[1] == name && f[2] == ready {
				return
			}
		case <-timeout:
			t.Fatalf("no line for %s/%s with %s; kubectl printed:\n%s", namespace, name, ready, strings.Join(seen, "\n"))
		}
	}
}
