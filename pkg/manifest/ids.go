package manifest

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"

	"github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
)

// manifestIDPrefix and maxIDLen are Fleet's: a manifest ID is a valid object name of a Content.
const (
	manifestIDPrefix = "s-"
	maxIDLen         = 63
)

// wireManifest is the JSON shape hashed for a manifest ID.
type wireManifest struct {
	Resources []v1alpha1.BundleResource `json:"resources,omitempty"`
}

// ID returns the manifest ID of a list of bundle resources:
// ("s-" + hex(sha256(json({"resources": resources}))))[:63].
func ID(resources []v1alpha1.BundleResource) (string, error) {
	data, err := json.Marshal(wireManifest{Resources: resources})
	if err != nil {
		return "", fmt.Errorf("manifest ID: encoding resources: %w", err)
	}
	sum := sha256.Sum256(data)
	id := manifestIDPrefix + hex.EncodeToString(sum[:])
	return id[:maxIDLen], nil
}

// OptionsHash returns hex(sha256(json(opts))) with Diff and CorrectDrift cleared, as Fleet does, so
// a change of the drift settings alone does not create a new deployment.
func OptionsHash(opts *v1alpha1.BundleDeploymentOptions) (string, error) {
	o := v1alpha1.BundleDeploymentOptions{}
	if opts != nil {
		o = *opts.DeepCopy()
	}
	o.Diff = nil
	o.CorrectDrift = nil
	data, err := json.Marshal(o)
	if err != nil {
		return "", fmt.Errorf("options hash: encoding options: %w", err)
	}
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:]), nil
}

// DeploymentID returns manifestID + ":" + OptionsHash(opts).
func DeploymentID(manifestID string, opts *v1alpha1.BundleDeploymentOptions) (string, error) {
	h, err := OptionsHash(opts)
	if err != nil {
		return "", err
	}
	return manifestID + ":" + h, nil
}

// Digest returns the content address of a file: "sha256:" + hex(sha256(content)).
func Digest(content []byte) string {
	sum := sha256.Sum256(content)
	return "sha256:" + hex.EncodeToString(sum[:])
}
