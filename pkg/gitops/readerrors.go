package gitops

import (
	"context"
	"errors"
	"syscall"
	"time"

	"github.com/fleetapi/fleet/pkg/bundlereader"
	"github.com/fleetapi/fleet/pkg/bundlereader/helmchart"
	"github.com/fleetapi/fleet/pkg/controller"
)

// readError classifies an error of the bundle reader (err: its message relative to the checkout)
// for the sync step. Only a failure that the commit's content determines is a Stalling error, which
// sync records (stall.go) so that the commit is not read again, not even after a restart, until
// the commit or the generation changes. The others are retried:
//
//   - a chart that cannot be downloaded (ErrChartUnavailable): Waiting ChartUnavailable, with the
//     chart backoff of sync;
//   - trouble of the server's own (serverTrouble): Waiting ReadFailed, after interval;
//   - any other failure of a chart the bundle does not pin to one release (bundlereader.Floating:
//     no exact version, or dependencies being resolved), over a budget or invalid: Waiting with
//     its reason (BundleTooLarge, InvalidBundle) and the chart backoff, since a release published
//     under the same version range may fix it without a new commit.
func readError(err *checkoutError, helm *helmchart.Credentials, interval time.Duration) error {
	reason := ReasonInvalidBundle
	switch {
	case errors.Is(err, bundlereader.ErrTooLarge):
		reason = ReasonBundleTooLarge
	case errors.Is(err, bundlereader.ErrNoResources):
		reason = ReasonNoResources
	}
	switch {
	case errors.Is(err, bundlereader.ErrChartUnavailable):
		err.msg = helm.Explain(err.msg, "helmRepoURLRegex")
		return controller.NewWaiting(ReasonChartUnavailable, err, interval)
	case serverTrouble(err):
		return controller.NewWaiting(ReasonReadFailed, err, interval)
	case bundlereader.IsFloating(err):
		return controller.NewWaiting(reason, err, interval)
	}
	return controller.NewStalling(reason, err)
}

// chartRetry reports whether sync retries err with the chart backoff (readError): a chart that
// could not be downloaded, or another failure of a chart that the bundle does not pin.
func chartRetry(err error) bool {
	return controller.ReasonOf(err) == ReasonChartUnavailable || (bundlereader.IsFloating(err) && !controller.IsStalling(err))
}

// transientErrnos are the system errors that say something about the server, not about the files
// of a commit: a checkout only holds regular files (mode 644 or 755), directories and symlinks
// that stay inside it, so a permission error is the server's too.
var transientErrnos = []syscall.Errno{
	syscall.ENOSPC, syscall.EDQUOT, syscall.EMFILE, syscall.ENFILE, syscall.ENOMEM, syscall.EIO,
	syscall.EAGAIN, syscall.EINTR, syscall.EROFS, syscall.EACCES, syscall.EPERM, syscall.EBUSY,
}

// serverTrouble reports whether err comes from the server's own resources (transientErrnos) or
// from a reconcile cut short (context canceled at shutdown, or past a deadline).
func serverTrouble(err error) bool {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	for _, e := range transientErrnos {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}
