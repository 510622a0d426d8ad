// Package gitserver runs real git servers on 127.0.0.1 for tests, over one set of bare repositories:
//
//   - NewHTTP: git's smart-HTTP protocol (`git http-backend` behind net/http/cgi), optionally with
//     basic auth (WithBasicAuth) or HTTPS with a certificate for 127.0.0.1 and example.com
//     (WithTLS; CACert is the caBundle).
//   - NewSSH: an SSH server built with golang.org/x/crypto/ssh: a generated ed25519 host key
//     (KnownHosts gives its known_hosts line, KnownHostsLine one for any key), public-key client
//     authentication for the keys given (NewSSHKey makes one), and `exec` of git-upload-pack and
//     git-receive-pack run with the git binary.
//   - NewDaemon: `git daemon` (git://), started on a free port and waited for until it says it
//     listens; it and its children are killed at cleanup.
//   - NewProxy: a forward HTTP proxy (plain requests and CONNECT) for host names that do not
//     resolve, since Go never proxies 127.0.0.1.
//
// NewRepo creates a bare repository in an HTTP Server's Root and Commit pushes to it with the git
// CLI; NewSSH and NewDaemon take that Root, so one Repo is served over several transports. Every
// server records what it received with the time (Requests, Attempts), so tests can assert on when
// and how a client came, not on how long they slept.
//
// Not yet here: a chart repository and an OCI registry.
package gitserver
