// Package framework starts the real fleet-apiserver binary for tests and drives it with the real kubectl
// and the generated clientset. Servers listen on 127.0.0.1 only and are stopped by t.Cleanup.
package framework
