package fleet

import (
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apiextensions-apiserver/pkg/registry/customresource/tableconvertor"
	"k8s.io/apiserver/pkg/registry/rest"
)

// ageColumn ends every table, as kubectl users expect from built-in kinds.
var ageColumn = apiextensionsv1.CustomResourceColumnDefinition{
	Name: "Age", Type: "date", JSONPath: ".metadata.creationTimestamp",
}

// newTableConvertor builds the table of a kind from its JSONPath columns, as CRD printer columns work. Our
// objects carry the external JSON shape (the server is versioned-only), so Fleet's JSONPaths apply as is.
func newTableConvertor(columns []apiextensionsv1.CustomResourceColumnDefinition) (rest.TableConvertor, error) {
	all := append(append([]apiextensionsv1.CustomResourceColumnDefinition{}, columns...), ageColumn)
	return tableconvertor.New(all)
}

// column is shorthand for a string column.
func column(name, jsonPath string) apiextensionsv1.CustomResourceColumnDefinition {
	return apiextensionsv1.CustomResourceColumnDefinition{Name: name, Type: "string", JSONPath: jsonPath}
}

// wideColumn is a string column shown only with -o wide.
func wideColumn(name, jsonPath string) apiextensionsv1.CustomResourceColumnDefinition {
	c := column(name, jsonPath)
	c.Priority = 1
	return c
}

// readyMessage is Fleet's Status column: the message of the Ready condition.
var readyMessage = column("Status", `.status.conditions[?(@.type=="Ready")].message`)
