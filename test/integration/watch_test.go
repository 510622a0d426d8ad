package integration

import (
	"bufio"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"

	v1alpha1 "github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
	"github.com/fleetapi/fleet/test/framework"
)

func TestKubectlWatch(t *testing.T) {
	s := framework.StartStandalone(t, "")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	cmd := s.KubectlCommand(ctx, "get", "gitrepos", "-n", "w", "-w", "--output-watch-events")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cancel(); _ = cmd.Wait() }()
	events := make(chan string, 100)
	go func() {
		scanner := bufio.NewScanner(stdout)
		for scanner.Scan() {
			events <- scanner.Text()
		}
		close(events)
	}()
	// kubectl prints nothing until an event arrives; wait until the watch is established by creating
	// objects until one shows up.
	s.KubectlStdin(fmt.Sprintf(gitRepoYAML, "watched", "a", repoURL), "apply", "-n", "w", "-f", "-")
	expect(t, events, "ADDED", "watched")
	s.Kubectl("patch", "gitrepo", "watched", "-n", "w", "--type=merge", "-p", `{"spec":{"branch":"next"}}`)
	expect(t, events, "MODIFIED", "watched")
	s.Kubectl("delete", "gitrepo", "watched", "-n", "w")
	expect(t, events, "DELETED", "watched")
}

// expect reads watch lines until one starts with the event type and names the object.
func expect(t *testing.T, events <-chan string, eventType, name string) {
	t.Helper()
	timeout := time.After(30 * time.Second)
	for {
		select {
		case line, ok := <-events:
			if !ok {
				t.Fatalf("watch ended before %s %s", eventType, name)
			}
			f := strings.Fields(line)
			if len(f) >= 2 && f[0] == eventType && f[1] == name {
				return
			}
		case <-timeout:
			t.Fatalf("no %s event for %s", eventType, name)
		}
	}
}

func TestClientsetWatchFromResourceVersion(t *testing.T) {
	s := framework.StartStandalone(t, "")
	client := s.Clientset().FleetV1alpha1().GitRepos("w")
	ctx := testContext(t)
	list, err := client.List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	created, err := client.Create(ctx, &v1alpha1.GitRepo{
		ObjectMeta: metav1.ObjectMeta{Name: "a", Labels: map[string]string{"team": "x"}},
		Spec:       v1alpha1.GitRepoSpec{Repo: repoURL},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	w, err := client.Watch(ctx, metav1.ListOptions{ResourceVersion: list.ResourceVersion, LabelSelector: "team=x"})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	select {
	case ev := <-w.ResultChan():
		got, ok := ev.Object.(*v1alpha1.GitRepo)
		if ev.Type != watch.Added || !ok || got.Name != "a" || got.ResourceVersion != created.ResourceVersion {
			t.Fatalf("got %s %#v", ev.Type, ev.Object)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("no event replayed from the resource version before the create")
	}
}
