package fleet

import (
	"reflect"

	apiequality "k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/runtime"
)

// The helpers below work on any of our kinds through reflection on the top-level Go fields: every kind is a
// struct with TypeMeta, ObjectMeta and, when it has one, Status. Everything else (Spec, or the top-level
// fields of the flat kinds) is "the desired state".

func structOf(obj runtime.Object) reflect.Value { return reflect.ValueOf(obj).Elem() }

// clearStatus zeroes the status of obj, if it has one.
func clearStatus(obj runtime.Object) {
	if f := structOf(obj).FieldByName("Status"); f.IsValid() {
		f.Set(reflect.Zero(f.Type()))
	}
}

// copyStatus sets the status of dst to the status of src.
func copyStatus(dst, src runtime.Object) {
	if f := structOf(dst).FieldByName("Status"); f.IsValid() {
		f.Set(structOf(src).FieldByName("Status"))
	}
}

// desiredStateEqual reports whether a and b are equal in everything but TypeMeta, ObjectMeta and Status.
func desiredStateEqual(a, b runtime.Object) bool {
	va, vb := structOf(a), structOf(b)
	for i := 0; i < va.NumField(); i++ {
		switch va.Type().Field(i).Name {
		case "TypeMeta", "ObjectMeta", "Status":
			continue
		}
		if !apiequality.Semantic.DeepEqual(va.Field(i).Interface(), vb.Field(i).Interface()) {
			return false
		}
	}
	return true
}

// desiredStateJSONFields returns the JSON names of the top-level fields that are neither metadata nor status:
// what a status update must not change.
func desiredStateJSONFields(obj runtime.Object) []string {
	t := structOf(obj).Type()
	var names []string
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		switch f.Name {
		case "TypeMeta", "ObjectMeta", "Status":
			continue
		}
		name := f.Tag.Get("json")
		for j := 0; j < len(name); j++ {
			if name[j] == ',' {
				name = name[:j]
				break
			}
		}
		if name != "" && name != "-" {
			names = append(names, name)
		}
	}
	return names
}
