package helmops

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/klog/v2"

	"github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
	"github.com/fleetapi/fleet/pkg/bundlereader"
	"github.com/fleetapi/fleet/pkg/controller"
	"github.com/fleetapi/fleet/pkg/generated/clientset/versioned"
	listers "github.com/fleetapi/fleet/pkg/generated/listers/fleet/v1alpha1"
)

// DigestAnnotation records the digest of what the controller wrote into a Bundle (labels and
// spec), so that resolving the same version again writes nothing.
const DigestAnnotation = "fleet.cattle.io/helmop-bundle-digest"

// bundleFor returns the Bundle that op asks for at chart version (empty: keep spec.helm.version,
// for a .tgz URL): same name and namespace, spec.labels plus fleet.cattle.io/fleet-helm-name,
// the default target when there is none, and helmOpOptions telling the agent how to download
// the chart (reference §1.3).
func bundleFor(op *v1alpha1.HelmOp, version string, caBundle []byte) *v1alpha1.Bundle {
	lbls := maps.Clone(op.Spec.Labels)
	if lbls == nil {
		lbls = map[string]string{}
	}
	lbls[v1alpha1.HelmOpLabel] = op.Name
	spec := *op.Spec.BundleSpec.DeepCopy()
	if version != "" {
		spec.Helm.Version = version
	}
	if len(spec.Targets) == 0 {
		spec.Targets = []v1alpha1.BundleTarget{{Name: "default", ClusterGroup: "default"}}
	}
	spec.HelmOpOptions = &v1alpha1.BundleHelmOptions{
		SecretName:            op.Spec.HelmSecretName,
		InsecureSkipTLSverify: op.Spec.InsecureSkipTLSverify,
		CABundle:              caBundle,
	}
	return &v1alpha1.Bundle{
		ObjectMeta: metav1.ObjectMeta{Name: op.Name, Namespace: op.Namespace, Labels: lbls},
		Spec:       spec,
	}
}

// bundleWriter creates and updates the Bundle of one HelmOp, and deletes it with the HelmOp.
type bundleWriter struct {
	client versioned.Interface
	// lister reads the Bundles labelled fleet.cattle.io/fleet-helm-name from the informer cache.
	lister listers.BundleLister
}

// apply saves want unless the existing Bundle's digest says it already holds it. It reports
// whether it wrote.
func (w bundleWriter) apply(ctx context.Context, op *v1alpha1.HelmOp, want *v1alpha1.Bundle, retry time.Duration) (bool, error) {
	digest, err := bundleDigest(want)
	if err != nil {
		return false, controller.NewStalling(ReasonInvalidSpec, fmt.Errorf("bundle %s: %w", want.Name, err))
	}
	want.Annotations = map[string]string{DigestAnnotation: digest}
	if err := checkSize(want); err != nil {
		return false, err
	}
	client := w.client.FleetV1alpha1().Bundles(op.Namespace)
	cur, err := w.lister.Bundles(op.Namespace).Get(op.Name)
	if apierrors.IsNotFound(err) {
		_, err = client.Create(ctx, want, metav1.CreateOptions{})
		countWrite(err, "create")
		if err == nil {
			klog.V(2).InfoS("Bundle created", "helmop", klog.KObj(op), "version", want.Spec.Helm.Version)
			return true, nil
		}
		if !apierrors.IsAlreadyExists(err) {
			return false, controller.NewGeneric(ReasonBundleWriteFailed, fmt.Errorf("creating bundle %s: %w", want.Name, err))
		}
		// Not in the cache (yet, or not ours): ask the API.
		cur, err = client.Get(ctx, op.Name, metav1.GetOptions{})
	}
	if err != nil {
		return false, controller.NewGeneric(ReasonBundleWriteFailed, fmt.Errorf("reading bundle %s: %w", want.Name, err))
	}
	if cur.Labels[v1alpha1.HelmOpLabel] != op.Name {
		return false, controller.NewWaiting(ReasonBundleConflict,
			fmt.Errorf("a bundle named %s that does not belong to this HelmOp exists", op.Name), retry)
	}
	if cur.Annotations[DigestAnnotation] == digest {
		bundleWrites.WithLabelValues("unchanged").Inc()
		return false, nil
	}
	upd := cur.DeepCopy()
	upd.Labels, upd.Spec = want.Labels, want.Spec
	if upd.Annotations == nil {
		upd.Annotations = map[string]string{}
	}
	upd.Annotations[DigestAnnotation] = digest
	_, err = client.Update(ctx, upd, metav1.UpdateOptions{})
	countWrite(err, "update")
	if err != nil {
		return false, controller.NewGeneric(ReasonBundleWriteFailed, fmt.Errorf("updating bundle %s: %w", want.Name, err))
	}
	klog.V(2).InfoS("Bundle updated", "helmop", klog.KObj(op), "version", want.Spec.Helm.Version)
	return true, nil
}

// delete deletes the HelmOp's Bundle, if it is the HelmOp's.
func (w bundleWriter) delete(ctx context.Context, op *v1alpha1.HelmOp) error {
	client := w.client.FleetV1alpha1().Bundles(op.Namespace)
	cur, err := client.Get(ctx, op.Name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return controller.NewGeneric(ReasonBundleWriteFailed, fmt.Errorf("reading bundle %s: %w", op.Name, err))
	}
	if cur.Labels[v1alpha1.HelmOpLabel] != op.Name {
		return nil // not ours: leave it
	}
	err = client.Delete(ctx, op.Name, metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &cur.UID}})
	countWrite(err, "delete")
	if err != nil && !apierrors.IsNotFound(err) {
		return controller.NewGeneric(ReasonBundleWriteFailed, fmt.Errorf("deleting bundle %s: %w", op.Name, err))
	}
	return nil
}

// bundleDigest hashes what the controller writes into a Bundle.
func bundleDigest(b *v1alpha1.Bundle) (string, error) {
	data, err := json.Marshal(struct {
		Labels map[string]string   `json:"labels"`
		Spec   v1alpha1.BundleSpec `json:"spec"`
	}{b.Labels, b.Spec})
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:]), nil
}

// checkSize refuses a Bundle over bundlereader.MaxBundleSize, the budget of one Bundle: the API
// server would refuse the request (413) on every retry. A HelmOp just under the request limit, with
// the CA bundle of its Secret added, gets there. Stalled until the HelmOp changes (the chart is not
// downloaded by the controller: nothing is fetched to find it again).
func checkSize(b *v1alpha1.Bundle) error {
	data, err := json.Marshal(b)
	if err != nil {
		return controller.NewStalling(ReasonInvalidSpec, fmt.Errorf("bundle %s: %w", b.Name, err))
	}
	if len(data) <= bundlereader.MaxBundleSize {
		return nil
	}
	what := fmt.Sprintf("bundle %q", b.Name)
	if v := b.Spec.Helm.Version; v != "" {
		what += fmt.Sprintf(" at chart version %q", v)
	}
	return controller.NewStalling(ReasonBundleTooLarge, &bundlereader.TooLargeError{What: what, Size: int64(len(data)),
		Detail: "once encoded", Limit: bundlereader.MaxBundleSize, Budget: "one Bundle (the API server takes requests of up to 3 MiB)"})
}
