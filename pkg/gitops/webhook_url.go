package gitops

import (
	"net/url"
	"strings"

	"github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
)

// repoURLIndex is the GitRepo informer index that maps a normalized repository URL to the GitRepos
// following it, so a webhook finds its GitRepos without walking all of them.
const repoURLIndex = "gitops.fleet.cattle.io/repo-url"

// normalizeRepoURL reduces the ways one repository is written to one key, "host/path":
//
//   - https://host/org/repo(.git), http://, git://, ssh://[user@]host[:port]/org/repo(.git) and the
//     scp-like user@host:org/repo(.git) all become "host/org/repo";
//   - the user information (user, password) and the port are dropped: the SSH and HTTPS URLs of one
//     repository differ in both (Bitbucket Server serves SSH on 7999, many GitLabs on 2222);
//   - the whole key is lower-cased (hosts are case-insensitive, and GitHub, GitLab and Bitbucket treat
//     paths case-insensitively too), and a trailing "/" and ".git" are removed.
//
// A key that is too broad only makes a GitRepo a candidate: it is triggered only if the request is
// verified with that GitRepo's own secret. It returns "" for what is not a repository URL.
func normalizeRepoURL(raw string) string {
	s := strings.TrimSpace(raw)
	if s == "" {
		return ""
	}
	var host, path string
	if scpLike(s) {
		hostPart, p, _ := strings.Cut(s, ":")
		if i := strings.LastIndex(hostPart, "@"); i >= 0 {
			hostPart = hostPart[i+1:]
		}
		host, path = hostPart, p
	} else {
		u, err := url.Parse(s)
		if err != nil {
			return ""
		}
		switch strings.ToLower(u.Scheme) {
		case "http", "https", "ssh", "git", "git+ssh", "ssh+git":
		default:
			return ""
		}
		host, path = u.Hostname(), u.Path
	}
	for prev := ""; prev != path; {
		prev = path
		path = strings.TrimSuffix(strings.Trim(path, "/"), ".git")
	}
	if host == "" || path == "" {
		return ""
	}
	return strings.ToLower(host + "/" + path)
}

// scpLike reports whether s is git's scp-like syntax [user@]host:path: no scheme, and a colon before
// the first slash.
func scpLike(s string) bool {
	if strings.Contains(s, "://") {
		return false
	}
	colon := strings.Index(s, ":")
	slash := strings.Index(s, "/")
	return colon > 0 && (slash < 0 || colon < slash)
}

// indexByRepoURL is the index function of repoURLIndex.
func indexByRepoURL(obj any) ([]string, error) {
	gr, ok := obj.(*v1alpha1.GitRepo)
	if !ok {
		return nil, nil
	}
	if key := normalizeRepoURL(gr.Spec.Repo); key != "" {
		return []string{key}, nil
	}
	return nil, nil
}
