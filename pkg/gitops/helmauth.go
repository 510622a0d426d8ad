package gitops

import (
	"context"
	"fmt"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"

	"github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
	"github.com/fleetapi/fleet/pkg/bundlereader/helmchart"
	"github.com/fleetapi/fleet/pkg/controller"
)

// HelmSecretsPathKey is the data key of a helmSecretNameForPaths Secret: a YAML map from bundle
// path to credentials, as in Fleet.
const HelmSecretsPathKey = "secrets-path.yaml"

// HelmCACertsKey is the optional key of a helmSecretName Secret with the PEM CA bundle of the chart
// repositories, as in Fleet.
const HelmCACertsKey = "cacerts"

// helmCredentials are the chart credentials of a GitRepo (spec.helmSecretName, or
// spec.helmSecretNameForPaths, which wins when both are set, as in Fleet). They are sent only to
// chart URLs that spec.helmRepoURLRegex matches: the repository's content chooses the chart URLs,
// so without that rule anyone who can push a fleet.yaml could have the credentials sent to a
// server of their own. Fleet sends them everywhere when the regex is empty; here a GitRepo with
// Helm credentials and no regex is refused (Accepted=False) with a message saying so.
type helmCredentials struct {
	urlRegex *regexp.Regexp
	// all is the credential of helmSecretName, for every bundle.
	all *helmchart.Auth
	// byPath is the credential of each bundle path (or path.Match pattern) of
	// helmSecretNameForPaths; patterns are its keys, sorted, tried after an exact match.
	byPath   map[string]*helmchart.Auth
	patterns []string

	mu sync.Mutex
	// withheld are the chart URLs a bundle had credentials for but that the regex does not
	// match, for the message of a failed download.
	withheld []string
}

// pathCredential is one entry of a secrets-path.yaml.
type pathCredential struct {
	Username string `json:"username,omitempty"`
	Password string `json:"password,omitempty"`
	// CABundle is base64-encoded PEM in the YAML.
	CABundle           []byte `json:"caBundle,omitempty"`
	InsecureSkipVerify bool   `json:"insecureSkipVerify,omitempty"`
	// SSHPrivateKey is accepted for Fleet compatibility and unused: charts from git
	// (go-getter's git::) are not supported.
	SSHPrivateKey []byte `json:"sshPrivateKey,omitempty"`
}

// resolveHelmCredentials reads the Secrets of spec.helmSecretName(ForPaths). It returns nil when
// the GitRepo has none. Problems are Stalling errors with reason CredentialsUnavailable (or
// InvalidSpec for the regex) naming the Secret and key, never a value.
func (r *Reconciler) resolveHelmCredentials(ctx context.Context, gr *v1alpha1.GitRepo) (*helmCredentials, error) {
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
	hc := &helmCredentials{urlRegex: re}
	if s.HelmSecretNameForPaths != "" {
		hc.byPath, err = parseSecretsPath(secret)
		if err != nil {
			return nil, unavailable(fmt.Errorf("helmSecretNameForPaths %q: %w", name, err))
		}
		for p := range hc.byPath {
			hc.patterns = append(hc.patterns, p)
		}
		slices.Sort(hc.patterns)
		return hc, nil
	}
	// As for HelmOps (docs/helmops.md): only a basic-auth Secret is sent to a URL a repository
	// chose, so that a GitRepo cannot point at a Secret holding something else.
	if secret.Type != corev1.SecretTypeBasicAuth {
		return nil, unavailable(fmt.Errorf("helmSecretName %q: the Secret has type %q; only Secrets of type %q are used as chart repository credentials",
			name, secret.Type, corev1.SecretTypeBasicAuth))
	}
	hc.all = &helmchart.Auth{
		Username: string(secret.Data[corev1.BasicAuthUsernameKey]),
		Password: string(secret.Data[corev1.BasicAuthPasswordKey]),
		CABundle: secret.Data[HelmCACertsKey],
	}
	return hc, nil
}

// parseSecretsPath reads the secrets-path.yaml of a helmSecretNameForPaths Secret. Errors name
// the key and the entry, never a value.
func parseSecretsPath(secret *corev1.Secret) (map[string]*helmchart.Auth, error) {
	data, ok := secret.Data[HelmSecretsPathKey]
	if !ok {
		return nil, fmt.Errorf("the Secret has no key %q", HelmSecretsPathKey)
	}
	var entries map[string]pathCredential
	if err := yaml.UnmarshalStrict(data, &entries); err != nil {
		return nil, fmt.Errorf("key %q: %w", HelmSecretsPathKey, err)
	}
	out := make(map[string]*helmchart.Auth, len(entries))
	for p, e := range entries {
		key := cleanBundlePath(p)
		if _, err := path.Match(key, ""); err != nil {
			return nil, fmt.Errorf("key %q: entry %q is not a valid path pattern: %w", HelmSecretsPathKey, p, err)
		}
		out[key] = &helmchart.Auth{Username: e.Username, Password: e.Password, CABundle: e.CABundle, InsecureSkipTLSVerify: e.InsecureSkipVerify}
	}
	return out, nil
}

// cleanBundlePath is a bundle path relative to the repository root, slash-separated, without
// "./" or a trailing slash.
func cleanBundlePath(p string) string {
	return strings.TrimPrefix(path.Clean("/"+filepath.ToSlash(p)), "/")
}

// forBundle returns the credential for the bundle at the slash-separated path rel.
func (hc *helmCredentials) forBundle(rel string) *helmchart.Auth {
	if hc.byPath == nil {
		return hc.all
	}
	rel = cleanBundlePath(rel)
	if a, ok := hc.byPath[rel]; ok {
		return a
	}
	for _, p := range hc.patterns {
		if ok, _ := path.Match(p, rel); ok {
			return hc.byPath[p]
		}
	}
	return nil
}

// auth is the helmchart.Fetcher.Auth of a checkout in root.
func (hc *helmCredentials) auth(root string) func(bundleDir, url string) *helmchart.Auth {
	return func(bundleDir, url string) *helmchart.Auth {
		rel, err := filepath.Rel(root, bundleDir)
		if err != nil {
			return nil
		}
		a := hc.forBundle(rel)
		if a == nil {
			return nil
		}
		if !hc.urlRegex.MatchString(url) {
			hc.mu.Lock()
			hc.withheld = append(hc.withheld, RedactURL(url))
			hc.mu.Unlock()
			return nil
		}
		return a
	}
}

// explain adds to the message of a failed chart download which credentials were withheld.
func (hc *helmCredentials) explain(msg string) string {
	if hc == nil {
		return msg
	}
	hc.mu.Lock()
	defer hc.mu.Unlock()
	if len(hc.withheld) == 0 {
		return msg
	}
	return fmt.Sprintf("%s (Helm credentials were not sent to %s: helmRepoURLRegex does not match)", msg, strings.Join(slices.Compact(hc.withheld), ", "))
}
