package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"reflect"

	"k8s.io/apimachinery/pkg/conversion"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/storage"
	"k8s.io/klog/v2"
)

// Delete implements storage.Interface: compare-and-swap on the revision of
// the object that passed preconditions and validateDeletion; a stale
// suggestion or a concurrent write makes it re-read and re-check.
func (s *store) Delete(
	ctx context.Context, key string, out runtime.Object, preconditions *storage.Preconditions,
	validateDeletion storage.ValidateObjectFunc, cachedExistingObject runtime.Object, opts storage.DeleteOptions) error {
	preparedKey, err := s.prepareKey(key, false)
	if err != nil {
		return err
	}
	v, err := conversion.EnforcePtr(out)
	if err != nil {
		return fmt.Errorf("unable to convert output object to pointer: %w", err)
	}
	expectTransformOrDecodeError := unsafeDeletionEnabled() && opts.ExpectTransformOrDecodeError
	return s.conditionalDelete(ctx, preparedKey, out, v, preconditions, validateDeletion, cachedExistingObject, expectTransformOrDecodeError)
}

func (s *store) conditionalDelete(
	ctx context.Context, key string, out runtime.Object, v reflect.Value, preconditions *storage.Preconditions,
	validateDeletion storage.ValidateObjectFunc, cachedExistingObject runtime.Object, expectTransformOrDecodeError bool) error {
	getCurrentState := s.getCurrentState(ctx, key, v, false, expectTransformOrDecodeError)

	var origState *objState
	var err error
	var origStateIsCurrent bool
	if cachedExistingObject != nil && !expectTransformOrDecodeError {
		origState, err = s.getStateFromObject(cachedExistingObject)
	} else {
		origState, err = getCurrentState()
		origStateIsCurrent = true
	}
	if err != nil {
		return err
	}

	// recheck re-reads the object when a check failed on a possibly stale
	// suggestion; it returns the original error when the suggestion was
	// current after all.
	recheck := func(checkErr error) (retry bool, err error) {
		if origStateIsCurrent {
			return false, checkErr
		}
		cachedRev := origState.rev
		if origState, err = getCurrentState(); err != nil {
			return false, err
		}
		origStateIsCurrent = true
		if cachedRev == origState.rev {
			return false, checkErr
		}
		return true, nil
	}

	for {
		if preconditions != nil {
			if err := preconditions.Check(key, origState.obj); err != nil {
				if retry, err := recheck(err); !retry {
					return err
				}
				continue
			}
		}
		if err := validateDeletion(ctx, origState.obj); err != nil {
			if retry, err := recheck(err); !retry {
				return err
			}
			continue
		}

		rv, err := s.db.deleteKey(ctx, key, origState.rev)
		if errors.Is(err, errConflict) {
			klog.V(4).InfoS("Deletion conflict, retrying", "key", key)
			if origState, err = getCurrentState(); err != nil {
				return err
			}
			origStateIsCurrent = true
			continue
		}
		if err != nil {
			return err
		}
		if expectTransformOrDecodeError {
			return nil
		}
		return s.decodeInto(origState.data, out, rv)
	}
}
