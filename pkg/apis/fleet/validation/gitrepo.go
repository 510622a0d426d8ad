package validation

import (
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
)

// ValidateGitRepo validates a new GitRepo.
func ValidateGitRepo(g *v1alpha1.GitRepo) field.ErrorList {
	errs := validateNamespacedMeta(&g.ObjectMeta)
	return append(errs, validateGitRepoSpec(&g.Spec)...)
}

// ValidateGitRepoUpdate validates an update of a GitRepo's metadata and spec.
func ValidateGitRepoUpdate(newObj, oldObj *v1alpha1.GitRepo) field.ErrorList {
	errs := validateMetaUpdate(&newObj.ObjectMeta, &oldObj.ObjectMeta)
	return append(errs, validateGitRepoSpec(&newObj.Spec)...)
}

// ValidateGitRepoStatusUpdate validates a write to a GitRepo's status.
func ValidateGitRepoStatusUpdate(newObj, oldObj *v1alpha1.GitRepo) field.ErrorList {
	errs := validateMetaUpdate(&newObj.ObjectMeta, &oldObj.ObjectMeta)
	return append(errs, validateConditions(newObj.Status.Conditions, statusPath.Child("conditions"))...)
}

func validateGitRepoSpec(s *v1alpha1.GitRepoSpec) field.ErrorList {
	var errs field.ErrorList
	if s.Repo == "" {
		errs = append(errs, field.Required(specPath.Child("repo"), "the URL of the git repository"))
	}
	errs = append(errs, validateNonNegativeDuration(s.PollingInterval, specPath.Child("pollingInterval"))...)
	errs = append(errs, validateNonNegativeDuration(s.ImageSyncInterval, specPath.Child("imageScanInterval"))...)
	for i, t := range s.Targets {
		errs = append(errs, targetSelectors(t.ClusterSelector, t.ClusterGroupSelector, specPath.Child("targets").Index(i))...)
	}
	if s.HelmRepoURLRegex != "" {
		if _, err := regexp.Compile(s.HelmRepoURLRegex); err != nil {
			errs = append(errs, field.Invalid(specPath.Child("helmRepoURLRegex"), s.HelmRepoURLRegex, err.Error()))
		}
	}
	if len(s.Bundles) > 0 && len(s.Paths) > 0 {
		errs = append(errs, field.Forbidden(specPath.Child("bundles"), "set paths (a scan) or bundles (a driven scan), not both"))
	}
	for i, b := range s.Bundles {
		p := specPath.Child("bundles").Index(i)
		switch {
		case b.Base == "":
			errs = append(errs, field.Required(p.Child("base"), "the bundle's directory, relative to the repository root"))
		case strings.Contains(b.Base, ":"):
			errs = append(errs, field.Invalid(p.Child("base"), b.Base, `must not contain ":"`))
		}
		errs = append(errs, relativeInside(b.Base, p.Child("base"))...)
		errs = append(errs, relativeInside(b.Options, p.Child("options"))...)
	}
	return errs
}

// relativeInside refuses a path that is absolute or climbs out with "..": a driven-scan path is
// relative to the repository (base) or to base (options).
func relativeInside(p string, fp *field.Path) field.ErrorList {
	if p == "" {
		return nil
	}
	if path.IsAbs(p) || slices.Contains(strings.Split(filepath.ToSlash(p), "/"), "..") {
		return field.ErrorList{field.Invalid(fp, p, `must be a relative path without ".."`)}
	}
	return nil
}
