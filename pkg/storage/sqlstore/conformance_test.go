package sqlstore

// The upstream storage conformance suite (k8s.io/apiserver/pkg/storage/testing),
// wired as k8s.io/apiserver/pkg/storage/etcd3/{store,watcher}_test.go wire it
// for etcd: one Test per Run* function, each on a fresh database, run in
// both store configurations (storeConfigs).

import (
	"context"
	"errors"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/apitesting"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/apis/example"
	examplev1 "k8s.io/apiserver/pkg/apis/example/v1"
	"k8s.io/apiserver/pkg/features"
	storagetesting "k8s.io/apiserver/pkg/storage/testing"
	utilfeature "k8s.io/apiserver/pkg/util/feature"
	featuregatetesting "k8s.io/component-base/featuregate/testing"
)

// storeConfigs are the configurations every conformance function runs in:
// the store without AttrFunc (every selector filtered in Go), and the store
// as production builds it: through RESTOptionsGetter's Decorator, which
// hands NewStore the registry's AttrFunc, so selectors are pushed into SQL.
var storeConfigs = []struct {
	name string
	opt  setupOption
}{
	{name: "NoAttrFunc", opt: func(*setupOptions) {}},
	{name: "RegistryAttrFunc", opt: withRegistryDecorator(registryPodAttrs)},
}

// conformance runs body once per store configuration.
func conformance(t *testing.T, body func(t *testing.T, cfg setupOption)) {
	for _, c := range storeConfigs {
		t.Run(c.name, func(t *testing.T) { body(t, c.opt) })
	}
}

// registryPodAttrs is the AttrFunc a registry of the example pods gives
// (as kube's pod registry does for its pods): the labels, the metadata
// fields genericregistry.Store selects on, and the pod's selectable fields
// that the example type has.
func registryPodAttrs(obj runtime.Object) (labels.Set, fields.Set, error) {
	ls, fs, err := podAttrs(obj)
	if err != nil {
		return nil, nil, err
	}
	pod := obj.(*example.Pod)
	fs["spec.restartPolicy"] = string(pod.Spec.RestartPolicy)
	fs["spec.schedulerName"] = pod.Spec.SchedulerName
	fs["spec.serviceAccountName"] = pod.Spec.ServiceAccountName
	fs["status.podIP"] = pod.Status.PodIP
	return ls, fs, nil
}

func TestCreate(t *testing.T) {
	conformance(t, func(t *testing.T, cfg setupOption) {
		ctx, s, _ := testSetup(t, cfg)
		storagetesting.RunTestCreate(ctx, t, s, checkStorageInvariants(s))
	})
}

func TestCreateWithTTL(t *testing.T) {
	conformance(t, func(t *testing.T, cfg setupOption) {
		ctx, s, _ := testSetup(t, cfg)
		storagetesting.RunTestCreateWithTTL(ctx, t, s)
	})
}

func TestCreateWithKeyExist(t *testing.T) {
	conformance(t, func(t *testing.T, cfg setupOption) {
		ctx, s, _ := testSetup(t, cfg)
		storagetesting.RunTestCreateWithKeyExist(ctx, t, s)
	})
}

func TestGet(t *testing.T) {
	conformance(t, func(t *testing.T, cfg setupOption) {
		ctx, s, _ := testSetup(t, cfg)
		storagetesting.RunTestGet(ctx, t, s)
	})
}

func TestUnconditionalDelete(t *testing.T) {
	conformance(t, func(t *testing.T, cfg setupOption) {
		ctx, s, _ := testSetup(t, cfg)
		storagetesting.RunTestUnconditionalDelete(ctx, t, s)
	})
}

func TestConditionalDelete(t *testing.T) {
	conformance(t, func(t *testing.T, cfg setupOption) {
		ctx, s, _ := testSetup(t, cfg)
		storagetesting.RunTestConditionalDelete(ctx, t, s)
	})
}

func TestDeleteWithSuggestion(t *testing.T) {
	conformance(t, func(t *testing.T, cfg setupOption) {
		ctx, s, _ := testSetup(t, cfg)
		storagetesting.RunTestDeleteWithSuggestion(ctx, t, s)
	})
}

func TestDeleteWithSuggestionAndConflict(t *testing.T) {
	conformance(t, func(t *testing.T, cfg setupOption) {
		ctx, s, _ := testSetup(t, cfg)
		storagetesting.RunTestDeleteWithSuggestionAndConflict(ctx, t, s)
	})
}

func TestDeleteWithConflict(t *testing.T) {
	conformance(t, func(t *testing.T, cfg setupOption) {
		ctx, s, _ := testSetup(t, cfg)
		storagetesting.RunTestDeleteWithConflict(ctx, t, s)
	})
}

func TestDeleteWithSuggestionOfDeletedObject(t *testing.T) {
	conformance(t, func(t *testing.T, cfg setupOption) {
		ctx, s, _ := testSetup(t, cfg)
		storagetesting.RunTestDeleteWithSuggestionOfDeletedObject(ctx, t, s)
	})
}

func TestValidateDeletionWithSuggestion(t *testing.T) {
	conformance(t, func(t *testing.T, cfg setupOption) {
		ctx, s, _ := testSetup(t, cfg)
		storagetesting.RunTestValidateDeletionWithSuggestion(ctx, t, s)
	})
}

func TestValidateDeletionWithOnlySuggestionValid(t *testing.T) {
	conformance(t, func(t *testing.T, cfg setupOption) {
		ctx, s, _ := testSetup(t, cfg)
		storagetesting.RunTestValidateDeletionWithOnlySuggestionValid(ctx, t, s)
	})
}

func TestPreconditionalDeleteWithSuggestion(t *testing.T) {
	conformance(t, func(t *testing.T, cfg setupOption) {
		ctx, s, _ := testSetup(t, cfg)
		storagetesting.RunTestPreconditionalDeleteWithSuggestion(ctx, t, s)
	})
}

func TestPreconditionalDeleteWithOnlySuggestionPass(t *testing.T) {
	conformance(t, func(t *testing.T, cfg setupOption) {
		ctx, s, _ := testSetup(t, cfg)
		storagetesting.RunTestPreconditionalDeleteWithOnlySuggestionPass(ctx, t, s)
	})
}

func TestList(t *testing.T) {
	conformance(t, func(t *testing.T, cfg setupOption) {
		ctx, s, db := testSetup(t, cfg)
		// The KubernetesRecorder only checks what a watch cache asks etcd;
		// with watchCacheEnabled=false it is not used.
		storagetesting.RunTestList(ctx, t, s, compactStorage(db), false, nil)
	})
}

func TestDeleteWithConflictAndMissingExpectedTransformOrDecodeError(t *testing.T) {
	conformance(t, func(t *testing.T, cfg setupOption) {
		featuregatetesting.SetFeatureGateDuringTest(t, utilfeature.DefaultFeatureGate, features.AllowUnsafeMalformedObjectDeletion, true)
		codec := &failingCodec{Codec: apitesting.TestCodec(codecs, examplev1.SchemeGroupVersion)}
		ctx, s, _ := testSetup(t, cfg, withCodec(codec))
		storagetesting.RunTestDeleteWithConflictAndMissingExpectedTransformOrDecodeError(ctx, t, s, codec.setFailing)
	})
}

func TestDeleteExpectedTransformOrDecodeError(t *testing.T) {
	conformance(t, func(t *testing.T, cfg setupOption) {
		featuregatetesting.SetFeatureGateDuringTest(t, utilfeature.DefaultFeatureGate, features.AllowUnsafeMalformedObjectDeletion, true)
		t.Run("TransformError", func(t *testing.T) {
			transformer := &failingTransformer{Transformer: storagetesting.NewPrefixTransformer([]byte(testPrefix), false)}
			ctx, s, _ := testSetup(t, cfg, withTransformer(transformer))
			storagetesting.RunTestDeleteExpectedTransformOrDecodeError(ctx, t, s, transformer.setFailing)
		})
		t.Run("DecodeError", func(t *testing.T) {
			codec := &failingCodec{Codec: apitesting.TestCodec(codecs, examplev1.SchemeGroupVersion)}
			ctx, s, _ := testSetup(t, cfg, withCodec(codec))
			storagetesting.RunTestDeleteExpectedTransformOrDecodeError(ctx, t, s, codec.setFailing)
		})
	})
}

func TestDeleteWithSuggestionAndMissingExpectedTransformOrDecodeError(t *testing.T) {
	conformance(t, func(t *testing.T, cfg setupOption) {
		featuregatetesting.SetFeatureGateDuringTest(t, utilfeature.DefaultFeatureGate, features.AllowUnsafeMalformedObjectDeletion, true)
		ctx, s, _ := testSetup(t, cfg)
		storagetesting.RunTestDeleteWithSuggestionAndMissingExpectedTransformOrDecodeError(ctx, t, s)
	})
}

func TestConsistentList(t *testing.T) {
	conformance(t, func(t *testing.T, cfg setupOption) {
		ctx, s, db := testSetup(t, cfg)
		storagetesting.RunTestConsistentList(ctx, t, s, increaseRV(db), false, true, false)
	})
}

func TestGetListNonRecursive(t *testing.T) {
	conformance(t, func(t *testing.T, cfg setupOption) {
		ctx, s, db := testSetup(t, cfg)
		storagetesting.RunTestGetListNonRecursive(ctx, t, increaseRV(db), s)
	})
}

func TestGetListRecursivePrefix(t *testing.T) {
	conformance(t, func(t *testing.T, cfg setupOption) {
		ctx, s, _ := testSetup(t, cfg)
		storagetesting.RunTestGetListRecursivePrefix(ctx, t, s)
	})
}

// testCorruptErr is what the suite injects to make objects look corrupt.
var testCorruptErr = &corruptObjectError{err: errors.New("bits flipped"), errType: untransformable}

func TestGetListWithErrorAggregation(t *testing.T) {
	conformance(t, func(t *testing.T, cfg setupOption) {
		featuregatetesting.SetFeatureGateDuringTest(t, utilfeature.DefaultFeatureGate, features.AllowUnsafeMalformedObjectDeletion, true)
		ctx, s, _ := testSetup(t, cfg)
		storagetesting.RunTestGetListWithErrorAggregation(ctx, t, &storeWithTransformerOverride{Interface: s, store: s}, testCorruptErr)
	})
}

func TestGetListWithoutErrorAggregation(t *testing.T) {
	conformance(t, func(t *testing.T, cfg setupOption) {
		featuregatetesting.SetFeatureGateDuringTest(t, utilfeature.DefaultFeatureGate, features.AllowUnsafeMalformedObjectDeletion, false)
		ctx, s, _ := testSetup(t, cfg)
		storagetesting.RunTestGetListWithoutErrorAggregation(ctx, t, &storeWithTransformerOverride{Interface: s, store: s}, testCorruptErr)
	})
}

func TestListContinuation(t *testing.T) {
	conformance(t, func(t *testing.T, cfg setupOption) {
		ctx, s, _ := testSetup(t, cfg)
		storagetesting.RunTestListContinuation(ctx, t, s, checkTransformerReads(s))
	})
}

func TestListPaginationRareObject(t *testing.T) {
	conformance(t, func(t *testing.T, cfg setupOption) {
		ctx, s, _ := testSetup(t, cfg)
		storagetesting.RunTestListPaginationRareObject(ctx, t, s, checkTransformerReads(s))
	})
}

func TestListContinuationWithFilter(t *testing.T) {
	conformance(t, func(t *testing.T, cfg setupOption) {
		ctx, s, _ := testSetup(t, cfg)
		storagetesting.RunTestListContinuationWithFilter(ctx, t, s, checkTransformerReads(s))
	})
}

func TestListInconsistentContinuation(t *testing.T) {
	conformance(t, func(t *testing.T, cfg setupOption) {
		ctx, s, db := testSetup(t, cfg)
		storagetesting.RunTestListInconsistentContinuation(ctx, t, s, compactStorage(db))
	})
}

func TestListResourceVersionMatch(t *testing.T) {
	conformance(t, func(t *testing.T, cfg setupOption) {
		ctx, s, _ := testSetup(t, cfg)
		storagetesting.RunTestListResourceVersionMatch(ctx, t, &storeWithPrefixTransformer{s})
	})
}

func TestGuaranteedUpdate(t *testing.T) {
	conformance(t, func(t *testing.T, cfg setupOption) {
		ctx, s, _ := testSetup(t, cfg)
		storagetesting.RunTestGuaranteedUpdate(ctx, t, &storeWithPrefixTransformer{s}, checkStorageInvariants(s))
	})
}

func TestGuaranteedUpdateWithTTL(t *testing.T) {
	conformance(t, func(t *testing.T, cfg setupOption) {
		ctx, s, _ := testSetup(t, cfg)
		storagetesting.RunTestGuaranteedUpdateWithTTL(ctx, t, s)
	})
}

func TestGuaranteedUpdateChecksStoredData(t *testing.T) {
	conformance(t, func(t *testing.T, cfg setupOption) {
		ctx, s, _ := testSetup(t, cfg)
		storagetesting.RunTestGuaranteedUpdateChecksStoredData(ctx, t, &storeWithPrefixTransformer{s})
	})
}

func TestGuaranteedUpdateWithConflict(t *testing.T) {
	conformance(t, func(t *testing.T, cfg setupOption) {
		ctx, s, _ := testSetup(t, cfg)
		storagetesting.RunTestGuaranteedUpdateWithConflict(ctx, t, s)
	})
}

func TestGuaranteedUpdateWithSuggestionAndConflict(t *testing.T) {
	conformance(t, func(t *testing.T, cfg setupOption) {
		ctx, s, _ := testSetup(t, cfg)
		storagetesting.RunTestGuaranteedUpdateWithSuggestionAndConflict(ctx, t, s)
	})
}

func TestTransformationFailure(t *testing.T) {
	conformance(t, func(t *testing.T, cfg setupOption) {
		ctx, s, _ := testSetup(t, cfg)
		storagetesting.RunTestTransformationFailure(ctx, t, &storeWithPrefixTransformer{s})
	})
}

func TestStats(t *testing.T) {
	conformance(t, func(t *testing.T, cfg setupOption) {
		for _, sizeEnabled := range []bool{true, false} {
			t.Run(map[bool]string{true: "SizeEstimation", false: "CountOnly"}[sizeEnabled], func(t *testing.T) {
				ctx, s, _ := testSetup(t, cfg)
				if sizeEnabled {
					if err := s.EnableResourceSizeEstimation(func(context.Context) ([]string, error) { return nil, nil }); err != nil {
						t.Fatal(err)
					}
				}
				storagetesting.RunTestStats(ctx, t, s, s.codec, s.getTransformer(), sizeEnabled)
			})
		}
	})
}

func TestListPaging(t *testing.T) {
	conformance(t, func(t *testing.T, cfg setupOption) {
		ctx, s, _ := testSetup(t, cfg)
		storagetesting.RunTestListPaging(ctx, t, s)
	})
}

func TestNamespaceScopedList(t *testing.T) {
	conformance(t, func(t *testing.T, cfg setupOption) {
		ctx, s, _ := testSetup(t, cfg)
		storagetesting.RunTestNamespaceScopedList(ctx, t, s)
	})
}

func TestCompactRevision(t *testing.T) {
	conformance(t, func(t *testing.T, cfg setupOption) {
		ctx, s, db := testSetup(t, cfg)
		storagetesting.RunTestCompactRevision(ctx, t, s, increaseRV(db), compactStorage(db))
	})
}

func TestKeySchema(t *testing.T) {
	conformance(t, func(t *testing.T, cfg setupOption) {
		ctx, s, _ := testSetup(t, cfg)
		storagetesting.RunTestKeySchema(ctx, t, s)
	})
}

// Watch functions (etcd3/watcher_test.go).

func TestWatch(t *testing.T) {
	conformance(t, func(t *testing.T, cfg setupOption) {
		ctx, s, _ := testSetup(t, cfg)
		storagetesting.RunTestWatch(ctx, t, s)
	})
}

func TestClusterScopedWatch(t *testing.T) {
	conformance(t, func(t *testing.T, cfg setupOption) {
		ctx, s, _ := testSetup(t, cfg)
		storagetesting.RunTestClusterScopedWatch(ctx, t, s)
	})
}

func TestNamespaceScopedWatch(t *testing.T) {
	conformance(t, func(t *testing.T, cfg setupOption) {
		ctx, s, _ := testSetup(t, cfg)
		storagetesting.RunTestNamespaceScopedWatch(ctx, t, s)
	})
}

func TestDeleteTriggerWatch(t *testing.T) {
	conformance(t, func(t *testing.T, cfg setupOption) {
		ctx, s, _ := testSetup(t, cfg)
		storagetesting.RunTestDeleteTriggerWatch(ctx, t, s)
	})
}

func TestWatchFromZero(t *testing.T) {
	conformance(t, func(t *testing.T, cfg setupOption) {
		ctx, s, db := testSetup(t, cfg)
		storagetesting.RunTestWatchFromZero(ctx, t, s, compactStorage(db))
	})
}

func TestWatchFromNonZero(t *testing.T) {
	conformance(t, func(t *testing.T, cfg setupOption) {
		ctx, s, _ := testSetup(t, cfg)
		storagetesting.RunTestWatchFromNonZero(ctx, t, s)
	})
}

func TestDelayedWatchDelivery(t *testing.T) {
	conformance(t, func(t *testing.T, cfg setupOption) {
		ctx, s, _ := testSetup(t, cfg)
		storagetesting.RunTestDelayedWatchDelivery(ctx, t, s)
	})
}

func TestWatchError(t *testing.T) {
	conformance(t, func(t *testing.T, cfg setupOption) {
		ctx, s, _ := testSetup(t, cfg)
		storagetesting.RunTestWatchError(ctx, t, &storeWithPrefixTransformer{s})
	})
}

func TestWatchWithUnsafeDelete(t *testing.T) {
	conformance(t, func(t *testing.T, cfg setupOption) {
		featuregatetesting.SetFeatureGateDuringTest(t, utilfeature.DefaultFeatureGate, features.AllowUnsafeMalformedObjectDeletion, true)
		ctx, s, _ := testSetup(t, cfg)
		storagetesting.RunTestWatchWithUnsafeDelete(ctx, t, &storeWithTransformerOverride{Interface: s, store: s}, testCorruptErr)
	})
}

func TestWatchContextCancel(t *testing.T) {
	conformance(t, func(t *testing.T, cfg setupOption) {
		ctx, s, _ := testSetup(t, cfg)
		storagetesting.RunTestWatchContextCancel(ctx, t, s)
	})
}

func TestWatcherTimeout(t *testing.T) {
	conformance(t, func(t *testing.T, cfg setupOption) {
		ctx, s, _ := testSetup(t, cfg)
		storagetesting.RunTestWatcherTimeout(ctx, t, s)
	})
}

func TestWatchDeleteEventObjectHaveLatestRV(t *testing.T) {
	conformance(t, func(t *testing.T, cfg setupOption) {
		ctx, s, _ := testSetup(t, cfg)
		storagetesting.RunTestWatchDeleteEventObjectHaveLatestRV(ctx, t, s)
	})
}

func TestWatchInitializationSignal(t *testing.T) {
	conformance(t, func(t *testing.T, cfg setupOption) {
		ctx, s, _ := testSetup(t, cfg)
		storagetesting.RunTestWatchInitializationSignal(ctx, t, s)
	})
}

func TestProgressNotify(t *testing.T) {
	conformance(t, func(t *testing.T, cfg setupOption) {
		ctx, s, db := testSetup(t, cfg, withConfig(func(c *Config) { c.ProgressNotifyInterval = time.Second }))
		storagetesting.RunOptionalTestProgressNotify(ctx, t, s, increaseRV(db))
	})
}

func TestWatchDispatchBookmarkEvents(t *testing.T) {
	conformance(t, func(t *testing.T, cfg setupOption) {
		// Unlike etcd3 (which passes false), this store sends periodic bookmarks
		// to watchers that allow them, so the suite's stronger check applies.
		ctx, s, _ := testSetup(t, cfg, withConfig(func(c *Config) { c.BookmarkInterval = time.Second }))
		storagetesting.RunTestWatchDispatchBookmarkEvents(ctx, t, s, true)
	})
}

func TestOptionalWatchBookmarksWithCorrectResourceVersion(t *testing.T) {
	conformance(t, func(t *testing.T, cfg setupOption) {
		ctx, s, _ := testSetup(t, cfg, withConfig(func(c *Config) { c.BookmarkInterval = time.Second }))
		storagetesting.RunTestOptionalWatchBookmarksWithCorrectResourceVersion(ctx, t, s)
	})
}

func TestSendInitialEventsBackwardCompatibility(t *testing.T) {
	conformance(t, func(t *testing.T, cfg setupOption) {
		ctx, s, _ := testSetup(t, cfg)
		storagetesting.RunSendInitialEventsBackwardCompatibility(ctx, t, s)
	})
}

func TestWatchSemantics(t *testing.T) {
	conformance(t, func(t *testing.T, cfg setupOption) {
		t.Run("SerialDecode", func(t *testing.T) {
			ctx, s, _ := testSetup(t, cfg)
			storagetesting.RunWatchSemantics(ctx, t, s)
		})
		t.Run("ConcurrentWatchObjectDecode", func(t *testing.T) {
			// The gate changes nothing here (decoding is shared and lazy);
			// run it anyway, as etcd3 does.
			featuregatetesting.SetFeatureGateDuringTest(t, utilfeature.DefaultFeatureGate, features.ConcurrentWatchObjectDecode, true)
			ctx, s, _ := testSetup(t, cfg)
			storagetesting.RunWatchSemantics(ctx, t, s)
		})
	})
}

func TestWatchSemanticInitialEventsExtended(t *testing.T) {
	conformance(t, func(t *testing.T, cfg setupOption) {
		ctx, s, _ := testSetup(t, cfg)
		storagetesting.RunWatchSemanticInitialEventsExtended(ctx, t, s)
	})
}

func TestWatchListMatchSingle(t *testing.T) {
	conformance(t, func(t *testing.T, cfg setupOption) {
		ctx, s, _ := testSetup(t, cfg)
		storagetesting.RunWatchListMatchSingle(ctx, t, s)
	})
}

func TestWatchErrorIsBlockingFurtherEvents(t *testing.T) {
	conformance(t, func(t *testing.T, cfg setupOption) {
		ctx, s, _ := testSetup(t, cfg)
		storagetesting.RunWatchErrorIsBlockingFurtherEvents(ctx, t, &storeWithPrefixTransformer{s})
	})
}
