package aggregation

import (
	"strings"
	"testing"
)

// TestNamespaceDeletion: deleting a namespace that holds our objects completes while the APIService is
// registered: the namespace controller discovers our kinds, deletes them through the aggregator and
// the namespace goes away (no NamespaceDeletionDiscoveryFailure, no stuck Terminating).
func TestNamespaceDeletion(t *testing.T) {
	kubectl(t, "create", "namespace", "doomed")
	kubectlStdin(t, gitRepo("doomed-app"), "apply", "-n", "doomed", "-f", "-")
	kubectlStdin(t, `apiVersion: fleet.cattle.io/v1alpha1
kind: ClusterGroup
metadata:
  name: doomed-group
spec:
  selector:
    matchLabels:
      env: test
`, "apply", "-n", "doomed", "-f", "-")

	kubectl(t, "delete", "namespace", "doomed", "--wait=true", "--timeout=2m")

	errOut := kubectlFails(t, "", "get", "namespace", "doomed")
	assertContains(t, errOut, "NotFound")
	if out := kubectl(t, "get", "gitrepos,clustergroups", "-n", "doomed", "-o", "name"); strings.TrimSpace(out) != "" {
		t.Errorf("objects survived their namespace: %s", out)
	}
}
