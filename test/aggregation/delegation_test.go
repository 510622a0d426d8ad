package aggregation

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestDelegatedAuth talks to fleet-apiserver directly, bypassing kube-apiserver, to prove the second
// authorization point: it trusts identity headers only from the front-proxy certificate, authenticates
// bearer tokens with TokenReview and authorizes every request with SubjectAccessReview.
func TestDelegatedAuth(t *testing.T) {
	createNamespace(t, "direct-a")
	createNamespace(t, "direct-b")
	kubectl(t, "create", "rolebinding", "carol-edit", "-n", "direct-a", "--clusterrole=edit", "--user=carol")
	kubectl(t, "create", "serviceaccount", "reader", "-n", "direct-a")
	kubectl(t, "create", "rolebinding", "reader-view", "-n", "direct-a", "--clusterrole=view", "--serviceaccount=direct-a:reader")
	eventually(t, "view covers gitrepos", func(ctx context.Context) (bool, error) {
		return canI(ctx, "system:serviceaccount:direct-a:reader", "list", "gitrepos.fleet.cattle.io", "direct-a"), nil
	})
	token := strings.TrimSpace(kubectl(t, "create", "token", "reader", "-n", "direct-a"))

	pool := x509.NewCertPool()
	pool.AddCert(fleet.ServingCA().Cert)
	proxyCert, err := tls.LoadX509KeyPair(kube.FrontProxyClientCert, kube.FrontProxyClientKey)
	if err != nil {
		t.Fatal(err)
	}
	asProxy := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, Certificates: []tls.Certificate{proxyCert}}}}
	noCert := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}

	list := func(namespace string) string {
		return fleet.URL() + "/apis/fleet.cattle.io/v1alpha1/namespaces/" + namespace + "/gitrepos"
	}
	carol := http.Header{"X-Remote-User": {"carol"}, "X-Remote-Group": {"system:authenticated"}}
	bearer := http.Header{"Authorization": {"Bearer " + token}}
	for _, c := range []struct {
		name   string
		client *http.Client
		header http.Header
		url    string
		want   int
	}{
		{"front-proxy carol in her namespace", asProxy, carol, list("direct-a"), http.StatusOK},
		{"front-proxy carol elsewhere", asProxy, carol, list("direct-b"), http.StatusForbidden},
		{"front-proxy carol cluster-wide", asProxy, carol, fleet.URL() + "/apis/fleet.cattle.io/v1alpha1/gitrepos", http.StatusForbidden},
		{"identity headers without the front-proxy certificate are ignored", noCert, carol, list("direct-a"), http.StatusForbidden},
		{"ServiceAccount token in its namespace", noCert, bearer, list("direct-a"), http.StatusOK},
		{"ServiceAccount token elsewhere", noCert, bearer, list("direct-b"), http.StatusForbidden},
		{"anonymous", noCert, nil, list("direct-a"), http.StatusForbidden},
	} {
		t.Run(c.name, func(t *testing.T) {
			req, err := http.NewRequestWithContext(testContext(t), http.MethodGet, c.url, nil)
			if err != nil {
				t.Fatal(err)
			}
			for k, v := range c.header {
				req.Header[k] = v
			}
			resp, err := c.client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			_ = resp.Body.Close()
			if resp.StatusCode != c.want {
				t.Errorf("GET %s: status %d, want %d", c.url, resp.StatusCode, c.want)
			}
		})
	}
}
