package fleet

import (
	"fmt"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/apiserver/pkg/registry/rest"

	v1 "github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
	"github.com/fleetapi/fleet/pkg/apis/fleet/validation"
	"github.com/fleetapi/fleet/pkg/manifest"
	"github.com/fleetapi/fleet/pkg/registry/fleet/bundledeployment"
	"github.com/fleetapi/fleet/pkg/storage/pairs"
)

// typed adapts a validation function of one kind to the runtime.Object signature of Definition.
func typed[T runtime.Object](f func(T) field.ErrorList) func(runtime.Object) field.ErrorList {
	return func(obj runtime.Object) field.ErrorList { return f(obj.(T)) }
}

// typedUpdate adapts an update validation function of one kind.
func typedUpdate[T runtime.Object](f func(T, T) field.ErrorList) func(runtime.Object, runtime.Object) field.ErrorList {
	return func(obj, old runtime.Object) field.ErrorList { return f(obj.(T), old.(T)) }
}

var fleetCategory = []string{"fleet"}

// Definitions returns every stored kind of fleet.cattle.io/v1alpha1, with Fleet's printer columns
// (reference/fleet.md §1.1), in a stable order.
func Definitions() []*Definition {
	return []*Definition{
		{
			Kind: "GitRepo", Resource: "gitrepos", Singular: "gitrepo", ShortNames: []string{"gr"}, Categories: fleetCategory,
			HasStatus: true, New: func() runtime.Object { return &v1.GitRepo{} }, NewList: func() runtime.Object { return &v1.GitRepoList{} },
			Validate: typed(validation.ValidateGitRepo), ValidateUpdate: typedUpdate(validation.ValidateGitRepoUpdate),
			ValidateStatusUpdate: typedUpdate(validation.ValidateGitRepoStatusUpdate),
			ServerStatus: func(obj, old runtime.Object) {
				if old != nil {
					repoServerStatus(&obj.(*v1.GitRepo).Status.StatusBase, &old.(*v1.GitRepo).Status.StatusBase)
				}
			},
			Columns: []apiextensionsv1.CustomResourceColumnDefinition{
				column("Repo", ".spec.repo"), column("Commit", ".status.commit"),
				column("BundleDeployments-Ready", ".status.display.readyBundleDeployments"), readyMessage,
			},
		},
		{
			Kind: "HelmOp", Resource: "helmops", Singular: "helmop", ShortNames: []string{"hop"}, Categories: fleetCategory,
			HasStatus: true, New: func() runtime.Object { return &v1.HelmOp{} }, NewList: func() runtime.Object { return &v1.HelmOpList{} },
			Validate: typed(validation.ValidateHelmOp), ValidateUpdate: typedUpdate(validation.ValidateHelmOpUpdate),
			ValidateStatusUpdate: typedUpdate(validation.ValidateHelmOpStatusUpdate),
			ServerStatus: func(obj, old runtime.Object) {
				if old != nil {
					repoServerStatus(&obj.(*v1.HelmOp).Status.StatusBase, &old.(*v1.HelmOp).Status.StatusBase)
				}
			},
			Columns: []apiextensionsv1.CustomResourceColumnDefinition{
				column("Repo", ".spec.helm.repo"), column("Chart", ".spec.helm.chart"), column("Version", ".status.version"),
				column("BundleDeployments-Ready", ".status.display.readyBundleDeployments"), readyMessage,
			},
		},
		{
			Kind: "Bundle", Resource: "bundles", Singular: "bundle",
			HasStatus: true, New: func() runtime.Object { return &v1.Bundle{} }, NewList: func() runtime.Object { return &v1.BundleList{} },
			Validate: typed(validation.ValidateBundle), ValidateUpdate: typedUpdate(validation.ValidateBundleUpdate),
			ValidateStatusUpdate: typedUpdate(validation.ValidateBundleStatusUpdate),
			ServerStatus:         bundleServerStatus,
			Columns: []apiextensionsv1.CustomResourceColumnDefinition{
				column("BundleDeployments-Ready", ".status.display.readyClusters"), readyMessage,
			},
		},
		{
			Kind: "BundleDeployment", Resource: "bundledeployments", Singular: "bundledeployment", ShortNames: []string{"bd"},
			HasStatus: true, New: func() runtime.Object { return &v1.BundleDeployment{} }, NewList: func() runtime.Object { return &v1.BundleDeploymentList{} },
			Storage:  bundleDeploymentStorage,
			Validate: typed(validation.ValidateBundleDeployment), ValidateUpdate: typedUpdate(validation.ValidateBundleDeploymentUpdate),
			ValidateStatusUpdate: typedUpdate(validation.ValidateBundleDeploymentStatusUpdate),
			Columns: []apiextensionsv1.CustomResourceColumnDefinition{
				column("Deployed", ".status.display.deployed"), column("Monitored", ".status.display.monitored"), readyMessage,
			},
		},
		{
			Kind: "Content", Resource: "contents", Singular: "content", ClusterScoped: true,
			HasStatus: true, New: func() runtime.Object { return &v1.Content{} }, NewList: func() runtime.Object { return &v1.ContentList{} },
			Validate: typed(validation.ValidateContent), ValidateUpdate: typedUpdate(validation.ValidateContentUpdate),
			ValidateStatusUpdate: typedUpdate(validation.ValidateContentStatusUpdate),
		},
		{
			Kind: "Cluster", Resource: "clusters", Singular: "cluster",
			HasStatus: true, New: func() runtime.Object { return &v1.Cluster{} }, NewList: func() runtime.Object { return &v1.ClusterList{} },
			Validate: typed(validation.ValidateCluster), ValidateUpdate: typedUpdate(validation.ValidateClusterUpdate),
			ValidateStatusUpdate: typedUpdate(validation.ValidateClusterStatusUpdate),
			ServerStatus:         clusterServerStatus,
			Columns: []apiextensionsv1.CustomResourceColumnDefinition{
				column("Bundles-Ready", ".status.display.readyBundles"), column("Last-Seen", ".status.agent.lastSeen"), readyMessage,
			},
		},
		{
			Kind: "ClusterGroup", Resource: "clustergroups", Singular: "clustergroup", ShortNames: []string{"cg"}, Categories: fleetCategory,
			HasStatus: true, New: func() runtime.Object { return &v1.ClusterGroup{} }, NewList: func() runtime.Object { return &v1.ClusterGroupList{} },
			Validate: typed(validation.ValidateClusterGroup), ValidateUpdate: typedUpdate(validation.ValidateClusterGroupUpdate),
			ValidateStatusUpdate: typedUpdate(validation.ValidateClusterGroupStatusUpdate),
			ServerStatus:         groupServerStatus,
			Columns: []apiextensionsv1.CustomResourceColumnDefinition{
				column("Clusters-Ready", ".status.display.readyClusters"), column("Bundles-Ready", ".status.display.readyBundles"), readyMessage,
			},
		},
		{
			Kind: "ClusterRegistration", Resource: "clusterregistrations", Singular: "clusterregistration",
			HasStatus: true, New: func() runtime.Object { return &v1.ClusterRegistration{} }, NewList: func() runtime.Object { return &v1.ClusterRegistrationList{} },
			Validate: typed(validation.ValidateClusterRegistration), ValidateUpdate: typedUpdate(validation.ValidateClusterRegistrationUpdate),
			ValidateStatusUpdate: typedUpdate(validation.ValidateClusterRegistrationStatusUpdate),
			Columns: []apiextensionsv1.CustomResourceColumnDefinition{
				column("Cluster-Name", ".status.clusterName"), column("Labels", ".spec.clusterLabels"),
			},
		},
		{
			Kind: "ClusterRegistrationToken", Resource: "clusterregistrationtokens", Singular: "clusterregistrationtoken", ShortNames: []string{"crt"},
			HasStatus: true, New: func() runtime.Object { return &v1.ClusterRegistrationToken{} }, NewList: func() runtime.Object { return &v1.ClusterRegistrationTokenList{} },
			Validate: typed(validation.ValidateClusterRegistrationToken), ValidateUpdate: typedUpdate(validation.ValidateClusterRegistrationTokenUpdate),
			ValidateStatusUpdate: typedUpdate(validation.ValidateClusterRegistrationTokenStatusUpdate),
			Columns:              []apiextensionsv1.CustomResourceColumnDefinition{column("Secret-Name", ".status.secretName")},
		},
		{
			Kind: "GitRepoRestriction", Resource: "gitreporestrictions", Singular: "gitreporestriction",
			New: func() runtime.Object { return &v1.GitRepoRestriction{} }, NewList: func() runtime.Object { return &v1.GitRepoRestrictionList{} },
			Validate: typed(validation.ValidateGitRepoRestriction), ValidateUpdate: typedUpdate(validation.ValidateGitRepoRestrictionUpdate),
			Columns: []apiextensionsv1.CustomResourceColumnDefinition{
				column("Default-ServiceAccount", ".defaultServiceAccount"), column("Allowed-ServiceAccounts", ".allowedServiceAccounts"),
			},
		},
		{
			Kind: "BundleNamespaceMapping", Resource: "bundlenamespacemappings", Singular: "bundlenamespacemapping",
			New: func() runtime.Object { return &v1.BundleNamespaceMapping{} }, NewList: func() runtime.Object { return &v1.BundleNamespaceMappingList{} },
			Validate: typed(validation.ValidateBundleNamespaceMapping), ValidateUpdate: typedUpdate(validation.ValidateBundleNamespaceMappingUpdate),
		},
		{
			Kind: "Schedule", Resource: "schedules", Singular: "schedule",
			HasStatus: true, New: func() runtime.Object { return &v1.Schedule{} }, NewList: func() runtime.Object { return &v1.ScheduleList{} },
			Validate: typed(validation.ValidateSchedule), ValidateUpdate: typedUpdate(validation.ValidateScheduleUpdate),
			ValidateStatusUpdate: typedUpdate(validation.ValidateScheduleStatusUpdate),
			Columns: []apiextensionsv1.CustomResourceColumnDefinition{
				column("Schedule", ".spec.schedule"), column("Duration", ".spec.duration"),
				column("Active", ".status.active"), column("NextStart", ".status.nextStartTime"),
			},
		},
		{
			Kind: "ImageScan", Resource: "imagescans", Singular: "imagescan",
			HasStatus: true, New: func() runtime.Object { return &v1.ImageScan{} }, NewList: func() runtime.Object { return &v1.ImageScanList{} },
			Validate: typed(validation.ValidateImageScan), ValidateUpdate: typedUpdate(validation.ValidateImageScanUpdate),
			ValidateStatusUpdate: typedUpdate(validation.ValidateImageScanStatusUpdate),
			Columns: []apiextensionsv1.CustomResourceColumnDefinition{
				column("Repository", ".spec.image"), column("Latest", ".status.latestTag"),
			},
		},
		{
			Kind: "Policy", Resource: "policies", Singular: "policy",
			New: func() runtime.Object { return &v1.Policy{} }, NewList: func() runtime.Object { return &v1.PolicyList{} },
			Validate: typed(validation.ValidatePolicy), ValidateUpdate: typedUpdate(validation.ValidatePolicyUpdate),
		},
	}
}

// bundleServerStatus keeps what the server computes of a Bundle (pkg/storage/pairs: the summary
// of its BundleDeployments, the display, the rollout, the generation it observed and Ready) as
// stored: a client's status write cannot change them.
func bundleServerStatus(obj, old runtime.Object) {
	if old == nil {
		return // a new Bundle starts without status; the server computes it
	}
	st, prev := &obj.(*v1.Bundle).Status, &old.(*v1.Bundle).Status
	st.Summary, st.Display, st.ObservedGeneration = prev.Summary, prev.Display, prev.ObservedGeneration
	st.NewlyCreated, st.Unavailable, st.MaxUnavailable = prev.NewlyCreated, prev.Unavailable, prev.MaxUnavailable
	st.UnavailablePartitions, st.MaxUnavailablePartitions = prev.UnavailablePartitions, prev.MaxUnavailablePartitions
	st.PartitionStatus = prev.PartitionStatus
	keepCondition(&st.Conditions, prev.Conditions, v1.ConditionReady)
}

// repoServerStatus keeps what the server computes of a GitRepo or a HelmOp (the summary of its
// Bundles' BundleDeployments, readyBundleDeployments) as stored; the rest of its status is its
// controller's.
func repoServerStatus(st, prev *v1.StatusBase) {
	st.Summary, st.Display.ReadyBundleDeployments = prev.Summary, prev.Display.ReadyBundleDeployments
}

// groupServerStatus keeps what the server computes of a ClusterGroup (its members' counts and
// summary, the display, Ready) as stored.
func groupServerStatus(obj, old runtime.Object) {
	if old == nil {
		return
	}
	st, prev := &obj.(*v1.ClusterGroup).Status, &old.(*v1.ClusterGroup).Status
	st.ClusterCount, st.NonReadyClusterCount, st.NonReadyClusters = prev.ClusterCount, prev.NonReadyClusterCount, prev.NonReadyClusters
	st.Summary, st.Display = prev.Summary, prev.Display
	keepCondition(&st.Conditions, prev.Conditions, v1.ConditionReady)
}

// clusterServerStatus sets a Cluster's namespace for its BundleDeployments, Fleet's
// cluster-<workspace>-<name>-<hash> (nothing creates that namespace in kube-apiserver: the
// BundleDeployments in it are served by this server), and keeps what the server computes (the
// summary of its BundleDeployments, ready bundles, Ready) as stored. Its display state follows the
// agent's check-in at once.
func clusterServerStatus(obj, old runtime.Object) {
	c := obj.(*v1.Cluster)
	c.Status.Namespace = manifest.ClusterNamespace(c.Namespace, c.Name)
	if old != nil {
		prev := &old.(*v1.Cluster).Status
		c.Status.Summary, c.Status.Display.ReadyBundles = prev.Summary, prev.Display.ReadyBundles
		keepCondition(&c.Status.Conditions, prev.Conditions, v1.ConditionReady)
	}
	c.Status.Display.State = pairs.ClusterState(&c.Status, c.Status.Summary)
}

// keepCondition replaces the condition of type t in conds with the one in old (removing it when old
// has none), in place, so that the others keep their order.
func keepCondition(conds *[]v1.GenericCondition, old []v1.GenericCondition, t string) {
	var kept *v1.GenericCondition
	for i := range old {
		if old[i].Type == t {
			kept = &old[i]
		}
	}
	out := (*conds)[:0:0]
	placed := false
	for _, c := range *conds {
		if c.Type != t {
			out = append(out, c)
		} else if kept != nil && !placed {
			out, placed = append(out, *kept), true
		}
	}
	if kept != nil && !placed {
		out = append(out, *kept)
	}
	*conds = out
}

// bundleDeploymentStorage serves BundleDeployments from the pair store, with the kind's columns.
func bundleDeploymentStorage(def *Definition, deps Deps) (rest.Storage, rest.Storage, error) {
	if deps.Pairs == nil {
		return nil, nil, fmt.Errorf("%s: no pair store", def.Resource)
	}
	table, err := newTableConvertor(def.Columns)
	if err != nil {
		return nil, nil, fmt.Errorf("%s columns: %w", def.Resource, err)
	}
	main, status := bundledeployment.NewREST(deps.Pairs, table, bundledeployment.Meta{ShortNames: def.ShortNames, Categories: def.Categories})
	return main, status, nil
}
