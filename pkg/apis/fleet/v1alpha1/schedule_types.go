package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// +genclient
// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// Schedule restricts deployments to the clusters it targets to recurring time windows (experimental).
// Outside a window, the BundleDeployments of those clusters are marked offSchedule and the agents
// do not deploy them.
type Schedule struct {
	metav1.TypeMeta `json:",inline"`
	// Standard object metadata.
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// Spec sets the window and the clusters.
	// +optional
	Spec ScheduleSpec `json:"spec,omitempty"`
	// Status reports whether the window is active.
	// +optional
	Status ScheduleStatus `json:"status,omitempty"`
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// ScheduleList is a list of Schedules.
type ScheduleList struct {
	metav1.TypeMeta `json:",inline"`
	// Standard list metadata.
	// +optional
	metav1.ListMeta `json:"metadata,omitempty"`
	// Items are the Schedules.
	Items []Schedule `json:"items"`
}

// ScheduleSpec sets a recurring deployment window.
type ScheduleSpec struct {
	// Schedule is a cron expression with seconds ("<sec> <min> <hour> <day> <month> <weekday>"),
	// e.g. "0 0 22 * * *" for 22:00 every day; each match opens a window. Required.
	// +required
	Schedule string `json:"schedule"`
	// Duration is how long each window stays open, a Go duration such as "2h". Required, > 0.
	// +required
	Duration metav1.Duration `json:"duration"`
	// Location is the IANA time zone of the schedule, e.g. "Europe/Berlin". Defaults to UTC.
	// +optional
	Location string `json:"location,omitempty"`
	// Targets are the clusters the schedule applies to.
	// +optional
	Targets ScheduleTargets `json:"targets,omitempty"`
}

// ScheduleTargets lists the targets of a Schedule.
type ScheduleTargets struct {
	// Clusters select clusters in the Schedule's namespace, like GitRepo targets.
	// +optional
	// +listType=atomic
	Clusters []ScheduleTarget `json:"clusters,omitempty"`
}

// ScheduleTarget selects clusters affected by a Schedule.
type ScheduleTarget struct {
	// Name of the target.
	// +optional
	Name string `json:"name,omitempty"`
	// ClusterName matches a Cluster by name.
	// +optional
	ClusterName string `json:"clusterName,omitempty"`
	// ClusterSelector matches clusters by their labels.
	// +optional
	ClusterSelector *metav1.LabelSelector `json:"clusterSelector,omitempty"`
	// ClusterGroup matches clusters of the ClusterGroup with this name.
	// +optional
	ClusterGroup string `json:"clusterGroup,omitempty"`
	// ClusterGroupSelector matches clusters of ClusterGroups with these labels.
	// +optional
	ClusterGroupSelector *metav1.LabelSelector `json:"clusterGroupSelector,omitempty"`
}

// ScheduleStatus reports whether a Schedule's window is active.
type ScheduleStatus struct {
	// Active is true while a window is open.
	// +optional
	Active bool `json:"active,omitempty"`
	// NextStartTime is when the next window opens.
	// +optional
	NextStartTime metav1.Time `json:"nextStartTime,omitempty"`
	// Conditions describe the state of the Schedule.
	// +optional
	// +listType=map
	// +listMapKey=type
	Conditions []GenericCondition `json:"conditions,omitempty"`
	// MatchingClusters are the names of the clusters targeted by the Schedule.
	// +optional
	// +listType=atomic
	MatchingClusters []string `json:"matchingClusters,omitempty"`
}
