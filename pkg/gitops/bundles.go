package gitops

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"path/filepath"
	"strings"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/klog/v2"

	"github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
	"github.com/fleetapi/fleet/pkg/bundlereader"
	"github.com/fleetapi/fleet/pkg/bundlereader/helmchart"
	"github.com/fleetapi/fleet/pkg/controller"
	"github.com/fleetapi/fleet/pkg/generated/clientset/versioned"
	"github.com/fleetapi/fleet/pkg/redact"
)

// DigestAnnotation records the digest of what the controller wrote into a Bundle (spec, labels
// except the commit, annotations), so an unchanged bundle is not rewritten on a new commit.
const DigestAnnotation = v1alpha1.GitRepoBundleDigestAnnotation

// readBundles scans the checkout in dir as `fleet apply` would for gr at commit. Its errors are
// classified by readError: only what the commit's content determines stalls the commit.
func readBundles(ctx context.Context, gr *v1alpha1.GitRepo, dir, commit string, helm *helmchart.Credentials, interval time.Duration) ([]*v1alpha1.Bundle, error) {
	lbls := map[string]string{}
	maps.Copy(lbls, gr.Labels)
	lbls[v1alpha1.RepoLabel] = gr.Name
	s := gr.Spec
	// Remote charts and chart dependencies are fetched as `fleet apply` does; local ones only from
	// inside the checkout.
	charts := &helmchart.Fetcher{Root: dir}
	if helm != nil {
		charts.Auth = helm.AuthFunc(dir)
	}
	opts := bundlereader.Options{
		Name: gr.Name, Paths: scanPaths(dir, s.Paths), BaseDir: dir, Namespace: gr.Namespace,
		Labels: lbls, Commit: commit, Targets: bundlereader.GitRepoTargets(s.Targets),
		Charts: charts,
		// Values files too: a fleet.yaml must not read the server's files (its admin kubeconfig is YAML).
		Root: dir,
		Overrides: bundlereader.Overrides{
			ServiceAccount: s.ServiceAccount, TargetNamespace: s.TargetNamespace, Paused: s.Paused,
			SyncGeneration: s.ForceSyncGeneration, KeepResources: s.KeepResources, DeleteNamespace: s.DeleteNamespace,
			CorrectDrift: s.CorrectDrift,
		},
	}
	if len(s.Bundles) > 0 {
		paths, err := drivenPaths(dir, s.Bundles)
		if err != nil {
			return nil, controller.NewStalling(ReasonInvalidSpec, err)
		}
		opts.Paths, opts.DrivenScan = paths, true
	}
	results, err := bundlereader.Read(ctx, opts)
	if err != nil {
		// Name files relative to the repository, not the temporary checkout; and, in case an error
		// quotes a URL that was not redacted where it was made, hide its credentials.
		msg := strings.ReplaceAll(err.Error(), dir+"/", "")
		msg = redact.Text(strings.ReplaceAll(msg, dir, "/"))
		return nil, readError(&checkoutError{msg: fmt.Sprintf("commit %s: %s", shortCommit(commit), msg), err: err}, helm, interval)
	}
	out := make([]*v1alpha1.Bundle, 0, len(results))
	for _, r := range results {
		out = append(out, r.Bundle)
	}
	return out, nil
}

// drivenPaths turns spec.bundles into the driven-scan entries of the checkout in dir
// ("base:options", as `fleet apply --driven-scan` takes them). Base is cleaned under the checkout
// and options under base, so neither can leave it; a ":" in base is refused here as by the API
// (a GitRepo stored before that validation existed still gets here), since the reader splits at it.
func drivenPaths(dir string, bundles []v1alpha1.BundlePath) ([]string, error) {
	out := make([]string, 0, len(bundles))
	for i, b := range bundles {
		if b.Base == "" || strings.Contains(b.Base, ":") {
			return nil, fmt.Errorf("spec.bundles[%d].base %q: must be a directory of the repository without \":\"", i, b.Base)
		}
		base := filepath.Join(dir, filepath.Clean("/"+filepath.FromSlash(b.Base)))
		if rel, err := filepath.Rel(dir, base); err != nil || strings.HasPrefix(rel, "..") {
			return nil, fmt.Errorf("spec.bundles[%d].base %q leaves the repository", i, b.Base)
		}
		e := base
		if b.Options != "" {
			e += ":" + strings.TrimPrefix(filepath.Clean("/"+filepath.FromSlash(b.Options)), "/")
		}
		out = append(out, e)
	}
	return out, nil
}

// checkoutError is an error of the bundle reader with file names relative to the repository.
type checkoutError struct {
	msg string
	err error
}

func (e *checkoutError) Error() string { return e.msg }
func (e *checkoutError) Unwrap() error { return e.err }

// bundleWriter creates, updates and prunes the Bundles of one GitRepo.
type bundleWriter struct {
	client   versioned.Interface
	recorder controller.EventRecorder
}

// apply saves want (the complete set of the GitRepo's bundles at one commit) and deletes the
// GitRepo's other bundles. Bundles whose digest did not change are left alone.
func (w bundleWriter) apply(ctx context.Context, gr *v1alpha1.GitRepo, want []*v1alpha1.Bundle) error {
	client := w.client.FleetV1alpha1().Bundles(gr.Namespace)
	existing, err := w.owned(ctx, gr)
	if err != nil {
		return err
	}
	keep := map[string]bool{}
	for _, b := range want {
		keep[b.Name] = true
		digest, err := bundleDigest(b)
		if err != nil {
			return controller.NewStalling(ReasonInvalidBundle, fmt.Errorf("bundle %s: %w", b.Name, err))
		}
		if b.Annotations == nil {
			b.Annotations = map[string]string{}
		}
		b.Annotations[DigestAnnotation] = digest
		cur, found := existing[b.Name]
		switch {
		case !found:
			_, err = client.Create(ctx, b, metav1.CreateOptions{})
			if apierrors.IsAlreadyExists(err) {
				err = fmt.Errorf("a bundle named %s that does not belong to this GitRepo exists: %w", b.Name, err)
			}
			count(err, "create")
		case cur.Annotations[DigestAnnotation] == digest:
			bundleWrites.WithLabelValues("unchanged").Inc()
			continue
		default:
			cur = cur.DeepCopy()
			cur.Labels, cur.Annotations, cur.Spec = b.Labels, b.Annotations, b.Spec
			_, err = client.Update(ctx, cur, metav1.UpdateOptions{})
			count(err, "update")
		}
		if err != nil {
			return controller.NewGeneric(ReasonBundleWriteFailed, fmt.Errorf("saving bundle %s: %w", b.Name, err))
		}
		klog.V(2).InfoS("Bundle saved", "gitrepo", klog.KObj(gr), "bundle", b.Name)
	}
	for name := range existing {
		if keep[name] {
			continue
		}
		err := client.Delete(ctx, name, metav1.DeleteOptions{})
		count(err, "delete")
		if err != nil && !apierrors.IsNotFound(err) {
			return controller.NewGeneric(ReasonBundleWriteFailed, fmt.Errorf("pruning bundle %s: %w", name, err))
		}
		w.recorder.Eventf(gr, controller.EventNormal, "BundlePruned", "bundle %s is no longer in the repository", name)
	}
	return nil
}

// deleteAll deletes every bundle of gr.
func (w bundleWriter) deleteAll(ctx context.Context, gr *v1alpha1.GitRepo) error {
	existing, err := w.owned(ctx, gr)
	if err != nil {
		return err
	}
	for name := range existing {
		err := w.client.FleetV1alpha1().Bundles(gr.Namespace).Delete(ctx, name, metav1.DeleteOptions{})
		count(err, "delete")
		if err != nil && !apierrors.IsNotFound(err) {
			return controller.NewGeneric(ReasonBundleWriteFailed, fmt.Errorf("deleting bundle %s: %w", name, err))
		}
	}
	return nil
}

func (w bundleWriter) owned(ctx context.Context, gr *v1alpha1.GitRepo) (map[string]*v1alpha1.Bundle, error) {
	sel := labels.SelectorFromSet(labels.Set{v1alpha1.RepoLabel: gr.Name}).String()
	list, err := w.client.FleetV1alpha1().Bundles(gr.Namespace).List(ctx, metav1.ListOptions{LabelSelector: sel})
	if err != nil {
		return nil, controller.NewGeneric(ReasonBundleWriteFailed, fmt.Errorf("listing bundles: %w", err))
	}
	out := make(map[string]*v1alpha1.Bundle, len(list.Items))
	for i := range list.Items {
		out[list.Items[i].Name] = &list.Items[i]
	}
	return out, nil
}

func count(err error, op string) {
	if err == nil {
		bundleWrites.WithLabelValues(op).Inc()
	}
}

// bundleDigest hashes what the controller writes, except the commit label, which moves on every
// commit: a bundle that did not change keeps the commit at which it last changed.
func bundleDigest(b *v1alpha1.Bundle) (string, error) {
	l := maps.Clone(b.Labels)
	delete(l, v1alpha1.CommitLabel)
	a := maps.Clone(b.Annotations)
	delete(a, DigestAnnotation)
	data, err := json.Marshal(struct {
		Labels      map[string]string   `json:"labels"`
		Annotations map[string]string   `json:"annotations"`
		Spec        v1alpha1.BundleSpec `json:"spec"`
	}{l, a, b.Spec})
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:]), nil
}

func shortCommit(c string) string {
	if len(c) > 12 {
		return c[:12]
	}
	return c
}
