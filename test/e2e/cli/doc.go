// Package cli holds the golden tests of the fleet CLI over test/fixtures: for every fixture,
// `fleet apply -o - test` and `fleet test` (per environment for multi-cluster fixtures) are
// compared with the files under test/fixtures/expected. Regenerate them with
//
//	go test ./test/e2e/cli -update
package cli
