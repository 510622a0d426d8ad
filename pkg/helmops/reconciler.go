package helmops

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/klog/v2"
	"k8s.io/utils/clock"

	"github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
	"github.com/fleetapi/fleet/pkg/controller"
	"github.com/fleetapi/fleet/pkg/generated/clientset/versioned"
	listers "github.com/fleetapi/fleet/pkg/generated/listers/fleet/v1alpha1"
	"github.com/fleetapi/fleet/pkg/redact"
)

// DefaultRetryInterval is the base of retries and of the repository backoff for a HelmOp that
// does not poll (spec.pollingInterval unset or 0, Fleet's default).
const DefaultRetryInterval = 10 * time.Second

// pollingJitter is the fraction of the interval added at random to each poll, so HelmOps created
// together do not poll together.
const pollingJitter = 0.1

// Reconciler turns a HelmOp into a Bundle of the same name at a resolved chart version.
type Reconciler struct {
	client  versioned.Interface
	lister  listers.HelmOpLister
	sources *Sources
	secrets controller.SecretGetter
	// policies gate the HelmOps of their namespace (restrict.go); nil: none.
	policies listers.PolicyLister
	recorder controller.EventRecorder
	writer   bundleWriter
	clock    clock.Clock

	mu sync.Mutex
	// resolved remembers the generation at which each HelmOp last read its repository: a new
	// generation reads it afresh instead of from the shared cache, so a changed spec sees what is
	// published now even when nothing polls.
	resolved map[types.NamespacedName]int64
}

var _ controller.Reconciler = (*Reconciler)(nil)

// opState is one reconcile's view of a HelmOp; steps share what they learn through it.
type opState struct {
	*v1alpha1.HelmOp
	// interval is the polling interval, 0 when polling is disabled.
	interval time.Duration
	// retry is the base of retries and backoff: the polling interval, or DefaultRetryInterval.
	retry time.Duration
	creds Credentials
	// version is the resolved chart version ("" for a .tgz URL, which has none to resolve).
	version  string
	resolved bool
	// polled is set when the repository answered; pollErr when reading it or finding the chart failed.
	polled  bool
	pollErr error
	saved   bool
}

// Reconcile runs the skeleton: restrict → accept → resolve → save, summarized into status.
func (r *Reconciler) Reconcile(ctx context.Context, key types.NamespacedName) (controller.Result, error) {
	return controller.Run(ctx, key, controller.Skeleton[*opState]{
		Get:           r.get,
		Finalizer:     v1alpha1.HelmOpFinalizer,
		SetFinalizers: r.setFinalizers,
		Finalize:      r.finalize,
		Steps:         []controller.Step[*opState]{r.restrict, r.accept, r.resolve, r.save},
		Summarize:     r.summarize,
	})
}

func (r *Reconciler) get(_ context.Context, key types.NamespacedName) (*opState, error) {
	op, err := r.lister.HelmOps(key.Namespace).Get(key.Name)
	if err != nil {
		return nil, err
	}
	s := &opState{HelmOp: op.DeepCopy(), retry: DefaultRetryInterval}
	if p := op.Spec.PollingInterval; p != nil && p.Duration > 0 {
		s.interval, s.retry = p.Duration, p.Duration
	}
	return s, nil
}

func (r *Reconciler) setFinalizers(ctx context.Context, s *opState, finalizers []string) error {
	cur := s.HelmOp.DeepCopy()
	cur.Finalizers = finalizers
	updated, err := r.client.FleetV1alpha1().HelmOps(s.Namespace).Update(ctx, cur, metav1.UpdateOptions{})
	if err != nil {
		return err
	}
	s.HelmOp = updated
	return nil
}

// finalize deletes the HelmOp's Bundle. A finalizer, not an owner reference: standalone mode has
// no garbage collector to act on owner references.
func (r *Reconciler) finalize(ctx context.Context, s *opState) error {
	r.forget(types.NamespacedName{Namespace: s.Namespace, Name: s.Name})
	if err := r.writer.delete(ctx, s.HelmOp); err != nil {
		return err
	}
	klog.InfoS("HelmOp deleted, bundle removed", "helmop", klog.KObj(s.HelmOp))
	return nil
}

// accept checks the chart reference and reads the credentials of spec.helmSecretName, which must
// be a Secret of type kubernetes.io/basic-auth.
func (r *Reconciler) accept(ctx context.Context, s *opState) (controller.Result, error) {
	h := s.Spec.Helm
	if h == nil || (h.Chart == "" && !isOCI(h.Repo)) {
		return controller.Result{}, controller.NewStalling(ReasonInvalidSpec, errors.New("spec.helm must name a chart"))
	}
	s.creds = Credentials{InsecureSkipTLS: s.Spec.InsecureSkipTLSverify}
	name := s.Spec.HelmSecretName
	if name == "" {
		return controller.Result{}, nil
	}
	sec, err := r.secrets.GetSecret(ctx, s.Namespace, name)
	switch {
	case errors.Is(err, controller.ErrNoSecretsAPI):
		return controller.Result{}, controller.NewStalling(ReasonCredentialsUnavailable,
			fmt.Errorf("helmSecretName %q is set, but %w", name, err))
	case apierrors.IsNotFound(err):
		return controller.Result{}, controller.NewWaiting(ReasonCredentialsUnavailable,
			fmt.Errorf("helmSecretName %q: the Secret does not exist", name), s.retry)
	case err != nil:
		return controller.Result{}, controller.NewWaiting(ReasonCredentialsUnavailable,
			fmt.Errorf("helmSecretName %q: reading the Secret: %w", name, err), s.retry)
	}
	// Only a Secret made for this is used: without the check, anyone who may write a HelmOp could
	// name any Secret of the namespace that has username and password keys (a database
	// credential) and have the controller send it to a repository URL of their choosing.
	if sec.Type != corev1.SecretTypeBasicAuth {
		return controller.Result{}, controller.NewWaiting(ReasonCredentialsUnavailable,
			fmt.Errorf("helmSecretName %q: the Secret has type %q; only Secrets of type %q are used as repository credentials",
				name, sec.Type, corev1.SecretTypeBasicAuth), s.retry)
	}
	s.creds.Username, s.creds.Password = string(sec.Data[corev1.BasicAuthUsernameKey]), string(sec.Data[corev1.BasicAuthPasswordKey])
	s.creds.CABundle = sec.Data["cacerts"]
	if s.creds.Username == "" && s.creds.Password == "" && len(s.creds.CABundle) == 0 {
		return controller.Result{}, controller.NewWaiting(ReasonCredentialsUnavailable,
			fmt.Errorf("helmSecretName %q: the Secret has no username, password or cacerts", name), s.retry)
	}
	return controller.Result{}, nil
}

// resolve reads the published versions of the chart (through the shared Source of the
// repository) and picks the highest one that satisfies spec.helm.version.
func (r *Reconciler) resolve(ctx context.Context, s *opState) (controller.Result, error) {
	var res controller.Result
	if s.interval > 0 {
		res.RequeueAfter = wait.Jitter(s.interval, pollingJitter)
	}
	h := s.Spec.Helm
	if isChartArchiveURL(h.Chart) {
		s.resolved = true // the URL names one archive: no version to resolve, nothing to poll
		return res, nil
	}
	key := types.NamespacedName{Namespace: s.Namespace, Name: s.Name}
	maxAge := s.retry / 2
	if !r.resolvedAt(key, s.Generation) {
		maxAge = 0
	}
	charts, err := r.sources.For(h.Repo, s.creds).Charts(ctx, maxAge, s.retry)
	if err != nil {
		reason := repositoryReason(err)
		if reason == ReasonInvalidSpec {
			return res, controller.NewStalling(reason, err)
		}
		s.pollErr = err
		delay := s.retry
		var be *BackoffError
		if errors.As(err, &be) {
			delay = max(be.NextAttempt.Sub(r.clock.Now()), 10*time.Millisecond)
		}
		return controller.Result{}, controller.NewWaiting(reason, err, delay)
	}
	r.mu.Lock()
	r.resolved[key] = s.Generation // the repository answered for this generation
	r.mu.Unlock()
	chart := h.Chart
	if isOCI(h.Repo) {
		chart = ""
	}
	versions, ok := charts[chart]
	if !ok || len(versions) == 0 {
		s.pollErr = &RepositoryError{Reason: ReasonChartNotFound, Repo: redact.URL(h.Repo), Err: fmt.Errorf("no chart named %q", h.Chart)}
		if chart == "" {
			s.pollErr = &RepositoryError{Reason: ReasonChartNotFound, Repo: redact.URL(h.Repo), Err: errors.New("no tags")}
		}
		return res, controller.NewWaiting(ReasonChartNotFound, s.pollErr, s.retry)
	}
	s.polled = true
	v, err := ResolveVersion(h.Version, versions)
	switch {
	case errors.Is(err, ErrInvalidConstraint):
		return res, controller.NewStalling(ReasonInvalidSpec, fmt.Errorf("spec.helm.version: %w", err))
	case err != nil:
		s.pollErr = fmt.Errorf("chart %s: %w", chartName(h), err)
		return res, controller.NewWaiting(ReasonNoVersionMatches, s.pollErr, s.retry)
	}
	s.version, s.resolved = v, true
	return res, nil
}

// resolvedAt reports whether the HelmOp key last read its repository at generation.
func (r *Reconciler) resolvedAt(key types.NamespacedName, generation int64) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	g, ok := r.resolved[key]
	return ok && g == generation
}

func (r *Reconciler) forget(key types.NamespacedName) {
	r.mu.Lock()
	delete(r.resolved, key)
	r.mu.Unlock()
}

// save writes the Bundle, unless it already holds what the HelmOp asks for.
func (r *Reconciler) save(ctx context.Context, s *opState) (controller.Result, error) {
	if !s.resolved {
		return controller.Result{}, nil
	}
	changed, err := r.writer.apply(ctx, s.HelmOp, bundleFor(s.HelmOp, s.version, s.creds.CABundle), s.retry)
	if err != nil {
		return controller.Result{}, err
	}
	s.saved = true
	if changed && s.version != s.Status.Version {
		r.recorder.Eventf(s.HelmOp, controller.EventNormal, "ChartVersionChanged", "bundle saved at chart version %q (was %q)", s.version, s.Status.Version)
	}
	return controller.Result{}, nil
}

// repositoryReason returns the reason of a classified repository error.
func repositoryReason(err error) string {
	var re *RepositoryError
	if errors.As(err, &re) {
		return re.Reason
	}
	return ReasonRepositoryUnreachable
}

func chartName(h *v1alpha1.HelmOptions) string {
	if isOCI(h.Repo) {
		return redact.URL(h.Repo)
	}
	return h.Chart
}

// isChartArchiveURL reports whether chart is an absolute http(s) URL to a .tgz archive (the
// validation's rule: repo and version are then empty).
func isChartArchiveURL(chart string) bool {
	u, err := url.Parse(chart)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return false
	}
	return strings.HasSuffix(strings.ToLower(u.Path), ".tgz")
}
