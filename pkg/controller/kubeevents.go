package controller

import (
	"context"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	"k8s.io/client-go/kubernetes"
	typedcorev1 "k8s.io/client-go/kubernetes/typed/core/v1"
	"k8s.io/client-go/tools/record"

	"github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
)

// eventScheme knows the fleet.cattle.io kinds, so events can name the objects they are about.
var eventScheme = func() *runtime.Scheme {
	s := runtime.NewScheme()
	utilruntime.Must(v1alpha1.AddToScheme(s))
	return s
}()

// NewKubeRecorder returns a recorder that stores core/v1 Events in the cluster the server runs
// behind (so `kubectl describe gitrepo` and `kubectl get events` show them) and also writes them to
// the log, as LogRecorder does. Client-go's broadcaster aggregates repeated events and rate-limits
// them per object. It stops when ctx is done.
func NewKubeRecorder(ctx context.Context, client kubernetes.Interface, component string) EventRecorder {
	b := record.NewBroadcaster(record.WithContext(ctx))
	b.StartRecordingToSink(&typedcorev1.EventSinkImpl{Interface: client.CoreV1().Events("")})
	go func() {
		<-ctx.Done()
		b.Shutdown()
	}()
	return multiRecorder{
		b.NewRecorder(eventScheme, corev1.EventSource{Component: "fleet-apiserver/" + component}),
		LogRecorder{Component: component},
	}
}

// multiRecorder records each event with every recorder.
type multiRecorder []EventRecorder

func (m multiRecorder) Eventf(obj runtime.Object, eventType, reason, messageFmt string, args ...any) {
	for _, r := range m {
		r.Eventf(obj, eventType, reason, messageFmt, args...)
	}
}
