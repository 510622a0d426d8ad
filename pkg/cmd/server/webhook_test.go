package server

import (
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
)

// TestAllowWebhookAnonymously: in delegated mode the webhook path joins the paths authorization
// always allows — once, next to the health paths, and only when the controllers (and so the
// handler) run.
func TestAllowWebhookAnonymously(t *testing.T) {
	o := NewOptions(io.Discard)
	o.allowWebhookAnonymously()
	o.allowWebhookAnonymously() // Config may run more than once; the path is added once
	paths := o.RecommendedOptions.Authorization.AlwaysAllowPaths
	if n := len(slices.DeleteFunc(slices.Clone(paths), func(p string) bool { return p != webhookPath })); n != 1 {
		t.Fatalf("always-allowed paths %v: want %s once", paths, webhookPath)
	}
	if !slices.Contains(paths, "/healthz") {
		t.Fatalf("always-allowed paths %v lost the health paths", paths)
	}

	o = NewOptions(io.Discard)
	o.Controllers = false
	o.allowWebhookAnonymously()
	if slices.Contains(o.RecommendedOptions.Authorization.AlwaysAllowPaths, webhookPath) {
		t.Fatal("without controllers nothing serves the webhook path; it must not be opened")
	}

	o = NewOptions(io.Discard)
	o.RecommendedOptions.Authorization = nil // standalone: its own authorizer (standalone.go)
	o.allowWebhookAnonymously()
	if o.RecommendedOptions.Authorization != nil {
		t.Fatal("standalone mode has no delegated authorization to open the path in")
	}
	if got := o.anonymousWebhookPaths(); !slices.Equal(got, []string{webhookPath}) {
		t.Fatalf("standalone anonymous webhook paths = %v, want exactly [%s]", got, webhookPath)
	}
}

// TestWebhookEndpointBeforeControllers: the endpoint is mounted before the controllers start; until
// they hand it their handler it answers 503, then it serves with that handler.
func TestWebhookEndpointBeforeControllers(t *testing.T) {
	e := &webhookEndpoint{}
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, webhookPath, nil))
	if rec.Code != http.StatusServiceUnavailable {
		t.Fatalf("before the controllers: %d, want 503", rec.Code)
	}
	e.serve(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusTeapot) }))
	rec = httptest.NewRecorder()
	e.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, webhookPath, nil))
	if rec.Code != http.StatusTeapot {
		t.Fatalf("after: %d, want the controllers' handler", rec.Code)
	}
}
