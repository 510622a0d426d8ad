package integration

import (
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"

	v1alpha1 "github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
	"github.com/fleetapi/fleet/test/framework"
)

func TestOpenAPIv2AndV3(t *testing.T) {
	s := framework.StartStandalone(t, "")
	rest := s.Clientset().Discovery().RESTClient()

	v2, err := rest.Get().AbsPath("/openapi/v2").DoRaw(testContext(t))
	if err != nil {
		t.Fatal(err)
	}
	assertContains(t, string(v2), `"com.github.fleetapi.fleet.pkg.apis.fleet.v1alpha1.GitRepo"`, `"x-kubernetes-group-version-kind"`)

	v3, err := rest.Get().AbsPath("/openapi/v3/apis/fleet.cattle.io/v1alpha1").DoRaw(testContext(t))
	if err != nil {
		t.Fatal(err)
	}
	assertContains(t, string(v3), `"com.github.fleetapi.fleet.pkg.apis.fleet.v1alpha1.BundleDeployment"`)

	// kubectl explain reads v3: field docs come from the Go doc comments of the types.
	out := s.Kubectl("explain", "gitrepo.spec.targets")
	assertContains(t, out, "KIND:       GitRepo", "clusterSelector", "clusterGroup")
	assertContains(t, s.Kubectl("explain", "content"), "sha256sum")
}

func TestWatchListSendsInitialEventsThenBookmark(t *testing.T) {
	s := framework.StartStandalone(t, "")
	client := s.Clientset().FleetV1alpha1().GitRepos("wl")
	ctx := testContext(t)
	for _, name := range []string{"a", "b"} {
		if _, err := client.Create(ctx, newGitRepo(name), metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	yes := true
	w, err := client.Watch(ctx, metav1.ListOptions{
		SendInitialEvents:    &yes,
		AllowWatchBookmarks:  true,
		ResourceVersionMatch: metav1.ResourceVersionMatchNotOlderThan,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	var added []string
	timeout := time.After(30 * time.Second)
	for {
		select {
		case ev := <-w.ResultChan():
			switch ev.Type {
			case watch.Added:
				added = append(added, ev.Object.(*v1alpha1.GitRepo).Name)
			case watch.Bookmark:
				repo := ev.Object.(*v1alpha1.GitRepo)
				if repo.Annotations[metav1.InitialEventsAnnotationKey] != "true" {
					continue // a progress bookmark before the end of the initial events
				}
				if strings.Join(added, ",") != "a,b" {
					t.Fatalf("initial events = %v, want a,b", added)
				}
				return
			default:
				t.Fatalf("unexpected %s event", ev.Type)
			}
		case <-timeout:
			t.Fatalf("no initial-events-end bookmark; got %v", added)
		}
	}
}
