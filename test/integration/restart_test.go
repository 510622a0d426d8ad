package integration

import (
	"fmt"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"

	v1alpha1 "github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
	"github.com/fleetapi/fleet/test/framework"
)

func TestDataSurvivesRestart(t *testing.T) {
	// Without the controllers: the GitRepo controller writes the GitRepos (finalizer, status) once it
	// runs, which /readyz now waits for, and this test compares what is stored before and after.
	s := framework.StartStandalone(t, "", "--controllers=false")
	ctx := testContext(t)
	client := s.Clientset().FleetV1alpha1().GitRepos("ns")

	first, err := client.Create(ctx, newGitRepo("first"), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	before, err := client.List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	second, err := client.Create(ctx, newGitRepo("second"), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}

	s.Stop()
	s.Start("--controllers=false")
	client = s.Clientset().FleetV1alpha1().GitRepos("ns")

	for _, want := range []*v1alpha1.GitRepo{first, second} {
		got, err := client.Get(ctx, want.Name, metav1.GetOptions{})
		if err != nil {
			t.Fatalf("%s lost in restart: %v", want.Name, err)
		}
		if got.ResourceVersion != want.ResourceVersion || got.UID != want.UID || got.Spec.Repo != want.Spec.Repo {
			t.Fatalf("%s changed in restart: rv %s→%s uid %s→%s", want.Name, want.ResourceVersion, got.ResourceVersion, want.UID, got.UID)
		}
	}

	// A watch from a resource version taken before the restart replays what happened after it...
	w, err := client.Watch(ctx, metav1.ListOptions{ResourceVersion: before.ResourceVersion})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	nextEvent(t, w, watch.Added, "second", second.ResourceVersion)
	// ...and goes on with what happens now, with resource versions that keep growing.
	third, err := client.Create(ctx, newGitRepo("third"), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	nextEvent(t, w, watch.Added, "third", third.ResourceVersion)
	if rvNumber(t, third.ResourceVersion) <= rvNumber(t, second.ResourceVersion) {
		t.Fatalf("resource version went back after restart: %s then %s", second.ResourceVersion, third.ResourceVersion)
	}
}

func newGitRepo(name string) *v1alpha1.GitRepo {
	return &v1alpha1.GitRepo{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: v1alpha1.GitRepoSpec{Repo: repoURL}}
}

func nextEvent(t *testing.T, w watch.Interface, eventType watch.EventType, name, rv string) {
	t.Helper()
	select {
	case ev, ok := <-w.ResultChan():
		if !ok {
			t.Fatalf("watch closed before %s %s", eventType, name)
		}
		got, isRepo := ev.Object.(*v1alpha1.GitRepo)
		if ev.Type != eventType || !isRepo || got.Name != name || got.ResourceVersion != rv {
			t.Fatalf("got %s %#v, want %s %s@%s", ev.Type, ev.Object, eventType, name, rv)
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("no %s event for %s", eventType, name)
	}
}

func rvNumber(t *testing.T, rv string) uint64 {
	t.Helper()
	var n uint64
	if _, err := fmt.Sscan(rv, &n); err != nil {
		t.Fatalf("resource version %q: %v", rv, err)
	}
	return n
}
