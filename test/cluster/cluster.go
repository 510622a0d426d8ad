package cluster

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// startTimeout bounds how long one server may take to become ready.
const startTimeout = 2 * time.Minute

// Options configure a local cluster.
type Options struct {
	// Dir holds everything of the cluster: pki/, etcd/, kubeconfigs and logs/. It is created if missing;
	// starting again on the same Dir reuses its certificates and etcd data, so the cluster keeps its objects.
	Dir string
	// Progress receives build progress and one line per started server; nil discards it.
	Progress io.Writer
	// Scheduler also starts kube-scheduler (for workload tests; not needed by the API tests).
	Scheduler bool
	// Kwok also starts kwok (and kube-scheduler), which plays the kubelet of fake nodes (AddFakeNode):
	// pods scheduled there become Running and Ready, so Deployments become Available.
	Kwok bool
	// APIServerPort is kube-apiserver's port on 127.0.0.1; 0 picks a free one.
	APIServerPort int
	// AdminKubeconfig is where the admin kubeconfig is written; default Dir/admin.kubeconfig.
	AdminKubeconfig string
}

// Cluster is a running local control plane.
type Cluster struct {
	Dir    string
	BinDir string
	// Server is the URL of kube-apiserver.
	Server string
	// AdminKubeconfig authenticates as a member of system:masters with a client certificate.
	AdminKubeconfig string
	// CA signs kube-apiserver's serving certificate and the client certificates; FrontProxyCA signs the
	// certificate the aggregator presents to extension servers.
	CA, FrontProxyCA *CA
	// FrontProxyClientCert and FrontProxyClientKey are what the aggregator presents to extension servers.
	FrontProxyClientCert, FrontProxyClientKey string

	progress io.Writer
	mu       sync.Mutex
	procs    []*process // in start order; stopped in reverse
	fleets   []*Fleet   // stopped before the control plane
}

// Start builds the missing binaries, generates certificates and starts etcd, kube-apiserver and
// kube-controller-manager (and kube-scheduler and kwok if asked), all on 127.0.0.1. On error, whatever was started
// is stopped again.
func Start(ctx context.Context, opts Options) (c *Cluster, err error) {
	progress := opts.Progress
	if progress == nil {
		progress = io.Discard
	}
	components := []string{Etcd, KubeAPIServer, KubeControllerManager}
	if opts.Kwok {
		opts.Scheduler = true
	}
	if opts.Scheduler {
		components = append(components, KubeScheduler)
	}
	if opts.Kwok {
		components = append(components, Kwok)
	}
	binDir, err := EnsureBinaries(ctx, progress, components...)
	if err != nil {
		return nil, err
	}
	dir, err := filepath.Abs(opts.Dir)
	if err != nil {
		return nil, err
	}
	for _, d := range []string{"pki", "etcd", "logs"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o700); err != nil {
			return nil, err
		}
	}
	c = &Cluster{Dir: dir, BinDir: binDir, progress: progress, AdminKubeconfig: opts.AdminKubeconfig}
	if c.AdminKubeconfig == "" {
		c.AdminKubeconfig = filepath.Join(dir, "admin.kubeconfig")
	}
	defer func() {
		if err != nil {
			_ = c.Stop()
			c = nil
		}
	}()
	pki, err := c.generatePKI()
	if err != nil {
		return nil, fmt.Errorf("certificates: %w", err)
	}
	c.FrontProxyClientCert, c.FrontProxyClientKey = pki.proxyClientCert, pki.proxyClientKey
	etcdURL, err := c.startEtcd(ctx)
	if err != nil {
		return nil, err
	}
	if err := c.startAPIServer(ctx, pki, etcdURL, opts.APIServerPort); err != nil {
		return nil, err
	}
	if err := c.startControllerManager(pki); err != nil {
		return nil, err
	}
	if opts.Scheduler {
		if err := c.startScheduler(pki); err != nil {
			return nil, err
		}
	}
	if opts.Kwok {
		if err := c.startKwok(); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// Stop stops every process Start started, newest first, and only those.
func (c *Cluster) Stop() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	var errs []error
	for _, f := range c.fleets {
		errs = append(errs, f.Stop())
	}
	c.fleets = nil
	for i := len(c.procs) - 1; i >= 0; i-- {
		errs = append(errs, c.procs[i].stop())
	}
	c.procs = nil
	return errors.Join(errs...)
}

// Check returns an error when one of the cluster's processes has exited.
func (c *Cluster) Check() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, p := range c.procs {
		if p.exited() {
			return p.exitError()
		}
	}
	return nil
}

// RESTConfig returns the admin client configuration.
func (c *Cluster) RESTConfig() (*rest.Config, error) {
	return clientcmd.BuildConfigFromFlags("", c.AdminKubeconfig)
}

// Clientset returns a client for the admin user.
func (c *Cluster) Clientset() (*kubernetes.Clientset, error) {
	cfg, err := c.RESTConfig()
	if err != nil {
		return nil, err
	}
	return kubernetes.NewForConfig(cfg)
}

func (c *Cluster) start(name string, args []string) (*process, error) {
	p, err := startProcess(name, filepath.Join(c.BinDir, name), args, filepath.Join(c.Dir, "logs", name+".log"))
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	c.procs = append(c.procs, p)
	c.mu.Unlock()
	return p, nil
}

func (c *Cluster) startEtcd(ctx context.Context) (string, error) {
	clientPort, err := freePort()
	if err != nil {
		return "", err
	}
	peerPort, err := freePort()
	if err != nil {
		return "", err
	}
	clientURL := "http://127.0.0.1:" + strconv.Itoa(clientPort)
	peerURL := "http://127.0.0.1:" + strconv.Itoa(peerPort)
	p, err := c.start(Etcd, []string{
		"--name=fleet", "--data-dir=" + filepath.Join(c.Dir, "etcd"),
		"--listen-client-urls=" + clientURL, "--advertise-client-urls=" + clientURL,
		"--listen-peer-urls=" + peerURL, "--initial-advertise-peer-urls=" + peerURL,
		"--initial-cluster=fleet=" + peerURL, "--listen-metrics-urls=",
		"--log-level=warn", "--unsafe-no-fsync",
	})
	if err != nil {
		return "", err
	}
	err = waitFor(ctx, p, func(ctx context.Context) bool {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, clientURL+"/health", nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return false
		}
		_ = resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
	if err != nil {
		return "", err
	}
	fmt.Fprintf(c.progress, "fleet-kube: etcd ready at %s\n", clientURL)
	return clientURL, nil
}

func (c *Cluster) startAPIServer(ctx context.Context, pki *pkiFiles, etcdURL string, port int) error {
	if port == 0 {
		var err error
		if port, err = freePort(); err != nil {
			return err
		}
	}
	c.Server = "https://127.0.0.1:" + strconv.Itoa(port)
	if err := c.writeKubeconfigs(pki); err != nil {
		return err
	}
	p, err := c.start(KubeAPIServer, []string{
		"--bind-address=127.0.0.1", "--advertise-address=127.0.0.1", "--secure-port=" + strconv.Itoa(port),
		"--etcd-servers=" + etcdURL,
		"--tls-cert-file=" + pki.apiserverCert, "--tls-private-key-file=" + pki.apiserverKey,
		"--client-ca-file=" + c.CA.CertFile,
		"--authorization-mode=RBAC",
		"--service-account-issuer=https://kubernetes.default.svc.cluster.local",
		"--service-account-key-file=" + pki.saPub, "--service-account-signing-key-file=" + pki.saKey,
		"--service-cluster-ip-range=10.96.0.0/16",
		// The kubernetes Service would get 127.0.0.1 as endpoint, which endpoint validation refuses.
		"--endpoint-reconciler-type=none",
		// Aggregation: the aggregator proxies to extension servers with the front-proxy client certificate
		// and the caller's identity in these headers; extension servers trust the front-proxy CA for them.
		"--requestheader-client-ca-file=" + c.FrontProxyCA.CertFile,
		"--requestheader-allowed-names=" + frontProxyClientName,
		"--requestheader-username-headers=X-Remote-User",
		"--requestheader-group-headers=X-Remote-Group",
		"--requestheader-uid-headers=X-Remote-Uid",
		"--requestheader-extra-headers-prefix=X-Remote-Extra-",
		"--proxy-client-cert-file=" + pki.proxyClientCert, "--proxy-client-key-file=" + pki.proxyClientKey,
		// Route to the Service (ExternalName for a local extension server), not to Endpoints.
		"--enable-aggregator-routing=false",
		"--profiling=false",
	})
	if err != nil {
		return err
	}
	cfg, err := c.RESTConfig()
	if err != nil {
		return err
	}
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return err
	}
	err = waitFor(ctx, p, func(ctx context.Context) bool {
		body, err := cs.Discovery().RESTClient().Get().AbsPath("/readyz").DoRaw(ctx)
		return err == nil && string(body) == "ok"
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(c.progress, "fleet-kube: kube-apiserver ready at %s\n", c.Server)
	return nil
}

func (c *Cluster) startControllerManager(pki *pkiFiles) error {
	_, err := c.start(KubeControllerManager, []string{
		"--kubeconfig=" + pki.controllerManagerKubeconfig,
		// Like kubeadm: each controller runs with its own ServiceAccount, so the namespace controller and
		// the garbage collector reach extension servers with their bootstrap RBAC, not as system:masters.
		"--use-service-account-credentials=true",
		"--service-account-private-key-file=" + pki.saKey,
		"--root-ca-file=" + c.CA.CertFile,
		"--cluster-signing-cert-file=" + c.CA.CertFile, "--cluster-signing-key-file=" + c.CA.KeyFile,
		"--leader-elect=false", "--secure-port=0",
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(c.progress, "fleet-kube: kube-controller-manager started\n")
	return nil
}

func (c *Cluster) startScheduler(pki *pkiFiles) error {
	_, err := c.start(KubeScheduler, []string{
		"--kubeconfig=" + pki.schedulerKubeconfig, "--leader-elect=false", "--secure-port=0",
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(c.progress, "fleet-kube: kube-scheduler started\n")
	return nil
}

// writeKubeconfig writes a self-contained kubeconfig for c.Server authenticating with a client certificate
// (certFile, keyFile) or a token.
func (c *Cluster) writeKubeconfig(path, user, certFile, keyFile, token string) error {
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters["fleet-local"] = &clientcmdapi.Cluster{Server: c.Server, CertificateAuthorityData: c.CA.CertPEM()}
	auth := &clientcmdapi.AuthInfo{Token: token}
	if certFile != "" {
		var err error
		if auth.ClientCertificateData, err = os.ReadFile(certFile); err != nil {
			return err
		}
		if auth.ClientKeyData, err = os.ReadFile(keyFile); err != nil {
			return err
		}
	}
	cfg.AuthInfos[user] = auth
	cfg.Contexts["fleet-local"] = &clientcmdapi.Context{Cluster: "fleet-local", AuthInfo: user, Namespace: "default"}
	cfg.CurrentContext = "fleet-local"
	if err := clientcmd.WriteToFile(*cfg, path); err != nil {
		return err
	}
	return os.Chmod(path, 0o600)
}

// waitFor polls ready until it returns true, the process exits or startTimeout passes.
func waitFor(ctx context.Context, p *process, ready func(context.Context) bool) error {
	err := wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, startTimeout, true, func(ctx context.Context) (bool, error) {
		if p.exited() {
			return false, p.exitError()
		}
		return ready(ctx), nil
	})
	if err != nil && !p.exited() {
		return fmt.Errorf("%s not ready: %w; last lines of %s:\n%s", p.name, err, p.logPath, tail(p.logPath, 25))
	}
	return err
}

// freePort returns a TCP port of 127.0.0.1 that was free a moment ago.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}
