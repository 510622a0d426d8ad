package controller

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	clocktesting "k8s.io/utils/clock/testing"
)

// countingGetter is a SecretGetter over a map that counts its reads and, while gate is open,
// holds each read until gate is closed: the narrow seam between the cache and the core API.
type countingGetter struct {
	mu      sync.Mutex
	reads   int
	data    map[string]*corev1.Secret
	failing error
	gate    chan struct{}
}

func (g *countingGetter) GetSecret(ctx context.Context, namespace, name string) (*corev1.Secret, error) {
	g.mu.Lock()
	g.reads++
	gate, failing, s := g.gate, g.failing, g.data[namespace+"/"+name]
	g.mu.Unlock()
	if gate != nil {
		select {
		case <-gate:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	switch {
	case failing != nil:
		return nil, failing
	case s == nil:
		return nil, apierrors.NewNotFound(corev1.Resource("secrets"), name)
	}
	return s.DeepCopy(), nil
}

func (g *countingGetter) count() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.reads
}

func newCountingCache() (*CachedSecrets, *countingGetter, *clocktesting.FakePassiveClock) {
	g := &countingGetter{data: map[string]*corev1.Secret{
		"ns/creds": {ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "creds"}, Data: map[string][]byte{"password": []byte("pw")}},
	}}
	c := NewCachedSecrets(g, SecretCacheTTL)
	clk := clocktesting.NewFakePassiveClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	c.clock = clk
	return c, g, clk
}

// TestCachedSecretsShareOneRead: any number of concurrent readers of one Secret cause one read, and
// readers within the TTL none; after it, the Secret is read again.
func TestCachedSecretsShareOneRead(t *testing.T) {
	c, g, clk := newCountingCache()
	g.gate = make(chan struct{})
	var wg sync.WaitGroup
	errs := make(chan error, 50)
	for range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := c.GetSecret(context.Background(), "ns", "creds")
			if err == nil && string(s.Data["password"]) != "pw" {
				err = errors.New("wrong secret")
			}
			errs <- err
		}()
	}
	for g.count() == 0 { // the first reader has started the read; the others wait for it
		time.Sleep(time.Millisecond)
	}
	close(g.gate)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if n := g.count(); n != 1 {
		t.Fatalf("50 concurrent readers made %d reads, want 1", n)
	}

	s, _ := c.GetSecret(context.Background(), "ns", "creds")
	s.Data["password"] = []byte("changed by a caller")
	clk.SetTime(clk.Now().Add(SecretCacheTTL - time.Nanosecond))
	if s, err := c.GetSecret(context.Background(), "ns", "creds"); err != nil || string(s.Data["password"]) != "pw" || g.count() != 1 {
		t.Fatalf("within the TTL: %v, %v, %d reads; want the cached Secret, unchanged by callers, and no read", s, err, g.count())
	}
	clk.SetTime(clk.Now().Add(time.Nanosecond))
	if _, err := c.GetSecret(context.Background(), "ns", "creds"); err != nil || g.count() != 2 {
		t.Fatalf("after the TTL: %v, %d reads; want a second read", err, g.count())
	}
}

// TestCachedSecretsKeepAnswersNotFailures: that a Secret does not exist is kept for the TTL; a
// failure to reach the API is not (the next reader tries again).
func TestCachedSecretsKeepAnswersNotFailures(t *testing.T) {
	c, g, clk := newCountingCache()
	for range 3 {
		if _, err := c.GetSecret(context.Background(), "ns", "missing"); !apierrors.IsNotFound(err) {
			t.Fatalf("missing Secret: %v", err)
		}
	}
	if n := g.count(); n != 1 {
		t.Fatalf("3 reads of a missing Secret made %d reads, want 1", n)
	}
	g.failing = apierrors.NewServiceUnavailable("down")
	clk.SetTime(clk.Now().Add(SecretCacheTTL))
	for range 3 {
		if _, err := c.GetSecret(context.Background(), "ns", "creds"); !apierrors.IsServiceUnavailable(err) {
			t.Fatalf("API down: %v", err)
		}
	}
	if n := g.count(); n != 4 {
		t.Fatalf("3 reads while the API is down made %d reads in all, want 4 (1 + 3)", n)
	}
	g.failing = nil
	if _, err := c.GetSecret(context.Background(), "ns", "creds"); err != nil {
		t.Fatalf("the API is back: %v", err)
	}
}

// TestCachedSecretsReadOutlivesItsCaller: a reader whose context ends stops waiting; the read goes
// on and its answer serves the next reader.
func TestCachedSecretsReadOutlivesItsCaller(t *testing.T) {
	c, g, _ := newCountingCache()
	g.gate = make(chan struct{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := c.GetSecret(ctx, "ns", "creds"); !errors.Is(err, context.Canceled) {
		t.Fatalf("a cancelled reader: %v", err)
	}
	close(g.gate)
	if _, err := c.GetSecret(context.Background(), "ns", "creds"); err != nil || g.count() != 1 {
		t.Fatalf("next reader: %v, %d reads; want the first read's answer", err, g.count())
	}
}

// TestCachedSecretsForget: answers older than the TTL are dropped, so the cache holds only the
// Secrets read lately.
func TestCachedSecretsForget(t *testing.T) {
	c, _, clk := newCountingCache()
	for _, name := range []string{"creds", "a", "b"} {
		_, _ = c.GetSecret(context.Background(), "ns", name)
	}
	if n := c.Len(); n != 3 {
		t.Fatalf("%d entries, want 3", n)
	}
	clk.SetTime(clk.Now().Add(SecretCacheTTL))
	_, _ = c.GetSecret(context.Background(), "ns", "creds")
	if n := c.Len(); n != 1 {
		t.Fatalf("%d entries a TTL later, want only the Secret read again", n)
	}
}
