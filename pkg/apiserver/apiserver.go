// Package apiserver assembles the fleet.cattle.io aggregated API server: the scheme, the configuration
// (Config → Complete → New) and the installation of the API group on storage we own.
package apiserver

import (
	"fmt"

	"k8s.io/apiserver/pkg/registry/generic"
	genericapiserver "k8s.io/apiserver/pkg/server"

	"github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
	"github.com/fleetapi/fleet/pkg/registry/fleet"
	"github.com/fleetapi/fleet/pkg/storage/pairs"
)

// ExtraConfig holds what the fleet server needs beyond the generic server configuration.
type ExtraConfig struct {
	// RESTOptionsGetter builds the storage of every resource (our SQL store).
	RESTOptionsGetter generic.RESTOptionsGetter
	// Pairs is the compact store of BundleDeployments, on the same database.
	Pairs *pairs.Store
}

// Config is the configuration of the fleet API server.
type Config struct {
	GenericConfig *genericapiserver.RecommendedConfig
	ExtraConfig   ExtraConfig
}

// FleetServer is the running fleet.cattle.io API server.
type FleetServer struct {
	GenericAPIServer *genericapiserver.GenericAPIServer
}

type completedConfig struct {
	GenericConfig genericapiserver.CompletedConfig
	ExtraConfig   *ExtraConfig
}

// CompletedConfig is a Config on which Complete has run; only it can build a server.
type CompletedConfig struct {
	// Embed a private pointer that cannot be instantiated outside of this package.
	*completedConfig
}

// Complete fills in the fields that are not set and that depend on others.
func (cfg *Config) Complete() CompletedConfig {
	return CompletedConfig{&completedConfig{
		GenericConfig: cfg.GenericConfig.Complete(),
		ExtraConfig:   &cfg.ExtraConfig,
	}}
}

// New returns a server that serves every fleet.cattle.io kind.
func (c completedConfig) New() (*FleetServer, error) {
	genericServer, err := c.GenericConfig.New("fleet-apiserver", genericapiserver.NewEmptyDelegate())
	if err != nil {
		return nil, err
	}
	group, err := fleet.NewAPIGroupInfo(Scheme, Codecs, fleet.Deps{RESTOptionsGetter: c.ExtraConfig.RESTOptionsGetter, Pairs: c.ExtraConfig.Pairs})
	if err != nil {
		return nil, fmt.Errorf("build fleet.cattle.io storage: %w", err)
	}
	group.NegotiatedSerializer = withoutProtobuf{Codecs}
	if err := genericServer.InstallAPIGroup(group); err != nil {
		return nil, fmt.Errorf("install fleet.cattle.io: %w", err)
	}
	if p := c.ExtraConfig.Pairs; p != nil {
		// The summaries the pair store computes are written into the Bundles and Clusters by
		// this server, coalesced (pairs.FlushInterval), for as long as it runs.
		writers, err := fleet.NewSummaryWriters(group.VersionedResourcesStorageMap[v1alpha1.SchemeGroupVersion.Version])
		if err != nil {
			return nil, err
		}
		if err := genericServer.AddPostStartHook("fleet-summaries", func(ctx genericapiserver.PostStartHookContext) error {
			go p.RunSummaries(ctx, writers)
			return nil
		}); err != nil {
			return nil, err
		}
	}
	return &FleetServer{GenericAPIServer: genericServer}, nil
}
