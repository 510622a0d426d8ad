package cluster

import (
	"net"
	"os"
	"path/filepath"
)

// frontProxyClientName is the common name of the certificate the aggregator presents to extension
// servers; kube-apiserver publishes it as requestheader-allowed-names.
const frontProxyClientName = "front-proxy-client"

// pkiFiles are the certificates, keys and kubeconfigs of the control plane, all under Dir/pki.
type pkiFiles struct {
	apiserverCert, apiserverKey     string
	proxyClientCert, proxyClientKey string
	saKey, saPub                    string
	adminCert, adminKey             string
	kcmCert, kcmKey                 string
	schedulerCert, schedulerKey     string

	controllerManagerKubeconfig, schedulerKubeconfig string
}

// pkiComplete marks a pki directory whose every file was written; a cluster restarted on the same
// directory (and etcd data) reuses them, so ServiceAccount tokens and kubeconfigs stay valid.
const pkiComplete = "complete"

// generatePKI creates the cluster CA, a separate front-proxy CA, the serving and client certificates
// and the ServiceAccount signing key, or loads them when an earlier start on Dir wrote them.
func (c *Cluster) generatePKI() (*pkiFiles, error) {
	dir := filepath.Join(c.Dir, "pki")
	p := &pkiFiles{
		controllerManagerKubeconfig: filepath.Join(dir, "kube-controller-manager.kubeconfig"),
		schedulerKubeconfig:         filepath.Join(dir, "kube-scheduler.kubeconfig"),
		saKey:                       filepath.Join(dir, "sa.key"),
		saPub:                       filepath.Join(dir, "sa.pub"),
	}
	if _, err := os.Stat(filepath.Join(dir, pkiComplete)); err == nil {
		return p, c.loadPKI(dir, p)
	}
	var err error
	if c.CA, err = newCA(dir, "ca", "fleet-local-ca"); err != nil {
		return nil, err
	}
	if c.FrontProxyCA, err = newCA(dir, "front-proxy-ca", "fleet-local-front-proxy-ca"); err != nil {
		return nil, err
	}
	issues := []struct {
		ca        *CA
		name      string
		req       CertRequest
		cert, key *string
	}{
		{c.CA, "kube-apiserver", CertRequest{
			CommonName: "kube-apiserver", Server: true,
			DNSNames: []string{"localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc", "kubernetes.default.svc.cluster.local"},
			IPs:      []net.IP{net.ParseIP("127.0.0.1"), net.ParseIP("10.96.0.1")},
		}, &p.apiserverCert, &p.apiserverKey},
		{c.FrontProxyCA, frontProxyClientName, CertRequest{CommonName: frontProxyClientName, Client: true}, &p.proxyClientCert, &p.proxyClientKey},
		{c.CA, "admin", CertRequest{CommonName: "admin", Organization: []string{"system:masters"}, Client: true}, &p.adminCert, &p.adminKey},
		{c.CA, "kube-controller-manager", CertRequest{CommonName: "system:kube-controller-manager", Client: true}, &p.kcmCert, &p.kcmKey},
		{c.CA, "kube-scheduler", CertRequest{CommonName: "system:kube-scheduler", Client: true}, &p.schedulerCert, &p.schedulerKey},
	}
	for _, i := range issues {
		if *i.cert, *i.key, err = i.ca.Issue(dir, i.name, i.req); err != nil {
			return nil, err
		}
	}
	if p.saKey, p.saPub, err = newServiceAccountKey(dir); err != nil {
		return nil, err
	}
	return p, os.WriteFile(filepath.Join(dir, pkiComplete), nil, 0o600)
}

// loadPKI fills c and p from the files an earlier generatePKI wrote into dir.
func (c *Cluster) loadPKI(dir string, p *pkiFiles) error {
	var err error
	if c.CA, err = loadCA(dir, "ca"); err != nil {
		return err
	}
	if c.FrontProxyCA, err = loadCA(dir, "front-proxy-ca"); err != nil {
		return err
	}
	for _, f := range []struct {
		name      string
		cert, key *string
	}{
		{"kube-apiserver", &p.apiserverCert, &p.apiserverKey},
		{frontProxyClientName, &p.proxyClientCert, &p.proxyClientKey},
		{"admin", &p.adminCert, &p.adminKey},
		{"kube-controller-manager", &p.kcmCert, &p.kcmKey},
		{"kube-scheduler", &p.schedulerCert, &p.schedulerKey},
	} {
		*f.cert, *f.key = filepath.Join(dir, f.name+".crt"), filepath.Join(dir, f.name+".key")
	}
	return nil
}

// writeKubeconfigs writes the admin, controller-manager and scheduler kubeconfigs once c.Server is known.
func (c *Cluster) writeKubeconfigs(p *pkiFiles) error {
	for _, k := range []struct{ path, user, cert, key string }{
		{c.AdminKubeconfig, "admin", p.adminCert, p.adminKey},
		{p.controllerManagerKubeconfig, "kube-controller-manager", p.kcmCert, p.kcmKey},
		{p.schedulerKubeconfig, "kube-scheduler", p.schedulerCert, p.schedulerKey},
	} {
		if err := c.writeKubeconfig(k.path, k.user, k.cert, k.key, ""); err != nil {
			return err
		}
	}
	return nil
}
