// Command models-schema prints the OpenAPI v2 definitions of the generated models as one Swagger document.
// hack/update-codegen.sh feeds it to applyconfiguration-gen, which needs the schemas to generate typed
// server-side-apply configurations.
package main

import (
	"encoding/json"
	"fmt"
	"os"

	"k8s.io/kube-openapi/pkg/common"
	"k8s.io/kube-openapi/pkg/validation/spec"

	"github.com/fleetapi/fleet/pkg/generated/openapi"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintf(os.Stderr, "models-schema: %v\n", err)
		os.Exit(1)
	}
}

func run() error {
	ref := func(name string) spec.Ref { return spec.MustCreateRef("#/definitions/" + name) }
	defs := openapi.GetOpenAPIDefinitions(ref)
	schemas := make(map[string]spec.Schema, len(defs))
	for name, def := range defs {
		schema := def.Schema
		// A definition may embed a separate v2 schema; applyconfiguration-gen reads v2.
		if v2, ok := def.Schema.Extensions[common.ExtensionV2Schema].(spec.Schema); ok {
			schema = v2
		}
		schemas[name] = schema
	}
	doc := spec.Swagger{SwaggerProps: spec.SwaggerProps{
		Swagger:     "2.0",
		Info:        &spec.Info{InfoProps: spec.InfoProps{Title: "fleet.cattle.io", Version: "unversioned"}},
		Definitions: schemas,
	}}
	data, err := json.Marshal(&doc)
	if err != nil {
		return fmt.Errorf("encode definitions: %w", err)
	}
	_, err = os.Stdout.Write(data)
	return err
}
