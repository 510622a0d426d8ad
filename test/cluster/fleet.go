package cluster

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/util/wait"
)

const (
	// FleetNamespace, FleetServiceAccount and FleetAPIService name what artifacts/ installs.
	FleetNamespace      = "cattle-fleet-system"
	FleetServiceAccount = "fleet-apiserver"
	FleetAPIService     = "v1alpha1.fleet.cattle.io"

	// fleetTokenDuration is how long the ServiceAccount token of a local fleet-apiserver lives.
	fleetTokenDuration = "720h"
)

// FleetOptions configure fleet-apiserver behind the local cluster.
type FleetOptions struct {
	// Binary is the fleet-apiserver executable.
	Binary string
	// DataDir is its --data-dir; default Dir/fleet of the cluster.
	DataDir string
	// Port is its --secure-port on 127.0.0.1; 0 picks a free one.
	Port int
	// Args are further flags.
	Args []string
}

// Fleet is fleet-apiserver running as a local process in delegated mode, registered with the cluster's
// aggregator through the manifests of artifacts/.
type Fleet struct {
	c    *Cluster
	opts FleetOptions
	// Port is the port fleet-apiserver serves on (and the APIService's spec.service.port).
	Port int
	// Kubeconfig holds the token of the fleet-apiserver ServiceAccount; the server uses it for
	// TokenReview, SubjectAccessReview and its informers.
	Kubeconfig        string
	certFile, keyFile string
	servingCA         *CA
	proc              *process
}

// InstallFleet applies artifacts/ and artifacts/local/ with kubectl, issues fleet-apiserver's serving
// certificate, gives it a token of its ServiceAccount, points the APIService at it (caBundle and port)
// and starts it; it returns once the APIService is Available and our group is discoverable.
func (c *Cluster) InstallFleet(ctx context.Context, opts FleetOptions) (*Fleet, error) {
	if opts.DataDir == "" {
		opts.DataDir = filepath.Join(c.Dir, "fleet")
	}
	if opts.Port == 0 {
		port, err := freePort()
		if err != nil {
			return nil, err
		}
		opts.Port = port
	}
	f := &Fleet{c: c, opts: opts, Port: opts.Port, Kubeconfig: filepath.Join(c.Dir, "fleet-apiserver.kubeconfig")}
	artifacts := filepath.Join(RepoRoot(), "artifacts")
	if _, err := c.Kubectl(ctx, "", "apply", "-f", artifacts, "-f", filepath.Join(artifacts, "local")); err != nil {
		return nil, err
	}
	if err := f.issueServingCert(); err != nil {
		return nil, err
	}
	token, err := c.Kubectl(ctx, "", "create", "token", FleetServiceAccount, "-n", FleetNamespace, "--duration="+fleetTokenDuration)
	if err != nil {
		return nil, err
	}
	if err := c.writeKubeconfig(f.Kubeconfig, "system:serviceaccount:"+FleetNamespace+":"+FleetServiceAccount, "", "", strings.TrimSpace(token)); err != nil {
		return nil, err
	}
	patch := fmt.Sprintf(`{"spec":{"caBundle":%q,"service":{"port":%d}}}`, base64.StdEncoding.EncodeToString(f.servingCA.CertPEM()), f.Port)
	if _, err := c.Kubectl(ctx, "", "patch", "apiservice", FleetAPIService, "--type=merge", "-p", patch); err != nil {
		return nil, err
	}
	c.mu.Lock()
	c.fleets = append(c.fleets, f)
	c.mu.Unlock()
	if err := f.Start(ctx); err != nil {
		return nil, err
	}
	return f, nil
}

// issueServingCert issues a certificate for the name the aggregator verifies (<service>.<namespace>.svc)
// and for localhost, from a CA of its own that becomes the APIService's caBundle.
func (f *Fleet) issueServingCert() error {
	dir := filepath.Join(f.c.Dir, "pki")
	var err error
	if f.servingCA, err = newCA(dir, "fleet-serving-ca", "fleet-apiserver-serving-ca"); err != nil {
		return err
	}
	f.certFile, f.keyFile, err = f.servingCA.Issue(dir, "fleet-apiserver", CertRequest{
		CommonName: "fleet-apiserver", Server: true,
		DNSNames: []string{FleetServiceAccount + "." + FleetNamespace + ".svc", "localhost"},
		IPs:      []net.IP{net.ParseIP("127.0.0.1")},
	})
	return err
}

// Start starts fleet-apiserver (again) and waits until it is ready and the aggregator serves our group.
func (f *Fleet) Start(ctx context.Context) error {
	if f.proc != nil && !f.proc.exited() {
		return fmt.Errorf("fleet-apiserver is already running")
	}
	if err := os.MkdirAll(f.opts.DataDir, 0o700); err != nil {
		return err
	}
	args := append([]string{
		"--data-dir=" + f.opts.DataDir,
		"--bind-address=127.0.0.1", "--secure-port=" + strconv.Itoa(f.Port),
		"--tls-cert-file=" + f.certFile, "--tls-private-key-file=" + f.keyFile,
		"--authentication-kubeconfig=" + f.Kubeconfig,
		"--authorization-kubeconfig=" + f.Kubeconfig,
		"--kubeconfig=" + f.Kubeconfig,
	}, f.opts.Args...)
	p, err := startProcess("fleet-apiserver", f.opts.Binary, args, filepath.Join(f.c.Dir, "logs", "fleet-apiserver.log"))
	if err != nil {
		return err
	}
	f.proc = p
	pool := x509.NewCertPool()
	pool.AddCert(f.servingCA.Cert)
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}, Timeout: 5 * time.Second}
	readyz := "https://127.0.0.1:" + strconv.Itoa(f.Port) + "/readyz"
	err = waitFor(ctx, p, func(ctx context.Context) bool {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, readyz, nil)
		resp, err := client.Do(req)
		if err != nil {
			return false
		}
		_ = resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(f.c.progress, "fleet-kube: fleet-apiserver ready at https://127.0.0.1:%d\n", f.Port)
	return f.WaitAvailable(ctx)
}

// WaitAvailable waits until the APIService reports Available and kube-apiserver serves our group.
func (f *Fleet) WaitAvailable(ctx context.Context) error {
	var last string
	err := wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, startTimeout, true, func(ctx context.Context) (bool, error) {
		if f.proc.exited() {
			return false, f.proc.exitError()
		}
		out, err := f.c.Kubectl(ctx, "", "get", "apiservice", FleetAPIService,
			"-o", `jsonpath={.status.conditions[?(@.type=="Available")].status} {.status.conditions[?(@.type=="Available")].message}`)
		last = out
		if err != nil || !strings.HasPrefix(out, "True") {
			return false, nil
		}
		_, err = f.c.Kubectl(ctx, "", "get", "--raw", "/apis/fleet.cattle.io/v1alpha1")
		return err == nil, nil
	})
	if err != nil {
		return fmt.Errorf("APIService %s not available (%s): %w; last lines of %s:\n%s", FleetAPIService, last, err, f.proc.logPath, tail(f.proc.logPath, 25))
	}
	fmt.Fprintf(f.c.progress, "fleet-kube: APIService %s Available\n", FleetAPIService)
	return nil
}

// Stop stops fleet-apiserver; the cluster keeps running.
func (f *Fleet) Stop() error {
	if f.proc == nil {
		return nil
	}
	return f.proc.stop()
}

// LogPath is the file fleet-apiserver logs to.
func (f *Fleet) LogPath() string { return filepath.Join(f.c.Dir, "logs", "fleet-apiserver.log") }

// Check returns an error when fleet-apiserver has exited without Stop.
func (f *Fleet) Check() error {
	if f.proc != nil && f.proc.exited() {
		return f.proc.exitError()
	}
	return nil
}

// URL is where fleet-apiserver serves, bypassing kube-apiserver.
func (f *Fleet) URL() string { return "https://127.0.0.1:" + strconv.Itoa(f.Port) }

// ServingCA is the CA of fleet-apiserver's serving certificate (the APIService's caBundle).
func (f *Fleet) ServingCA() *CA { return f.servingCA }
