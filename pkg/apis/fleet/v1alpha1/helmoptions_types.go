package v1alpha1

// HelmOptions configures the Helm release of a deployment. Every bundle is deployed as a Helm
// release; for raw YAML and kustomize bundles only the release-level options (releaseName,
// timeoutSeconds, force, atomic, ...) apply.
type HelmOptions struct {
	// Chart is a chart name in Repo, a path inside the bundle, a go-getter URL, an absolute URL to a
	// .tgz archive, or (deprecated, use Repo) an oci:// reference.
	// +optional
	Chart string `json:"chart,omitempty"`
	// Repo is the URL of the Helm repository (https://...) or OCI registry (oci://...) to download
	// the chart from.
	// +optional
	Repo string `json:"repo,omitempty"`
	// ReleaseName is the Helm release name: at most 53 characters, lower-case DNS-1123. Defaults to
	// the bundle name, which for GitRepos is derived from the GitRepo name and path.
	// +optional
	ReleaseName string `json:"releaseName,omitempty"`
	// Version of the chart, or a semver constraint (e.g. "^1.2") resolved to the highest matching
	// version. Unset means the latest version.
	// +optional
	Version string `json:"version,omitempty"`
	// TimeoutSeconds is the time to wait for Helm operations. 0 uses Helm's default.
	// +optional
	TimeoutSeconds int `json:"timeoutSeconds,omitempty"`
	// Values passed to Helm. Keys and values may contain ${ } templates evaluated per cluster
	// (.ClusterName, .ClusterNamespace, .ClusterLabels, .ClusterAnnotations, .ClusterValues) unless
	// disablePreProcess is set.
	// +optional
	Values *GenericMap `json:"values,omitempty"`
	// TemplateValues are templated one key at a time before being parsed as YAML, which allows
	// templating complex values like ranges and maps. They take precedence over values.
	// +optional
	// +mapType=granular
	TemplateValues map[string]string `json:"templateValues,omitempty"`
	// ValuesFrom loads values from ConfigMaps and Secrets in the downstream cluster; they override
	// values.
	// +optional
	// +listType=atomic
	ValuesFrom []ValuesFrom `json:"valuesFrom,omitempty"`
	// Force lets Helm replace immutable resources. This can be dangerous.
	// +optional
	Force bool `json:"force,omitempty"`
	// TakeOwnership makes Helm skip the check for its own annotations and adopt existing resources.
	// +optional
	TakeOwnership bool `json:"takeOwnership,omitempty"`
	// MaxHistory limits the number of revisions saved per release. 0 means no limit.
	// +optional
	MaxHistory int `json:"maxHistory,omitempty"`
	// ValuesFiles are files, relative to the bundle, whose values are merged into values when the
	// bundle is created.
	// +optional
	// +listType=atomic
	ValuesFiles []string `json:"valuesFiles,omitempty"`
	// WaitForJobs, together with timeoutSeconds, waits for all Jobs to complete before the
	// deployment is considered ready.
	// +optional
	WaitForJobs bool `json:"waitForJobs,omitempty"`
	// Atomic rolls back a failed upgrade (helm --atomic).
	// +optional
	Atomic bool `json:"atomic,omitempty"`
	// DisablePreProcess disables ${ } templating of values.
	// +optional
	DisablePreProcess bool `json:"disablePreProcess,omitempty"`
	// DisableDNS disables DNS lookups in templates (Fleet enables Helm's EnableDNS by default).
	// +optional
	DisableDNS bool `json:"disableDNS,omitempty"`
	// SkipSchemaValidation skips validating values against the chart's values schema.
	// +optional
	SkipSchemaValidation bool `json:"skipSchemaValidation,omitempty"`
	// DisableDependencyUpdate skips updating chart dependencies when the bundle is created.
	// +optional
	DisableDependencyUpdate bool `json:"disableDependencyUpdate,omitempty"`
}

// ValuesFrom references Helm values in a ConfigMap or a Secret of the downstream cluster. Set exactly
// one of the references.
type ValuesFrom struct {
	// ConfigMapKeyRef selects a ConfigMap key holding values YAML.
	// +optional
	ConfigMapKeyRef *ConfigMapKeySelector `json:"configMapKeyRef,omitempty"`
	// SecretKeyRef selects a Secret key holding values YAML.
	// +optional
	SecretKeyRef *SecretKeySelector `json:"secretKeyRef,omitempty"`
}

// ConfigMapKeySelector selects a key of a ConfigMap in the downstream cluster.
type ConfigMapKeySelector struct {
	LocalObjectReference `json:",inline"`
	// Namespace of the ConfigMap.
	// +optional
	Namespace string `json:"namespace,omitempty"`
	// Key in the ConfigMap's data. Defaults to "values.yaml".
	// +optional
	Key string `json:"key,omitempty"`
}

// SecretKeySelector selects a key of a Secret in the downstream cluster.
type SecretKeySelector struct {
	LocalObjectReference `json:",inline"`
	// Namespace of the Secret.
	// +optional
	Namespace string `json:"namespace,omitempty"`
	// Key in the Secret's data. Defaults to "values.yaml".
	// +optional
	Key string `json:"key,omitempty"`
}

// LocalObjectReference names an object in a known namespace.
type LocalObjectReference struct {
	// Name of the object. Always serialized, as in Fleet.
	// +optional
	Name string `json:"name"`
}
