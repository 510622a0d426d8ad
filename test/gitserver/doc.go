// Package gitserver runs real git servers on 127.0.0.1 for tests: git's smart-HTTP protocol
// (`git http-backend` behind net/http/cgi, optionally with basic auth), and helpers to create bare
// repositories and push commits to them with the git CLI. Every request is recorded with its time,
// so tests can assert on when a client came, not on how long they slept.
//
// Not yet here: `git daemon`, an SSH git server, a chart repository and an OCI registry.
package gitserver
