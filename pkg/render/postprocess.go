package render

import (
	"crypto/sha1" //nolint:gosec // wrangler's objectset hash is sha1; not a security use.
	"encoding/hex"
	"fmt"

	"k8s.io/apimachinery/pkg/api/meta"

	"github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
	"github.com/fleetapi/fleet/pkg/manifest"
)

// ObjectSetID returns the wrangler objectset ID of a bundle deployment on an agent:
// "<agent namespace>-<bundle deployment name>", limited to 63 characters.
func ObjectSetID(agentNamespace, name string) string {
	return manifest.Limit(agentNamespace+"-"+name, 63)
}

// ObjectSetHash returns the objectset.rio.cattle.io/hash label value of an objectset ID:
// hex(sha1(id)), as wrangler computes it for sets without an owner.
func ObjectSetHash(id string) string {
	sum := sha1.Sum([]byte(id)) //nolint:gosec // see import comment.
	return hex.EncodeToString(sum[:])
}

// postProcess applies the forced namespace, the CRD keep policy and the objectset label and
// annotation. defaultNamespace is not written into objects: it is the Helm release namespace,
// which the installing client applies to the namespaced objects that have none, kind by kind from
// the cluster's REST mapping (as Fleet leaves it to Helm).
func postProcess(objs []Object, opts *v1alpha1.BundleDeploymentOptions, setID string, mapper meta.RESTMapper) error {
	hash := ObjectSetHash(setID)
	for _, o := range objs {
		if opts.TargetNamespace != "" {
			if mapper != nil {
				cluster, err := clusterScoped(mapper, o)
				if err != nil {
					return err
				}
				if cluster {
					return fmt.Errorf("%s: invalid cluster scoped object [name=%s kind=%s apiVersion=%s] found, consider using "+
						"\"defaultNamespace\", not \"namespace\" in fleet.yaml", o.Source, o.GetName(), o.GetKind(), o.GetAPIVersion())
				}
			}
			o.SetNamespace(opts.TargetNamespace)
		}
		labels := o.GetLabels()
		if labels == nil {
			labels = map[string]string{}
		}
		labels[v1alpha1.ObjectSetHashLabel] = hash
		o.SetLabels(labels)
		ann := o.GetAnnotations()
		if ann == nil {
			ann = map[string]string{}
		}
		ann[v1alpha1.ObjectSetIDAnnotation] = setID
		if o.GetKind() == "CustomResourceDefinition" && !opts.DeleteCRDResources {
			ann[v1alpha1.HelmResourcePolicyAnnotation] = v1alpha1.HelmResourcePolicyKeep
		}
		o.SetAnnotations(ann)
	}
	return nil
}
