package gitops

import (
	"context"
	"fmt"
	"regexp"

	corev1 "k8s.io/api/core/v1"

	"github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
	"github.com/fleetapi/fleet/pkg/bundlereader/helmchart"
	"github.com/fleetapi/fleet/pkg/controller"
)

// HelmSecretsPathKey is the data key of a helmSecretNameForPaths Secret: a YAML map from bundle
// path to credentials, as in Fleet.
const HelmSecretsPathKey = helmchart.CredentialsByPathKey

// HelmCACertsKey is the optional key of a helmSecretName Secret with the PEM CA bundle of the chart
// repositories, as in Fleet.
const HelmCACertsKey = "cacerts"

// resolveHelmCredentials reads the chart credentials of a GitRepo: spec.helmSecretName, or
// spec.helmSecretNameForPaths, which wins when both are set (as in Fleet). They are sent only to
// chart URLs that spec.helmRepoURLRegex matches (helmchart.Credentials says why); Fleet sends them
// everywhere when the regex is empty, here such a GitRepo is refused with a message saying so.
// It returns nil when the GitRepo has no Helm credentials. Problems are Stalling errors with reason
// CredentialsUnavailable (InvalidSpec for the regex) naming the Secret and key, never a value.
func (r *Reconciler) resolveHelmCredentials(ctx context.Context, gr *v1alpha1.GitRepo) (*helmchart.Credentials, error) {
	s := gr.Spec
	field, name := "helmSecretName", s.HelmSecretName
	if s.HelmSecretNameForPaths != "" {
		field, name = "helmSecretNameForPaths", s.HelmSecretNameForPaths
	}
	if name == "" {
		return nil, nil
	}
	if s.HelmRepoURLRegex == "" {
		return nil, controller.NewStalling(ReasonInvalidSpec, fmt.Errorf(
			"%s %q is set but helmRepoURLRegex is empty: Helm credentials are only sent to chart repositories whose URL matches helmRepoURLRegex (e.g. %q)",
			field, name, `^https://charts\.example\.com/`))
	}
	re, err := regexp.Compile(s.HelmRepoURLRegex)
	if err != nil {
		return nil, controller.NewStalling(ReasonInvalidSpec, fmt.Errorf("helmRepoURLRegex: %w", err))
	}
	secret, err := r.readSecret(ctx, gr.Namespace, field, name)
	if err != nil {
		return nil, err
	}
	creds := &helmchart.Credentials{URLRegex: re}
	if s.HelmSecretNameForPaths != "" {
		data, ok := secret.Data[HelmSecretsPathKey]
		if !ok {
			return nil, unavailable(fmt.Errorf("helmSecretNameForPaths %q: the Secret has no key %q", name, HelmSecretsPathKey))
		}
		if creds.ByPath, err = helmchart.ParseCredentialsByPath(data); err != nil {
			return nil, unavailable(fmt.Errorf("helmSecretNameForPaths %q: key %q: %w", name, HelmSecretsPathKey, err))
		}
		return creds, nil
	}
	// As for HelmOps (docs/helmops.md): only a basic-auth Secret is sent to a URL a repository
	// chose, so that a GitRepo cannot point at a Secret holding something else.
	if secret.Type != corev1.SecretTypeBasicAuth {
		return nil, unavailable(fmt.Errorf("helmSecretName %q: the Secret has type %q; only Secrets of type %q are used as chart repository credentials",
			name, secret.Type, corev1.SecretTypeBasicAuth))
	}
	creds.All = &helmchart.Auth{
		Username: string(secret.Data[corev1.BasicAuthUsernameKey]),
		Password: string(secret.Data[corev1.BasicAuthPasswordKey]),
		CABundle: secret.Data[HelmCACertsKey],
	}
	if err := creds.All.Validate(); err != nil {
		return nil, unavailable(fmt.Errorf("helmSecretName %q: key %q: %w", name, HelmCACertsKey, err))
	}
	return creds, nil
}
