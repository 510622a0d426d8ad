package sqlstore

import (
	"bytes"
	"context"
	"time"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apiserver/pkg/registry/generic"
	"k8s.io/apiserver/pkg/storage"
	"k8s.io/apiserver/pkg/storage/storagebackend"
	"k8s.io/apiserver/pkg/storage/storagebackend/factory"
	"k8s.io/apiserver/pkg/storage/value"
	"k8s.io/client-go/tools/cache"
	"k8s.io/klog/v2"
)

// StorageType is the storagebackend.Config.Type of the configurations this
// package hands out (factory.Create does not know it, on purpose: storage is
// built by the Decorator).
const StorageType = "fleet-sql"

// RESTOptionsGetter returns a generic.RESTOptionsGetter whose RESTOptions
// build every resource's storage on db: ResourcePrefix "/<group>/<resource>",
// one DeleteCollection worker, garbage collection on, object counts polled
// every minute, and a Decorator that calls NewStore with the resource's
// AttrFunc (selector push-down). Values are stored as they are; see
// RESTOptionsGetterWithTransformers for encryption at rest. No watch cache is
// added; wrap the Decorator to add one.
func (db *DB) RESTOptionsGetter(codec runtime.Codec) generic.RESTOptionsGetter {
	return db.RESTOptionsGetterWithTransformers(codec, nil)
}

// RESTOptionsGetterWithTransformers is RESTOptionsGetter with each resource's
// values passed through transformers.TransformerForResource on their way to
// and from the database: the encryption at rest that
// --encryption-provider-config configures (k8s.io/apiserver's
// encryptionconfig), as kube-apiserver applies it per resource. nil stores
// values as they are.
func (db *DB) RESTOptionsGetterWithTransformers(codec runtime.Codec, transformers value.ResourceTransformers) generic.RESTOptionsGetter {
	return restOptionsGetter{db: db, codec: codec, transformers: transformers}
}

type restOptionsGetter struct {
	db           *DB
	codec        runtime.Codec
	transformers value.ResourceTransformers
}

var _ generic.RESTOptionsGetter = restOptionsGetter{}

// GetRESTOptions implements generic.RESTOptionsGetter.
func (g restOptionsGetter) GetRESTOptions(resource schema.GroupResource, _ runtime.Object) (generic.RESTOptions, error) {
	cfg := storagebackend.NewDefaultConfig("", g.codec)
	cfg.Type = StorageType
	cfg.CompactionInterval = 0 // compaction is the DB's job
	if g.transformers != nil {
		cfg.Transformer = g.transformers.TransformerForResource(resource)
	}
	prefix := "/" + resource.Resource
	if resource.Group != "" {
		prefix = "/" + resource.Group + "/" + resource.Resource
	}
	return generic.RESTOptions{
		StorageConfig:           cfg.ForResource(resource),
		Decorator:               g.decorate,
		EnableGarbageCollection: true,
		DeleteCollectionWorkers: 1,
		ResourcePrefix:          prefix,
		CountMetricPollPeriod:   time.Minute,
	}, nil
}

// encrypts reports whether a transformer changes what it stores (an
// encrypting provider) rather than storing values as they are (identity).
// A transformer that fails to transform the probe (a KMS plugin not up yet)
// is taken to encrypt: only identity stores a value unchanged.
func encrypts(t value.Transformer) bool {
	if t == nil {
		return false
	}
	probe := []byte("fleet-sql identity probe")
	out, err := t.TransformToStorage(context.Background(), probe, value.DefaultContext("/probe"))
	if err != nil {
		klog.V(2).InfoS("Storage transformer probe failed; treating the resource as encrypted", "err", err)
		return true
	}
	return !bytes.Equal(out, probe)
}

// decorate is the generic.StorageDecorator: one store per resource.
func (g restOptionsGetter) decorate(
	config *storagebackend.ConfigForResource,
	resourcePrefix string,
	_ func(obj runtime.Object) (string, error),
	newFunc func() runtime.Object,
	newListFunc func() runtime.Object,
	getAttrsFunc storage.AttrFunc,
	_ storage.IndexerFuncs,
	_ *cache.Indexers) (storage.Interface, factory.DestroyFunc, error) {
	s, err := g.db.NewStore(StoreConfig{
		Codec:             config.Codec,
		Transformer:       config.Transformer,
		Sealed:            encrypts(config.Transformer),
		NewFunc:           newFunc,
		NewListFunc:       newListFunc,
		ResourcePrefix:    resourcePrefix,
		GroupResource:     config.GroupResource,
		AttrFunc:          getAttrsFunc,
		CorruptReadErrors: unsafeDeletionEnabled(),
	})
	if err != nil {
		return nil, nil, err
	}
	// The DB outlives its stores; DB.Close releases everything.
	return s, func() {}, nil
}
