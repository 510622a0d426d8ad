//go:build tools

// Package tools pins build-time tools so that `go mod tidy` keeps them.
package tools

import (
	_ "k8s.io/code-generator"
)
