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
// ("s-" + hex(sha256(json({"resources": resources}) + "\n")))[:63]. The newline is Fleet's: it
// hashes what a json.Encoder writes, so the IDs (Content names, deployment IDs) are Fleet's.
func ID(resources []v1alpha1.BundleResource) (string, error) {
	sum, err := encodedSum(wireManifest{Resources: resources})
	if err != nil {
		return "", fmt.Errorf("manifest ID: encoding resources: %w", err)
	}
	id := manifestIDPrefix + sum
	return id[:maxIDLen], nil
}

// encodedSum is hex(sha256) of v as a json.Encoder writes it (a trailing newline), as Fleet hashes.
func encodedSum(v any) (string, error) {
	h := sha256.New()
	if err := json.NewEncoder(h).Encode(v); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// OptionsHash returns hex(sha256(json(opts) + "\n")) with Diff and CorrectDrift cleared, as Fleet
// does, so a change of the drift settings alone does not create a new deployment.
func OptionsHash(opts *v1alpha1.BundleDeploymentOptions) (string, error) {
	o := v1alpha1.BundleDeploymentOptions{}
	if opts != nil {
		o = *opts.DeepCopy()
	}
	o.Diff = nil
	o.CorrectDrift = nil
	sum, err := encodedSum(&o)
	if err != nil {
		return "", fmt.Errorf("options hash: encoding options: %w", err)
	}
	return sum, nil
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
