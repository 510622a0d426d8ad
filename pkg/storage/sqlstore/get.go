package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"reflect"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/storage"
)

// Get implements storage.Interface. Reads are always served from the latest
// committed state, which satisfies any "not older than" resource version.
func (s *store) Get(ctx context.Context, key string, opts storage.GetOptions, out runtime.Object) error {
	preparedKey, err := s.prepareKey(key, false)
	if err != nil {
		return err
	}
	var current int64
	var rv sql.NullInt64
	var value []byte
	if _, err := s.db.read().queryRow(ctx, stmtGetObjectWithRV, []any{&current, &rv, &value}, preparedKey); err != nil {
		return err
	}
	if err := s.validateMinimumResourceVersion(opts.ResourceVersion, uint64(current)); err != nil {
		return err
	}
	if !rv.Valid {
		if opts.IgnoreNotFound {
			return runtime.SetZeroValue(out)
		}
		return storage.NewKeyNotFoundError(preparedKey, 0)
	}
	data, _, err := s.fromStorage(ctx, preparedKey, value)
	if err != nil {
		return s.readError(key, storage.NewInternalError(err))
	}
	return s.readError(key, s.decodeInto(data, out, rv.Int64))
}

// readError reports a corrupt object as such when unsafe deletion of
// corrupt objects is enabled, so that the registry can offer it.
func (s *store) readError(key string, err error) error {
	var c *corruptObjectError
	if err != nil && unsafeDeletionEnabled() && errors.As(err, &c) {
		return storage.NewCorruptObjError(key, c)
	}
	return err
}

// validateMinimumResourceVersion returns a "too large resource version" error
// when the requested minimum is newer than the current revision.
func (s *store) validateMinimumResourceVersion(minimumResourceVersion string, current uint64) error {
	if minimumResourceVersion == "" {
		return nil
	}
	minimumRV, err := s.versioner.ParseResourceVersion(minimumResourceVersion)
	if err != nil {
		return apierrors.NewBadRequest(fmt.Sprintf("invalid resource version: %v", err))
	}
	if minimumRV > current {
		return storage.NewTooLargeResourceVersionError(minimumRV, current, 0)
	}
	return nil
}

// objState is a version of an object as read for an update or a delete.
type objState struct {
	obj   runtime.Object
	meta  *storage.ResponseMeta
	rev   int64
	data  []byte
	stale bool
}

// readCurrent reads the current revision and stored value of a key.
func (s *store) readCurrent(ctx context.Context, key string) (rv int64, value []byte, found bool, err error) {
	found, err = s.db.read().queryRow(ctx, stmtGetObject, []any{&rv, &value}, key)
	return rv, value, found, err
}

func (s *store) getCurrentState(ctx context.Context, key string, v reflect.Value, ignoreNotFound, expectTransformOrDecodeError bool) func() (*objState, error) {
	return func() (*objState, error) {
		rv, value, found, err := s.readCurrent(ctx, key)
		if err != nil {
			return nil, err
		}
		return s.getState(ctx, found, rv, value, key, v, ignoreNotFound, expectTransformOrDecodeError)
	}
}

// getState builds an objState from a stored value. With
// expectTransformOrDecodeError, a readable object is an InvalidObj error and
// an unreadable one yields a state without object (unsafe deletion).
func (s *store) getState(ctx context.Context, found bool, rv int64, value []byte, key string, v reflect.Value, ignoreNotFound, expectTransformOrDecodeError bool) (*objState, error) {
	state := &objState{meta: &storage.ResponseMeta{}}
	if u, ok := v.Addr().Interface().(runtime.Unstructured); ok {
		state.obj = u.NewEmptyInstance()
	} else {
		state.obj = reflect.New(v.Type()).Interface().(runtime.Object)
	}
	if !found {
		if !ignoreNotFound {
			return nil, storage.NewKeyNotFoundError(key, 0)
		}
		if err := runtime.SetZeroValue(state.obj); err != nil {
			return nil, err
		}
		return state, nil
	}
	state.rev = rv
	state.meta.ResourceVersion = uint64(rv)
	data, stale, err := s.fromStorage(ctx, key, value)
	if err != nil {
		if !expectTransformOrDecodeError {
			return nil, storage.NewInternalError(err)
		}
		state.obj = nil
		state.stale = true
		return state, nil
	}
	state.data = data
	state.stale = stale
	if err := s.decodeInto(state.data, state.obj, rv); err != nil {
		if !expectTransformOrDecodeError {
			return nil, err
		}
		state.obj = nil
		return state, nil
	}
	if expectTransformOrDecodeError {
		return nil, storage.NewInvalidObjError(key, "unsafe deletion is not allowed because the object is decodable from storage")
	}
	return state, nil
}

// getStateFromObject builds an objState from a cached object suggestion.
func (s *store) getStateFromObject(obj runtime.Object) (*objState, error) {
	state := &objState{obj: obj, meta: &storage.ResponseMeta{}}
	rv, err := s.versioner.ObjectResourceVersion(obj)
	if err != nil {
		return nil, fmt.Errorf("couldn't get resource version: %w", err)
	}
	state.rev = int64(rv)
	state.meta.ResourceVersion = rv
	// The serialized form is computed without the resource version, which is
	// not stored.
	if err := s.versioner.PrepareObjectForStorage(obj); err != nil {
		return nil, fmt.Errorf("PrepareObjectForStorage failed: %w", err)
	}
	state.data, err = runtime.Encode(s.codec, obj)
	if err != nil {
		return nil, err
	}
	if err := s.versioner.UpdateObject(state.obj, rv); err != nil {
		return nil, fmt.Errorf("failed to update object version: %w", err)
	}
	return state, nil
}
