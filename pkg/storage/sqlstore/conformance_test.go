package sqlstore

// The upstream storage conformance suite (k8s.io/apiserver/pkg/storage/testing),
// wired as k8s.io/apiserver/pkg/storage/etcd3/{store,watcher}_test.go wire it
// for etcd: one Test per Run* function, each on a fresh database.

import (
	"context"
	"errors"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/apitesting"
	examplev1 "k8s.io/apiserver/pkg/apis/example/v1"
	"k8s.io/apiserver/pkg/features"
	storagetesting "k8s.io/apiserver/pkg/storage/testing"
	utilfeature "k8s.io/apiserver/pkg/util/feature"
	featuregatetesting "k8s.io/component-base/featuregate/testing"
)

func TestCreate(t *testing.T) {
	ctx, s, _ := testSetup(t)
	storagetesting.RunTestCreate(ctx, t, s, checkStorageInvariants(s))
}

func TestCreateWithTTL(t *testing.T) {
	ctx, s, _ := testSetup(t)
	storagetesting.RunTestCreateWithTTL(ctx, t, s)
}

func TestCreateWithKeyExist(t *testing.T) {
	ctx, s, _ := testSetup(t)
	storagetesting.RunTestCreateWithKeyExist(ctx, t, s)
}

func TestGet(t *testing.T) {
	ctx, s, _ := testSetup(t)
	storagetesting.RunTestGet(ctx, t, s)
}

func TestUnconditionalDelete(t *testing.T) {
	ctx, s, _ := testSetup(t)
	storagetesting.RunTestUnconditionalDelete(ctx, t, s)
}

func TestConditionalDelete(t *testing.T) {
	ctx, s, _ := testSetup(t)
	storagetesting.RunTestConditionalDelete(ctx, t, s)
}

func TestDeleteWithSuggestion(t *testing.T) {
	ctx, s, _ := testSetup(t)
	storagetesting.RunTestDeleteWithSuggestion(ctx, t, s)
}

func TestDeleteWithSuggestionAndConflict(t *testing.T) {
	ctx, s, _ := testSetup(t)
	storagetesting.RunTestDeleteWithSuggestionAndConflict(ctx, t, s)
}

func TestDeleteWithConflict(t *testing.T) {
	ctx, s, _ := testSetup(t)
	storagetesting.RunTestDeleteWithConflict(ctx, t, s)
}

func TestDeleteWithSuggestionOfDeletedObject(t *testing.T) {
	ctx, s, _ := testSetup(t)
	storagetesting.RunTestDeleteWithSuggestionOfDeletedObject(ctx, t, s)
}

func TestValidateDeletionWithSuggestion(t *testing.T) {
	ctx, s, _ := testSetup(t)
	storagetesting.RunTestValidateDeletionWithSuggestion(ctx, t, s)
}

func TestValidateDeletionWithOnlySuggestionValid(t *testing.T) {
	ctx, s, _ := testSetup(t)
	storagetesting.RunTestValidateDeletionWithOnlySuggestionValid(ctx, t, s)
}

func TestPreconditionalDeleteWithSuggestion(t *testing.T) {
	ctx, s, _ := testSetup(t)
	storagetesting.RunTestPreconditionalDeleteWithSuggestion(ctx, t, s)
}

func TestPreconditionalDeleteWithOnlySuggestionPass(t *testing.T) {
	ctx, s, _ := testSetup(t)
	storagetesting.RunTestPreconditionalDeleteWithOnlySuggestionPass(ctx, t, s)
}

func TestList(t *testing.T) {
	ctx, s, db := testSetup(t)
	// The KubernetesRecorder only checks what a watch cache asks etcd;
	// with watchCacheEnabled=false it is not used.
	storagetesting.RunTestList(ctx, t, s, compactStorage(db), false, nil)
}

func TestDeleteWithConflictAndMissingExpectedTransformOrDecodeError(t *testing.T) {
	featuregatetesting.SetFeatureGateDuringTest(t, utilfeature.DefaultFeatureGate, features.AllowUnsafeMalformedObjectDeletion, true)
	codec := &failingCodec{Codec: apitesting.TestCodec(codecs, examplev1.SchemeGroupVersion)}
	ctx, s, _ := testSetup(t, withCodec(codec))
	storagetesting.RunTestDeleteWithConflictAndMissingExpectedTransformOrDecodeError(ctx, t, s, codec.setFailing)
}

func TestDeleteExpectedTransformOrDecodeError(t *testing.T) {
	featuregatetesting.SetFeatureGateDuringTest(t, utilfeature.DefaultFeatureGate, features.AllowUnsafeMalformedObjectDeletion, true)
	t.Run("TransformError", func(t *testing.T) {
		transformer := &failingTransformer{Transformer: storagetesting.NewPrefixTransformer([]byte(testPrefix), false)}
		ctx, s, _ := testSetup(t, withTransformer(transformer))
		storagetesting.RunTestDeleteExpectedTransformOrDecodeError(ctx, t, s, transformer.setFailing)
	})
	t.Run("DecodeError", func(t *testing.T) {
		codec := &failingCodec{Codec: apitesting.TestCodec(codecs, examplev1.SchemeGroupVersion)}
		ctx, s, _ := testSetup(t, withCodec(codec))
		storagetesting.RunTestDeleteExpectedTransformOrDecodeError(ctx, t, s, codec.setFailing)
	})
}

func TestDeleteWithSuggestionAndMissingExpectedTransformOrDecodeError(t *testing.T) {
	featuregatetesting.SetFeatureGateDuringTest(t, utilfeature.DefaultFeatureGate, features.AllowUnsafeMalformedObjectDeletion, true)
	ctx, s, _ := testSetup(t)
	storagetesting.RunTestDeleteWithSuggestionAndMissingExpectedTransformOrDecodeError(ctx, t, s)
}

func TestConsistentList(t *testing.T) {
	ctx, s, db := testSetup(t)
	storagetesting.RunTestConsistentList(ctx, t, s, increaseRV(db), false, true, false)
}

func TestGetListNonRecursive(t *testing.T) {
	ctx, s, db := testSetup(t)
	storagetesting.RunTestGetListNonRecursive(ctx, t, increaseRV(db), s)
}

func TestGetListRecursivePrefix(t *testing.T) {
	ctx, s, _ := testSetup(t)
	storagetesting.RunTestGetListRecursivePrefix(ctx, t, s)
}

// testCorruptErr is what the suite injects to make objects look corrupt.
var testCorruptErr = &corruptObjectError{err: errors.New("bits flipped"), errType: untransformable}

func TestGetListWithErrorAggregation(t *testing.T) {
	featuregatetesting.SetFeatureGateDuringTest(t, utilfeature.DefaultFeatureGate, features.AllowUnsafeMalformedObjectDeletion, true)
	ctx, s, _ := testSetup(t)
	storagetesting.RunTestGetListWithErrorAggregation(ctx, t, &storeWithTransformerOverride{Interface: s, store: s}, testCorruptErr)
}

func TestGetListWithoutErrorAggregation(t *testing.T) {
	featuregatetesting.SetFeatureGateDuringTest(t, utilfeature.DefaultFeatureGate, features.AllowUnsafeMalformedObjectDeletion, false)
	ctx, s, _ := testSetup(t)
	storagetesting.RunTestGetListWithoutErrorAggregation(ctx, t, &storeWithTransformerOverride{Interface: s, store: s}, testCorruptErr)
}

func TestListContinuation(t *testing.T) {
	ctx, s, _ := testSetup(t)
	storagetesting.RunTestListContinuation(ctx, t, s, checkTransformerReads(s))
}

func TestListPaginationRareObject(t *testing.T) {
	ctx, s, _ := testSetup(t)
	storagetesting.RunTestListPaginationRareObject(ctx, t, s, checkTransformerReads(s))
}

func TestListContinuationWithFilter(t *testing.T) {
	ctx, s, _ := testSetup(t)
	storagetesting.RunTestListContinuationWithFilter(ctx, t, s, checkTransformerReads(s))
}

func TestListInconsistentContinuation(t *testing.T) {
	ctx, s, db := testSetup(t)
	storagetesting.RunTestListInconsistentContinuation(ctx, t, s, compactStorage(db))
}

func TestListResourceVersionMatch(t *testing.T) {
	ctx, s, _ := testSetup(t)
	storagetesting.RunTestListResourceVersionMatch(ctx, t, &storeWithPrefixTransformer{s})
}

func TestGuaranteedUpdate(t *testing.T) {
	ctx, s, _ := testSetup(t)
	storagetesting.RunTestGuaranteedUpdate(ctx, t, &storeWithPrefixTransformer{s}, checkStorageInvariants(s))
}

func TestGuaranteedUpdateWithTTL(t *testing.T) {
	ctx, s, _ := testSetup(t)
	storagetesting.RunTestGuaranteedUpdateWithTTL(ctx, t, s)
}

func TestGuaranteedUpdateChecksStoredData(t *testing.T) {
	ctx, s, _ := testSetup(t)
	storagetesting.RunTestGuaranteedUpdateChecksStoredData(ctx, t, &storeWithPrefixTransformer{s})
}

func TestGuaranteedUpdateWithConflict(t *testing.T) {
	ctx, s, _ := testSetup(t)
	storagetesting.RunTestGuaranteedUpdateWithConflict(ctx, t, s)
}

func TestGuaranteedUpdateWithSuggestionAndConflict(t *testing.T) {
	ctx, s, _ := testSetup(t)
	storagetesting.RunTestGuaranteedUpdateWithSuggestionAndConflict(ctx, t, s)
}

func TestTransformationFailure(t *testing.T) {
	ctx, s, _ := testSetup(t)
	storagetesting.RunTestTransformationFailure(ctx, t, &storeWithPrefixTransformer{s})
}

func TestStats(t *testing.T) {
	for _, sizeEnabled := range []bool{true, false} {
		t.Run(map[bool]string{true: "SizeEstimation", false: "CountOnly"}[sizeEnabled], func(t *testing.T) {
			ctx, s, _ := testSetup(t)
			if sizeEnabled {
				if err := s.EnableResourceSizeEstimation(func(context.Context) ([]string, error) { return nil, nil }); err != nil {
					t.Fatal(err)
				}
			}
			storagetesting.RunTestStats(ctx, t, s, s.codec, s.getTransformer(), sizeEnabled)
		})
	}
}

func TestListPaging(t *testing.T) {
	ctx, s, _ := testSetup(t)
	storagetesting.RunTestListPaging(ctx, t, s)
}

func TestNamespaceScopedList(t *testing.T) {
	ctx, s, _ := testSetup(t)
	storagetesting.RunTestNamespaceScopedList(ctx, t, s)
}

func TestCompactRevision(t *testing.T) {
	ctx, s, db := testSetup(t)
	storagetesting.RunTestCompactRevision(ctx, t, s, increaseRV(db), compactStorage(db))
}

func TestKeySchema(t *testing.T) {
	ctx, s, _ := testSetup(t)
	storagetesting.RunTestKeySchema(ctx, t, s)
}

// Watch functions (etcd3/watcher_test.go).

func TestWatch(t *testing.T) {
	ctx, s, _ := testSetup(t)
	storagetesting.RunTestWatch(ctx, t, s)
}

func TestClusterScopedWatch(t *testing.T) {
	ctx, s, _ := testSetup(t)
	storagetesting.RunTestClusterScopedWatch(ctx, t, s)
}

func TestNamespaceScopedWatch(t *testing.T) {
	ctx, s, _ := testSetup(t)
	storagetesting.RunTestNamespaceScopedWatch(ctx, t, s)
}

func TestDeleteTriggerWatch(t *testing.T) {
	ctx, s, _ := testSetup(t)
	storagetesting.RunTestDeleteTriggerWatch(ctx, t, s)
}

func TestWatchFromZero(t *testing.T) {
	ctx, s, db := testSetup(t)
	storagetesting.RunTestWatchFromZero(ctx, t, s, compactStorage(db))
}

func TestWatchFromNonZero(t *testing.T) {
	ctx, s, _ := testSetup(t)
	storagetesting.RunTestWatchFromNonZero(ctx, t, s)
}

func TestDelayedWatchDelivery(t *testing.T) {
	ctx, s, _ := testSetup(t)
	storagetesting.RunTestDelayedWatchDelivery(ctx, t, s)
}

func TestWatchError(t *testing.T) {
	ctx, s, _ := testSetup(t)
	storagetesting.RunTestWatchError(ctx, t, &storeWithPrefixTransformer{s})
}

func TestWatchWithUnsafeDelete(t *testing.T) {
	featuregatetesting.SetFeatureGateDuringTest(t, utilfeature.DefaultFeatureGate, features.AllowUnsafeMalformedObjectDeletion, true)
	ctx, s, _ := testSetup(t)
	storagetesting.RunTestWatchWithUnsafeDelete(ctx, t, &storeWithTransformerOverride{Interface: s, store: s}, testCorruptErr)
}

func TestWatchContextCancel(t *testing.T) {
	ctx, s, _ := testSetup(t)
	storagetesting.RunTestWatchContextCancel(ctx, t, s)
}

func TestWatcherTimeout(t *testing.T) {
	ctx, s, _ := testSetup(t)
	storagetesting.RunTestWatcherTimeout(ctx, t, s)
}

func TestWatchDeleteEventObjectHaveLatestRV(t *testing.T) {
	ctx, s, _ := testSetup(t)
	storagetesting.RunTestWatchDeleteEventObjectHaveLatestRV(ctx, t, s)
}

func TestWatchInitializationSignal(t *testing.T) {
	ctx, s, _ := testSetup(t)
	storagetesting.RunTestWatchInitializationSignal(ctx, t, s)
}

func TestProgressNotify(t *testing.T) {
	ctx, s, db := testSetup(t, withConfig(func(c *Config) { c.ProgressNotifyInterval = time.Second }))
	storagetesting.RunOptionalTestProgressNotify(ctx, t, s, increaseRV(db))
}

func TestWatchDispatchBookmarkEvents(t *testing.T) {
	// Unlike etcd3 (which passes false), this store sends periodic bookmarks
	// to watchers that allow them, so the suite's stronger check applies.
	ctx, s, _ := testSetup(t, withConfig(func(c *Config) { c.BookmarkInterval = time.Second }))
	storagetesting.RunTestWatchDispatchBookmarkEvents(ctx, t, s, true)
}

func TestOptionalWatchBookmarksWithCorrectResourceVersion(t *testing.T) {
	ctx, s, _ := testSetup(t, withConfig(func(c *Config) { c.BookmarkInterval = time.Second }))
	storagetesting.RunTestOptionalWatchBookmarksWithCorrectResourceVersion(ctx, t, s)
}

func TestSendInitialEventsBackwardCompatibility(t *testing.T) {
	ctx, s, _ := testSetup(t)
	storagetesting.RunSendInitialEventsBackwardCompatibility(ctx, t, s)
}

func TestWatchSemantics(t *testing.T) {
	t.Run("SerialDecode", func(t *testing.T) {
		ctx, s, _ := testSetup(t)
		storagetesting.RunWatchSemantics(ctx, t, s)
	})
	t.Run("ConcurrentWatchObjectDecode", func(t *testing.T) {
		// The gate changes nothing here (decoding is shared and lazy);
		// run it anyway, as etcd3 does.
		featuregatetesting.SetFeatureGateDuringTest(t, utilfeature.DefaultFeatureGate, features.ConcurrentWatchObjectDecode, true)
		ctx, s, _ := testSetup(t)
		storagetesting.RunWatchSemantics(ctx, t, s)
	})
}

func TestWatchSemanticInitialEventsExtended(t *testing.T) {
	ctx, s, _ := testSetup(t)
	storagetesting.RunWatchSemanticInitialEventsExtended(ctx, t, s)
}

func TestWatchListMatchSingle(t *testing.T) {
	ctx, s, _ := testSetup(t)
	storagetesting.RunWatchListMatchSingle(ctx, t, s)
}

func TestWatchErrorIsBlockingFurtherEvents(t *testing.T) {
	ctx, s, _ := testSetup(t)
	storagetesting.RunWatchErrorIsBlockingFurtherEvents(ctx, t, &storeWithPrefixTransformer{s})
}
