package validation_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// wantErr is an expected validation error: its type and exact field path.
type wantErr struct {
	typ   field.ErrorType
	field string
}

func required(path string) wantErr     { return wantErr{field.ErrorTypeRequired, path} }
func invalid(path string) wantErr      { return wantErr{field.ErrorTypeInvalid, path} }
func forbidden(path string) wantErr    { return wantErr{field.ErrorTypeForbidden, path} }
func notSupported(path string) wantErr { return wantErr{field.ErrorTypeNotSupported, path} }
func duplicate(path string) wantErr    { return wantErr{field.ErrorTypeDuplicate, path} }
func tooLong(path string) wantErr      { return wantErr{field.ErrorTypeTooLong, path} }

func (w wantErr) String() string { return fmt.Sprintf("%s: %s", w.field, w.typ) }

// assertErrors checks that got holds exactly the wanted errors, in any order.
func assertErrors(t *testing.T, got field.ErrorList, want ...wantErr) {
	t.Helper()
	gotKeys := make([]string, 0, len(got))
	for _, e := range got {
		gotKeys = append(gotKeys, wantErr{e.Type, e.Field}.String())
	}
	wantKeys := make([]string, 0, len(want))
	for _, w := range want {
		wantKeys = append(wantKeys, w.String())
	}
	slices.Sort(gotKeys)
	slices.Sort(wantKeys)
	if !slices.Equal(gotKeys, wantKeys) {
		t.Errorf("errors mismatch\n got: %s\nwant: %s\nfull: %v",
			strings.Join(gotKeys, "; "), strings.Join(wantKeys, "; "), got.ToAggregate())
	}
}

// objectMeta is valid metadata of a namespaced object.
func objectMeta(name string) metav1.ObjectMeta {
	return metav1.ObjectMeta{Name: name, Namespace: "fleet-default"}
}

// metav1ObjectMeta is valid metadata of an object in the given namespace.
func metav1ObjectMeta(name, namespace string) metav1.ObjectMeta {
	return metav1.ObjectMeta{Name: name, Namespace: namespace}
}

// forUpdate returns metadata as stored, with the resourceVersion an update requires.
func forUpdate(m metav1.ObjectMeta) metav1.ObjectMeta {
	m.ResourceVersion = "1"
	return m
}

func duration(d time.Duration) *metav1.Duration { return &metav1.Duration{Duration: d} }

// badSelector is a label selector with an invalid operator.
func badSelector() *metav1.LabelSelector {
	return &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "env", Operator: "Near"}}}
}

func goodSelector() *metav1.LabelSelector {
	return &metav1.LabelSelector{MatchLabels: map[string]string{"env": "prod"}}
}
