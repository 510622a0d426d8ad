package server

import (
	"context"
	"net/http"
	"slices"
	"sync/atomic"

	genericapiserver "k8s.io/apiserver/pkg/server"
)

// webhookPath is where fleet-apiserver receives git webhooks (docs/gitops.md, "Webhooks"). It is
// not an API path: kube-apiserver's aggregator does not proxy it, so git hosts reach it through a
// Service or Ingress in front of fleet-apiserver itself.
const webhookPath = "/webhooks/git"

// anonymousWebhookPaths returns the paths a request without credentials may reach besides the health
// endpoints: the webhook path when the controllers run (git hosts send no Kubernetes credentials;
// the handler verifies each request with the secret of the GitRepo it would trigger).
func (o *Options) anonymousWebhookPaths() []string {
	if !o.Controllers {
		return nil
	}
	return []string{webhookPath}
}

// allowWebhookAnonymously adds the webhook path to the paths delegated authorization always allows.
// Delegated authentication already lets requests without credentials through as system:anonymous;
// every other path is still authorized by kube-apiserver (SubjectAccessReview).
func (o *Options) allowWebhookAnonymously() {
	authz := o.RecommendedOptions.Authorization
	if authz == nil {
		return
	}
	for _, p := range o.anonymousWebhookPaths() {
		if !slices.Contains(authz.AlwaysAllowPaths, p) {
			authz.AlwaysAllowPaths = append(authz.AlwaysAllowPaths, p)
		}
	}
}

// webhookEndpoint is mounted before the server runs; the controllers start after it serves (a
// post-start hook), so the handler arrives later. Until then it answers 503.
type webhookEndpoint struct {
	handler atomic.Pointer[http.Handler]
}

// mountWebhook mounts the webhook endpoint on the server's non-API mux.
func mountWebhook(s *genericapiserver.GenericAPIServer) *webhookEndpoint {
	e := &webhookEndpoint{}
	s.Handler.NonGoRestfulMux.Handle(webhookPath, e)
	return e
}

// serve makes the endpoint answer with h.
func (e *webhookEndpoint) serve(h http.Handler) { e.handler.Store(&h) }

func (e *webhookEndpoint) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if a, ok := r.Context().Value(webhookAuthorizationKey{}).(string); ok && r.Header.Get("Authorization") == "" {
		r.Header.Set("Authorization", a)
	}
	h := e.handler.Load()
	if h == nil {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte(`{"triggered":0,"error":"the controllers are starting"}` + "\n"))
		return
	}
	(*h).ServeHTTP(w, r)
}

// webhookAuthorizationKey is the request context key of a webhook request's Authorization header.
type webhookAuthorizationKey struct{}

// keepWebhookAuthorization wraps the whole handler chain. The authentication filter removes the
// Authorization header of every request it lets through, anonymous ones included, but Azure DevOps
// authenticates its service hooks with HTTP basic authentication, which the webhook handler checks
// against the GitRepo's Secret (a Basic header is no Kubernetes credential, so such a request is
// still anonymous to the server). For the webhook path only, the header is kept in the request's
// context before authentication and put back by the endpoint.
func keepWebhookAuthorization(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == webhookPath {
			if a := r.Header.Get("Authorization"); a != "" {
				r = r.WithContext(context.WithValue(r.Context(), webhookAuthorizationKey{}, a))
			}
		}
		h.ServeHTTP(w, r)
	})
}
