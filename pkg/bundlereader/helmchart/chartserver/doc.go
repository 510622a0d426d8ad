// Package chartserver serves Helm charts on 127.0.0.1 for tests: a chart repository (index.yaml
// and .tgz archives over HTTP) and a minimal OCI distribution registry that serves charts the way
// `helm push` stores them (read-only: manifests, blobs and tag lists). Both servers are stopped
// by the test's cleanup. Charts are packaged from directories with the Helm SDK, at start-up or
// later with Add (publishing a new version while a test runs); RequireBasicAuth puts either server
// behind HTTP basic authentication.
package chartserver
