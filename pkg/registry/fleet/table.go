package fleet

import (
	"context"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apiextensions-apiserver/pkg/registry/customresource/tableconvertor"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
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
	c, err := tableconvertor.New(all)
	if err != nil {
		return nil, err
	}
	return nullCells{c}, nil
}

// nullCells leaves empty the cells of fields that are null in our objects (a Cluster's
// status.agent.lastSeen before its agent checked in), where the CRD convertor prints "<no value>":
// a CRD's stored objects have no nulls (they are pruned), so Fleet shows nothing there.
type nullCells struct{ rest.TableConvertor }

const noValue = "<no value>"

func (n nullCells) ConvertToTable(ctx context.Context, obj, tableOptions runtime.Object) (*metav1.Table, error) {
	t, err := n.TableConvertor.ConvertToTable(ctx, obj, tableOptions)
	if err != nil || t == nil {
		return t, err
	}
	for i := range t.Rows {
		for j, cell := range t.Rows[i].Cells {
			if cell == noValue {
				t.Rows[i].Cells[j] = nil
			}
		}
	}
	return t, nil
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
