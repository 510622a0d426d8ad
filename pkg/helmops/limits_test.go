package helmops

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/fleetapi/fleet/pkg/bundlereader/helmchart/chartserver"
	"github.com/fleetapi/fleet/pkg/controller"
)

// testBound bounds every wait of these tests; nothing is expected to take a fraction of it.
const testBound = 20 * time.Second

// hangingServer answers nothing until the request is cancelled or the test ends; started
// receives once per request.
func hangingServer(t *testing.T) (srv *httptest.Server, started chan struct{}, requests *atomic.Int32) {
	t.Helper()
	started, requests = make(chan struct{}, 16), &atomic.Int32{}
	release := make(chan struct{})
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		select {
		case started <- struct{}{}:
		default:
		}
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	t.Cleanup(srv.Close)                 // runs second: no handler is left waiting
	t.Cleanup(func() { close(release) }) // runs first
	return srv, started, requests
}

func waitClosed[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(testBound):
		t.Fatalf("%s: nothing within %v", what, testBound)
		var zero T
		return zero
	}
}

// TestHungRepositoryBlocksOnlyItsWaiters: while one repository hangs, another repository of the
// same pool resolves, a second caller on the hung one gives up when its own context ends without
// a second request, and the hung read itself fails once FetchTimeout has passed.
func TestHungRepositoryBlocksOnlyItsWaiters(t *testing.T) {
	hung, started, requests := hangingServer(t)
	good := chartserver.NewRepo(t, chartserver.MinimalChart(t, "app", "1.0.0"))
	ss, _ := newFakeSources(time.Minute)
	ss.FetchTimeout = 300 * time.Millisecond

	first := make(chan error, 1)
	go func() {
		_, err := ss.For(hung.URL, Credentials{}).Charts(context.Background(), time.Second, time.Second)
		first <- err
	}()
	waitClosed(t, started, "the hung repository's first request")

	// Another repository of the pool answers while the hung read is in flight.
	other := make(chan error, 1)
	go func() {
		charts, err := ss.For(good.URL, Credentials{}).Charts(context.Background(), time.Second, time.Second)
		if err == nil && len(charts["app"]) != 1 {
			err = fmt.Errorf("charts = %v", charts)
		}
		other <- err
	}()
	if err := waitClosed(t, other, "another repository while one hangs"); err != nil {
		t.Fatal(err)
	}

	// A second caller on the hung repository joins the read in flight and leaves when its
	// context ends.
	ctx, cancel := context.WithCancel(context.Background())
	second := make(chan error, 1)
	go func() {
		_, err := ss.For(hung.URL, Credentials{}).Charts(ctx, time.Second, time.Second)
		second <- err
	}()
	cancel()
	err := waitClosed(t, second, "a waiter whose context ended")
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("waiter err = %v, want context.Canceled", err)
	}
	assertReason(t, err, ReasonRepositoryUnreachable)

	err = waitClosed(t, first, "the hung read to time out")
	var be *BackoffError
	if !errors.As(err, &be) || !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "no complete answer within 300ms") {
		t.Fatalf("hung read err = %v, want a BackoffError wrapping the fetch deadline", err)
	}
	assertReason(t, err, ReasonRepositoryUnreachable)
	if n := requests.Load(); n != 1 {
		t.Fatalf("%d requests to the hung repository, want 1 (single-flight)", n)
	}
}

// TestHungRepositoryDoesNotBlockOtherHelmOps: the same through the reconciler: one HelmOp's
// reconcile waits for a hung repository while another HelmOp gets its Bundle; then the first is
// Ready=False/RepositoryUnreachable.
func TestHungRepositoryDoesNotBlockOtherHelmOps(t *testing.T) {
	hung, started, _ := hangingServer(t)
	good := chartserver.NewRepo(t, chartserver.MinimalChart(t, "app", "1.2.0"))
	f := newFixture(t, controller.NoSecrets{}, newHelmOp("stuck", hung.URL, ""))
	f.r.sources.FetchTimeout = 300 * time.Millisecond
	if _, err := f.client.FleetV1alpha1().HelmOps("ns").Create(context.Background(), newHelmOp("fine", good.URL, ""), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	f.refresh() // here, not in the goroutine: refresh may fail the test
	stuck := make(chan error, 1)
	go func() {
		_, err := f.r.Reconcile(context.Background(), keyOf("stuck"))
		stuck <- err
	}()
	waitClosed(t, started, "the hung repository's request")
	if _, err := f.reconcile("fine"); err != nil {
		t.Fatalf("a HelmOp on another repository: %v", err)
	}
	if b, err := f.client.FleetV1alpha1().Bundles("ns").Get(context.Background(), "fine", metav1.GetOptions{}); err != nil || b.Spec.Helm.Version != "1.2.0" {
		t.Fatalf("bundle of the other HelmOp: %v %v", b, err)
	}
	err := waitClosed(t, stuck, "the reconcile of the HelmOp on the hung repository")
	if controller.ReasonOf(err) != ReasonRepositoryUnreachable {
		t.Fatalf("reconcile = %v (%s)", err, controller.ReasonOf(err))
	}
}

// TestEndlessTagPaginationIsCapped: a registry whose tag list always has a next page fails with
// ErrTooManyTags, whether its pages are full (the tag cap) or empty (the page cap).
func TestEndlessTagPaginationIsCapped(t *testing.T) {
	for _, perPage := range []int{100, 0} {
		t.Run(fmt.Sprintf("%d tags per page", perPage), func(t *testing.T) {
			var pages atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if !strings.HasSuffix(r.URL.Path, "/tags/list") {
					w.WriteHeader(http.StatusOK)
					return
				}
				n := pages.Add(1)
				tags := make([]string, perPage)
				for i := range tags {
					tags[i] = fmt.Sprintf("1.%d.%d", n, i)
				}
				w.Header().Set("Link", fmt.Sprintf(`</v2/charts/app/tags/list?last=p%d>; rel="next"`, n))
				w.Header().Set("Content-Type", "application/json")
				_ = json.NewEncoder(w).Encode(map[string]any{"name": "charts/app", "tags": tags})
			}))
			t.Cleanup(srv.Close)
			ss, _ := newFakeSources(time.Minute)
			ss.FetchTimeout = 2 * testBound // the caps, not the deadline, must end it
			ref := "oci://" + strings.TrimPrefix(srv.URL, "http://") + "/charts/app"
			done := make(chan error, 1)
			go func() {
				_, err := ss.For(ref, Credentials{}).Charts(context.Background(), time.Second, time.Second)
				done <- err
			}()
			err := waitClosed(t, done, "the endless tag list to be cut off")
			if !errors.Is(err, ErrTooManyTags) {
				t.Fatalf("err = %v, want ErrTooManyTags", err)
			}
			assertReason(t, err, ReasonRepositoryUnreachable)
			if n := pages.Load(); n > maxTagPages {
				t.Fatalf("%d pages requested, want at most %d", n, maxTagPages)
			}
		})
	}
}

// TestOversizedIndexIsRefused: an index.yaml larger than maxIndexSize is an error, not held.
func TestOversizedIndexIsRefused(t *testing.T) {
	line := []byte("# " + strings.Repeat("x", 1021) + "\n")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte("apiVersion: v1\nentries: {}\n"))
		for written := 0; written <= maxIndexSize; written += len(line) {
			if _, err := w.Write(line); err != nil {
				return
			}
		}
	}))
	t.Cleanup(srv.Close)
	ss, _ := newFakeSources(time.Minute)
	_, err := ss.For(srv.URL, Credentials{}).Charts(context.Background(), time.Second, time.Second)
	if err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Fatalf("err = %v, want the size bound", err)
	}
	assertReason(t, err, ReasonRepositoryUnreachable)
}

// TestOnlyBasicAuthSecretsAreUsed: a Secret of another type, even with username and password,
// is refused (Accepted=False/CredentialsUnavailable, naming the Secret and its type) and nothing
// is sent to the repository.
func TestOnlyBasicAuthSecretsAreUsed(t *testing.T) {
	for _, typ := range []corev1.SecretType{corev1.SecretTypeOpaque, corev1.SecretTypeSSHAuth, ""} {
		t.Run(fmt.Sprintf("type %q", typ), func(t *testing.T) {
			repo := chartserver.NewRepo(t, chartserver.MinimalChart(t, "app", "1.0.0"))
			repo.RequireBasicAuth("dbuser", "db-pw-value")
			secrets := secretMap{"ns/db": {Type: typ, Data: map[string][]byte{"username": []byte("dbuser"), "password": []byte("db-pw-value")}}}
			f := newFixture(t, secrets, newHelmOp("op", repo.URL, "db"))
			_, err := f.reconcile("op")
			if controller.ReasonOf(err) != ReasonCredentialsUnavailable {
				t.Fatalf("reconcile = %v (%s), want %s", err, controller.ReasonOf(err), ReasonCredentialsUnavailable)
			}
			c := cond(f.helmOp("op"), "Accepted")
			if c.Status != corev1.ConditionFalse || c.Reason != ReasonCredentialsUnavailable ||
				!strings.Contains(c.Message, `"db"`) || !strings.Contains(c.Message, fmt.Sprintf("type %q", typ)) {
				t.Fatalf("Accepted = %+v, want False naming the secret and its type", c)
			}
			if strings.Contains(c.Message, "db-pw-value") {
				t.Fatalf("the password leaked: %q", c.Message)
			}
			if n := repo.IndexRequests(); n != 0 {
				t.Fatalf("%d requests reached the repository with a refused Secret", n)
			}
		})
	}
}

func keyOf(name string) types.NamespacedName {
	return types.NamespacedName{Namespace: "ns", Name: name}
}
