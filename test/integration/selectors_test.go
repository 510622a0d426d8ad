package integration

import (
	"fmt"
	"sort"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/fleetapi/fleet/test/framework"
)

func TestLabelAndFieldSelectors(t *testing.T) {
	s := framework.StartStandalone(t, "")
	for i, team := range []string{"a", "a", "b", "c"} {
		s.KubectlStdin(fmt.Sprintf(gitRepoYAML, fmt.Sprintf("r%d", i), team, fmt.Sprintf("%s-%d", repoURL, i)), "apply", "-n", "ns", "-f", "-")
	}
	s.KubectlStdin(fmt.Sprintf(gitRepoYAML, "other-ns", "a", repoURL), "apply", "-n", "ns2", "-f", "-")
	s.Kubectl("label", "gitrepo", "r3", "-n", "ns", "team-")

	cases := []struct {
		name string
		args []string
		want []string
	}{
		{"equality", []string{"-n", "ns", "-l", "team=a"}, []string{"r0", "r1"}},
		{"inequality", []string{"-n", "ns", "-l", "team!=a"}, []string{"r2", "r3"}},
		{"set", []string{"-n", "ns", "-l", "team in (b,c)"}, []string{"r2"}},
		{"exists", []string{"-n", "ns", "-l", "team"}, []string{"r0", "r1", "r2"}},
		{"not exists", []string{"-n", "ns", "-l", "!team"}, []string{"r3"}},
		{"all namespaces", []string{"-A", "-l", "team=a"}, []string{"other-ns", "r0", "r1"}},
		{"field name", []string{"-n", "ns", "--field-selector", "metadata.name=r2"}, []string{"r2"}},
		{"field spec.repo", []string{"-A", "--field-selector", "spec.repo=" + repoURL}, []string{"other-ns"}},
		{"field namespace", []string{"-A", "--field-selector", "metadata.namespace=ns2"}, []string{"other-ns"}},
		{"field and label", []string{"-n", "ns", "-l", "team=a", "--field-selector", "metadata.name!=r0"}, []string{"r1"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"get", "gitrepos", "-o", "jsonpath={.items[*].metadata.name}"}, tc.args...)
			got := strings.Fields(s.Kubectl(args...))
			sort.Strings(got)
			if !equal(got, tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
		})
	}

	_, errOut, err := s.KubectlResult("", "get", "gitrepos", "-A", "--field-selector", "spec.nosuchfield=x")
	if err == nil || !strings.Contains(errOut, "spec.nosuchfield") {
		t.Fatalf("an unknown field selector is refused naming the field; err=%v stderr=%s", err, errOut)
	}
}

func TestPagination(t *testing.T) {
	s := framework.StartStandalone(t, "")
	var manifests []string
	for i := 0; i < 25; i++ {
		manifests = append(manifests, fmt.Sprintf(gitRepoYAML, fmt.Sprintf("repo-%02d", i), "a", repoURL))
	}
	s.KubectlStdin(strings.Join(manifests, "---\n"), "apply", "-n", "ns", "-f", "-")

	names := strings.Fields(s.Kubectl("get", "gitrepos", "-n", "ns", "--chunk-size=7", "-o", "name"))
	if len(names) != 25 {
		t.Fatalf("kubectl --chunk-size=7 returned %d objects, want 25", len(names))
	}

	// The same through the clientset, page by page: 7+7+7+4, with continue tokens and remaining counts.
	client := s.Clientset().FleetV1alpha1().GitRepos("ns")
	var pages []int
	opts := metav1.ListOptions{Limit: 7}
	seen := map[string]bool{}
	for {
		list, err := client.List(testContext(t), opts)
		if err != nil {
			t.Fatal(err)
		}
		pages = append(pages, len(list.Items))
		for _, item := range list.Items {
			if seen[item.Name] {
				t.Fatalf("%s returned twice", item.Name)
			}
			seen[item.Name] = true
		}
		if list.Continue == "" {
			break
		}
		if list.RemainingItemCount == nil || *list.RemainingItemCount <= 0 {
			t.Fatalf("page with a continue token must say how many items remain")
		}
		opts.Continue = list.Continue
	}
	if !equal(intsToStrings(pages), []string{"7", "7", "7", "4"}) || len(seen) != 25 {
		t.Fatalf("pages = %v, distinct = %d", pages, len(seen))
	}
}

func intsToStrings(xs []int) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = fmt.Sprint(x)
	}
	return out
}
