package server

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/apiserver/pkg/endpoints/openapi"
	"k8s.io/apiserver/pkg/registry/generic"
	genericapiserver "k8s.io/apiserver/pkg/server"
	utilcompatibility "k8s.io/apiserver/pkg/util/compatibility"
	utilfeature "k8s.io/apiserver/pkg/util/feature"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/klog/v2"

	"github.com/fleetapi/fleet/pkg/apiserver"
	"github.com/fleetapi/fleet/pkg/controller"
	generatedopenapi "github.com/fleetapi/fleet/pkg/generated/openapi"
	"github.com/fleetapi/fleet/pkg/storage/pairs"
	"github.com/fleetapi/fleet/pkg/storage/sqlstore"
)

// shutdownWatchGracePeriod bounds how long watches may take to end once the server shuts down.
const shutdownWatchGracePeriod = 5 * time.Second

// NewCommand returns the fleet-apiserver command.
func NewCommand(ctx context.Context, o *Options) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "fleet-apiserver",
		Short: "Serve the fleet.cattle.io API from our own SQL storage",
		Long: "fleet-apiserver serves every fleet.cattle.io/v1alpha1 kind as a Kubernetes aggregated API server,\n" +
			"storing objects in an embedded SQLite database. With --standalone it needs no kube-apiserver.",
		SilenceUsage:  true,
		SilenceErrors: true,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := o.Complete(cmd.Flags()); err != nil {
				return err
			}
			if err := o.Validate(); err != nil {
				return err
			}
			return o.Run(cmd.Context())
		},
	}
	cmd.SetContext(ctx)
	o.AddFlags(cmd.Flags())
	return cmd
}

// Config builds the server configuration and opens the database. The caller closes the database.
func (o *Options) Config(ctx context.Context) (*apiserver.Config, *sqlstore.DB, error) {
	if err := os.MkdirAll(o.DataDir, 0o700); err != nil {
		return nil, nil, fmt.Errorf("data dir: %w", err)
	}
	// The database first: a bad one is the likeliest reason not to start, and says so in one line.
	path, err := o.sqlitePath()
	if err != nil {
		return nil, nil, err
	}
	// Objects may hold what only their owners should read: create the file owner-only (SQLite gives its
	// -wal and -shm files the mode of the database file).
	if err := ownerOnlyFile(path); err != nil {
		return nil, nil, err
	}
	dbConfig, err := o.Store.dbConfig(path)
	if err != nil {
		return nil, nil, err
	}
	db, err := sqlstore.Open(ctx, dbConfig)
	if err != nil {
		return nil, nil, err
	}
	cfg, err := o.config(db)
	if err != nil {
		_ = db.Close()
		return nil, nil, err
	}
	return cfg, db, nil
}

// ownerOnlyFile creates path with mode 0600 if it does not exist, and makes it 0600 if it does.
func ownerOnlyFile(path string) error {
	f, err := os.OpenFile(path, os.O_RDONLY|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("open database %q: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("open database %q: %w", path, err)
	}
	if err := os.Chmod(path, 0o600); err != nil {
		return fmt.Errorf("open database %q: %w", path, err)
	}
	return nil
}

func (o *Options) config(db *sqlstore.DB) (*apiserver.Config, error) {
	if err := o.RecommendedOptions.SecureServing.MaybeDefaultWithSelfSignedCerts("localhost", nil, nil); err != nil {
		return nil, fmt.Errorf("serving certificate: %w", err)
	}

	serverConfig := genericapiserver.NewRecommendedConfig(apiserver.Codecs)
	serverConfig.BuildHandlerChainFunc = func(h http.Handler, c *genericapiserver.Config) http.Handler {
		return keepWebhookAuthorization(genericapiserver.DefaultBuildHandlerChain(h, c))
	}
	serverConfig.EffectiveVersion = utilcompatibility.DefaultBuildEffectiveVersion()
	serverConfig.FeatureGate = utilfeature.DefaultFeatureGate
	namer := openapi.NewDefinitionNamer(apiserver.Scheme)
	serverConfig.OpenAPIConfig = genericapiserver.DefaultOpenAPIConfig(generatedopenapi.GetOpenAPIDefinitions, namer)
	serverConfig.OpenAPIConfig.Info.Title = "Fleet"
	serverConfig.OpenAPIConfig.Info.Version = "v1alpha1"
	serverConfig.OpenAPIV3Config = genericapiserver.DefaultOpenAPIV3Config(generatedopenapi.GetOpenAPIDefinitions, namer)
	serverConfig.OpenAPIV3Config.Info.Title = "Fleet"
	serverConfig.OpenAPIV3Config.Info.Version = "v1alpha1"

	// End watches when shutting down instead of waiting for them: behind kube-apiserver the controllers'
	// watches through the aggregator never end by themselves, and would hold up shutdown for the whole
	// request timeout (a minute).
	serverConfig.ShutdownWatchTerminationGracePeriod = shutdownWatchGracePeriod

	o.allowWebhookAnonymously()
	if err := o.RecommendedOptions.ApplyTo(serverConfig); err != nil {
		return nil, err
	}
	if o.Standalone {
		if err := o.applyStandalone(serverConfig); err != nil {
			return nil, err
		}
	}
	serverConfig.AddReadyzChecks(readinessCheck{db: db})
	transformers, err := o.Store.transformers(&serverConfig.Config)
	if err != nil {
		return nil, err
	}
	var storage generic.RESTOptionsGetter = db.RESTOptionsGetterWithTransformers(apiserver.StorageCodec(), transformers)
	if o.Standalone {
		storage = withoutGarbageCollector{storage}
	}
	return &apiserver.Config{
		GenericConfig: serverConfig,
		ExtraConfig:   apiserver.ExtraConfig{RESTOptionsGetter: storage, Pairs: pairs.New(db)},
	}, nil
}

// Run builds the server and serves until ctx is cancelled, with the controllers in-process when
// o.Controllers is set.
func (o *Options) Run(ctx context.Context) error {
	cfg, db, err := o.Config(ctx)
	if err != nil {
		return err
	}
	defer func() {
		if err := db.Close(); err != nil {
			klog.ErrorS(err, "Closing the database")
		}
	}()
	server, err := cfg.Complete().New()
	if err != nil {
		return err
	}
	// BundleDeployment watches are fed by the pair store's poller: it runs before the server serves.
	if err := cfg.ExtraConfig.Pairs.Start(ctx); err != nil {
		return fmt.Errorf("pair store: %w", err)
	}
	if o.Standalone {
		server.GenericAPIServer.AddPostStartHookOrDie("announce-standalone", func(genericapiserver.PostStartHookContext) error {
			klog.InfoS("Standalone server ready", "kubeconfig", o.kubeconfigPath(), "address", o.address())
			return nil
		})
		if err := addGCFinalizerSweep(server.GenericAPIServer); err != nil {
			return err
		}
	}
	if o.Controllers {
		core, err := coreClient(cfg.GenericConfig.ClientConfig)
		if err != nil {
			return err
		}
		if err := o.addControllers(server.GenericAPIServer, core, cfg.ExtraConfig.Pairs); err != nil {
			return err
		}
	}
	return server.GenericAPIServer.PrepareRun().RunWithContext(ctx)
}

// coreClient returns the controllers' client of the core API of the cluster the server runs behind
// (cfg from --kubeconfig or in-cluster), or nil in standalone mode (cfg is nil). It is not
// throttled on our side (controller.UnthrottledConfig says why): cfg leaves QPS unset, which is
// client-go's 5 QPS.
func coreClient(cfg *rest.Config) (kubernetes.Interface, error) {
	if cfg == nil {
		return nil, nil
	}
	cs, err := kubernetes.NewForConfig(controller.UnthrottledConfig(cfg, controller.LoopbackUserAgent))
	if err != nil {
		return nil, fmt.Errorf("core client: %w", err)
	}
	return cs, nil
}

// secretGetter returns how the controllers read Secrets: from the core API through one cache that
// the GitRepo and HelmOp controllers and the webhook endpoint share (controller.CachedSecrets), or
// nowhere in standalone mode (core is nil).
func secretGetter(core kubernetes.Interface) controller.SecretGetter {
	if core == nil {
		return controller.NoSecrets{}
	}
	return controller.NewCachedSecrets(controller.KubeSecrets{Client: core}, controller.SecretCacheTTL)
}

// eventRecorder returns where a controller's events go: core/v1 Events in the cluster the server runs
// behind (and the log), or only the log in standalone mode, which has no Events API.
func eventRecorder(ctx context.Context, core kubernetes.Interface, component string) controller.EventRecorder {
	if core == nil {
		return controller.LogRecorder{Component: component}
	}
	return controller.NewKubeRecorder(ctx, core, component)
}
