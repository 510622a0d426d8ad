package controller

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/klog/v2"

	"github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
	"github.com/fleetapi/fleet/pkg/conditions"
)

// Event types, as in core/v1 Events.
const (
	EventNormal  = "Normal"
	EventWarning = "Warning"
)

// EventRecorder records events about objects. It is the subset of client-go's
// record.EventRecorder the controllers use, so that one backed by a core events API can be used.
type EventRecorder interface {
	Eventf(obj runtime.Object, eventType, reason, messageFmt string, args ...any)
}

// LogRecorder writes events to the structured log. It is the recorder of standalone mode, which has
// no core API to store Event objects in.
type LogRecorder struct {
	// Component names the controller in the log line.
	Component string
}

var _ EventRecorder = LogRecorder{}

// Eventf logs the event; warnings at level 0, normal events at level 2.
func (r LogRecorder) Eventf(obj runtime.Object, eventType, reason, messageFmt string, args ...any) {
	msg := fmt.Sprintf(messageFmt, args...)
	ref := klog.KObj(objectMeta(obj))
	kind := obj.GetObjectKind().GroupVersionKind().Kind
	if kind == "" { // objects from listers carry no TypeMeta
		kind = strings.TrimPrefix(fmt.Sprintf("%T", obj), "*v1alpha1.")
	}
	if eventType == EventWarning {
		klog.InfoS("Event", "component", r.Component, "object", ref, "kind", kind, "type", eventType, "reason", reason, "message", msg)
		return
	}
	klog.V(2).InfoS("Event", "component", r.Component, "object", ref, "kind", kind, "type", eventType, "reason", reason, "message", msg)
}

func objectMeta(obj runtime.Object) klog.KMetadata {
	if m, ok := obj.(klog.KMetadata); ok {
		return m
	}
	return nil
}

// WarnOnNewFailure records a Warning event for a failed reconcile whose message differs from the
// Ready condition's in old (the status before it), so a failure that repeats on every poll is
// recorded once, not per poll. A cancelled context (shutdown) is not a failure.
func WarnOnNewFailure(rec EventRecorder, obj runtime.Object, old []v1alpha1.GenericCondition, err error, reason, msg string) {
	if err == nil || errors.Is(err, context.Canceled) {
		return
	}
	if c := conditions.Find(old, v1alpha1.ConditionReady); c == nil || c.Message != msg {
		rec.Eventf(obj, EventWarning, reason, "%s", msg)
	}
}
