package validation_test

import (
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
	"github.com/fleetapi/fleet/pkg/apis/fleet/validation"
)

func validContent() *v1alpha1.Content {
	sum := strings.Repeat("0123456789abcdef", 4)
	return &v1alpha1.Content{
		ObjectMeta: metav1.ObjectMeta{Name: "s-" + sum[:61]},
		Content:    []byte{0x1f, 0x8b},
		SHA256Sum:  sum,
	}
}

func TestValidateContent(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*v1alpha1.Content)
		want   []wantErr
	}{
		{name: "valid", mutate: func(*v1alpha1.Content) {}},
		{name: "checksum may be empty", mutate: func(c *v1alpha1.Content) { c.SHA256Sum = "" }},
		{name: "upper-case checksum", mutate: func(c *v1alpha1.Content) { c.SHA256Sum = strings.ToUpper(c.SHA256Sum) }, want: []wantErr{invalid("sha256sum")}},
		{name: "short checksum", mutate: func(c *v1alpha1.Content) { c.SHA256Sum = "abc" }, want: []wantErr{invalid("sha256sum")}},
		{
			name:   "cluster-scoped: namespace is forbidden",
			mutate: func(c *v1alpha1.Content) { c.Namespace = "fleet-default" },
			want:   []wantErr{forbidden("metadata.namespace")},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := validContent()
			tt.mutate(c)
			assertErrors(t, validation.ValidateContent(c), tt.want...)
		})
	}
}

func TestValidateContentUpdate(t *testing.T) {
	oldObj := validContent()
	oldObj.ObjectMeta.ResourceVersion = "1"
	tests := []struct {
		name   string
		mutate func(*v1alpha1.Content)
		want   []wantErr
	}{
		{name: "finalizers may change", mutate: func(c *v1alpha1.Content) { c.Finalizers = nil }},
		{name: "content is immutable", mutate: func(c *v1alpha1.Content) { c.Content = []byte("x") }, want: []wantErr{invalid("content")}},
		{
			name:   "checksum is immutable",
			mutate: func(c *v1alpha1.Content) { c.SHA256Sum = strings.Repeat("f", 64) },
			want:   []wantErr{invalid("sha256sum")},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			newObj := oldObj.DeepCopy()
			tt.mutate(newObj)
			assertErrors(t, validation.ValidateContentUpdate(newObj, oldObj), tt.want...)
		})
	}

	t.Run("status reference count", func(t *testing.T) {
		newObj := oldObj.DeepCopy()
		newObj.Status.ReferenceCount = -1
		assertErrors(t, validation.ValidateContentStatusUpdate(newObj, oldObj), invalid("status.referenceCount"))
	})
}
