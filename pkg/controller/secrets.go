package controller

import (
	"context"
	"errors"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// SecretGetter reads a Secret by namespace and name. Secrets (git credentials, webhook secrets, Helm
// repository credentials) live in the core API of the Kubernetes cluster the server runs behind,
// never in fleet.cattle.io objects (DESIGN.md §4).
type SecretGetter interface {
	GetSecret(ctx context.Context, namespace, name string) (*corev1.Secret, error)
}

// ErrNoSecretsAPI is returned by NoSecrets: standalone mode serves no core API, so a spec that names
// a Secret cannot be honoured there.
var ErrNoSecretsAPI = errors.New("this server has no Secrets API (standalone mode); run it behind kube-apiserver to use Secrets")

// NoSecrets is the SecretGetter of standalone mode.
type NoSecrets struct{}

// GetSecret always fails with ErrNoSecretsAPI.
func (NoSecrets) GetSecret(context.Context, string, string) (*corev1.Secret, error) {
	return nil, ErrNoSecretsAPI
}

// KubeSecrets reads Secrets with a core client, one GET per call. The server puts CachedSecrets in
// front of it, which bounds how often a Secret is read.
type KubeSecrets struct {
	Client kubernetes.Interface
}

// GetSecret reads the Secret namespace/name.
func (k KubeSecrets) GetSecret(ctx context.Context, namespace, name string) (*corev1.Secret, error) {
	return k.Client.CoreV1().Secrets(namespace).Get(ctx, name, metav1.GetOptions{})
}
