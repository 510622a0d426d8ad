package validation

import (
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
	return errs
}
