package v1alpha1

// API-level defaults, applied by the generated RegisterDefaults on create and update.
//
// Only defaults that Fleet's own CRDs apply on the server are set here, so stored objects look the
// same as in Fleet: Bundle (and HelmOp, which inlines BundleSpec) spec.targetCustomizationMode
// defaults to FirstMatch. Everything else Fleet defaults at runtime and never stores, and so does
// this implementation: GitRepo pollingInterval (15s, DefaultGitRepoPollingInterval), HelmOp
// pollingInterval (0, disabled), dependsOn acceptedStates ([Ready], BundleRef.EffectiveAcceptedStates)
// and the rolloutStrategy defaults (Default* constants).

// SetDefaults_BundleSpec defaults targetCustomizationMode to FirstMatch.
func SetDefaults_BundleSpec(obj *BundleSpec) { //nolint:revive,stylecheck // defaulter-gen naming.
	if obj.TargetCustomizationMode == "" {
		obj.TargetCustomizationMode = TargetCustomizationFirstMatch
	}
}
