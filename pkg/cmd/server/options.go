// Package server holds the fleet-apiserver command: its options and the pipeline
// Complete → Validate → Config → New → Run.
package server

import (
	"fmt"
	"io"
	"net"
	"path/filepath"
	"strings"

	"github.com/spf13/pflag"
	genericoptions "k8s.io/apiserver/pkg/server/options"

	"github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
	"github.com/fleetapi/fleet/pkg/apiserver"
	"github.com/fleetapi/fleet/pkg/rollout"
)

// standalonePort is the port a standalone server listens on when --secure-port is not given.
const standalonePort = 8443

// Options are the command-line options of fleet-apiserver.
type Options struct {
	RecommendedOptions *genericoptions.RecommendedOptions

	// DataDir holds the database, the serving certificate and, in standalone mode, the admin credentials.
	DataDir string
	// Storage says where objects are stored: empty for the SQLite file DataDir/fleet.db, or a URL sqlite://PATH.
	Storage string
	// Store holds how objects are stored: sync mode and encryption at rest (storage.go).
	Store StoreOptions
	// Standalone serves on 127.0.0.1 with a self-signed certificate and an admin kubeconfig, without kube-apiserver.
	Standalone bool
	// Controllers runs the controllers (the GitRepo and HelmOp sync loops, the Bundle controller) in-process, over the loopback client.
	Controllers bool
	// RolloutMaxNew is the default rollout.maxNew: how many BundleDeployments a Bundle's
	// reconcile creates at most when its rolloutStrategy sets none (Fleet hard-codes 50).
	RolloutMaxNew int

	Out io.Writer

	// portSet records whether --secure-port was given, so standalone mode can pick its own default.
	portSet bool
}

// NewOptions returns the default options.
func NewOptions(out io.Writer) *Options {
	o := &Options{
		RecommendedOptions: genericoptions.NewRecommendedOptions("/registry/"+v1alpha1.GroupName, apiserver.StorageCodec()),
		DataDir:            "/var/lib/fleet-apiserver",
		Controllers:        true,
		RolloutMaxNew:      rollout.DefaultMaxNew,
		Out:                out,
	}
	// Storage is ours, not etcd's.
	o.RecommendedOptions.Etcd = nil
	return o
}

// AddFlags adds the flags of every option to fs.
func (o *Options) AddFlags(fs *pflag.FlagSet) {
	o.RecommendedOptions.AddFlags(fs)
	fs.StringVar(&o.DataDir, "data-dir", o.DataDir, "Directory for the database, certificates and, with --standalone, admin.kubeconfig.")
	fs.StringVar(&o.Storage, "storage", o.Storage, "Where objects are stored: sqlite://PATH (default: the file fleet.db in --data-dir).")
	o.Store.AddFlags(fs)
	fs.BoolVar(&o.Standalone, "standalone", o.Standalone, "Serve on 127.0.0.1 with a self-signed certificate and write DATA_DIR/admin.kubeconfig; "+
		"no kube-apiserver is needed. For development and demos.")
	fs.BoolVar(&o.Controllers, "controllers", o.Controllers, "Run the controllers (the GitRepo and HelmOp sync loops, the Bundle controller) in-process, over the loopback client.")
	fs.IntVar(&o.RolloutMaxNew, "rollout-max-new", o.RolloutMaxNew, "How many BundleDeployments a Bundle's reconcile creates at most, "+
		"when its rolloutStrategy.maxNew is not set (the rest are created 2 s later, and so on). Fleet hard-codes 50; "+
		"raise it to create a Bundle's BundleDeployments for thousands of clusters at once.")
}

// rolloutDefaults are the Bundle controller's rollout defaults.
func (o *Options) rolloutDefaults() rollout.Defaults {
	return rollout.Defaults{MaxNew: o.RolloutMaxNew}
}

// Complete fills in defaults that depend on other options. flags is the parsed flag set (may be nil).
func (o *Options) Complete(flags *pflag.FlagSet) error {
	if flags != nil {
		o.portSet = flags.Changed("secure-port")
	}
	if !o.Standalone {
		return nil
	}
	serving := o.RecommendedOptions.SecureServing
	serving.BindAddress = net.ParseIP("127.0.0.1")
	if !o.portSet {
		serving.BindPort = standalonePort
	}
	if serving.BindPort == 0 && serving.Listener == nil {
		// Port 0 asks for any free port; open the listener now so the kubeconfig can name it.
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return fmt.Errorf("listen on 127.0.0.1: %w", err)
		}
		serving.Listener = ln
		serving.BindPort = ln.Addr().(*net.TCPAddr).Port
	}
	if serving.ServerCert.CertDirectory == "" || serving.ServerCert.CertDirectory == "apiserver.local.config/certificates" {
		serving.ServerCert.CertDirectory = filepath.Join(o.DataDir, "certs")
	}
	// Without kube-apiserver there is nobody to delegate to: the standalone server authenticates its own
	// admin token and authorizes system:masters (standalone.go).
	o.RecommendedOptions.Authentication = nil
	o.RecommendedOptions.Authorization = nil
	o.RecommendedOptions.CoreAPI = nil
	o.RecommendedOptions.Admission = nil
	o.RecommendedOptions.Features.EnablePriorityAndFairness = false
	return nil
}

// Validate checks the options.
func (o *Options) Validate() error {
	var errs []string
	for _, err := range o.RecommendedOptions.Validate() {
		errs = append(errs, err.Error())
	}
	if o.DataDir == "" {
		errs = append(errs, "--data-dir must not be empty")
	}
	if _, err := o.sqlitePath(); err != nil {
		errs = append(errs, err.Error())
	}
	errs = append(errs, o.Store.Validate()...)
	if o.RolloutMaxNew < 1 {
		errs = append(errs, fmt.Sprintf("--rollout-max-new must be at least 1, not %d", o.RolloutMaxNew))
	}
	if len(errs) > 0 {
		return fmt.Errorf("invalid options: %s", strings.Join(errs, "; "))
	}
	return nil
}

// sqlitePath returns the SQLite file that --storage and --data-dir name.
func (o *Options) sqlitePath() (string, error) {
	switch {
	case o.Storage == "":
		return filepath.Join(o.DataDir, "fleet.db"), nil
	case strings.HasPrefix(o.Storage, "sqlite://"):
		path := strings.TrimPrefix(o.Storage, "sqlite://")
		if path == "" {
			return "", fmt.Errorf("--storage %q: no file path after sqlite://", o.Storage)
		}
		return path, nil
	case strings.HasPrefix(o.Storage, "postgres://"), strings.HasPrefix(o.Storage, "postgresql://"):
		return "", fmt.Errorf("--storage: PostgreSQL is not supported yet; use sqlite://PATH")
	default:
		return "", fmt.Errorf("--storage %q: want sqlite://PATH", o.Storage)
	}
}
