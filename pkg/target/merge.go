package target

import (
	"github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
	"github.com/fleetapi/fleet/pkg/manifest"
)

// Merge returns base with custom merged onto it, with Fleet's rules (reference/fleet.md §2.3):
//
//   - defaultNamespace, namespace, serviceAccount, helm chart/repo/version/releaseName and
//     kustomize.dir: custom wins when non-empty;
//   - helm.timeoutSeconds: custom wins when > 0, a negative value resets it to 0;
//   - helm.values: deep map merge; helm.templateValues: key-wise copy;
//   - helm.valuesFrom, diff.comparePatches, downstreamResources: merged by identity, custom wins;
//   - helm force/atomic/takeOwnership/disablePreProcess/waitForJobs/disableDNS, keepResources:
//     logical OR;
//   - yaml.overlays: appended; forceSyncGeneration: custom wins when > 0;
//   - correctDrift and createNamespace: replaced when custom sets them;
//   - namespaceLabels/namespaceAnnotations: key-wise, custom wins;
//   - not merged (base only): ignore, deleteNamespace, deleteCRDResources, helm maxHistory,
//     skipSchemaValidation and disableDependencyUpdate, overwrites, allowedTargetNamespaceSelector.
//
// Neither argument is modified.
func Merge(base, custom *v1alpha1.BundleDeploymentOptions) v1alpha1.BundleDeploymentOptions {
	out := base.DeepCopy()
	if custom == nil {
		return *out
	}
	c := custom.DeepCopy()
	str(&out.DefaultNamespace, c.DefaultNamespace)
	str(&out.TargetNamespace, c.TargetNamespace)
	str(&out.ServiceAccount, c.ServiceAccount)
	if c.Kustomize != nil && c.Kustomize.Dir != "" {
		if out.Kustomize == nil {
			out.Kustomize = &v1alpha1.KustomizeOptions{}
		}
		out.Kustomize.Dir = c.Kustomize.Dir
	}
	if c.Helm != nil {
		if out.Helm == nil {
			out.Helm = &v1alpha1.HelmOptions{}
		}
		mergeHelm(out.Helm, c.Helm)
	}
	if c.YAML != nil && len(c.YAML.Overlays) > 0 {
		if out.YAML == nil {
			out.YAML = &v1alpha1.YAMLOptions{}
		}
		out.YAML.Overlays = append(out.YAML.Overlays, c.YAML.Overlays...)
	}
	if c.Diff != nil && len(c.Diff.ComparePatches) > 0 {
		if out.Diff == nil {
			out.Diff = &v1alpha1.DiffOptions{}
		}
		out.Diff.ComparePatches = byKey(out.Diff.ComparePatches, c.Diff.ComparePatches, func(p v1alpha1.ComparePatch) string {
			return p.APIVersion + "/" + p.Kind + "/" + p.Namespace + "/" + p.Name
		})
	}
	out.DownstreamResources = byKey(out.DownstreamResources, c.DownstreamResources, func(r v1alpha1.DownstreamResource) string {
		return r.Kind + "/" + r.Name
	})
	out.KeepResources = out.KeepResources || c.KeepResources
	if c.ForceSyncGeneration > 0 {
		out.ForceSyncGeneration = c.ForceSyncGeneration
	}
	if c.CorrectDrift != nil {
		out.CorrectDrift = c.CorrectDrift
	}
	if c.CreateNamespace != nil {
		out.CreateNamespace = c.CreateNamespace
	}
	out.NamespaceLabels = mergeStringMap(out.NamespaceLabels, c.NamespaceLabels)
	out.NamespaceAnnotations = mergeStringMap(out.NamespaceAnnotations, c.NamespaceAnnotations)
	return *out
}

func mergeHelm(out, c *v1alpha1.HelmOptions) {
	str(&out.Chart, c.Chart)
	str(&out.Repo, c.Repo)
	str(&out.Version, c.Version)
	str(&out.ReleaseName, c.ReleaseName)
	switch {
	case c.TimeoutSeconds > 0:
		out.TimeoutSeconds = c.TimeoutSeconds
	case c.TimeoutSeconds < 0:
		out.TimeoutSeconds = 0
	}
	if c.Values != nil && c.Values.Data != nil {
		var base map[string]any
		if out.Values != nil {
			base = out.Values.Data
		}
		out.Values = &v1alpha1.GenericMap{Data: manifest.MergeMaps(base, c.Values.Data)}
	}
	if len(c.TemplateValues) > 0 {
		if out.TemplateValues == nil {
			out.TemplateValues = map[string]string{}
		}
		for k, v := range c.TemplateValues {
			out.TemplateValues[k] = v
		}
	}
	out.ValuesFrom = byKey(out.ValuesFrom, c.ValuesFrom, valuesFromKey)
	out.Force = out.Force || c.Force
	out.Atomic = out.Atomic || c.Atomic
	out.TakeOwnership = out.TakeOwnership || c.TakeOwnership
	out.DisablePreProcess = out.DisablePreProcess || c.DisablePreProcess
	out.WaitForJobs = out.WaitForJobs || c.WaitForJobs
	out.DisableDNS = out.DisableDNS || c.DisableDNS
}

func valuesFromKey(v v1alpha1.ValuesFrom) string {
	switch {
	case v.ConfigMapKeyRef != nil:
		r := v.ConfigMapKeyRef
		return "configmap/" + r.Namespace + "/" + r.Name + "/" + r.Key
	case v.SecretKeyRef != nil:
		r := v.SecretKeyRef
		return "secret/" + r.Namespace + "/" + r.Name + "/" + r.Key
	}
	return ""
}

func str(dst *string, v string) {
	if v != "" {
		*dst = v
	}
}

// byKey merges custom into base: an entry of custom replaces the base entry with the same key in
// place, other custom entries are appended in order.
func byKey[T any](base, custom []T, key func(T) string) []T {
	if len(custom) == 0 {
		return base
	}
	out := append([]T(nil), base...)
	index := map[string]int{}
	for i, b := range out {
		index[key(b)] = i
	}
	for _, c := range custom {
		if i, ok := index[key(c)]; ok {
			out[i] = c
			continue
		}
		index[key(c)] = len(out)
		out = append(out, c)
	}
	return out
}

func mergeStringMap(base, custom *map[string]string) *map[string]string {
	if custom == nil {
		return base
	}
	m := map[string]string{}
	if base != nil {
		for k, v := range *base {
			m[k] = v
		}
	}
	for k, v := range *custom {
		m[k] = v
	}
	return &m
}
