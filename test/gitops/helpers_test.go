package gitops

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"

	"github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
	"k8s.io/client-go/kubernetes"

	clientset "github.com/fleetapi/fleet/pkg/generated/clientset/versioned"
	"github.com/fleetapi/fleet/test/framework"
)

// waitBound bounds every wait: several polling intervals of 1s plus clone and write time.
const waitBound = 30 * time.Second

type env struct {
	t   *testing.T
	srv *framework.Server // standalone mode only; nil behind kube-apiserver
	cs  *clientset.Clientset
	ns  string
	// logs returns the tail of fleet-apiserver's output, for failure messages.
	logs func() string
	// kube is the core client of the cluster behind which fleet-apiserver runs (newClusterEnv only).
	kube kubernetes.Interface
}

func newEnv(t *testing.T) *env {
	t.Helper()
	srv := framework.StartStandalone(t, "", "--controllers=true")
	return &env{t: t, srv: srv, cs: srv.Clientset(), ns: "fleet-local", logs: func() string { return tail(srv.Output(), 40) }}
}

// with returns the environment for subtest t, so that its failures stop the subtest.
func (e *env) with(t *testing.T) *env {
	c := *e
	c.t = t
	return &c
}

func (e *env) ctx() context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	e.t.Cleanup(cancel)
	return ctx
}

func (e *env) createGitRepo(name string, spec v1alpha1.GitRepoSpec) {
	e.t.Helper()
	if spec.PollingInterval == nil {
		spec.PollingInterval = &metav1.Duration{Duration: time.Second}
	}
	gr := &v1alpha1.GitRepo{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: e.ns}, Spec: spec}
	if _, err := e.cs.FleetV1alpha1().GitRepos(e.ns).Create(e.ctx(), gr, metav1.CreateOptions{}); err != nil {
		e.t.Fatalf("create gitrepo %s: %v", name, err)
	}
}

// bundles returns the GitRepo's bundles by name.
func (e *env) bundles(repo string) map[string]v1alpha1.Bundle {
	e.t.Helper()
	list, err := e.cs.FleetV1alpha1().Bundles(e.ns).List(e.ctx(), metav1.ListOptions{LabelSelector: v1alpha1.RepoLabel + "=" + repo})
	if err != nil {
		e.t.Fatalf("list bundles: %v", err)
	}
	out := map[string]v1alpha1.Bundle{}
	for _, b := range list.Items {
		out[b.Name] = b
	}
	return out
}

func names(m map[string]v1alpha1.Bundle) string {
	var n []string
	for k := range m {
		n = append(n, k)
	}
	sort.Strings(n)
	return strings.Join(n, ",")
}

// waitFor polls cond until it returns true, failing the test after waitBound with describe().
func (e *env) waitFor(what string, cond func() (bool, error), describe func() string) {
	e.t.Helper()
	err := wait.PollUntilContextTimeout(e.ctx(), 100*time.Millisecond, waitBound, true, func(context.Context) (bool, error) {
		return cond()
	})
	if err != nil {
		e.t.Fatalf("waiting for %s: %v\nlast state: %s\nserver output (tail):\n%s", what, err, describe(), e.logs())
	}
}

// waitBundles waits until the GitRepo's bundles are exactly want (comma-separated, sorted).
func (e *env) waitBundles(repo, want string) map[string]v1alpha1.Bundle {
	e.t.Helper()
	var got map[string]v1alpha1.Bundle
	e.waitFor("bundles "+want, func() (bool, error) {
		got = e.bundles(repo)
		return names(got) == want, nil
	}, func() string { return names(got) + "\n" + e.describe(repo) })
	return got
}

func (e *env) gitRepo(name string) *v1alpha1.GitRepo {
	e.t.Helper()
	gr, err := e.cs.FleetV1alpha1().GitRepos(e.ns).Get(e.ctx(), name, metav1.GetOptions{})
	if err != nil {
		e.t.Fatalf("get gitrepo %s: %v", name, err)
	}
	return gr
}

func condition(gr *v1alpha1.GitRepo, typ string) v1alpha1.GenericCondition {
	for _, c := range gr.Status.Conditions {
		if c.Type == typ {
			return c
		}
	}
	return v1alpha1.GenericCondition{}
}

// waitCondition waits until condition typ of the GitRepo has status and reason, and returns it.
func (e *env) waitCondition(name, typ, status, reason string) v1alpha1.GenericCondition {
	e.t.Helper()
	var c v1alpha1.GenericCondition
	e.waitFor(fmt.Sprintf("%s %s=%s (%s)", name, typ, status, reason), func() (bool, error) {
		c = condition(e.gitRepo(name), typ)
		return string(c.Status) == status && c.Reason == reason, nil
	}, func() string { return e.describe(name) })
	return c
}

// waitCommit waits until status.commit of the GitRepo is commit.
func (e *env) waitCommit(name, commit string) {
	e.t.Helper()
	e.waitFor(name+" at commit "+commit, func() (bool, error) {
		gr := e.gitRepo(name)
		return gr.Status.Commit == commit && string(condition(gr, v1alpha1.ConditionReady).Status) == "True", nil
	}, func() string { return e.describe(name) })
}

func (e *env) describe(name string) string {
	gr, err := e.cs.FleetV1alpha1().GitRepos(e.ns).Get(context.Background(), name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return "gitrepo not found"
	}
	if err != nil {
		return err.Error()
	}
	return fmt.Sprintf("commit=%s conditions=%+v", gr.Status.Commit, gr.Status.Conditions)
}

func tail(s string, n int) string {
	l := strings.Split(s, "\n")
	if len(l) > n {
		l = l[len(l)-n:]
	}
	return strings.Join(l, "\n")
}
