package sqlstore

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	utilerrors "k8s.io/apimachinery/pkg/util/errors"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	"k8s.io/apiserver/pkg/storage"
)

// Messages of the 410 errors, identical to etcd3's (clients match them).
const (
	expiredMessage         = "The resourceVersion for the provided list is too old."
	watchExpiredMessage    = "The resourceVersion for the provided watch is too old."
	continueExpiredMessage = "The provided continue parameter is too old " +
		"to display a consistent list result. You can start a new list without " +
		"the continue parameter."
	inconsistentContinueMessage = "The provided continue parameter is too old " +
		"to display a consistent list result. You can start a new list without " +
		"the continue parameter, or use the continue token in this response to " +
		"retrieve the remainder of the results. Continuing with the provided " +
		"token results in an inconsistent list - objects that were created, " +
		"modified, or deleted between the time the first chunk was returned " +
		"and now may show up in the list."
)

// listCompactedError is the error of a list at a compacted revision: a
// continue token pointing at the latest revision when paging, as etcd3 does.
func listCompactedError(paging bool, continueKey, keyPrefix string) error {
	if !paging {
		return apierrors.NewResourceExpired(expiredMessage)
	}
	// A continue token with resourceVersion -1 continues at the latest
	// revision (0 would be an invalid token).
	newToken, err := storage.EncodeContinue(continueKey, keyPrefix, -1)
	if err != nil {
		utilruntime.HandleError(err)
		return apierrors.NewResourceExpired(continueExpiredMessage)
	}
	statusError := apierrors.NewResourceExpired(inconsistentContinueMessage)
	statusError.ErrStatus.ListMeta.Continue = newToken
	return statusError
}

// corruptObjectError marks stored data that cannot be transformed or decoded.
type corruptObjectError struct {
	err      error
	errType  int
	revision int64
}

const (
	untransformable = iota + 1
	undecodable
)

func (e *corruptObjectError) Unwrap() error { return e.err }

func (e *corruptObjectError) Error() string {
	what := "data from the storage is not transformable"
	if e.errType == undecodable {
		what = "object not decodable"
	}
	return fmt.Sprintf("%s revision=%d: %v", what, e.revision, e.err)
}

func isCorrupt(err error) bool {
	var c *corruptObjectError
	return errors.As(err, &c)
}

// corruptObjectDeletedError is sent to watchers when a DELETED event carries
// data that cannot be read.
type corruptObjectDeletedError struct{ err error }

func (e *corruptObjectDeletedError) Error() string {
	return fmt.Sprintf("saw a DELETED event, but object data is corrupt - %v", e.err)
}

func (e *corruptObjectDeletedError) Unwrap() error { return e.err }

// watchErrorStatus converts an error ending a watch into the Status of an
// ERROR event, as etcd3 does.
func watchErrorStatus(err error) *metav1.Status {
	var deleted *corruptObjectDeletedError
	if errors.As(err, &deleted) {
		return &metav1.Status{
			Status:  metav1.StatusFailure,
			Code:    http.StatusInternalServerError,
			Reason:  metav1.StatusReasonStoreReadError,
			Message: deleted.Error(),
		}
	}
	var status apierrors.APIStatus
	if !errors.As(err, &status) {
		status = apierrors.NewInternalError(err)
	}
	s := status.Status()
	return &s
}

// listItemErrors collects per-item failures of a LIST. Append reports
// whether the list must stop.
type listItemErrors interface {
	Append(key string, err error) bool
	Aggregate() error
}

// abortOnFirstError is the default: the first failure ends the list.
type abortOnFirstError struct{ err error }

func (a *abortOnFirstError) Append(_ string, err error) bool {
	a.err = err
	return true
}

func (a *abortOnFirstError) Aggregate() error { return a.err }

// maxCorruptObjErrs caps the corrupt objects reported by one LIST.
const maxCorruptObjErrs = 100

var errTooMany = errors.New("too many errors, the list is truncated")

// corruptObjErrAggregator collects corrupt objects (so that they can be
// found and deleted) and stops on any other failure.
type corruptObjErrAggregator struct {
	errs     []error
	abortErr error
}

func (a *corruptObjErrAggregator) Append(key string, err error) bool {
	if a.abortErr != nil {
		return true
	}
	var c *corruptObjectError
	if errors.As(err, &c) {
		a.errs = append(a.errs, storage.NewCorruptObjError(key, c))
		if len(a.errs) >= maxCorruptObjErrs {
			a.abortErr = errTooMany
			return true
		}
		return false
	}
	a.abortErr = err
	return true
}

func (a *corruptObjErrAggregator) Aggregate() error {
	switch {
	case len(a.errs) == 0:
		return a.abortErr
	default:
		return &aggregatedStorageError{errs: utilerrors.NewAggregate(a.errs), abortErr: a.abortErr}
	}
}

func newListItemErrors() listItemErrors {
	if unsafeDeletionEnabled() {
		return &corruptObjErrAggregator{}
	}
	return &abortOnFirstError{}
}

// aggregatedStorageError holds the corrupt objects found by one LIST.
type aggregatedStorageError struct {
	errs     utilerrors.Aggregate
	abortErr error
}

func (e *aggregatedStorageError) Error() string {
	errs := e.errs.Errors()
	var b strings.Builder
	fmt.Fprintf(&b, "unable to transform or decode %d objects: {\n", len(errs))
	for _, err := range errs {
		fmt.Fprintf(&b, "\t%s\n", err.Error())
	}
	b.WriteString("}")
	if e.abortErr != nil {
		fmt.Fprintf(&b, ", aborted: %v", e.abortErr)
	}
	return b.String()
}

// apiStatus converts the aggregate into the 500 StoreReadError the registry
// uses to offer unsafe deletion, one cause per corrupt key.
func (e *aggregatedStorageError) apiStatus(gr schema.GroupResource) *apierrors.StatusError {
	errs := e.errs.Errors()
	var causes []metav1.StatusCause
	for _, err := range errs {
		var storageErr *storage.StorageError
		if errors.As(err, &storageErr) {
			causes = append(causes, metav1.StatusCause{
				Type:    metav1.CauseTypeUnexpectedServerResponse,
				Field:   storageErr.Key,
				Message: err.Error(),
			})
		}
	}
	switch {
	case errors.Is(e.abortErr, errTooMany):
		causes = append(causes, metav1.StatusCause{Type: metav1.CauseTypeTooMany, Message: errTooMany.Error()})
	case e.abortErr != nil:
		causes = append(causes, metav1.StatusCause{Type: metav1.CauseTypeUnexpectedServerResponse, Message: e.abortErr.Error()})
	}
	message := fmt.Sprintf("failed to read one or more %s from the storage: %v", gr.String(), errs[0])
	if len(errs) > 1 {
		message = fmt.Sprintf("%s (and %d more)", message, len(errs)-1)
	}
	return &apierrors.StatusError{ErrStatus: metav1.Status{
		Status:  metav1.StatusFailure,
		Code:    http.StatusInternalServerError,
		Reason:  metav1.StatusReasonStoreReadError,
		Details: &metav1.StatusDetails{Group: gr.Group, Kind: gr.Resource, Name: "list", Causes: causes},
		Message: message,
	}}
}
