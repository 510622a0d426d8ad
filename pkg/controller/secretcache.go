package controller

import (
	"context"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/clock"
)

// SecretCacheTTL is how long CachedSecrets keeps what it read: shorter than Fleet's default
// polling interval (15 s), so a changed Secret is still used at the next poll unless it changed in
// the few seconds before.
const SecretCacheTTL = 5 * time.Second

// secretReadTimeout bounds one read of CachedSecrets. The read does not end with the caller that
// started it, as others may be waiting for it.
const secretReadTimeout = 30 * time.Second

// CachedSecrets is the SecretGetter of the controllers behind kube-apiserver, over one that reads
// the core API (KubeSecrets). The controllers read a Secret on every reconcile (git and Helm
// credentials) and on every webhook request for a followed repository (its webhook secret), and
// the webhook endpoint is open to anyone: without a cache, an anonymous caller could make the
// server read Secrets as fast as it sends requests, and the reconciles wait behind those reads.
//
// So each Secret is read at most once per TTL: concurrent readers of one Secret share one read,
// and what it returned — the Secret, or that it does not exist or may not be read — is kept for TTL.
// Other errors (the API cannot be reached) are not kept: the next reader tries again, but still
// only one read of a Secret is in flight at a time. The cost of anonymous requests is then bounded
// by the Secrets that GitRepos name, at one read per Secret per TTL, whatever their rate.
//
// Not an informer: a cache of every Secret of the cluster would hold all of them in memory (Helm
// release Secrets included) and need list and watch on every Secret, where the server now needs
// only get (artifacts/rbac.yaml); a watch per named Secret needs the same list and watch grant.
// The price of a TTL is that a changed Secret is used up to TTL late.
type CachedSecrets struct {
	getter SecretGetter
	ttl    time.Duration
	clock  clock.PassiveClock

	mu      sync.Mutex
	entries map[types.NamespacedName]*secretRead
	swept   time.Time
}

// secretRead is one read of a Secret: done is closed when it ended; the other fields are written
// before (under CachedSecrets.mu for finished and at).
type secretRead struct {
	done     chan struct{}
	secret   *corev1.Secret
	err      error
	finished bool
	at       time.Time
}

// NewCachedSecrets returns a cache over getter keeping what it read for ttl.
func NewCachedSecrets(getter SecretGetter, ttl time.Duration) *CachedSecrets {
	return &CachedSecrets{getter: getter, ttl: ttl, clock: clock.RealClock{}, entries: map[types.NamespacedName]*secretRead{}}
}

// GetSecret returns the Secret namespace/name as read at most TTL ago, reading it when it was not
// (or waiting for the read in flight). It returns early, with ctx's error, when ctx is done first;
// the read goes on for the others.
func (c *CachedSecrets) GetSecret(ctx context.Context, namespace, name string) (*corev1.Secret, error) {
	key := types.NamespacedName{Namespace: namespace, Name: name}
	c.mu.Lock()
	now := c.clock.Now()
	c.sweep(now)
	e := c.entries[key]
	if e == nil || (e.finished && !c.fresh(e, now)) {
		e = &secretRead{done: make(chan struct{})}
		c.entries[key] = e
		go c.read(ctx, key, e)
	}
	c.mu.Unlock()
	select {
	case <-e.done:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	if e.err != nil {
		return nil, e.err
	}
	return e.secret.DeepCopy(), nil
}

// read reads key into e and drops e at once unless its answer is to be kept.
func (c *CachedSecrets) read(ctx context.Context, key types.NamespacedName, e *secretRead) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), secretReadTimeout)
	defer cancel()
	s, err := c.getter.GetSecret(ctx, key.Namespace, key.Name)
	c.mu.Lock()
	e.secret, e.err, e.finished, e.at = s, err, true, c.clock.Now()
	if !kept(err) && c.entries[key] == e {
		delete(c.entries, key)
	}
	c.mu.Unlock()
	close(e.done)
}

// kept reports whether a read's answer is kept for TTL: a Secret, or the API's word that it does
// not exist or may not be read.
func kept(err error) bool {
	return err == nil || apierrors.IsNotFound(err) || apierrors.IsForbidden(err)
}

func (c *CachedSecrets) fresh(e *secretRead, now time.Time) bool {
	return now.Sub(e.at) < c.ttl
}

// sweep drops, once per TTL, the answers older than TTL: the cache holds the Secrets read in the
// last two TTLs, no more.
func (c *CachedSecrets) sweep(now time.Time) {
	if now.Sub(c.swept) < c.ttl {
		return
	}
	c.swept = now
	for k, e := range c.entries {
		if e.finished && !c.fresh(e, now) {
			delete(c.entries, k)
		}
	}
}

// Len returns the number of Secrets held or being read (for tests and diagnostics).
func (c *CachedSecrets) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.entries)
}
